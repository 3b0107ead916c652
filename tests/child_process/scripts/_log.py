from nixloop.errors import UNDEFINED

def s(x):
    if x is None: return 'null'
    if x is UNDEFINED: return 'undefined'
    if x is True: return 'true'
    if x is False: return 'false'
    return str(x)

def log(*a):
    print(' '.join(s(x) for x in a), flush=True)

def ei(e):
    if e is None: return 'null'
    return '|'.join([e.name, str(getattr(e, 'code', None) or ''), str(getattr(e, 'syscall', None) or ''), e.message])

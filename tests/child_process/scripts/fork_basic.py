import json, sys
from nixloop import child_process as cp, node
from nixloop.errors import UNDEFINED

def log(*a):
    def s(x):
        if x is None: return 'null'
        if x is UNDEFINED: return 'undefined'
        if x is True: return 'true'
        if x is False: return 'false'
        return str(x)
    print(' '.join(s(x) for x in a), flush=True)

def main():
    process = node.process
    if sys.argv[1:] == ['child']:
        log('C connected', process.connected, 'function' if callable(process.send) else 'x')
        def on_msg(m, h=None):
            if m == 'bye':
                process.disconnect(); return
            process.send({'echo': m, 'h': 'undef' if h is None else str(h)})
        process.on('message', on_msg)
        process.send('ready')
    else:
        c = cp.fork(__file__, ['child'])
        log('P pid', 'number' if isinstance(c.pid, int) else '?', c.connected)
        c.on('spawn', lambda: log('P spawn'))
        n = [0]
        def on_msg(m, h=None):
            log('P message', json.dumps(m, separators=(',', ':')), UNDEFINED if h is None else h)
            if m == 'ready':
                log('P send ret', c.send([1, 'two', {'three': 3}, None, True])); c.send('x')
            else:
                n[0] += 1
                if n[0] == 2: c.send('bye')
        c.on('message', on_msg)
        c.on('disconnect', lambda: log('P disconnect', c.connected))
        c.on('exit', lambda code, sig: log('P exit', code, sig))
        c.on('close', lambda code, sig: log('P close', code, sig))

node.run(main)

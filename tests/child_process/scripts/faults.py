import os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _log import log, ei
from nixloop import child_process as cp, net, node
from nixloop.timers import setTimeout

def main():
    process = node.process
    if sys.argv[1:2] == ['child']:
        mode = sys.argv[2]
        if mode == 'exit': process.exit(3)
        if mode == 'die': process.on('message', lambda *a: process.kill(process.pid, 'SIGKILL'))
        if mode == 'stay': process.on('message', lambda *a: None)
        return
    c = cp.fork(__file__, ['child', 'exit'])
    c.on('error', lambda e: log('A error', ei(e)))
    def a_exit(code, sig):
        log('A exit', code, sig, c.connected)
        log('A send ret', c.send('late', lambda e: log('A cb', ei(e))))
        log('A send ret2', c.send('late2'))
        try: c.disconnect()
        except Exception as e: log('A disconnect threw', ei(e))
        log('A kill', c.kill())
        setTimeout(step2, 50)
    c.on('exit', a_exit)
    c.on('close', lambda code, sig: log('A close', code))

    def step2():
        d = cp.fork(__file__, ['child', 'stay'])
        d.on('error', lambda e: log('B error', ei(e)))
        d.on('disconnect', lambda: log('B disconnect'))
        d.disconnect()
        log('B connected', d.connected)
        log('B send ret', d.send('x', lambda e: log('B cb', ei(e))))
        try: d.send()
        except Exception as e: log('B send() threw', ei(e))
        try: d.send(object())
        except Exception as e: log('B send sym threw', ei(e))
        try: d.send('x', {})
        except Exception as e: log('B send obj handle threw', ei(e))
        try: d.kill('SIGNOPE')
        except Exception as e: log('B kill threw', ei(e))
        d.on('exit', lambda code, sig: (log('B exit', code, sig), step3()))

    def step3():
        e = cp.fork(__file__, ['child', 'die'])
        e.on('error', lambda er: log('C error', ei(er)))
        e.on('disconnect', lambda: log('C disconnect'))
        e.on('exit', lambda code, sig: (log('C exit', code, sig, e.killed), step4()))
        e.send('die')

    def step4():
        f = cp.fork(__file__, ['child', 'stay'])
        try: f.send('x', {})
        except Exception as er: log('D send bad handle threw', ei(er))
        try:
            f.send('x', net.Socket()); log('D unconnected socket ok')
        except Exception as er: log('D send unconnected socket threw', ei(er))
        f.on('exit', lambda code, sig: log('D exit', code, sig, f.killed))
        log('D kill', f.kill('SIGKILL'), f.killed)

node.run(main)

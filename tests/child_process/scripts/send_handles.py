import json, os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _log import log
from nixloop import child_process as cp, net, node


def child():
    process = node.process
    kept = []
    server = []

    def on_msg(m, h=None):
        if m == 'server':
            server.append(h)
            h.on('connection', lambda s: s.end('child'))
            process.send({'got': 'server', 'listening': h.listening, 'type': type(h).__name__})
        elif isinstance(m, dict) and m.get('sock'):
            kept.append(h)
            h.on('data', lambda d: h.write(b'child:' + bytes(d)))
            process.send({'got': 'socket', 'n': m['sock'], 'type': type(h).__name__,
                          'readable': h.readable})
        elif m == 'close sockets':
            for s in kept:
                s.end()
            server[0].close()
    process.on('message', on_msg)


def parent():
    c = cp.fork(__file__, ['child'])
    srv = net.createServer()

    def listening():
        port = srv.address()['port']
        c.send('server', srv, lambda e: log('P send server cb', e))

        def got(m, h=None):
            log('P child got', json.dumps(m, separators=(',', ':')))
            srv.close(lambda *a: log('P server closed'))
            s = net.connect(port, '127.0.0.1')
            s.on('data', lambda d: log('P client data', bytes(d).decode()))
            s.on('close', lambda *a: step2())
        c.once('message', got)
    srv.listen(0, '127.0.0.1', listening)

    def step2():
        srv2 = net.createServer({'pauseOnConnect': True})
        sent = [0]
        clients = []

        def connect():
            cl = net.connect(srv2.address()['port'], '127.0.0.1')
            cl.on('close', lambda *a: log('P client close'))
            clients.append(cl)

        def on_conn(sock):
            sent[0] += 1
            log('P connection', sent[0])

            def counted(e, n):
                log('P getConnections before send', e, n)
                c.send({'sock': sent[0]}, sock,
                       lambda e: log('P send sock cb', e, sock.destroyed, sock.readable))
            srv2.getConnections(counted)
        srv2.on('connection', on_conn)

        def onm(m, h=None):
            log('P child got', json.dumps(m, separators=(',', ':')))
            if m.get('n') == 1:
                connect()
                return
            c.removeListener('message', onm)

            def counted(e, n):
                log('P getConnections', e, n)
                clients[0].write('hi')

                def data(d):
                    log('P client data', bytes(d).decode())
                    c.send('close sockets')
                    srv2.close(lambda *a: (log('P srv2 close'), c.disconnect()))
                clients[0].once('data', data)
            srv2.getConnections(counted)
        c.on('message', onm)
        srv2.listen(0, '127.0.0.1', connect)
    c.on('exit', lambda code, sig: log('P exit', code, sig))


node.run(child if sys.argv[1:] == ['child'] else parent)

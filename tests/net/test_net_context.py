"""contextvars on the Node-style facades: the listeners that I/O events call run in the context
that was current when the socket's or server's handle was made (net: listen() for a server,
connect() for a client; an accepted socket: its server's, copied for each connection), like an
asynchronous resource's context in Node (AsyncLocalStorage). Whatever a listener sets there
stays there: it does not reach the loop's context or other connections."""
import contextvars

from nixloop import net, node

CVAR = contextvars.ContextVar('nixloop_test_net_context', default='outer')


def in_context(value, fn, *args):
    ctx = contextvars.copy_context()
    ctx.run(CVAR.set, value)
    return ctx.run(fn, *args)


def test_listeners_run_in_the_context_of_listen_and_connect():
    seen = {}

    def note(name):
        seen.setdefault(name, []).append(CVAR.get())

    def main():
        def on_connection(s):
            note('connection')
            s.on('data', lambda d: (note('server data'), s.end(d)))
            s.on('end', lambda: note('server end'))
            s.on('close', lambda *_: note('server close'))
            CVAR.set('changed by a listener')   # stays in this connection's context

        srv = net.createServer(on_connection)
        clients = []

        def connect(port):
            c = net.connect(port, '127.0.0.1')
            c.on('connect', lambda: (note('connect'), c.write(b'hello')))
            c.on('data', lambda d: note('client data'))
            c.on('end', lambda: note('client end'))

            def closed(*_):
                note('client close')
                if len(seen['client close']) == 2:
                    srv.close()
            c.on('close', closed)
            clients.append(c)

        def listening():
            port = srv.address()['port']
            in_context('client', connect, port)
            in_context('client', connect, port)

        in_context('server', srv.listen, 0, '127.0.0.1')
        srv.on('listening', listening)

    ctx = contextvars.Context()
    ctx.run(node.run, main)
    assert ctx.get(CVAR, 'outer') == 'outer'      # nothing leaked into the runner's context
    for name in ('connection', 'server data', 'server end', 'server close'):
        assert seen[name] == ['server', 'server'], (name, seen)
    for name in ('connect', 'client data', 'client end', 'client close'):
        assert seen[name] == ['client', 'client'], (name, seen)

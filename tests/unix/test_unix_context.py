"""contextvars on the nixloop.unix facades: listeners called for I/O events run in the context
that was current when the socket was made and connected or bound (a server: listen(); an
accepted socket: its server's, copied for each connection)."""
import asyncio
import contextvars

from nixloop.unix import DgramSocket, SeqpacketServer, SeqpacketSocket

CVAR = contextvars.ContextVar('nixloop_test_unix_context', default='outer')


def in_context(value, fn, *args):
    ctx = contextvars.copy_context()
    ctx.run(CVAR.set, value)
    return ctx.run(fn, *args)


def run(loop, coro, timeout=30):
    ctx = contextvars.Context()
    ctx.run(loop.run_until_complete, asyncio.wait_for(coro, timeout))
    assert ctx.get(CVAR, 'outer') == 'outer'


def test_seqpacket_listeners(nloop, tmp_path, no_fd_leak):
    path = str(tmp_path / 's')
    seen = {}

    def note(name):
        seen.setdefault(name, []).append(CVAR.get())

    async def main():
        loop = asyncio.get_running_loop()
        done = loop.create_future()
        server = SeqpacketServer()

        def on_connection(sock, peer):
            note('connection')
            sock.on('data', lambda d: (note('server data'), sock.write(d)))
            sock.on('end', lambda: (note('server end'), sock.end()))
            CVAR.set('changed by a listener')

        server.on('connection', on_connection)
        in_context('server', server.listen, path)

        def connect():
            c = SeqpacketSocket()
            c.on('data', lambda d: (note('client data'), c.end()))
            c.on('close', lambda *_: (note('client close'), done.set_result(None)))
            c.connect(path, lambda: (note('connect'), c.write(b'hi')))
        in_context('client', connect)
        await done
        server.close()
    run(nloop, main())
    for name in ('connection', 'server data', 'server end'):
        assert seen[name] == ['server'], (name, seen)
    for name in ('connect', 'client data', 'client close'):
        assert seen[name] == ['client'], (name, seen)


def test_dgram_listeners(nloop, tmp_path, no_fd_leak):
    a_path, b_path = str(tmp_path / 'a'), str(tmp_path / 'b')
    seen = []

    async def main():
        done = asyncio.get_running_loop().create_future()
        a, b = DgramSocket(), DgramSocket()

        def bind_a():
            a.bind(a_path)
            a.on('data', lambda d, sender: (seen.append(CVAR.get()), done.set_result(None)))
        in_context('receiver', bind_a)
        b.bind(b_path)
        b.sendTo(b'x', 0, 1, a_path)
        await done
        a.close()
        b.close()
    run(nloop, main())
    assert seen == ['receiver']

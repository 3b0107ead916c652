"""Conformance tests of nixloop.net written from Node's documentation and the behaviour its
test/parallel/test-net-* cases check (the event orders themselves are in test_differential)."""

import asyncio
import os
import socket
import warnings

import pytest

import nixloop
from nixloop import net, node
from nixloop.errors import ERR_INVALID_ARG_TYPE, ERR_OUT_OF_RANGE, ERR_SERVER_NOT_RUNNING
from nixloop.timers import setTimeout


def run(main):
    """Run main under the Node-style runner; fail loudly if it does not finish."""
    return node.run(main)


def echo_server(srv_opts=None):
    srv = net.createServer(srv_opts or {}, lambda s: s.on("data", s.write))
    return srv


# -- module ------------------------------------------------------------------------------------

def test_is_ip():
    assert net.isIP("127.0.0.1") == 4 and net.isIPv4("127.0.0.1")
    assert net.isIP("::1") == 6 and net.isIPv6("fe80::1%eth0")
    assert net.isIP("256.0.0.1") == 0 and net.isIP("localhost") == 0 and net.isIP(None) == 0
    assert net.is_ipv4 is net.isIPv4 and net.create_server is net.createServer


def test_not_on_a_nixloop_loop_gives_a_clear_error():
    with pytest.raises(RuntimeError, match="nixloop.node.run"):
        net.createServer()

    async def main():
        net.Socket()

    with pytest.raises(RuntimeError, match="loop_factory=nixloop.new_event_loop"):
        asyncio.run(main())     # stdlib's own loop


def test_snake_case_aliases_exist():
    assert net.Socket.set_no_delay is net.Socket.setNoDelay
    assert net.Server.get_connections is net.Server.getConnections
    assert net.Socket.reset_and_destroy is net.Socket.resetAndDestroy


# -- server ------------------------------------------------------------------------------------

def test_listening_is_emitted_later_and_address_is_set():
    seen = []

    def main():
        srv = net.createServer()
        srv.listen(0, lambda: seen.append(("cb", srv.address()["family"])))
        seen.append(("sync", srv.listening, srv.address()["address"]))
        srv.on("listening", lambda: (seen.append("event"), srv.close()))

    run(main)
    assert seen[0] == ("sync", True, "::")
    assert seen[1:] == [("cb", "IPv6"), "event"]


def test_close_not_running_error_type():
    got = []

    def main():
        net.createServer().close(got.append)

    run(main)
    assert isinstance(got[0], ERR_SERVER_NOT_RUNNING)


def test_connections_property_is_deprecated_and_counts():
    got = []

    def main():
        def onconn(s):
            with warnings.catch_warnings(record=True) as w:
                warnings.simplefilter("always")
                got.append(srv.connections)
            got.append(w[0].category)
            s.destroy()
            srv.close()

        srv = net.createServer(onconn)
        srv.listen(0, "127.0.0.1", lambda: net.connect(srv.address()["port"], "127.0.0.1").resume())

    run(main)
    assert got == [1, DeprecationWarning]


def test_pause_delays_accepting():
    times = []

    def main():
        loop = asyncio.get_running_loop()
        srv = net.createServer(lambda s: (times.append(loop.time()), s.destroy(), srv.close()))

        def listening():
            srv.pause(150)
            times.append(loop.time())
            net.connect(srv.address()["port"], "127.0.0.1").on("error", lambda e: None)

        srv.listen(0, "127.0.0.1", listening)

    run(main)
    assert times[1] - times[0] >= 0.12


def test_listen_on_another_servers_handle_and_ref_unref_chain():
    got = []

    def main():
        a = net.createServer()
        a.listen(0)
        b = net.createServer(lambda s: (got.append("b conn"), s.destroy(), b.close()))
        assert a.ref() is a and a.unref() is a
        # Node: listen(handle) takes over the other server's handle object.
        port = a.address()["port"]
        a._handle.on_connection = None
        b.listen(a)
        a._handle = None
        b.on("listening", lambda: net.connect(port, "127.0.0.1").resume())

    run(main)
    assert got == ["b conn"]


def test_abstract_socket_and_readable_all_rejected():
    name = f"\0nixloop-net-test-{os.getpid()}"
    got = []

    def main():
        srv = net.createServer(lambda s: s.end("abs"))
        with pytest.raises(Exception) as ei:
            net.createServer().listen({"path": name, "readableAll": True})
        got.append(ei.value.code)

        def listening():
            got.append(srv.address() == name)
            c = net.connect(name)
            c.on("data", got.append)
            c.on("close", lambda h: srv.close())

        srv.listen(name, listening)

    run(main)
    assert got == ["ERR_INVALID_ARG_VALUE", True, b"abs"]


def test_async_with_closes_server():
    async def main():
        async with net.createServer() as srv:
            srv.listen(0, "127.0.0.1")
            await asyncio.sleep(0.01)
            assert srv.listening
        assert not srv.listening
        await srv.aclose()          # not running: returns at once
        return "ok"

    assert nixloop.run(main()) == "ok"


# -- socket ------------------------------------------------------------------------------------

def test_async_for_reads_until_end():
    async def main():
        srv = net.createServer(lambda s: (s.write(b"a" * 100_000), s.end(b"!")))
        srv.listen(0, "127.0.0.1")
        await asyncio.sleep(0.01)
        c = net.connect(srv.address()["port"], "127.0.0.1")
        data = b""
        async for chunk in c:
            data += chunk
        srv.close()
        return data

    data = nixloop.run(main())
    assert len(data) == 100_001 and data.endswith(b"!")


def test_pipe_with_backpressure_between_sockets():
    total = []

    def main():
        payload = b"x" * (2 * 1024 * 1024)
        sink = net.createServer(lambda s: (s.on("data", lambda d: total.append(len(d))),
                                           s.on("end", lambda: (sink.close(), src_srv.close()))))
        src_srv = net.createServer(lambda s: s.end(payload))

        def go():
            out = net.connect(sink.address()["port"], "127.0.0.1")
            inp = net.connect(src_srv.address()["port"], "127.0.0.1")
            assert inp.pipe(out) is out

        sink.listen(0, "127.0.0.1", lambda: src_srv.listen(0, "127.0.0.1", go))

    run(main)
    assert sum(total) == 2 * 1024 * 1024


def test_settimeout_validation_and_chaining():
    got = []

    def main():
        s = net.Socket()
        for bad, exc in ((-1, ERR_OUT_OF_RANGE), ("1", ERR_INVALID_ARG_TYPE),
                         (float("inf"), ERR_OUT_OF_RANGE)):
            with pytest.raises(exc):
                s.setTimeout(bad)
        got.append(s.setNoDelay() is s and s.setKeepAlive(True, 1000) is s)
        got.append(s.ref() is s and s.unref() is s)
        s.destroy()

    run(main)
    assert got == [True, True]


def test_write_rejects_wrong_types_and_accepts_bytes_like():
    got = []

    def main():
        def onconn(s):
            s.on("data", got.append)
            s.on("end", srv.close)

        srv = net.createServer(onconn)

        def listening():
            c = net.connect(srv.address()["port"], "127.0.0.1")

            def connected():
                with pytest.raises(ERR_INVALID_ARG_TYPE):
                    c.write(123)
                with pytest.raises(TypeError):
                    c.write(None)
                c.write(bytearray(b"ab"))
                c.write(memoryview(b"cd"))
                c.end("ef", "latin1")

            c.on("connect", connected)

        srv.listen(0, "127.0.0.1", listening)

    run(main)
    assert b"".join(got) == b"abcdef"


def test_uncaught_listener_exception_crashes_runner():
    class Boom(Exception):
        pass

    def main():
        srv = net.createServer(lambda s: (_ for _ in ()).throw(Boom()))
        srv.listen(0, "127.0.0.1", lambda: net.connect(srv.address()["port"], "127.0.0.1"))

    with pytest.raises(Boom):
        run(main)


def test_connect_timeout_option_and_keepalive_on_server_sockets():
    got = []

    def main():
        srv = net.createServer({"noDelay": True, "keepAlive": True, "keepAliveInitialDelay": 2000},
                               lambda s: got.append(s._keep_alive and s._no_delay))

        def listening():
            c = net.createConnection({"port": srv.address()["port"], "host": "127.0.0.1",
                                      "timeout": 30})
            c.on("timeout", lambda: (got.append(c.timeout), c.destroy(), srv.close()))

        srv.listen(0, "127.0.0.1", listening)

    run(main)
    assert got == [True, 30]


def test_econnreset_error_shape():
    got = []

    def main():
        def onconn(s):
            s.on("error", got.append)
            s.on("close", lambda h: (got.append(h), srv.close()))

        srv = net.createServer(onconn)

        def listening():
            c = net.connect(srv.address()["port"], "127.0.0.1", lambda: c.resetAndDestroy())

        srv.listen(0, "127.0.0.1", listening)

    run(main)
    err, had_error = got
    assert isinstance(err, ConnectionResetError) and err.code == "ECONNRESET"
    assert err.errno == -104 and err.syscall == "read" and had_error is True


def test_socket_fd_option_wraps_a_connected_socket():
    got = []
    a, b = socket.socketpair()

    def main():
        s = net.Socket({"fd": a.detach()})
        s.on("data", lambda d: (got.append(d), s.destroy()))
        b.sendall(b"hi")
        setTimeout(lambda: None, 10)

    run(main)
    b.close()
    assert got == [b"hi"]

"""Python twins of the scripts in node_scripts/: each ``name(log, env)`` returns the main
function that ``nixloop.node.run`` runs; its log must equal the node script's output."""

import json
import math
import os
import stat

from nixloop import net
from nixloop.errors import UNDEFINED
from nixloop.timers import setImmediate, setTimeout

U = UNDEFINED


def u(x):
    """JS ``undefined`` for a None that Node reports as undefined."""
    return U if x is None else x


def err_info(e):
    msg = str(e)
    head, _, tail = msg.rpartition(":")
    if tail.isdigit():
        msg = head + ":P"
    return f"{e.code} {e.errno} {e.syscall} {msg}"


def echo(log, env):
    def main():
        def onconn(s):
            log("S connection", s.remoteFamily, s.readyState)
            s.on("data", lambda d: (log("S data", d), s.write(d)))
            s.on("end", lambda: log("S end", s.readyState))
            s.on("finish", lambda: log("S finish"))
            s.on("close", lambda h: (log("S close", h), srv.close()))

        srv = net.createServer(onconn)
        srv.on("close", lambda: log("server close"))

        def listening():
            log("listening", srv.address()["family"], srv.listening)
            c = net.createConnection(srv.address()["port"], "127.0.0.1", lambda: log("C connect cb"))
            log("C state", c.readyState, c.pending, c.connecting)
            c.on("connect", lambda: log("C connect", c.readyState, c.remoteAddress, c.localFamily))
            c.on("ready", lambda: (log("C ready"), c.write("ping")))
            c.on("data", lambda d: (log("C data", d), c.end()))
            c.on("end", lambda: log("C end"))
            c.on("finish", lambda: log("C finish", c.readyState))
            c.on("close", lambda h: log("C close", h, c.bytesRead, c.bytesWritten, c.destroyed))

        srv.listen(0, "127.0.0.1", listening)
    return main


def half_open_server(log, env):
    def main():
        def onconn(s):
            def on_end():
                log("S end", s.readyState)
                s.write("late", lambda e: log("S write cb"))
                setTimeout(lambda: (log("S ending"), s.end("bye")), 20)
            s.on("end", on_end)
            s.on("finish", lambda: log("S finish"))
            s.on("close", lambda h: (log("S close", h), srv.close()))
            s.resume()

        srv = net.createServer({"allowHalfOpen": True}, onconn)

        def listening():
            c = net.connect({"port": srv.address()["port"], "host": "127.0.0.1"})
            c.on("connect", lambda: (c.end(), log("C ended", c.readyState)))
            c.on("data", lambda d: log("C data", d, c.readyState))
            c.on("end", lambda: log("C end"))
            c.on("finish", lambda: log("C finish"))
            c.on("close", lambda h: log("C close", h))

        srv.listen(0, "127.0.0.1", listening)
    return main


def half_open_client(log, env):
    def main():
        def onconn(s):
            s.end("first")
            s.on("data", lambda d: log("S data", d))
            s.on("end", lambda: log("S end"))
            s.on("close", lambda h: (log("S close", h), srv.close()))

        srv = net.createServer(onconn)

        def listening():
            c = net.connect({"port": srv.address()["port"], "host": "127.0.0.1", "allowHalfOpen": True})
            c.on("data", lambda d: log("C data", d))

            def on_end():
                log("C end", c.readyState, c.writable)
                c.write("reply")
                c.end(lambda *_: log("C end cb"))
            c.on("end", on_end)
            c.on("finish", lambda: log("C finish"))
            c.on("close", lambda h: log("C close", h))

        srv.listen(0, "127.0.0.1", listening)
    return main


def listen_twice(log, env):
    def main():
        s0 = net.createServer()
        s0.listen(0)
        try:
            s0.listen(0)
        except Exception as e:
            log("throw", e.code, e.name, e)
        s0.close()
        srv = net.createServer()
        srv.listen(0, "127.0.0.1")
        try:
            srv.listen(0, "127.0.0.1")
        except Exception as e:
            log("throw", e.code, e.name, e)

        def closed(*_):
            log("closed", srv.listening, srv.address())
            srv.listen(0, "127.0.0.1", lambda: (log("listening again"), srv.close()))

        srv.once("listening", lambda: (log("listening"), srv.close(closed)))
    return main


def eaddrinuse(log, env):
    def main():
        a = net.createServer()

        def listening():
            port = a.address()["port"]
            b = net.createServer()

            def on_error(e):
                log("b error", err_info(e), e.address, e.port == port, b.listening)
                b.listen(0, "127.0.0.1", lambda: (log("b retry ok"), b.close(), a.close()))
            b.on("error", on_error)
            b.listen(port, "127.0.0.1")
            log("after listen", b.listening)

        a.listen(0, "127.0.0.1", listening)
    return main


def bad_ports(log, env):
    def main():
        srv = net.createServer()
        for p in [-1, 65536, 1.5, math.nan, math.inf, {"port": "x"}, True, {}, {"port": -5}]:
            try:
                srv.listen(p)
                log("no throw")
            except Exception as e:
                log(e.code, e.name, e)
        for p in [-1, 70000, {"port": True}, {}]:
            try:
                net.connect(p)
                log("no throw")
            except Exception as e:
                log("connect", e.code, e)
        try:
            net.connect()
        except Exception as e:
            log("connect()", e.code, e)
        log("listening", srv.listening)
    return main


def close_live(log, env):
    def main():
        def onconn(s):
            srv.close(lambda err=None: log("close cb", u(err)))
            log("closing", srv.listening, srv.address())
            srv.getConnections(lambda err, n: log("connections", err, n))
            setTimeout(lambda: (log("ending client"), s.end()), 30)
            s.on("close", lambda *_: log("S close"))

        srv = net.createServer(onconn)
        srv.on("close", lambda: log("server close event"))

        def listening():
            c = net.connect(srv.address()["port"], "127.0.0.1")
            c.on("end", lambda: log("C end"))
            c.on("close", lambda *_: log("C close"))

        srv.listen(0, "127.0.0.1", listening)
    return main


def max_connections(log, env):
    def main():
        def onconn(s):
            log("connection")
            s.on("close", lambda *_: log("S close"))

        srv = net.createServer(onconn)
        srv.maxConnections = 1
        srv.on("drop", lambda d: log("drop", ",".join(d), d["localAddress"], d["remoteAddress"],
                                     d["localFamily"], d["remoteFamily"],
                                     d["localPort"] == srv.address()["port"]))

        def listening():
            port = srv.address()["port"]

            def c1_connect():
                log("c1 connect")
                c2 = net.connect(port, "127.0.0.1")
                for ev in ["connect", "ready", "end", "finish"]:
                    c2.on(ev, (lambda ev: lambda *_: log("c2", ev))(ev))
                c2.on("data", lambda *_: log("c2 data"))
                c2.on("error", lambda e: log("c2 error", e.code))
                c2.on("close", lambda h: (log("c2 close", h), c1.end(), srv.close()))

            c1 = net.connect(port, "127.0.0.1", c1_connect)

        srv.listen(0, "127.0.0.1", listening)
    return main


def get_connections(log, env):
    def main():
        socks, clients = [], []
        sync = [True]

        def onconn(s):
            socks.append(s)
            if len(socks) == 3:
                def counted(err, n):
                    log("count", err, n, "sync", sync[0])
                    socks[0].destroy()

                    def later():
                        def c2(e, m):
                            log("count after destroy", e, m)
                            srv.close()
                            for c in clients:
                                c.destroy()
                        srv.getConnections(c2)
                    setTimeout(later, 30)
                srv.getConnections(counted)
                sync[0] = False

        srv = net.createServer(onconn)

        def listening():
            for _ in range(3):
                clients.append(net.connect(srv.address()["port"], "127.0.0.1"))

        srv.listen(0, "127.0.0.1", listening)
        srv.on("close", lambda: log("close"))
    return main


def unref_server(log, env):
    from nixloop.node import process

    def main():
        srv = net.createServer()
        log("unref returns server", srv.unref() is srv)
        srv.listen(0, "127.0.0.1", lambda: log("listening", srv.listening))
        setTimeout(lambda: log("timer"), 20)
        process.on("exit", lambda *_: log("exit", srv.listening))
    return main


def socket_timeout(log, env):
    def main():
        def onconn(s):
            s.on("data", lambda d: log("S data", d))
            s.on("close", lambda *_: (log("S close"), srv.close()))

        srv = net.createServer(onconn)

        def listening():
            c = net.connect(srv.address()["port"], "127.0.0.1")
            log("setTimeout returns socket", c.setTimeout(40) is c, c.timeout)
            n = [0]

            def on_timeout():
                n[0] += 1
                log("timeout", n[0], c.destroyed, c.readyState)
                if n[0] == 1:
                    c.write("activity")
                else:
                    c.setTimeout(0)
                    log("disabled", c.timeout)
                    setTimeout(lambda: c.destroy(), 80)
            c.on("timeout", on_timeout)
            c.on("close", lambda h: log("C close", h, n[0]))

        srv.listen(0, "127.0.0.1", listening)
    return main


def backpressure(log, env):
    def main():
        chunk = b"a" * (64 * 1024)

        def onconn(s):
            falses = sum(1 for _ in range(256) if not s.write(chunk))
            drains = [0]
            log("S writableLength>0", s.writableLength > 0, "needDrain", s.writableNeedDrain,
                "falses>0", falses > 0)

            def on_drain():
                drains[0] += 1
                if drains[0] == 1:
                    log("S drain", s.writableLength)
            s.on("drain", on_drain)
            s.end(lambda *_: (log("S end cb", drains[0] > 0), srv.close()))

        srv = net.createServer(onconn)

        def listening():
            c = net.connect(srv.address()["port"], "127.0.0.1")
            total = [0]
            c.pause()
            log("C paused", c.isPaused())

            def later():
                log("C buffered>0", c.readableLength > 0)
                c.on("data", lambda d: total.__setitem__(0, total[0] + len(d)))
                c.resume()
                log("C paused", c.isPaused())
            setTimeout(later, 100)
            c.on("end", lambda: log("C end", total[0]))
            c.on("close", lambda h: log("C close", h))

        srv.listen(0, "127.0.0.1", listening)
    return main


def destroy_error(log, env):
    def main():
        def onconn(s):
            s.on("end", lambda: log("S end"))
            s.on("close", lambda h: (log("S close", h), srv.close()))

        srv = net.createServer(onconn)

        def listening():
            def connected():
                c.destroy(Exception("boom"))
                log("destroyed", c.destroyed, c.readyState)
                c.destroy(Exception("again"))
                c.write("x", lambda e: log("write cb", e and e.code))

            c = net.connect(srv.address()["port"], "127.0.0.1", connected)
            c.on("error", lambda e: log("C error", e))
            c.on("close", lambda h: log("C close", h))
            sock = net.Socket()
            sock.on("error", lambda e: log("U error", e))
            sock.on("close", lambda *a: log("U close", len(a)))
            sock.destroy(Exception("nohandle"))

        srv.listen(0, "127.0.0.1", listening)
    return main


def econnrefused(log, env):
    def main():
        srv = net.createServer()

        def listening():
            port = srv.address()["port"]

            def closed(*_):
                c = net.connect(port, "127.0.0.1")
                c.on("connect", lambda: log("connect?!"))
                c.on("error", lambda e: log("error", err_info(e), e.address, e.port == port,
                                            c.destroyed))
                c.on("close", lambda h: log("close", h, c.readyState))
            srv.close(closed)

        srv.listen(0, "127.0.0.1", listening)
    return main


def pipe_server(log, env):
    path = os.path.join(env["NET_TMPDIR"], "pipe_server.sock")

    def main():
        def onconn(s):
            log("S conn", u(s.remoteAddress), "{}" if s.address() == {} else s.address())
            s.end("over pipe")

        srv = net.createServer(onconn)

        def listening():
            log("listening", srv.address() == path, format(stat.S_IMODE(os.stat(path).st_mode), "o"))
            c = net.connect(path)
            c.on("connect", lambda: log("C connect", u(c.remoteAddress), u(c.remotePort)))
            c.setEncoding("utf8")
            c.on("data", lambda d: log("C data", "string" if isinstance(d, str) else "object", d))

            def on_close(h):
                log("C close", h)
                srv.close(lambda *_: log("closed; exists", os.path.exists(path)))
            c.on("close", on_close)

        srv.listen({"path": path, "readableAll": True, "writableAll": True}, listening)
    return main


def pipe_errors(log, env):
    missing = os.path.join(env["NET_TMPDIR"], "missing.sock")

    def main():
        c = net.connect(missing)
        c.on("error", lambda e: log("connect error", e.code, e.syscall, e.address == missing))

        def on_close(h):
            log("close", h)
            file = os.path.join(env["NET_TMPDIR"], "regular.file")
            with open(file, "w") as f:
                f.write("x")
            s = net.createServer()
            s.on("error", lambda e: log("listen error", e.code, e.syscall, e.address == file,
                                        s.listening))
            s.listen(file)
        c.on("close", on_close)
    return main


def listen_fd(log, env):
    fd = int(env["NET_FD"])

    def main():
        def onconn(s):
            log("b connection")
            s.end("from fd")

        b = net.createServer(onconn)

        def listening():
            a = b.address()
            log("b listening", a["address"], a["family"], b.listening)
            c = net.connect(a["port"], "127.0.0.1")
            c.on("data", lambda d: log("C data", d))
            c.on("close", lambda *_: b.close(lambda *_: log("b closed", b.address())))

        b.listen({"fd": fd}, listening)
    return main


def write_after_end(log, env):
    def main():
        def onconn(s):
            s.resume()
            s.on("close", lambda *_: srv.close())

        srv = net.createServer(onconn)

        def listening():
            def connected():
                c.end("a")
                log("ended", c.writableEnded, c.writable, c.readyState)
                r = c.write("b", lambda e: log("write cb", e.code, e))
                log("write returned", r)

            c = net.connect(srv.address()["port"], "127.0.0.1", connected)
            c.on("error", lambda e: log("error", e.code, e))
            c.on("finish", lambda: log("finish"))
            c.on("close", lambda h: log("close", h))

        srv.listen(0, "127.0.0.1", listening)
    return main


def reset_and_destroy(log, env):
    def main():
        def onconn(s):
            s.on("error", lambda e: log("S error", err_info(e)))
            s.on("close", lambda h: (log("S close", h), srv.close()))
            s.write("x")

        srv = net.createServer(onconn)

        def listening():
            c = net.connect(srv.address()["port"], "127.0.0.1")
            c.on("data", lambda *_: (log("C data"), c.resetAndDestroy(), log("destroyed", c.destroyed)))
            c.on("close", lambda h: log("C close", h))

        srv.listen(0, "127.0.0.1", listening)
    return main


def close_not_running(log, env):
    def main():
        srv = net.createServer()
        srv.on("close", lambda: log("close event"))
        r = srv.close(lambda err: log("cb", err.code, err))
        log("returns server", r is srv, srv.address())
    return main


def end_order(log, env):
    def main():
        def onconn(s):
            s.write("hello")
            s.end()
            s.on("close", lambda *_: srv.close())

        srv = net.createServer(onconn)

        def listening():
            c = net.connect(srv.address()["port"], "127.0.0.1")
            for ev in ["connect", "ready", "end", "finish", "drain"]:
                c.on(ev, (lambda ev: lambda *_: log(ev, c.readyState))(ev))
            c.on("data", lambda d: log("data", d, c.readyState))
            c.on("close", lambda h: log("close", h, c.readyState))

        srv.listen(0, "127.0.0.1", listening)
    return main


def readable_read(log, env):
    def main():
        def onconn(s):
            s.end("0123456789")
            s.on("close", lambda *_: srv.close())

        srv = net.createServer(onconn)

        def listening():
            c = net.connect(srv.address()["port"], "127.0.0.1")
            parts = []

            def on_readable():
                while (chunk := c.read(4)) is not None:
                    parts.append(chunk.decode())
                log("readable; rest", c.readableLength)
            c.on("readable", on_readable)
            c.on("end", lambda: log("end", "|".join(parts), c.read()))
            c.on("close", lambda *_: log("close"))

        srv.listen(0, "127.0.0.1", listening)
    return main


def abort_signal(log, env):
    def main():
        ac = net.AbortController()
        srv = net.createServer()
        srv.on("close", lambda: log("close", srv.listening))

        def listening():
            log("listening")
            ac.abort()
            log("after abort", srv.listening)

        srv.listen({"port": 0, "host": "127.0.0.1", "signal": ac.signal}, listening)
        pre = net.createServer()
        pre.on("listening", lambda: log("pre listening?!"))
        pre.on("close", lambda: log("pre close"))
        pre.listen({"port": 0, "signal": net.AbortSignal.abort()})
        try:
            net.createServer().listen({"port": 0, "signal": "x"})
        except Exception as e:
            log(e.code)
    return main


def pause_on_connect(log, env):
    def main():
        def onconn(s):
            log("S paused", s.isPaused())
            s.on("data", lambda d: log("S data", d))
            setTimeout(lambda: (log("resume"), s.resume()), 50)
            s.on("end", lambda: (log("S end"), srv.close()))

        srv = net.createServer({"pauseOnConnect": True}, onconn)

        def listening():
            c = net.connect(srv.address()["port"], "127.0.0.1", lambda: c.end("early"))

        srv.listen(0, "127.0.0.1", listening)
    return main


def lookup(log, env):
    def main():
        srv = net.createServer(lambda s: s.end())

        def listening():
            log("listening", srv.address()["address"])
            c = net.connect(srv.address()["port"], "localhost")
            c.on("lookup", lambda err, address, family, host: log("lookup", err, address, family, host))
            c.on("connect", lambda: log("connect"))
            c.on("close", lambda *_: (log("close"), srv.close()))
            c.resume()

        srv.listen(0, "localhost", listening)
    return main


def cork(log, env):
    def main():
        def onconn(s):
            got = []
            s.on("data", lambda d: got.append(d))
            s.on("end", lambda: (log("S got", b"".join(got)), srv.close()))

        srv = net.createServer(onconn)

        def listening():
            def connected():
                c.cork()
                c.write("a", lambda e: log("cb a"))
                c.write("b", lambda e: log("cb b"))
                log("corked", c.writableCorked, c.writableLength, c.bytesWritten)
                c.uncork()
                log("uncorked", c.writableCorked)
                c.end("c", lambda *_: log("end cb"))

            c = net.connect(srv.address()["port"], "127.0.0.1", connected)
            log("before connect", c.write("x"), c.writableLength, c.bytesWritten)
            c.on("finish", lambda: log("finish"))

        srv.listen(0, "127.0.0.1", listening)
    return main


def destroy_soon(log, env):
    def main():
        def onconn(s):
            s.on("data", lambda d: log("S data", d))
            s.on("end", lambda: log("S end"))
            s.on("close", lambda *_: (log("S close"), srv.close()))

        srv = net.createServer(onconn)

        def listening():
            def connected():
                c.write("last")
                c.destroySoon()
                log("writable", c.writable, c.destroyed)

            c = net.connect(srv.address()["port"], "127.0.0.1", connected)
            c.on("finish", lambda: log("C finish", c.destroyed))
            c.on("close", lambda h: log("C close", h))

        srv.listen(0, "127.0.0.1", listening)
    return main


def addresses(log, env):
    def main():
        def onconn(s):
            log("S", s.localAddress, s.localFamily, s.remoteAddress, s.remoteFamily,
                s.localPort == srv.address()["port"])
            s.end()
            s.on("close", lambda *_: srv.close())

        srv = net.createServer(onconn)

        def listening():
            a = srv.address()
            log("server", a["address"], a["family"], ",".join(sorted(a)))

            def connected():
                ca = c.address()
                log("C", ca["address"], ca["family"], c.remoteAddress, c.remotePort == a["port"],
                    c.remoteFamily)

            c = net.connect({"port": a["port"], "host": "::1"}, connected)
            log("C before", "{}" if c.address() == {} else c.address(), u(c.remoteAddress))
            c.resume()

        srv.listen({"port": 0, "host": "::1"}, listening)
    return main


def ipv6_only(log, env):
    def main():
        srv = net.createServer()

        def listening():
            c = net.connect(srv.address()["port"], "127.0.0.1")
            c.on("error", lambda e: log("v4 error", e.code))

            def on_close(*_):
                c6 = net.connect(srv.address()["port"], "::1",
                                 lambda: (log("v6 connect"), c6.destroy(), srv.close()))
            c.on("close", on_close)

        srv.listen({"port": 0, "host": "::", "ipv6Only": True}, listening)
    return main


def encoding(log, env):
    import json

    def main():
        def onconn(s):
            s.write(bytes([0xC3]))
            setTimeout(lambda: s.end(bytes([0xA9, 0x21])), 20)
            s.on("close", lambda *_: srv.close())

        srv = net.createServer(onconn)

        def listening():
            c = net.connect(srv.address()["port"], "127.0.0.1")
            c.setEncoding("utf8")
            c.on("data", lambda d: log("data", "string" if isinstance(d, str) else "object",
                                       json.dumps(d, ensure_ascii=False)))
            c.on("end", lambda: log("end"))

        srv.listen(0, "127.0.0.1", listening)
    return main


def auto_select_family(log, env):
    def lk(addrs):
        def lookup(host, opts, cb):
            log("lookup options all", opts.get("all") is True)
            setImmediate(lambda: cb(None, addrs))
        return lookup

    def disabled_lookup(host, opts, cb):
        log("lookup options all", opts.get("all") is True)
        setImmediate(lambda: cb(None, "127.0.0.1", 4))

    evs = ["lookup", "connectionAttempt", "connectionAttemptFailed", "connectionAttemptTimeout",
           "connect", "ready", "end"]

    def main():
        srv = net.createServer(lambda s: s.end("hi"))

        def listening():
            port = srv.address()["port"]

            def show(x):
                if x == port and not isinstance(x, bool):
                    return "PORT"
                return err_info(x) if isinstance(x, BaseException) else x

            def run(name, opts, nxt):
                o = {"port": port, "host": "example.test"}
                o.update(opts)
                c = net.connect(o)
                for ev in evs:
                    c.on(ev, (lambda ev: lambda *a: log(name, ev, *[show(x) for x in a]))(ev))
                c.on("data", lambda d: log(name, "data", d))
                c.on("error", lambda e: log(name, "error", e.name, e.code, json.dumps(str(e)),
                                            ",".join(f"{x.code}@{x.address}"
                                                     for x in getattr(e, "errors", []))))
                c.on("close", lambda h: (log(name, "close", h), nxt()))

            def last():
                for bad in ["x", 0, 1.5]:
                    try:
                        net.connect({"port": port, "autoSelectFamilyAttemptTimeout": bad})
                    except Exception as e:
                        log("bad timeout", e.code)
                try:
                    net.connect({"port": port, "autoSelectFamily": 1})
                except Exception as e:
                    log("bad flag", e.code)
                try:
                    net.setDefaultAutoSelectFamily("yes")
                except Exception as e:
                    log("bad default", e.code)
                net.setDefaultAutoSelectFamilyAttemptTimeout(5)
                log("default timeout", net.getDefaultAutoSelectFamilyAttemptTimeout(),
                    net.getDefaultAutoSelectFamily())
                net.setDefaultAutoSelectFamilyAttemptTimeout(250)
                srv.close()

            run("first-refused", {"lookup": lk([{"address": "127.0.0.2", "family": 4},
                                                {"address": "127.0.0.1", "family": 4}])}, lambda:
                run("all-refused", {"lookup": lk([{"address": "127.0.0.2", "family": 4},
                                                  {"address": "127.0.0.3", "family": 4}])}, lambda:
                    run("one-address", {"lookup": lk([{"address": "127.0.0.1", "family": 4}])},
                        lambda: run("disabled", {"autoSelectFamily": False,
                                                 "lookup": disabled_lookup}, lambda:
                                    run("ip-refused", {"host": "127.0.0.1", "port": 1}, last)))))

        srv.listen(0, "127.0.0.1", listening)
    return main


def onread(log, env):
    def main():
        srv = net.createServer(lambda s: (s.write("aaaa"), setTimeout(lambda: s.end("bbbbbb"), 50)))

        def listening():
            port = srv.address()["port"]
            buf = bytearray(3)
            n = [0]
            c = None

            def cb(nread, b):
                n[0] += 1
                log("cb", nread, b is buf, bytes(b[:nread]), c.isPaused(), c.readableFlowing)
                if n[0] == 1:
                    def again():
                        log("resume; paused?", c.isPaused(), c.readableFlowing)
                        c.resume()
                    setTimeout(again, 100)
                    return False

            c = net.connect({"port": port, "host": "127.0.0.1",
                             "onread": {"buffer": buf, "callback": cb}})
            c.on("data", lambda d: log("data?!", d))
            c.on("end", lambda: log("end", c.bytesRead))
            c.on("close", lambda *_: (log("close"), second()))

        def second():
            port = srv.address()["port"]

            def gen():
                log("gen")
                return bytearray(4)

            c2 = net.connect({"port": port, "host": "127.0.0.1",
                              "onread": {"buffer": gen, "callback": lambda k, b: log("c2 cb", k, len(b))}})
            c2.on("end", lambda: log("c2 end"))
            c2.on("close", lambda *_: third(port))

        def third(port):
            c3 = net.connect({"port": port, "host": "127.0.0.1",
                              "onread": {"buffer": "x", "callback": 1}})
            c3.on("data", lambda d: log("c3 data", d))
            c3.on("close", lambda *_: srv.close())

        srv.listen(0, "127.0.0.1", listening)
    return main


def reconnect(log, env):
    def main():
        def onconn(s):
            s.on("data", lambda d: s.write(d))
            s.on("end", lambda: s.end())

        srv = net.createServer(onconn)

        def listening():
            port = srv.address()["port"]
            c = net.Socket()
            log("new", c._connecting, c.connecting)
            state = {"round": 0}

            def connected():
                log("connect", state["round"], c._connecting, c.bytesWritten, c.bytesRead)
                c.write("abcdef" if state["round"] == 0 else "ghijkl")

            c.connect(port, "127.0.0.1", connected)
            log("connecting", c._connecting, c.connecting)
            c.on("data", lambda d: (log("data", state["round"], d, c.bytesRead, c.bytesWritten),
                                    c.end()))

            def closed(h):
                log("close", state["round"], h, c.bytesRead, c.bytesWritten)
                state["round"] += 1
                if state["round"] == 1:
                    c.connect(port, "127.0.0.1", connected)
                else:
                    srv.close()
            c.on("close", closed)

        srv.listen(0, "127.0.0.1", listening)
    return main


def destroyed_before_connect(log, env):
    def main():
        srv = net.createServer()

        def listening():
            c = net.connect(srv.address()["port"], "127.0.0.1")
            log("write", c.write("pending", lambda err: log("write cb", err and err.code,
                                                            err and err.message)))
            c.on("error", lambda e: log("error", e.code))
            c.on("close", lambda h: (log("close", h, c.bytesWritten), srv.close()))
            c.destroy()
            log("destroyed", c.destroyed, c.connecting)

        srv.listen(0, "127.0.0.1", listening)
    return main


def is_ip_coercion(log, env):
    class Str:
        def __init__(self, text):
            self.text = text

        def __str__(self):
            return self.text

    def main():
        values = [("v4 object", Str("127.0.0.1")), ("v6 object", Str("::1")), ("number", 42),
                  ("plain object", {}), ("undefined", U), ("null", None)]
        for name, v in values:
            log(name, net.isIP(v), net.isIPv4(v), net.isIPv6(v))
    return main


TWINS = {f.__name__: f for f in (
    echo, half_open_server, half_open_client, listen_twice, eaddrinuse, bad_ports, close_live,
    max_connections, get_connections, unref_server, socket_timeout, backpressure, destroy_error,
    econnrefused, pipe_server, pipe_errors, listen_fd, write_after_end, reset_and_destroy,
    close_not_running, end_order, readable_read, abort_signal, pause_on_connect, lookup, cork,
    destroy_soon, addresses, ipv6_only, encoding, auto_select_family,
    onread, reconnect, destroyed_before_connect, is_ip_coercion)}

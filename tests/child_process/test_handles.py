"""Handles sent with a message (SCM_RIGHTS): net.Server, net.Socket (with and without
keepOpen), SeqpacketServer, SeqpacketSocket and DgramSocket go to a nixloop child, which uses
them; the parent's objects behave as Node's do after the send (a socket sent without keepOpen
is detached, a server keeps serving, ``connections`` becomes None). Backpressure: send()
returns False once the channel's queue is full. No fd leaks, no zombies."""

import os
import socket
import warnings

from nixloop import child_process, net, node, unix

HERE = os.path.dirname(os.path.abspath(__file__))
CHILD = os.path.join(HERE, "peers", "handle_child.py")
RAW_PEER = os.path.join(HERE, "peers", "raw_peer.py")


def fork_child(log):
    c = child_process.fork(CHILD)
    c.on("error", lambda e: log.append(("error", e)))
    c.on("exit", lambda code, sig: log.append(("exit", code, sig)))
    return c


def test_net_server_is_shared_with_the_child(no_fd_leak):
    log = []

    def main():
        c = fork_child(log)
        srv = net.createServer(lambda s: s.end("served by parent"))

        def listening():
            c.send({"kind": "net.Server"}, srv)

            def reported(m, h=None):
                log.append(m)
                srv.close()             # only the child accepts from here on
                cl = net.connect(port, "127.0.0.1")
                data = []
                cl.on("data", lambda d: data.append(bytes(d)))
                cl.on("close", lambda *a: (log.append(b"".join(data)), c.send("close")))
            port = srv.address()["port"]
            c.once("message", reported)
        srv.listen(0, "127.0.0.1", listening)

    node.run(main)
    assert log == [{"kind": "net.Server", "type": "Server", "listening": True},
                   b"served by child", ("exit", 0, None)]


def test_net_socket_sent_without_and_with_keep_open(no_fd_leak):
    log = []

    def main():
        c = fork_child(log)
        socks = []

        def on_conn(sock):
            socks.append(sock)
            if len(socks) == 1:
                c.send({"kind": "net.Socket"}, sock,
                       lambda e: log.append(("sent", e, sock._handle is None)))
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", DeprecationWarning)
                    log.append(("connections", srv.connections))
            else:
                c.send({"kind": "net.Socket"}, sock, {"keepOpen": True},
                       lambda e: log.append(("sent keepOpen", e, sock.destroyed)))
        srv = net.createServer({"pauseOnConnect": True}, on_conn)
        clients = []

        def connect():
            cl = net.connect(srv.address()["port"], "127.0.0.1")
            cl.on("data", lambda d: (log.append(("client got", bytes(d))), cl.write("back")))
            clients.append(cl)

        reports = []

        def on_message(m, h=None):
            reports.append(m)
            log.append(m)
            if len(reports) == 2:
                connect()
            if len(reports) == 4:
                srv.getConnections(lambda e, n: (log.append(("count", e, n)), finish()))

        def finish():
            for cl in clients:
                cl.destroy()
            socks[1].destroy()
            c.send("close")
            srv.close()
        c.on("message", on_message)
        srv.listen(0, "127.0.0.1", connect)

    node.run(main)
    assert ("sent", None, True) in log and ("connections", None) in log
    assert ("sent keepOpen", None, False) in log
    assert log.count(("client got", b"child says hi")) == 2
    assert log.count({"kind": "net.Socket", "type": "Socket"}) == 2
    assert log.count({"socket data": "back"}) == 2
    # the parent still counts the socket it kept (keepOpen), the child counts both it got
    assert ("count", None, 3) in log
    assert log[-1] == ("exit", 0, None)


def test_seqpacket_server_socket_and_dgram(no_fd_leak, tmp_path):
    log = []

    def main():
        c = fork_child(log)
        spath = str(tmp_path / "sp")
        dpath = str(tmp_path / "dg")
        server = unix.SeqpacketServer()
        server.listen(spath)
        receiver = unix.DgramSocket()
        receiver.bind(dpath)
        receiver.on("data", lambda data, sender=None: (log.append(("dgram", bytes(data))),
                                                       step3()))

        def step1():
            c.send({"kind": "SeqpacketServer"}, server)
            c.once("message", lambda m, h=None: (log.append(m), server.close(), step2()))

        def step2():
            cl = unix.SeqpacketSocket()
            cl.on("data", lambda d: (log.append(("seqpacket", bytes(d))), cl.destroy(),
                                     step2b()))
            cl.connect(spath)

        def step2b():
            left, right = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
            mine = unix.SeqpacketSocket(left.detach())
            theirs = unix.SeqpacketSocket(right.detach())
            mine.on("data", lambda d: (log.append(("pair", bytes(d))), mine.destroy(),
                                       step2c()))
            c.send({"kind": "SeqpacketSocket"}, theirs,
                   lambda e: log.append(("sent pair", e, theirs.destroyed)))

        def step2c():
            sender = unix.DgramSocket()
            c.send({"kind": "DgramSocket", "to": dpath}, sender, lambda e: sender.close())

        def step3():
            receiver.close()
            c.send("close")
        step1()

    node.run(main)
    assert {"kind": "SeqpacketServer", "type": "SeqpacketServer"} in log
    assert ("seqpacket", b"seqpacket child") in log
    assert ("sent pair", None, True) in log and ("pair", b"packet from child") in log
    assert ("dgram", b"datagram from child") in log
    assert log[-1] == ("exit", 0, None)


def test_send_returns_false_under_backpressure(no_fd_leak):
    log = []

    def main():
        c = child_process.fork(RAW_PEER, ["stall"])
        rets = []
        chunk = "z" * 65536
        for _ in range(64):
            rets.append(c.send(chunk))
            if not rets[-1]:
                break
        log.append(rets[0])
        log.append(rets[-1])
        c.on("error", lambda e: None)          # EPIPE for what was queued: expected
        c.on("exit", lambda code, sig: log.append(("exit", code, sig)))
        c.kill()

    node.run(main)
    assert log == [True, False, ("exit", None, "SIGTERM")]

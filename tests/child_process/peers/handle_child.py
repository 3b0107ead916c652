"""A nixloop child for tests/child_process/test_handles.py: uses each handle the parent sends
as the message says, reports back, and closes what it got when told 'close'."""
from nixloop import node

got = []


def main():
    process = node.process

    def on_message(m, h=None):
        if m == "close":
            for obj in got:
                (obj.destroy if hasattr(obj, "destroy") else obj.close)()
            process.disconnect()
            return
        kind = m["kind"]
        got.append(h)
        info = {"kind": kind, "type": type(h).__name__}
        if kind == "net.Server":
            h.on("connection", lambda s: s.end("served by child"))
            info["listening"] = h.listening
        elif kind == "net.Socket":
            h.write("child says hi")
            h.on("data", lambda d: process.send({"socket data": bytes(d).decode()}))
        elif kind == "SeqpacketServer":
            h.on("connection", lambda s, peer=None: (s.write(b"seqpacket child"), got.append(s)))
        elif kind == "SeqpacketSocket":
            h.write(b"packet from child")
        elif kind == "DgramSocket":
            h.sendTo(b"datagram from child", 0, 19, m["to"])
        process.send(info)

    process.on("message", on_message)


node.run(main)

"""A child that speaks the IPC channel by hand (no nixloop): it writes what argv[1] says, raw,
so the parent's handling of broken peers can be tested. Modes:

  malformed    a line that is not JSON, then a good message; waits for the parent to disconnect
  half         half a message, then SIGKILL (a child dying mid-message)
  endless      bytes without a newline, more than the parent's limit; waits
  bad_handle   a NODE_HANDLE of an unknown type with an fd; waits
  bad_v8       (advanced) a framed payload that is not V8 data, then a good one; waits
  die          SIGKILL at once (the parent then writes into a dead channel)
  stall        never reads (the parent's writes back up); the parent kills it
"""
import os
import signal
import socket
import sys

mode = sys.argv[1]
chan = socket.socket(fileno=int(os.environ["NODE_CHANNEL_FD"]))
chan.setblocking(True)


def wait_for_eof():
    while chan.recv(65536):
        pass


if mode == "malformed":
    chan.sendall(b'{"not json\n{"ok":1}\n')
    wait_for_eof()
elif mode == "half":
    chan.sendall(b'{"partial": [1, 2')
    os.kill(os.getpid(), signal.SIGKILL)
elif mode == "endless":
    try:
        chan.sendall(b'"' + b"x" * (int(sys.argv[2]) + 1024))
    except OSError:
        pass                          # the parent closed the channel on us: expected
    wait_for_eof()
elif mode == "bad_handle":
    r, w = os.pipe()
    socket.send_fds(chan, [b'{"cmd":"NODE_HANDLE","type":"no.Such","msg":"x"}\n'], [r])
    os.close(r)
    os.close(w)
    chan.sendall(b'{"after":1}\n')
    wait_for_eof()
elif mode == "bad_v8":
    junk = b"\xff\x0fQ"                       # version 15, then an unknown tag
    good = b"\xff\x0fo\"\x02ok\x54{\x01"       # {ok: true}
    chan.sendall(len(junk).to_bytes(4, "big") + junk + len(good).to_bytes(4, "big") + good)
    wait_for_eof()
elif mode == "die":
    os.kill(os.getpid(), signal.SIGKILL)
elif mode == "stall":
    import time
    time.sleep(60)

"""What is measured: the server kinds (ServerSpec: which program, on which loop, served how) and the
workloads (Workload: echo, HTTP, connection rate, idle RSS), the quick and full sets, and --only
selection. See perf/README.md for what each workload means."""

import os
import shutil
import sys

from .env import C_SEQPACKET_SERVER, C_SERVER, PY_LOOPS, SERVERS

PY_KINDS = ("protocol", "buffered", "streams", "sock")
HTTP_KINDS = ("aiohttp", "uvicorn")   # perf/servers/<kind>_hello.py
SERVE_MODES = ("forever", "runner")    # perf/servers/_common.py --serve
KIB = 1024

MODES = {
    # reps: interleaved repetitions; duration/warmup: seconds per load-generator run
    "quick": dict(reps=3, duration=1.5, warmup=0.3, micro_duration=0.3, micro_warmup=0.05,
                  idle_conns=1000, micro_reps=3),
    "full": dict(reps=3, duration=3.0, warmup=0.5, micro_duration=1.0, micro_warmup=0.2,
                 idle_conns=10000, micro_reps=5),
}

# Server kinds whose sockets are Unix SOCK_SEQPACKET (kind -> (row name, script)). Their servers
# print "READY seqpacket PATH" and are driven with loadgen --seqpacket; in a "seqpacket" workload
# every other server (the references) listens on a Unix *stream* socket.
SEQPACKET_KINDS = {
    "seqpacket": ("nixloop/seqpacket", "seqpacket_echo.py"),  # loop.create_seqpacket_server
    "unixnet": ("nixloop/unix", "unixnet_echo.py"),           # the nixloop.unix facade
    "cseqpacket": ("C/libuv seqpacket", None),                # perf/c/seqpacket_server.c --tstamp
}

# The server kind of the UDP workloads: an asyncio.DatagramProtocol echo (udp_echo.py) on the
# Python loops, Node.js dgram (node_echo.js --udp), the C server's uv_udp mode.
UDP_KIND = "datagram"
FACADE_KINDS = ("net", "unixnet")  # nixloop's Node-style facades, run by nixloop.node.run
# Server kinds measured from run_forever() only (full mode's extra kinds: the Runner rows of the
# Protocol servers show what serving from a task costs, and --full stays near 45 minutes).
FOREVER_ONLY = ("buffered", "streams", "sock")


class ServerSpec:
    """One server program: competitor (a loop name, "node" or "c"), kind, and for the Python loop
    servers how the loop is driven (serve: "forever" = loop.run_forever(), "runner" = a task in
    asyncio.Runner)."""

    def __init__(self, competitor, kind, serve="forever"):
        self.competitor = competitor
        self.kind = kind
        self.serve = serve
        self.seqpacket = kind in SEQPACKET_KINDS
        if competitor == "node":
            self.name = {UDP_KIND: "node/dgram", "http": "node/http"}.get(kind, "node/net")
        elif self.seqpacket:
            self.name = SEQPACKET_KINDS[kind][0]
        elif competitor == "c":
            self.name = "C/libuv"
        else:
            self.name = f"{competitor}/{kind}"
        if serve != "forever":
            self.name += "@" + serve

    @property
    def python_loop_server(self):
        """Runs on a loop chosen with --loop (and so can be served both ways)."""
        return self.competitor in PY_LOOPS and self.kind not in FACADE_KINDS

    def command(self, transport, address):
        """The server's argv. transport "seqpacket" is a Unix socket path for every server (a
        SEQPACKET socket for the seqpacket kinds, a stream socket for the others); "udp" binds
        a UDP port on 127.0.0.1."""
        node = shutil.which("node") or "node"
        serve = ["--serve", self.serve] if self.python_loop_server else []
        if transport == "udp":
            if self.competitor == "c":
                return [C_SERVER, "udp", "127.0.0.1", "0"]
            addr = ["--tcp", "127.0.0.1:0"]
            if self.competitor == "node":
                return [node, os.path.join(SERVERS, "node_echo.js"), "--udp"] + addr
            return [sys.executable, os.path.join(SERVERS, "udp_echo.py"), "--loop",
                    self.competitor] + serve + addr
        if self.competitor == "c" and self.seqpacket:
            return [C_SEQPACKET_SERVER, "--tstamp", address]
        if self.competitor == "c":
            addr = ["tcp", "127.0.0.1", "0"] if transport == "tcp" else ["unix", address]
            return [C_SERVER] + addr
        addr = ["--tcp", "127.0.0.1:0"] if transport == "tcp" else ["--unix", address]
        if self.competitor == "node":
            script = "node_http.js" if self.kind == "http" else "node_echo.js"
            return [node, os.path.join(SERVERS, script)] + addr
        if self.seqpacket:
            script = SEQPACKET_KINDS[self.kind][1]
        elif self.kind in HTTP_KINDS:
            script = f"{self.kind}_hello.py"
        else:
            script = "nixnet_echo.py" if self.kind == "net" else f"{self.kind}_echo.py"
        return [sys.executable, os.path.join(SERVERS, script), "--loop", self.competitor] + serve + addr

    def unavailable(self, env):
        """A reason why this server cannot run here, or None."""
        if self.competitor == "c":
            b = env.build.get("seqpacket_server" if self.seqpacket else "echo_server")
            return None if b is True else f"C server not built: {b}"
        info = env.competitors.get(self.competitor, {})
        if not info.get("available"):
            return f"{self.competitor} unavailable: {info.get('error', 'not found')}"
        if self.competitor == "nixloop" and self.kind in FACADE_KINDS:
            mod = "nixloop.net" if self.kind == "net" else "nixloop.unix"
            f = info.get("features", {}).get(mod)
            if f is not True:
                return f"{mod} unavailable: {f}"
        if self.kind in HTTP_KINDS:
            need = ("aiohttp",) if self.kind == "aiohttp" else ("uvicorn", "httptools")
            missing = [n for n in need if not env.http_stacks.get(n)]
            if missing:
                return f"{', '.join(missing)} not installed (make bench installs the pinned versions)"
        return None


class Workload:
    def __init__(self, group, transport=None, size=None, conns=None, kinds=PY_KINDS[:1],
                 facades=True, window=1, serves=SERVE_MODES):
        self.group = group
        self.transport = transport
        self.size = size
        self.conns = conns
        self.kinds = kinds
        self.facades = facades
        self.window = window      # messages in flight per connection (SEQPACKET and UDP only)
        # how the Python loop servers are driven; connection rate and idle RSS: run_forever only
        self.serves = serves if group in ("echo", "http") else SERVE_MODES[:1]
        tname = {"tcp": "TCP", "unix": "Unix", "seqpacket": "SEQPACKET", "udp": "UDP"}.get(
            transport, transport)
        # --only tokens that select this workload besides its id prefixes
        self.groups = (group, transport) if transport in ("seqpacket", "udp") else (group,)
        if group == "echo":
            self.id = f"echo-{transport}-{fmt_size(size)}-c{conns}"
            self.title = f"echo {tname} {fmt_size(size)} x {conns} conn"
            if window > 1:
                self.id += f"-w{window}"
                self.title += f", {window} messages in flight each"
        elif group == "http":
            self.id = f"http-{transport}-hello-c{conns}"
            self.title = f"HTTP/1.1 hello world, keep-alive, {tname} x {conns} conn"
        elif group == "connrate":
            self.id = f"connrate-{transport}"
            self.title = f"connection rate {tname} ({conns} concurrent, {size} B round trip)"
        elif group == "idle":
            self.id = f"idle-{transport}-{conns}"
            self.title = f"RSS per idle {transport.upper()} connection ({conns} connections)"

    @property
    def loadgen_args(self):
        """Options of the load generator beyond target, mode, -c and -s."""
        extra = ["--window", str(self.window)] if self.window > 1 else []
        return extra + (["--http"] if self.group == "http" else [])

    @property
    def base_kind(self):
        """The kind of the reference rows (uvloop's, rloop's) for servers of another kind."""
        return {"udp": UDP_KIND}.get(self.transport, "aiohttp" if self.group == "http" else "protocol")

    def cost_requests(self):
        """(requests of the syscall count, requests of each batch of the instruction count): fixed
        counts, enough to average over the periodic work (GC: the batches of a server agree within
        ~1%) and short enough for callgrind (~50x slower than native)."""
        if self.group == "http":
            return 10000, 500
        if self.size and self.size >= 64 * KIB:
            return 3000, 300
        return 20000, 1000

    def servers(self, env):
        specs = self._servers()
        if env.want:
            specs = [s for s in specs if s.competitor in env.want]
        return specs

    def _py(self, kinds):
        return [ServerSpec(loop, kind, serve) for kind in kinds for serve in self.serves
                for loop in PY_LOOPS if serve == "forever" or kind not in FOREVER_ONLY]

    def _servers(self):
        if self.group == "http":
            specs = self._py(HTTP_KINDS)
            return specs + [ServerSpec("node", "http")] if self.facades else specs
        if self.transport == "udp":
            # "conn" is a client UDP socket with one datagram in flight
            specs = self._py((UDP_KIND,))
            if self.facades:
                specs += [ServerSpec("node", UDP_KIND), ServerSpec("c", UDP_KIND)]
            return specs
        if self.transport == "seqpacket" and self.window > 1:
            # The stream references cannot pipeline messages (a stream has no message
            # boundaries for the load generator to count): only the SEQPACKET servers.
            return [ServerSpec("nixloop", "seqpacket", s) for s in self.serves] + [
                ServerSpec("nixloop", "unixnet"), ServerSpec("c", "cseqpacket")]
        if self.transport == "seqpacket":
            # Only nixloop has a SEQPACKET transport. The references run the same message size on
            # a Unix stream socket; the target: nixloop/seqpacket >= uvloop/protocol.
            # The C servers (stream and SEQPACKET, same vendored libuv) show what the kernel
            # leaves for user space on each socket type.
            return [ServerSpec(loop, kind, s) for kind, loop in (("protocol", "uvloop"),
                                                                 ("protocol", "nixloop"),
                                                                 ("seqpacket", "nixloop"))
                    for s in self.serves] + [ServerSpec("nixloop", "unixnet"), ServerSpec("c", "c"),
                                             ServerSpec("c", "cseqpacket")]
        specs = self._py(self.kinds)
        if self.facades:
            specs += [ServerSpec("nixloop", "net"), ServerSpec("node", "net"), ServerSpec("c", "c")]
        return specs


def fmt_size(n):
    return f"{n // KIB}KiB" if n >= KIB and n % KIB == 0 else f"{n}B"


def workloads_for(mode, idle_conns):
    w = []
    # quick mode: the SEQPACKET and pipelined workloads run their Python servers from
    # run_forever() only (both ways of serving are in the stream echo, UDP 1 KiB and HTTP tables)
    forever = SERVE_MODES[:1]
    if mode == "quick":
        for size, transports in ((1 * KIB, ("tcp", "unix")), (16 * KIB, ("tcp", "unix")),
                                 (128 * KIB, ("tcp",))):
            for t in transports:
                w.append(Workload("echo", t, size, 10))
        for size in (1 * KIB, 16 * KIB):
            w.append(Workload("echo", "seqpacket", size, 10, serves=forever))
        w.append(Workload("echo", "udp", 1 * KIB, 10))
        w.append(Workload("echo", "udp", 1 * KIB, 10, window=8, serves=forever))
        w.append(Workload("http", "tcp", None, 50))
        w.append(Workload("connrate", "tcp", 64, 10))
        w.append(Workload("idle", "tcp", 64, idle_conns))
    else:
        for size in (1 * KIB, 16 * KIB, 128 * KIB):
            for t in ("tcp", "unix"):
                w.append(Workload("echo", t, size, 10, kinds=PY_KINDS))
        for size in (1 * KIB, 16 * KIB):
            w.append(Workload("echo", "seqpacket", size, 10))
            w.append(Workload("echo", "udp", size, 10))
        w.append(Workload("echo", "seqpacket", 1 * KIB, 10, window=8))
        w.append(Workload("echo", "udp", 1 * KIB, 10, window=8))
        for conns in (1, 100):
            for size in (1 * KIB, 16 * KIB):
                for t in ("tcp", "unix"):
                    w.append(Workload("echo", t, size, conns))
        for t in ("tcp", "unix"):
            w.append(Workload("http", t, None, 50))
            w.append(Workload("connrate", t, 64, 10))
        w.append(Workload("idle", "tcp", 64, idle_conns))
    return w


def selected(tokens, group, wid):
    """group: a name or a tuple of names that select as a whole (--only echo, --only seqpacket)."""
    if not tokens:
        return True
    groups = (group,) if isinstance(group, str) else group
    return any(t in groups or wid.startswith(t) for t in tokens)

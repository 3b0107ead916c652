"""Figures from repeated runs: medians with their spread, paired ratios, which side limited a run,
and the result rows (one per server per workload) with the references they are compared with."""

import statistics

# Which side limits a figure. A server that never idles (its CPU share >= SERVER_BOUND) is the
# bottleneck: it is already doing all the work it can, so the client kept it busy. Otherwise a load
# generator at >= CLIENT_BOUND of its core may be what held it back: such figures are marked * and
# are lower bounds for the server.
SERVER_BOUND = 0.95
CLIENT_BOUND = 0.85


def client_bound(lg, srv) -> bool:
    """True when a figure may be limited by the load generator rather than the server."""
    if lg is None or lg < CLIENT_BOUND:
        return False
    return srv is None or srv < SERVER_BOUND


def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def summarize(values):
    xs = [v for v in values if v is not None]
    if not xs:
        return None
    return {"median": statistics.median(xs), "min": min(xs), "max": max(xs), "n": len(xs)}


def paired_ratio(values, ref_values):
    rs = [a / b for a, b in zip(values, ref_values) if a is not None and b]
    return statistics.median(rs) if rs else None


def ratio(a, b):
    return a / b if a is not None and b else None


class Row:
    def __init__(self, wid, spec):
        self.workload = wid
        self.spec = spec
        self.status = "ok"
        self.reason = None
        self.runs = []   # dicts; index = repetition
        self.costs = {}  # "syscalls", "instructions": dicts, or {"error": why}

    def metric(self, key):
        return [r.get(key) if r else None for r in self.runs]

    def cpu_us(self):
        """Median over the repetitions of (user, system, total) server µs per request."""
        from .costs import cpu_per_request
        per = [cpu_per_request(r) for r in self.runs]
        per = [p for p in per if p]
        if not per:
            return None
        return (med([p[0] for p in per]), med([p[1] for p in per]), med([p[0] + p[1] for p in per]))

    def cost(self, what):
        """The per-request figure of a cost collector, or None."""
        if what == "cpu":
            c = self.cpu_us()
            return c[2] if c else None
        if what == "instructions_nocopy":  # instructions other than glibc's memcpy/memmove
            c = self.costs.get("instructions")
            if not c or c.get("per_request") is None or c.get("copy_per_request") is None:
                return None
            return c["per_request"] - c["copy_per_request"]
        c = self.costs.get(what)
        return c.get("per_request") if c else None

    def to_json(self):
        cpu = self.cpu_us()
        costs = dict(self.costs)
        if cpu:
            costs["cpu"] = {"user_us": cpu[0], "sys_us": cpu[1], "per_request_us": cpu[2],
                            "method": "/proc/PID/stat over each timed run, median of repetitions"}
        return {"workload": self.workload, "server": self.spec.name,
                "competitor": self.spec.competitor, "kind": self.spec.kind,
                "serve": self.spec.serve, "status": self.status, "reason": self.reason,
                "runs": self.runs, "costs": costs}


def reference_row(rows, spec, competitor="uvloop", base_kind="protocol"):
    """The row of `competitor` this row is compared with: same kind and way of serving if there is
    one, else its base_kind row (the workload's, served the same way), else its run_forever row.
    For competitor "c" or "node": that server's row in the workload."""
    ok = {(r.spec.competitor, r.spec.kind, r.spec.serve): r for r in rows if r.status == "ok"}
    if competitor in ("c", "node"):
        # the C SEQPACKET server is the reference of the SEQPACKET rows, the C stream server
        # (or the UDP one) of the others
        same = [r for (c, _k, _s), r in ok.items() if c == competitor]
        return next((r for r in same if (r.spec.kind == "cseqpacket") == spec.seqpacket),
                    same[0] if same else None)
    for key in ((competitor, spec.kind, spec.serve), (competitor, base_kind, spec.serve),
                (competitor, spec.kind, "forever"), (competitor, base_kind, "forever")):
        if key in ok:
            return ok[key]
    return None

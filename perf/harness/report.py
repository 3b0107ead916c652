"""The tables: cost per request (the headline), throughput and latency, idle RSS, micro benchmarks,
as plain text for the terminal and Markdown for results.md."""

import os
import platform
import statistics
import sys

from .env import PY_LOOPS
from .runners import MICRO_LABELS
from .stats import (CLIENT_BOUND, SERVER_BOUND, client_bound, med, paired_ratio, ratio,
                    reference_row, summarize)
from .workloads import KIB


def fmt_num(x, digits=0):
    if x is None:
        return "-"
    if digits == 0:
        return f"{x:,.0f}"
    return f"{x:,.{digits}f}"


def pct(x):
    return "-" if x is None else f"{x * 100:.0f}%"


def fmt_ratio(x):
    return "-" if x is None else f"{x:.2f}x"


def row_label(w, spec):
    """The row's name in the tables: in a SEQPACKET workload the references say their socket."""
    if w.transport == "seqpacket" and not spec.seqpacket:
        return spec.name + " (Unix stream)"
    return spec.name


def seqpacket_target(w, rows):
    """For a SEQPACKET workload: whether nixloop/seqpacket reached uvloop's Unix-stream req/s."""
    if w.transport != "seqpacket":
        return None
    by = {r.spec.name: r for r in rows}
    sp, ref = by.get("nixloop/seqpacket"), by.get("uvloop/protocol")
    if not sp or not ref or sp.status != "ok" or ref.status != "ok":
        return None
    r = paired_ratio(sp.metric("rps"), ref.metric("rps"))
    if r is None:
        return None
    met = r >= 1.0
    line = (f"target nixloop/seqpacket messages/s >= uvloop/protocol Unix-stream req/s: "
            f"{'met' if met else 'NOT met'} ({fmt_ratio(r)})")
    # A client-bound (*) figure is a lower bound for its server: it cannot show a "met" for the
    # reference (the load generator must copy every Unix-stream reply out; SEQPACKET replies it
    # mostly discards) nor a "NOT met" for nixloop/seqpacket.
    doubtful = [x.spec.name for x in ((ref,) if met else (sp,))
                if client_bound(med(x.metric("cpu_share")), med(x.metric("server_cpu_share")))]
    if doubtful:
        line += (f"; not conclusive: the {doubtful[0]} figure is marked * (the load generator may "
                 f"have limited it, so it is a lower bound)")
    return line


def echo_table(w, rows):
    """(header, lines) for one workload; lines are lists of cells."""
    unit = "conn/s" if w.group == "connrate" else "req/s"
    head = ["server", f"{unit} median", "min-max", "x uvloop", "MiB/s", "p50 us", "p99 us",
            "lg CPU", "srv CPU", "srv us/req", "bg CPU"]
    lines = []
    for row in rows:
        label = row_label(w, row.spec)
        if row.status != "ok":
            lines.append([label, f"{row.status}: {row.reason}"])
            continue
        rps = summarize(row.metric("rps"))
        if rps is None:
            lines.append([label, "no data"])
            continue
        ref = reference_row(rows, row.spec, "uvloop", w.base_kind)
        r = paired_ratio(row.metric("rps"), ref.metric("rps")) if ref else None
        p50 = med([x["latency_us"]["p50"] if x else None for x in row.runs])
        p99 = med([x["latency_us"]["p99"] if x else None for x in row.runs])
        lg = med(row.metric("cpu_share"))
        srv = med(row.metric("server_cpu_share"))
        flag = " *" if client_bound(lg, srv) else ""
        lines.append([label, fmt_num(rps["median"]) + flag,
                      f"{fmt_num(rps['min'])}-{fmt_num(rps['max'])}", fmt_ratio(r),
                      fmt_num(med(row.metric("mib_s")), 1) if w.group != "connrate" else "-",
                      fmt_num(p50), fmt_num(p99), pct(lg), pct(srv),
                      fmt_num(row.cost("cpu"), 2) if w.group != "connrate" else "-",
                      pct(med(row.metric("background_cpu")))])
    return head, lines


def _kinds(c, n=4):
    if not c or "by_kind" not in c:
        return "-"
    return " ".join(f"{k} {v:.2f}" for k, v in list(c["by_kind"].items())[:n])


def _cost_cell(row, what, digits):
    c = row.costs.get(what)
    if c and "error" in c:
        return "failed"
    return fmt_num(row.cost(what), digits)


def cost_refs(w):
    """The competitors every cost is divided by: uvloop, rloop, and C (HTTP: Node, no C server)."""
    return ("uvloop", "rloop", "node" if w.group == "http" else "c")


def cost_table(w, rows):
    refs = cost_refs(w)
    rname = {"uvloop": "uvloop", "rloop": "rloop", "c": "C", "node": "node"}
    head = ["server", "req/s", "CPU us/req", "user+sys"]
    head += [f"x {rname[r]}" for r in refs] + ["instr/req"] + [f"x {rname[r]}" for r in refs]
    head += ["memcpy/req", "other instr/req", "x uvloop"]
    head += ["syscalls/req", "x uvloop", "syscalls by kind /req"]
    lines = []
    for row in rows:
        label = row_label(w, row.spec)
        if row.status != "ok":
            lines.append([label, f"{row.status}: {row.reason}"])
            continue
        cpu = row.cpu_us()
        cells = [label, fmt_num(med(row.metric("rps"))), fmt_num(row.cost("cpu"), 2),
                 f"{cpu[0]:.2f}+{cpu[1]:.2f}" if cpu else "-"]
        for what, digits in (("cpu", None), ("instructions", 0)):
            if digits is not None:
                cells.append(_cost_cell(row, what, digits))
            for r in refs:
                ref = reference_row(rows, row.spec, r, w.base_kind)
                cells.append(fmt_ratio(ratio(row.cost(what), ref.cost(what) if ref else None)))
        ref = reference_row(rows, row.spec, "uvloop", w.base_kind)
        ins = row.costs.get("instructions") or {}
        cells += [fmt_num(ins.get("copy_per_request")), fmt_num(row.cost("instructions_nocopy")),
                  fmt_ratio(ratio(row.cost("instructions_nocopy"),
                                  ref.cost("instructions_nocopy") if ref else None))]
        cells += [_cost_cell(row, "syscalls", 2),
                  fmt_ratio(ratio(row.cost("syscalls"), ref.cost("syscalls") if ref else None)),
                  _kinds(row.costs.get("syscalls"))]
        lines.append(cells)
    return head, lines


HEADLINE_REFS = ("uvloop", "rloop", "C/node")
COST_WHAT = (("cpu", "CPU us/req", 2), ("instructions", "instr/req", 0), ("syscalls", "syscalls/req", 2))


def headline(all_rows):
    """nixloop's run_forever rows of every echo and HTTP workload with their costs and the ratios of
    each cost to uvloop, rloop and C (Node for HTTP and the net facade): a list of (workload, row,
    {what: (value, {ref: ratio})}) -- the headline table and chart both read it."""
    out = []
    for w, rows in all_rows:
        if w.group not in ("echo", "http"):
            continue
        for row in rows:
            if row.spec.competitor != "nixloop" or row.spec.serve != "forever" or row.status != "ok":
                continue
            last = "node" if w.group == "http" or row.spec.kind == "net" else "c"
            figs = {}
            for what, _label, _digits in COST_WHAT:
                rs = {}
                for name, r in zip(HEADLINE_REFS, ("uvloop", "rloop", last)):
                    ref = reference_row(rows, row.spec, r, w.base_kind)
                    rs[name] = ratio(row.cost(what), ref.cost(what) if ref else None)
                figs[what] = (row.cost(what), rs)
            out.append((w, row, figs))
    return out


def headline_table(all_rows):
    """The headline: nixloop's cost per request on every echo and HTTP workload (its run_forever
    rows), with the ratios to uvloop, rloop and C (Node for HTTP and the net facade)."""
    head = ["workload", "nixloop server"]
    for _what, label, _digits in COST_WHAT:
        head += [label, "x uvloop", "x rloop", "x C/node"]
    lines = []
    for w, row, figs in headline(all_rows):
        cells = [w.id, row.spec.name]
        for what, _label, digits in COST_WHAT:
            cells.append(_cost_cell(row, what, digits))
            cells += [fmt_ratio(figs[what][1][r]) for r in HEADLINE_REFS]
        lines.append(cells)
    return head, lines


def idle_table(w, rows):
    head = ["server", "KiB per idle conn", "x uvloop", "RSS before MiB", "RSS after MiB"]
    lines = []
    ref = next((r for r in rows if r.spec.name == "uvloop/protocol" and r.status == "ok" and r.runs), None)
    for row in rows:
        if row.status != "ok" or not row.runs:
            lines.append([row.spec.name, f"{row.status}: {row.reason}"])
            continue
        r = row.runs[0]
        rr = r["bytes_per_conn"] / ref.runs[0]["bytes_per_conn"] if ref and ref.runs[0]["bytes_per_conn"] else None
        lines.append([row.spec.name, f"{r['bytes_per_conn'] / KIB:.2f}", fmt_ratio(rr),
                      f"{r['rss_before'] / 2**20:.1f}", f"{r['rss_after'] / 2**20:.1f}"])
    return head, lines


def micro_table(mrows, benches):
    head = ["benchmark", "loop", "ops/s median", "min-max", "x uvloop"]
    lines = []
    by = {(r["bench"], r["loop"]): r for r in mrows}
    for b in benches:
        ref = by.get((b, "uvloop"))
        for l in PY_LOOPS:
            if (b, l) not in by:
                continue
            r = by[(b, l)]
            if r["status"] != "ok":
                lines.append([MICRO_LABELS[b], l, f"{r['status']}: {r['reason']}"])
                continue
            s = summarize(r["runs"])
            if s is None:
                lines.append([MICRO_LABELS[b], l, "no data"])
                continue
            rr = paired_ratio(r["runs"], ref["runs"]) if ref and ref["status"] == "ok" else None
            lines.append([MICRO_LABELS[b], l, fmt_num(s["median"]), f"{fmt_num(s['min'])}-{fmt_num(s['max'])}",
                          fmt_ratio(rr)])
    return head, lines


def text_table(head, lines):
    widths = [len(h) for h in head]
    full = [l for l in lines if len(l) == len(head)]
    for l in full:
        for i, c in enumerate(l):
            widths[i] = max(widths[i], len(c))
    out = ["  ".join(h.ljust(widths[i]) for i, h in enumerate(head)).rstrip()]
    out.append("  ".join("-" * w for w in widths))
    left = {0, 1} if head[0] in ("benchmark", "workload") else {0}
    for l in lines:
        if len(l) == len(head):
            out.append("  ".join((c.ljust(widths[i]) if i in left or head[i].endswith("by kind /req")
                                  else c.rjust(widths[i])) for i, c in enumerate(l)).rstrip())
        else:
            out.append("  ".join([l[0].ljust(widths[0])] + l[1:]))
    return "\n".join(out)


def md_table(head, lines):
    out = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    for l in lines:
        cells = l + [""] * (len(head) - len(l))
        out.append("| " + " | ".join(c.replace("|", "/") for c in cells) + " |")
    return "\n".join(out)


def lg_share_summary(all_rows):
    shares = []
    for _w, rows in all_rows:
        for row in rows:
            if row.status == "ok" and _w.group in ("echo", "http", "connrate"):
                for r in row.runs:
                    if r:
                        shares.append((r["cpu_share"], r.get("server_cpu_share"), row.spec.name, _w.id))
    if not shares:
        return None
    bgs = [r.get("background_cpu") for _w, rows in all_rows for row in rows if row.status == "ok"
           for r in row.runs if r and r.get("background_cpu") is not None]
    shares.sort()
    top = shares[-1]
    return {"median": statistics.median(s[0] for s in shares), "max": top[0], "max_server": top[2],
            "max_workload": top[3],
            "client_bound_runs": sum(1 for s in shares if client_bound(s[0], s[1])),
            "busy_client_runs": sum(1 for s in shares if s[0] >= CLIENT_BOUND),
            "server_bound_runs": sum(1 for s in shares if s[1] is not None and s[1] >= SERVER_BOUND),
            "runs": len(shares),
            "background_median": statistics.median(bgs) if bgs else None,
            "background_max": max(bgs) if bgs else None}


def host_info():
    cpu = None
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {"cpu": cpu, "cpus": os.cpu_count(), "kernel": platform.release(),
            "python": sys.version.split()[0], "executable": sys.executable}

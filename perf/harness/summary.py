"""The README's tables, made from a finished run's results.json (`python -m perf --summary DIR`),
so the figures quoted in README.md are copied by a program, not by hand:

- cost per request (the headline): nixloop's server CPU, user-space instructions and syscalls per
  request on every echo and HTTP workload, beside uvloop's, rloop's and the C server's (Node's
  for HTTP), with nixloop's ratio to each;
- the two ways of serving: CPU per request from loop.run_forever() and from a task in
  asyncio.Runner (what asyncio.run(main()) does), per loop;
- throughput: req/s with the ratio to uvloop.

Rows are rebuilt from the JSON with the harness's own classes, so the references are chosen as in
results.md (same kind and way of serving, else the workload's base kind)."""

import json
import os

from .report import fmt_num, fmt_ratio, md_table
from .stats import Row, med, paired_ratio, ratio, reference_row
from .workloads import ServerSpec, Workload

# The nixloop row of each workload that the README quotes, by workload group / transport.
MAIN_KIND = {"udp": "datagram", "seqpacket": "seqpacket"}
HTTP_KINDS = ("aiohttp", "uvicorn")


def load(results_dir):
    """(document, [(Workload, [Row])]) of a results directory (or its results.json)."""
    path = results_dir if results_dir.endswith(".json") else os.path.join(results_dir, "results.json")
    with open(path) as f:
        doc = json.load(f)
    all_rows = []
    for wd in doc["workloads"]:
        w = Workload(wd["group"], wd["transport"], wd["size"], wd["connections"],
                     window=_window(wd["id"]))
        rows = []
        for rd in wd["rows"]:
            row = Row(rd["workload"], ServerSpec(rd["competitor"], rd["kind"], rd["serve"]))
            row.status, row.reason, row.runs = rd["status"], rd["reason"], rd["runs"]
            row.costs = {k: v for k, v in rd["costs"].items() if k != "cpu"}
            rows.append(row)
        all_rows.append((w, rows))
    return doc, all_rows


def _window(wid):
    tail = wid.rsplit("-", 1)[-1]
    return int(tail[1:]) if tail.startswith("w") and tail[1:].isdigit() else 1


def _label(w, kind):
    if w.group == "connrate":
        return f"connections/s, {w.transport.upper()} ({w.conns} at a time)"
    if w.group == "idle":
        return f"KiB of RSS per idle {w.transport.upper()} connection ({w.conns:,})"
    if w.group == "http":
        return f"HTTP hello, {kind}, {w.conns} conns"
    t = {"tcp": "TCP", "unix": "Unix", "seqpacket": "SEQPACKET", "udp": "UDP"}[w.transport]
    s = f"echo {t} {w.size // 1024} KiB" if w.size % 1024 == 0 else f"echo {t} {w.size} B"
    if w.window > 1:
        s += f", {w.window} in flight"
    return s


def _main_rows(all_rows, groups=("echo", "http")):
    """(workload, rows, nixloop run_forever row) of the workloads the README quotes."""
    for w, rows in all_rows:
        if w.group not in groups:
            continue
        kinds = HTTP_KINDS if w.group == "http" else (MAIN_KIND.get(w.transport, "protocol"),)
        for kind in kinds:
            row = next((r for r in rows if r.spec.competitor == "nixloop" and r.spec.kind == kind
                        and r.spec.serve == "forever"), None)
            if row is not None:
                yield w, rows, row


def _refs(w, rows, row):
    last = "node" if w.group == "http" else "c"
    return [(name, reference_row(rows, row.spec, comp, w.base_kind))
            for name, comp in (("uvloop", "uvloop"), ("rloop", "rloop"), ("C", last))]


def cost_tables(all_rows):
    """One Markdown table per cost: nixloop's figure, then each reference's with nixloop's ratio
    to it ("0.80x": nixloop spends 0.8 of what that server spends; lower is better)."""
    out = []
    for what, title, digits in (("cpu", "server CPU µs per request (user+sys)", 2),
                                ("instructions", "user-space instructions per request", 0),
                                ("instructions_nocopy", "user-space instructions per request "
                                 "without glibc's memcpy/memmove (whose `rep movsb` callgrind "
                                 "counts once per byte)", 0),
                                ("syscalls", "syscalls per request", 2)):
        head = ["workload", "nixloop", "uvloop", "rloop", "C (HTTP: Node)"]
        lines = []
        for w, rows, row in _main_rows(all_rows):
            if row.cost(what) is None and what == "instructions_nocopy":
                continue  # a run from before the copy share was measured
            if row.status != "ok":
                lines.append([_label(w, row.spec.kind), f"{row.status}: {row.reason}"])
                continue
            mine = row.cost(what)
            cells = [_label(w, row.spec.kind), fmt_num(mine, digits)]
            for _name, ref in _refs(w, rows, row):
                theirs = ref.cost(what) if ref else None
                cells.append("-" if theirs is None else
                             f"{fmt_num(theirs, digits)} ({fmt_ratio(ratio(mine, theirs))})")
            lines.append(cells)
        if lines:
            out.append((title, md_table(head, lines)))
    return out


def serving_table(all_rows):
    """CPU µs per request served from run_forever() and from asyncio.Runner, per loop."""
    loops = ("asyncio", "uvloop", "rloop", "nixloop")
    head = ["workload"] + [f"{l} forever / Runner" for l in loops]
    lines = []
    for w, rows, row in _main_rows(all_rows):
        cells = [_label(w, row.spec.kind)]
        have = False
        for loop in loops:
            pair = []
            for serve in ("forever", "runner"):
                r = next((x for x in rows if x.spec.competitor == loop and x.spec.kind == row.spec.kind
                          and x.spec.serve == serve and x.status == "ok"), None)
                pair.append(r.cost("cpu") if r else None)
            have = have or pair[1] is not None
            cells.append(" / ".join(fmt_num(p, 2) for p in pair))
        if have:
            lines.append(cells)
    return md_table(head, lines)


def _idle_kib(row):
    runs = [r for r in row.runs if r] if row and row.status == "ok" else []
    return runs[0]["bytes_per_conn"] / 1024 if runs else None


def throughput_table(all_rows):
    """req/s (conn/s; idle: KiB per connection) of each competitor's main row (run_forever), with
    the ratio to uvloop."""
    comps = (("asyncio", "asyncio"), ("uvloop", "uvloop"), ("nixloop", "nixloop"),
             ("rloop", "rloop"), ("Node", "node"), ("C libuv", "c"))
    head = ["workload"] + [c[0] for c in comps]
    lines = []
    for w, rows, row in _main_rows(all_rows, ("echo", "http", "connrate", "idle")):
        ref = reference_row(rows, row.spec, "uvloop", w.base_kind)
        cells = [_label(w, row.spec.kind)]
        for _name, comp in comps:
            if comp in ("c", "node"):
                r = reference_row(rows, row.spec, comp, w.base_kind)
            else:
                mine = [x for x in rows if x.spec.competitor == comp and x.status == "ok"
                        and x.spec.serve == "forever"]
                r = next((x for kind in (row.spec.kind, w.base_kind) for x in mine
                          if x.spec.kind == kind), None)
            if w.group == "idle":
                kib, rk = _idle_kib(r), _idle_kib(ref)
                cells.append("-" if kib is None else f"{kib:.2f}" if r is ref else
                             f"{kib:.2f} ({fmt_ratio(ratio(kib, rk))})")
                continue
            rps = med(r.metric("rps")) if r else None
            if rps is None:
                cells.append("-")
            elif r is ref:
                cells.append(fmt_num(rps))
            else:
                cells.append(f"{fmt_num(rps)} ({fmt_ratio(paired_ratio(r.metric('rps'), ref.metric('rps')) if ref else None)})")
        lines.append(cells)
    return md_table(head, lines)


def micro_table(doc):
    """The micro benchmarks: ops/s per loop, with the ratio to uvloop."""
    from .runners import MICRO_LABELS
    by = {(m["bench"], m["loop"]): m for m in doc.get("micro") or []}
    loops = ("asyncio", "uvloop", "nixloop", "rloop")
    lines = []
    for bench in dict.fromkeys(m["bench"] for m in doc.get("micro") or []):
        ref = by.get((bench, "uvloop"))
        cells = [MICRO_LABELS.get(bench, bench)]
        for loop in loops:
            m = by.get((bench, loop))
            v = med(m["runs"]) if m and m["status"] == "ok" else None
            if v is None:
                cells.append("-")
            elif loop == "uvloop":
                cells.append(fmt_num(v))
            else:
                r = paired_ratio(m["runs"], ref["runs"]) if ref and ref["status"] == "ok" else None
                cells.append(f"{fmt_num(v)} ({fmt_ratio(r)})")
        lines.append(cells)
    return md_table(["micro benchmark (ops/s)"] + list(loops), lines) if lines else None


def render(results_dir):
    doc, all_rows = load(results_dir)
    md = [f"Run: `{doc.get('command', 'python -m perf')}`, {doc.get('started', '?')[:16].replace('T', ' ')} UTC, "
          f"{doc.get('mode')} mode; {doc.get('pinning')}."]
    for title, table in cost_tables(all_rows):
        md += ["", f"**{title}** (nixloop's ratio to each in brackets; lower is better)", "", table]
    md += ["", "**server CPU µs per request, served from run_forever() / from a task in "
           "asyncio.Runner**", "", serving_table(all_rows)]
    md += ["", "**throughput, req/s** (median; in brackets the median of the per-repetition ratios "
           "to uvloop, which in a noisy run can differ from the ratio of the medians)", "",
           throughput_table(all_rows)]
    micro = micro_table(doc)
    if micro:
        md += ["", micro]
    return "\n".join(md) + "\n"

"""The run's results: the terminal tables, results.md (cost per request first), results.json, the
charts, and perf/results/latest."""

import json
import os
import shlex
import sys

from . import costs
from .charts import charts
from .report import (cost_table, echo_table, headline_table, host_info, idle_table, lg_share_summary,
                     md_table, micro_table, pct, seqpacket_target, text_table)
from .stats import CLIENT_BOUND, SERVER_BOUND

COST_NOTE = (
    "Cost per request, measured on the server whatever the client's speed: **CPU us/req** = the "
    "server's user+system CPU time (/proc/PID/stat, all threads) over each timed run divided by the "
    "requests of that run, median of the repetitions; **instr/req** = user-space instructions "
    f"counted by callgrind over {costs.CG_BATCHES} batches of a fixed number of requests after a "
    "warm-up (median batch; the server runs under valgrind for this pass only); **syscalls/req** = "
    "syscalls counted by kind with perf's syscall tracepoints over a fixed number of requests on the "
    "running server. Ratios: to the same competitor's server of the same kind and way of serving "
    "(else its base kind: Protocol, DatagramProtocol, aiohttp); x C is the C libuv server, x node "
    "Node's (HTTP has no C server). Lower is better.")


def _header(args, argv, env, mode, cfg, started, finished, interrupted, lg):
    cmd = "python -m perf " + " ".join(shlex.quote(a) for a in (argv if argv is not None else sys.argv[1:]))
    md = [f"# nixloop benchmark results ({mode} mode)\n"]
    md.append(f"- date: {started.strftime('%Y-%m-%d %H:%M UTC')} ({(finished - started).total_seconds():.0f} s)")
    md.append(f"- command: `{cmd.strip()}`")
    hi = host_info()
    md.append(f"- host: {hi['cpu']}, {hi['cpus']} CPUs, Linux {hi['kernel']}, Python {hi['python']}")
    md.append(f"- pinning: {env.pin_desc}")
    vers = ", ".join(f"{k} {v.get('version')}" for k, v in env.competitors.items() if v.get("available"))
    md.append(f"- competitors: {vers}; C server: "
              f"{'built' if env.build.get('echo_server') is True else env.build.get('echo_server')}")
    if env.http_stacks:
        md.append("- HTTP stacks: " + ", ".join(f"{k} {v or 'not installed'}"
                                                for k, v in env.http_stacks.items()))
    md.append(f"- cost collectors: CPU from /proc; syscalls: {env.tools.get('syscalls') or '-'}; "
              f"instructions: {env.tools.get('instructions') or '-'} (passes run: "
              f"{', '.join(sorted(getattr(env, 'cost_kinds', ()))) or 'none'})")
    md.append(f"- repetitions: {cfg['reps']} x {cfg['duration']} s (+{cfg['warmup']} s warm-up), interleaved; "
              f"micro: {cfg['micro_reps']} x {cfg['micro_duration']} s")
    if lg:
        md.append(f"- load generator CPU share: median {lg['median'] * 100:.0f}% of its core, max "
                  f"{lg['max'] * 100:.0f}% ({lg['max_server']}, {lg['max_workload']}); "
                  f"{lg['server_bound_runs']}/{lg['runs']} runs server-bound (server CPU >= "
                  f"{SERVER_BOUND * 100:.0f}%: the server never idled, so it is what limits the figure); "
                  f"{lg['client_bound_runs']}/{lg['runs']} runs possibly client-bound (load generator >= "
                  f"{CLIENT_BOUND * 100:.0f}% while the server was below {SERVER_BOUND * 100:.0f}%; "
                  "marked * : a lower bound for that server)")
        if lg.get("background_median") is not None:
            md.append(f"- other processes' CPU during the runs (bg CPU): median {pct(lg['background_median'])}, "
                      f"max {pct(lg['background_max'])} of a core")
    if interrupted:
        md.append("- **interrupted**: partial results")
    md.append("")
    return cmd.strip(), hi, md


def write(args, argv, env, mode, cfg, stamp, started, finished, interrupted, all_rows, mrows,
          micro_benches, script_results):
    lg = lg_share_summary(all_rows)
    cmd, hi, md = _header(args, argv, env, mode, cfg, started, finished, interrupted, lg)
    text = []
    costly = [(w, rows) for w, rows in all_rows if w.group in ("echo", "http")]
    if costly:
        head, lines = headline_table(all_rows)
        md.append("## Cost per request: nixloop vs uvloop, rloop, C (headline)\n")
        md.append(COST_NOTE + "\n")
        md.append(md_table(head, lines) + "\n")
        text.append("== cost per request, nixloop (run_forever rows) vs uvloop, rloop, C/node")
        text.append(text_table(head, lines))
    md.append("Throughput ratios (x uvloop) are medians of per-repetition ratios to the uvloop server of "
              "the same kind and way of serving (node, C and nixloop/net are compared with "
              "uvloop/protocol; in the SEQPACKET tables nixloop/seqpacket and nixloop/unix with "
              "uvloop/protocol on a Unix stream socket, same message size). `@runner`: the server "
              "runs from a task in asyncio.Runner instead of loop.run_forever(). lg CPU / srv CPU: "
              "CPU time of the load generator / server as a share of one core; srv us/req: server "
              "CPU per request; bg CPU: CPU used by other processes on the machine meanwhile.\n")
    if mrows:
        head, lines = micro_table(mrows, micro_benches)
        text.append("== micro benchmarks (ops/s; each run a fresh process pinned to the server CPU)")
        text.append(text_table(head, lines))
        md.append("## Micro benchmarks (ops/s)\n")
        md.append(md_table(head, lines) + "\n")
    for sc, result in script_results:
        text.append(f"== {sc[4]}")
        md.append(f"## {sc[4]}\n")
        if result["status"] == "ok":
            text.append(result["output"])
            md.append("```\n" + result["output"] + "\n```\n")
        else:
            text.append(f"{result['status']}: {result['reason']}")
            md.append(f"{result['status']}: {result['reason']}\n")
    for w, rows in all_rows:
        head, lines = idle_table(w, rows) if w.group == "idle" else echo_table(w, rows)
        text.append(f"== {w.title}  [{w.id}]")
        text.append(text_table(head, lines))
        md.append(f"## {w.title}\n")
        md.append(md_table(head, lines) + "\n")
        note = seqpacket_target(w, rows)
        if note:
            text.append(note)
            md.append(note + "\n")
        if w.group in ("echo", "http"):
            head, lines = cost_table(w, rows)
            text.append(f"-- cost per request  [{w.id}]")
            text.append(text_table(head, lines))
            md.append(f"Cost per request ({w.id}):\n")
            md.append(md_table(head, lines) + "\n")
    if lg:
        text.append(f"load generator CPU share: median {lg['median'] * 100:.0f}% of its core, max "
                    f"{lg['max'] * 100:.0f}% ({lg['max_server']} on {lg['max_workload']}); "
                    f"{lg['server_bound_runs']}/{lg['runs']} runs server-bound, "
                    f"{lg['client_bound_runs']}/{lg['runs']} possibly client-bound (marked *)")
        if lg.get("background_median") is not None:
            text.append(f"other processes' CPU during the runs: median {pct(lg['background_median'])}, "
                        f"max {pct(lg['background_max'])} of a core (bg CPU; high values mean a noisy machine)")
    print()
    print("\n\n".join(text))

    outdir = os.path.join(args.out, stamp)
    os.makedirs(outdir, exist_ok=True)
    doc = {
        "mode": mode, "command": cmd, "started": started.isoformat(), "finished": finished.isoformat(),
        "interrupted": interrupted, "host": hi, "pinning": env.pin_desc, "config": cfg,
        "competitors": env.competitors, "http_stacks": env.http_stacks, "cost_tools": env.tools,
        "build": env.build, "load_generator_cpu": lg,
        "micro": mrows, "scripts": {sc[0]: result for sc, result in script_results},
        "workloads": [{"id": w.id, "group": w.group, "title": w.title, "transport": w.transport,
                       "size": w.size, "connections": w.conns,
                       "cost_requests": dict(zip(("syscalls", "instructions"), w.cost_requests())),
                       "rows": [r.to_json() for r in rows]}
                      for w, rows in all_rows],
    }
    with open(os.path.join(outdir, "results.json"), "w") as f:
        json.dump(doc, f, indent=1)
    made = charts(outdir, all_rows, mrows, micro_benches)
    pngs = [m for m in made if m.endswith(".png")]
    if pngs:
        md.append("## Charts\n")
        md.extend(f"![{os.path.basename(p)}]({os.path.basename(p)})" for p in pngs)
    with open(os.path.join(outdir, "results.md"), "w") as f:
        f.write("\n".join(md) + "\n")
    latest = os.path.join(args.out, "latest")
    try:
        tmp_link = latest + ".tmp"
        if os.path.lexists(tmp_link):
            os.unlink(tmp_link)
        os.symlink(os.path.basename(outdir), tmp_link)
        os.replace(tmp_link, latest)
    except OSError:
        pass
    print()
    print(f"results: {os.path.relpath(outdir)}/results.md, results.json")
    for m in made:
        print(("chart: " + os.path.relpath(m)) if m.endswith(".png") else m)
    return 130 if interrupted else 0

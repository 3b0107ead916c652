"""PNG charts (matplotlib, when importable): cost per request relative to uvloop, throughput
relative to uvloop, latency percentiles, micro benchmarks."""

import os

from .env import PY_LOOPS
from .runners import MICRO_LABELS
from .report import COST_WHAT, HEADLINE_REFS, headline
from .stats import med, paired_ratio, ratio, reference_row


def _grouped_bars(ax, groups, names, value):
    """Bars per name within each group; value(group, name) -> float or None. Up to 20 names get
    distinct colours (the default cycle repeats after 10)."""
    import matplotlib
    width = 0.8 / max(len(names), 1)
    colors = matplotlib.colormaps["tab10" if len(names) <= 10 else "tab20"].colors
    for j, name in enumerate(names):
        xs, ys = [], []
        for i, g in enumerate(groups):
            v = value(g, name)
            if v is not None:
                xs.append(i + (j - (len(names) - 1) / 2) * width)
                ys.append(v)
        if xs:
            ax.bar(xs, ys, width, label=name, color=colors[j % len(colors)])
    ax.axhline(1.0, color="k", lw=0.8)


def _row_names(groups):
    names = []
    for _w, rows in groups:
        for r in rows:
            if r.status == "ok" and r.spec.name not in names:
                names.append(r.spec.name)
    return names


def _save(fig, outdir, name, made):
    fig.tight_layout()
    p = os.path.join(outdir, name)
    fig.savefig(p, dpi=110)
    made.append(p)


def cost_chart(plt, outdir, all_rows, made):
    """Two panels: CPU µs and user-space instructions per request, each as a ratio to uvloop."""
    groups = [(w, rows) for w, rows in all_rows if w.group in ("echo", "http")
              and any(r.cost("cpu") or r.cost("instructions") for r in rows)]
    if not groups:
        return
    names = _row_names(groups)
    fig, axes = plt.subplots(2, 1, figsize=(max(9, 1.3 * len(groups) + 5), 9))
    for ax, what, label in ((axes[0], "cpu", "server CPU per request"),
                            (axes[1], "instructions", "user-space instructions per request")):
        def value(g, name, what=what):
            w, rows = g
            row = next((r for r in rows if r.spec.name == name and r.status == "ok"), None)
            ref = reference_row(rows, row.spec, "uvloop", w.base_kind) if row else None
            return ratio(row.cost(what), ref.cost(what)) if row and ref else None
        _grouped_bars(ax, groups, names, value)
        ax.set_xticks(range(len(groups)))
        ax.set_xticklabels([w.id for w, _ in groups], rotation=25, ha="right", fontsize=8)
        ax.set_ylabel(f"{label}\nratio to uvloop (lower is better)", fontsize=8)
    axes[0].set_title("Cost per request relative to uvloop (same kind, same way of serving)")
    axes[0].legend(fontsize=6, ncol=3)
    _save(fig, outdir, "cost_ratio.png", made)
    plt.close(fig)


def headline_chart(plt, outdir, all_rows, made):
    """The headline as a chart: nixloop's cost per request (run_forever rows) as a ratio to uvloop,
    rloop and C (Node for HTTP and the net facade), one panel per cost."""
    data = headline(all_rows)
    if not data:
        return
    labels = [f"{w.id}\n{row.spec.name.split('/', 1)[1]}" for w, row, _ in data]
    fig, axes = plt.subplots(len(COST_WHAT), 1, figsize=(max(9, 0.9 * len(data) + 4), 11))
    for ax, (what, label, _digits) in zip(axes, COST_WHAT):
        _grouped_bars(ax, list(range(len(data))), [f"x {r}" for r in HEADLINE_REFS],
                      lambda i, name, what=what: data[i][2][what][1][name[2:]])
        ax.set_xticks(range(len(data)))
        ax.set_xticklabels(labels, rotation=35, ha="right", fontsize=7)
        ax.set_ylabel(f"nixloop {label}\nratio (lower is better)", fontsize=8)
        ax.legend(fontsize=7)
    axes[0].set_title("nixloop's cost per request relative to uvloop, rloop and C (Node for HTTP "
                      "and nixloop/net)")
    _save(fig, outdir, "cost_headline.png", made)
    plt.close(fig)


def throughput_chart(plt, outdir, echo, made):
    names = _row_names(echo)
    fig, ax = plt.subplots(figsize=(max(8, 1.2 * len(echo) + 4), 5))

    def value(g, name):
        w, rows = g
        row = next((r for r in rows if r.spec.name == name and r.status == "ok"), None)
        ref = reference_row(rows, row.spec, "uvloop", w.base_kind) if row else None
        return (paired_ratio(row.metric("rps"), ref.metric("rps")) or 0) if row and ref else None
    _grouped_bars(ax, echo, names, value)
    ax.set_xticks(range(len(echo)))
    ax.set_xticklabels([w.id for w, _ in echo], rotation=30, ha="right", fontsize=8)
    ax.set_ylabel("req/s (conn/s) ratio to uvloop")
    ax.set_title("Throughput relative to uvloop (median of paired repetitions)")
    ax.legend(fontsize=6, ncol=3)
    _save(fig, outdir, "echo_ratio.png", made)
    plt.close(fig)


def latency_chart(plt, outdir, ew, made):
    cols = min(3, len(ew))
    nrow = (len(ew) + cols - 1) // cols
    fig, axes = plt.subplots(nrow, cols, figsize=(5 * cols, 3.6 * nrow), squeeze=False)
    for k, (w, rows) in enumerate(ew):
        ax = axes[k // cols][k % cols]
        ok = [r for r in rows if r.status == "ok"]
        for q, color in (("p50", "tab:blue"), ("p90", "tab:orange"), ("p99", "tab:red")):
            vals = [med([x["latency_us"][q] if x else None for x in r.runs]) or 0 for r in ok]
            off = {"p50": -0.27, "p90": 0, "p99": 0.27}[q]
            ax.bar([i + off for i in range(len(ok))], vals, 0.27, label=q, color=color)
        ax.set_xticks(range(len(ok)))
        ax.set_xticklabels([r.spec.name for r in ok], rotation=40, ha="right", fontsize=6)
        ax.set_yscale("log")
        ax.set_ylabel("latency us")
        ax.set_title(w.id, fontsize=9)
        if k == 0:
            fig.legend(*ax.get_legend_handles_labels(), loc="upper right", fontsize=8)
    for k in range(len(ew), nrow * cols):
        axes[k // cols][k % cols].axis("off")
    _save(fig, outdir, "latency.png", made)
    plt.close(fig)


def micro_chart(plt, outdir, mrows, benches, made):
    by = {(r["bench"], r["loop"]): r for r in mrows}
    fig, ax = plt.subplots(figsize=(9, 4.5))

    def value(b, l):
        r, ref = by.get((b, l)), by.get((b, "uvloop"))
        if r and ref and r["status"] == "ok" and ref["status"] == "ok":
            return paired_ratio(r["runs"], ref["runs"]) or 0
        return None
    _grouped_bars(ax, benches, PY_LOOPS, value)
    ax.set_xticks(range(len(benches)))
    ax.set_xticklabels([MICRO_LABELS[b] for b in benches], rotation=20, ha="right", fontsize=8)
    ax.set_ylabel("ops/s ratio to uvloop")
    ax.set_title("Micro benchmarks relative to uvloop")
    ax.legend(fontsize=8)
    _save(fig, outdir, "micro_ratio.png", made)
    plt.close(fig)


def charts(outdir, all_rows, mrows, benches):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except Exception as exc:  # noqa: BLE001
        return [f"charts skipped: matplotlib not importable ({exc})"]
    made = []
    headline_chart(plt, outdir, all_rows, made)
    cost_chart(plt, outdir, all_rows, made)
    echo = [(w, rows) for w, rows in all_rows if w.group in ("echo", "http", "connrate")]
    if echo:
        throughput_chart(plt, outdir, echo, made)
        ew = [(w, rows) for w, rows in echo if w.group in ("echo", "http")]
        if ew:
            latency_chart(plt, outdir, ew, made)
    if mrows:
        micro_chart(plt, outdir, mrows, benches, made)
    return made

"""The benchmark harness behind `python -m perf` (see perf/README.md), by concern:

    cli        arguments, set-up, the order of the run
    env        paths, pinning, competitor / HTTP-stack probes, the C build
    workloads  server kinds (ServerSpec) and workloads (Workload), quick and full sets
    procs      child processes, CPU and RSS from /proc
    lgrun      starting servers, timed load-generator runs, the fixed-count --sync protocol
    costs      cost collectors: CPU, syscalls by kind (perf/strace), instructions (callgrind)
    runners    the workload runners (echo-like with cost passes, idle RSS, micro, scripts)
    stats      medians, ratios, result rows and their references
    report     the tables; output: results.md/.json and the terminal; charts: the PNGs
"""

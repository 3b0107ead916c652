"""nixloop's benchmark suite (not part of the installed package). Run: python -m perf [--full]."""

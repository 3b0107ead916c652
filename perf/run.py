#!/usr/bin/env python3
"""`python perf/run.py [options]`: the same as `python -m perf` (the harness is perf/harness/)."""
import os
import sys

if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    from perf.harness.cli import main
    sys.exit(main())

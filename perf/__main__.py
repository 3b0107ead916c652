import sys

from perf.harness.cli import main

sys.exit(main())

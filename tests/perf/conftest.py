"""tests/perf: the benchmark tools in short bounded runs (see perf_helpers)."""
import shutil

import pytest

from perf_helpers import build_tools


@pytest.fixture(scope='session')
def build(tmp_path_factory):
    """perf/c built into a temporary directory, so a benchmark run that uses perf/build/ is never
    disturbed."""
    if not (shutil.which('make') and shutil.which('cc')):
        pytest.skip('make and a C compiler build the perf tools')
    return build_tools(str(tmp_path_factory.mktemp('perfbuild')))

"""Differential tests: each scenario is a JS script under node_scripts/ run by `node` and a
Python twin (twins.py) run by nixloop.node.run; their event logs must match line for line.
Skipped (with the reason) when `node` is not installed."""

import os
import shutil
import socket
import subprocess
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from nixloop import node                        # noqa: E402
from twins import TWINS                         # noqa: E402

SCRIPTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "node_scripts")
NODE = shutil.which("node")


from nltest import JsLog as Log, js  # noqa: E402,F401


def test_every_script_has_a_twin():
    scripts = {f[:-3] for f in os.listdir(SCRIPTS) if f.endswith(".js") and not f.startswith("_")}
    assert scripts == set(TWINS)
    assert len(scripts) >= 25


def _env(tmp_path, name):
    env = dict(os.environ, NET_TMPDIR=str(tmp_path))
    fds = []
    if name == "listen_fd":
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        env["NET_FD"] = str(s.fileno())
        fds = [s]
    return env, fds


@pytest.mark.skipif(NODE is None, reason="node is not installed (needed to produce the reference logs)")
@pytest.mark.parametrize("name", sorted(TWINS))
def test_same_log_as_node(name, tmp_path):
    (tmp_path / "node").mkdir()
    (tmp_path / "py").mkdir()
    env, socks = _env(tmp_path / "node", name)
    try:
        result = subprocess.run([NODE, os.path.join(SCRIPTS, name + ".js")], capture_output=True,
                                text=True, timeout=30, cwd=SCRIPTS, env=env,
                                pass_fds=[s.fileno() for s in socks])
    finally:
        for s in socks:
            s.close()
    assert result.returncode == 0, result.stderr
    expected = result.stdout.splitlines()
    assert expected, "the node script printed nothing"
    env, socks = _env(tmp_path / "py", name)
    if socks:
        # The twin's server owns the fd from here on (Node's listen({fd}) takes it too).
        env["NET_FD"] = str(socks[0].detach())
    log = Log()
    node.run(TWINS[name](log, env))
    assert log.lines == expected

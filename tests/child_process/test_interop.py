"""The channel speaks Node's wire formats: a Node parent forks a nixloop child, and a nixloop
parent forks a Node child, with 'json' and 'advanced' (V8) serialization; the values must come
back as they went. Skipped without `node`."""

import datetime
import json
import os
import shutil
import subprocess
import sys

import pytest

import nixloop
from nixloop import child_process, node

HERE = os.path.dirname(os.path.abspath(__file__))
PEERS = os.path.join(HERE, "peers")
ROOT = os.path.dirname(os.path.dirname(HERE))
NODE = shutil.which("node")
NIXLOOP_PATH = os.path.dirname(os.path.dirname(os.path.abspath(nixloop.__file__)))
pytestmark = pytest.mark.skipif(NODE is None, reason="node is not installed")


def node_parent(mode):
    env = dict(os.environ, PYTHONPATH=NIXLOOP_PATH + os.pathsep + os.environ.get("PYTHONPATH", ""))
    r = subprocess.run([NODE, os.path.join(PEERS, "node_parent.js"),
                        os.path.join(PEERS, "echo_child.py"), sys.executable, mode],
                       capture_output=True, text=True, timeout=30, env=env)
    assert r.returncode == 0, r.stderr
    return [json.loads(line) for line in r.stdout.split("\n") if line]


def test_node_parent_python_child_json():
    assert node_parent("json") == [
        {"a": [1, "two", {"three": 3}], "s": "é\u2028", "n": None, "t": True}, "plain", 42,
        {"exit": 0, "signal": None}]


def test_node_parent_python_child_advanced():
    assert node_parent("advanced") == [
        {"map": {"Map": [[1, "one"]]}, "set": {"Set": [1, 2]}, "buf": {"Buffer": [0, 255]},
         "big": {"BigInt": str(2 ** 70)}, "date": {"Date": 1577934245678}, "f": 1.5, "s": "é",
         "n": None},
        {"exit": 0, "signal": None}]


def python_parent(mode, values):
    got = []

    def main():
        c = child_process.fork(os.path.join(PEERS, "echo_child.js"), [],
                               {"execPath": NODE, "execArgv": [], "serialization": mode})

        def on_message(m, h=None):
            got.append(m)
            if len(got) == len(values):
                c.disconnect()
        c.on("message", on_message)
        c.on("exit", lambda code, sig: got.append(("exit", code, sig)))
        for v in values:
            c.send(v)
    node.run(main)
    return got


def test_python_parent_node_child_json(no_fd_leak):
    values = [{"a": [1, "two", None], "b": b"\x01\x02", "nan": float("nan")}, "x", 1.25]
    got = python_parent("json", values)
    assert got == [
        {"echo": {"a": [1, "two", None], "b": {"type": "Buffer", "data": [1, 2]}, "nan": None},
         "types": {"a": "Array", "b": "object", "nan": "null"}},
        {"echo": "x", "types": {}}, {"echo": 1.25, "types": {}}, ("exit", 0, None)]


def test_python_parent_node_child_advanced(no_fd_leak):
    when = datetime.datetime(2020, 1, 2, 3, 4, 5, 678000, tzinfo=datetime.timezone.utc)
    values = [{"map": {1: "one"}, "set": {1, 2}, "bytes": b"\x00\xff", "big": 2 ** 70,
               "date": when, "i": 7, "f": 0.5, "list": [None, True]}]
    got = python_parent("advanced", values)
    echo, types = got[0]["echo"], got[0]["types"]
    assert types == {"map": "Map", "set": "Set", "bytes": "Buffer", "big": "bigint",
                     "date": "Date", "i": "number", "f": "number", "list": "Array"}
    assert echo["map"] == {1: "one"} and echo["set"] == {1, 2} and echo["bytes"] == b"\x00\xff"
    assert echo["big"] == 2 ** 70 and echo["date"].timestamp() == when.timestamp()
    assert echo["i"] == 7 and echo["f"] == 0.5 and echo["list"] == [None, True]
    assert got[1] == ("exit", 0, None)

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _log import log  # noqa: E402
from nixloop import cluster, node  # noqa: E402


def main():
    cluster.on('setup', lambda s: log('P setup', os.path.splitext(os.path.basename(s['exec']))[0],
                                      json.dumps(s['args'], separators=(',', ':')), s['silent']))
    cluster.setupPrimary({'exec': os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                               '_worker_main.py'),
                          'args': ['--flag', 'x'], 'silent': True})
    s = cluster.settings
    log('P settings', os.path.splitext(os.path.basename(s['exec']))[0], json.dumps(s['args'], separators=(',', ':')),
        s['silent'])
    w = cluster.fork({'EXTRA': 'yes'})
    out = []
    w.process.stdout.on('data', lambda d: out.append(bytes(d).decode()))
    w.process.stdout.on('end', lambda: log('P worker stdout', json.dumps(''.join(out))))
    w.on('exit', lambda code, sig: log('P exit', code, sig))


node.run(main)

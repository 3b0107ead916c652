import json
import os
import sys

from nixloop import cluster, node


def main():
    print(f"W {'true' if cluster.isWorker else 'false'} {cluster.worker.id} "
          f"{json.dumps(sys.argv[1:], separators=(',', ':'))} {os.environ.get('EXTRA')}",
          flush=True)
    node.process.disconnect()


node.run(main)

import os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _log import log
from nixloop import cluster, node
from nixloop.errors import UNDEFINED

def main():
    if cluster.isPrimary:
        forks = [0]
        def start():
            forks[0] += 1
            return cluster.fork({'ROUND': str(forks[0])})
        def online(w):
            log('P online', w.id, w.state)
            if w.id == 1: w.process.kill('SIGKILL')
            elif w.id == 2: w.send('exit please')
            elif w.id == 3: w.kill()
            elif w.id == 4: w.disconnect()
        cluster.on('online', online)
        cluster.on('disconnect', lambda w: log('P disconnect', w.id, w.exitedAfterDisconnect, w.state))
        def on_exit(w, code, sig):
            log('P exit', w.id, code, sig, w.exitedAfterDisconnect, w.state, w.isDead(), w.isConnected(), cluster.workers.get(w.id, UNDEFINED))
            if w.id < 4: start()
        cluster.on('exit', on_exit)
        start()
    else:
        node.process.on('message', lambda m, h=None: node.process.exit(7) if m == 'exit please' else None)
        cluster.worker.on('disconnect', lambda: None)
        if os.environ.get('ROUND') != str(cluster.worker.id):
            node.process.exit(99)

node.run(main)

import json, os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _log import log
from nixloop import cluster, net, node

def main():
    if cluster.isPrimary:
        log('P isPrimary', cluster.isPrimary, cluster.isMaster, cluster.isWorker, cluster.schedulingPolicy == cluster.SCHED_RR)
        listening = [0]
        cluster.on('fork', lambda w: log('P fork', w.id, w.state))
        cluster.on('online', lambda w: log('P online', w.id))
        def on_listening(w, a):
            log('P listening', w.id, a['address'], 'number' if isinstance(a['port'], int) else '?', a['addressType'], w.state)
            listening[0] += 1
            if listening[0] == 2: clients(a['port'])
        cluster.on('listening', on_listening)
        cluster.on('disconnect', lambda w: log('~ P disconnect', w.id, w.exitedAfterDisconnect, w.isConnected(), w.isDead()))
        cluster.on('exit', lambda w, code, sig: log('~ P exit', w.id, code, sig, w.exitedAfterDisconnect, w.isDead(), len(cluster.workers)))
        cluster.on('message', lambda w, m, h=None: log('P message', w.id, json.dumps(m, separators=(',', ':'))))
        w1 = cluster.fork()
        log('P workers', ','.join(map(str, cluster.workers)))
        w1.once('online', lambda: cluster.fork())
        def clients(port):
            counts = {}
            done = [0]
            N = 6
            def one():
                s = net.connect(port, '127.0.0.1')
                d = []
                s.on('data', lambda x: d.append(bytes(x).decode()))
                def on_end():
                    k = ''.join(d)
                    counts[k] = counts.get(k, 0) + 1
                    done[0] += 1
                    if done[0] == N:
                        log('P counts', ','.join(f'{k}={counts[k]}' for k in sorted(counts)))
                        cluster.disconnect(lambda: log('P all disconnected', len(cluster.workers)))
                    else:
                        one()
                s.on('end', on_end)
            one()
    else:
        srv = net.createServer(lambda s: s.end('w' + str(cluster.worker.id)))
        srv.listen(0, '127.0.0.1')
        srv.on('listening', lambda: node.process.send({'hi': cluster.worker.id}) if cluster.worker.id == 2 else None)

node.run(main)

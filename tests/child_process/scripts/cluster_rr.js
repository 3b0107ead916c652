const cluster = require('cluster');
const net = require('net');
const log = (...a) => console.log(a.map(String).join(' '));
if (cluster.isPrimary) {
  log('P isPrimary', cluster.isPrimary, cluster.isMaster, cluster.isWorker, cluster.schedulingPolicy === cluster.SCHED_RR);
  let listening = 0;
  cluster.on('fork', (w) => log('P fork', w.id, w.state));
  cluster.on('online', (w) => log('P online', w.id));
  cluster.on('listening', (w, a) => {
    log('P listening', w.id, a.address, typeof a.port, a.addressType, w.state);
    if (++listening === 2) clients(a.port);
  });
  cluster.on('disconnect', (w) => log('~ P disconnect', w.id, w.exitedAfterDisconnect, w.isConnected(), w.isDead()));
  cluster.on('exit', (w, code, sig) => log('~ P exit', w.id, code, sig, w.exitedAfterDisconnect, w.isDead(), Object.keys(cluster.workers).length));
  cluster.on('message', (w, m) => log('P message', w.id, JSON.stringify(m)));
  const w1 = cluster.fork();
  log('P workers', Object.keys(cluster.workers).join(','));
  w1.once('online', () => cluster.fork());
  function clients(port) {
    const counts = {};
    let done = 0;
    const N = 6;
    const one = () => {
      const s = net.connect(port, '127.0.0.1');
      let d = '';
      s.on('data', (x) => d += x);
      s.on('end', () => {
        counts[d] = (counts[d] || 0) + 1;
        if (++done === N) {
          log('P counts', Object.keys(counts).sort().map((k) => k + '=' + counts[k]).join(','));
          cluster.disconnect(() => log('P all disconnected', Object.keys(cluster.workers).length));
        } else one();
      });
    };
    one();
  }
} else {
  const srv = net.createServer((s) => s.end('w' + cluster.worker.id));
  srv.listen(0, '127.0.0.1');
  srv.on('listening', () => { if (cluster.worker.id === 2) process.send({hi: cluster.worker.id}); });
}

const cluster = require('cluster');
const log = (...a) => console.log(a.map(String).join(' '));
if (cluster.isPrimary) {
  let forks = 0;
  const start = () => { forks++; return cluster.fork({ROUND: String(forks)}); };
  cluster.on('online', (w) => {
    log('P online', w.id, w.state);
    if (w.id === 1) w.process.kill('SIGKILL');
    else if (w.id === 2) w.send('exit please');
    else if (w.id === 3) w.kill();
    else if (w.id === 4) w.disconnect();
  });
  cluster.on('disconnect', (w) => log('P disconnect', w.id, w.exitedAfterDisconnect, w.state));
  cluster.on('exit', (w, code, sig) => {
    log('P exit', w.id, code, sig, w.exitedAfterDisconnect, w.state, w.isDead(), w.isConnected(), String(cluster.workers[w.id]));
    if (w.id < 4) start();
  });
  start();
} else {
  process.on('message', (m) => { if (m === 'exit please') process.exit(7); });
  cluster.worker.on('disconnect', () => {});
  if (process.env.ROUND !== String(cluster.worker.id)) process.exit(99);
}

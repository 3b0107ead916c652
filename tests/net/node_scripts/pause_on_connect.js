const { log, net } = require('./_common');
const srv = net.createServer({ pauseOnConnect: true }, (s) => {
  log('S paused', s.isPaused());
  s.on('data', (d) => log('S data', d));
  setTimeout(() => { log('resume'); s.resume(); }, 50);
  s.on('end', () => { log('S end'); srv.close(); });
});
srv.listen(0, '127.0.0.1', () => {
  const c = net.connect(srv.address().port, '127.0.0.1', () => c.end('early'));
});

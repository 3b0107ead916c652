const { log, net } = require('./_common');
const srv = net.createServer((s) => {
  s.on('data', (d) => log('S data', d));
  s.on('close', () => { log('S close'); srv.close(); });
});
srv.listen(0, '127.0.0.1', () => {
  const c = net.connect(srv.address().port, '127.0.0.1');
  log('setTimeout returns socket', c.setTimeout(40) === c, c.timeout);
  let n = 0;
  c.on('timeout', () => {
    n++;
    log('timeout', n, c.destroyed, c.readyState);
    if (n === 1) c.write('activity');
    else { c.setTimeout(0); log('disabled', c.timeout); setTimeout(() => c.destroy(), 80); }
  });
  c.on('close', (h) => log('C close', h, n));
});

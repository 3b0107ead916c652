const { log, net } = require('./_common');
const srv = net.createServer((s) => s.end());
srv.listen(0, 'localhost', () => {
  log('listening', srv.address().address);
  const c = net.connect(srv.address().port, 'localhost');
  c.on('lookup', (err, address, family, host) => log('lookup', err, address, family, host));
  c.on('connect', () => log('connect'));
  c.on('close', () => { log('close'); srv.close(); });
  c.resume();
});

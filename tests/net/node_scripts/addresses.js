const { log, net } = require('./_common');
const srv = net.createServer((s) => {
  log('S', s.localAddress, s.localFamily, s.remoteAddress, s.remoteFamily, s.localPort === srv.address().port);
  s.end();
  s.on('close', () => srv.close());
});
srv.listen({ port: 0, host: '::1' }, () => {
  const a = srv.address();
  log('server', a.address, a.family, Object.keys(a).sort().join(','));
  const c = net.connect({ port: a.port, host: '::1' }, () => {
    const ca = c.address();
    log('C', ca.address, ca.family, c.remoteAddress, c.remotePort === a.port, c.remoteFamily);
  });
  log('C before', JSON.stringify(c.address()), c.remoteAddress);
  c.resume();
});

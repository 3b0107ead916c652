const { log, net, errInfo } = require('./_common');
const srv = net.createServer((s) => {
  s.on('error', (e) => log('S error', errInfo(e)));
  s.on('close', (h) => { log('S close', h); srv.close(); });
  s.write('x');
});
srv.listen(0, '127.0.0.1', () => {
  const c = net.connect(srv.address().port, '127.0.0.1');
  c.on('data', () => { log('C data'); c.resetAndDestroy(); log('destroyed', c.destroyed); });
  c.on('close', (h) => log('C close', h));
});

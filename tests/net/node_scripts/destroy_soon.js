const { log, net } = require('./_common');
const srv = net.createServer((s) => {
  s.on('data', (d) => log('S data', d));
  s.on('end', () => log('S end'));
  s.on('close', () => { log('S close'); srv.close(); });
});
srv.listen(0, '127.0.0.1', () => {
  const c = net.connect(srv.address().port, '127.0.0.1', () => {
    c.write('last');
    c.destroySoon();
    log('writable', c.writable, c.destroyed);
  });
  c.on('finish', () => log('C finish', c.destroyed));
  c.on('close', (h) => log('C close', h));
});

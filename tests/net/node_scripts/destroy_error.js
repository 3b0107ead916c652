const { log, net } = require('./_common');
const srv = net.createServer((s) => {
  s.on('end', () => log('S end'));
  s.on('close', (h) => { log('S close', h); srv.close(); });
});
srv.listen(0, '127.0.0.1', () => {
  const c = net.connect(srv.address().port, '127.0.0.1', () => {
    c.destroy(new Error('boom'));
    log('destroyed', c.destroyed, c.readyState);
    c.destroy(new Error('again'));
    c.write('x', (e) => log('write cb', e && e.code));
  });
  c.on('error', (e) => log('C error', e.message));
  c.on('close', (h) => log('C close', h));
  const u = new net.Socket();
  u.on('error', (e) => log('U error', e.message));
  u.on('close', (...a) => log('U close', a.length));
  u.destroy(new Error('nohandle'));
});

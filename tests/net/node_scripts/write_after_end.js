const { log, net } = require('./_common');
const srv = net.createServer((s) => { s.resume(); s.on('close', () => srv.close()); });
srv.listen(0, '127.0.0.1', () => {
  const c = net.connect(srv.address().port, '127.0.0.1', () => {
    c.end('a');
    log('ended', c.writableEnded, c.writable, c.readyState);
    const r = c.write('b', (e) => log('write cb', e.code, e.message));
    log('write returned', r);
  });
  c.on('error', (e) => log('error', e.code, e.message));
  c.on('finish', () => log('finish'));
  c.on('close', (h) => log('close', h));
});

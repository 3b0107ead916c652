// The server ends first; the client (allowHalfOpen) answers after 'end'.
const { log, net } = require('./_common');
const srv = net.createServer((s) => {
  s.end('first');
  s.on('data', (d) => log('S data', d));
  s.on('end', () => log('S end'));
  s.on('close', (h) => { log('S close', h); srv.close(); });
});
srv.listen(0, '127.0.0.1', () => {
  const c = net.connect({ port: srv.address().port, host: '127.0.0.1', allowHalfOpen: true });
  c.on('data', (d) => log('C data', d));
  c.on('end', () => {
    log('C end', c.readyState, c.writable);
    c.write('reply');
    c.end(() => log('C end cb'));
  });
  c.on('finish', () => log('C finish'));
  c.on('close', (h) => log('C close', h));
});

// The client ends first; the server (allowHalfOpen) keeps writing, then ends.
const { log, net } = require('./_common');
const srv = net.createServer({ allowHalfOpen: true }, (s) => {
  s.on('end', () => {
    log('S end', s.readyState);
    s.write('late', () => log('S write cb'));
    setTimeout(() => { log('S ending'); s.end('bye'); }, 20);
  });
  s.on('finish', () => log('S finish'));
  s.on('close', (h) => { log('S close', h); srv.close(); });
  s.resume();
});
srv.listen(0, '127.0.0.1', () => {
  const c = net.connect({ port: srv.address().port, host: '127.0.0.1' });
  c.on('connect', () => { c.end(); log('C ended', c.readyState); });
  c.on('data', (d) => log('C data', d, c.readyState));
  c.on('end', () => log('C end'));
  c.on('finish', () => log('C finish'));
  c.on('close', (h) => log('C close', h));
});

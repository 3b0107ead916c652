const { log, net } = require('./_common');
const srv = net.createServer((s) => {
  log('S connection', s.remoteFamily, s.readyState);
  s.on('data', (d) => { log('S data', d); s.write(d); });
  s.on('end', () => log('S end', s.readyState));
  s.on('finish', () => log('S finish'));
  s.on('close', (h) => { log('S close', h); srv.close(); });
});
srv.on('close', () => log('server close'));
srv.listen(0, '127.0.0.1', () => {
  log('listening', srv.address().family, srv.listening);
  const c = net.createConnection(srv.address().port, '127.0.0.1', () => log('C connect cb'));
  log('C state', c.readyState, c.pending, c.connecting);
  c.on('connect', () => log('C connect', c.readyState, c.remoteAddress, c.localFamily));
  c.on('ready', () => { log('C ready'); c.write('ping'); });
  c.on('data', (d) => { log('C data', d); c.end(); });
  c.on('end', () => log('C end'));
  c.on('finish', () => log('C finish', c.readyState));
  c.on('close', (h) => log('C close', h, c.bytesRead, c.bytesWritten, c.destroyed));
});

// A write queued on a socket that is destroyed before it connected fails with
// ERR_SOCKET_CLOSED_BEFORE_CONNECTION (and no 'error' event: destroy() had no error).
const { log, net } = require('./_common');
const srv = net.createServer();
srv.listen(0, '127.0.0.1', () => {
  const c = net.connect(srv.address().port, '127.0.0.1');
  log('write', c.write('pending', (err) => log('write cb', err && err.code, err && err.message)));
  c.on('error', (e) => log('error', e.code));
  c.on('close', (h) => { log('close', h, c.bytesWritten); srv.close(); });
  c.destroy();
  log('destroyed', c.destroyed, c.connecting);
});

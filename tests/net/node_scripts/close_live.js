// close() with a live connection: 'close' waits for it.
const { log, net } = require('./_common');
let srvSock;
const srv = net.createServer((s) => {
  srvSock = s;
  srv.close((err) => log('close cb', err));
  log('closing', srv.listening, srv.address());
  srv.getConnections((err, n) => log('connections', err, n));
  setTimeout(() => { log('ending client'); s.end(); }, 30);
  s.on('close', () => log('S close'));
});
srv.on('close', () => log('server close event'));
srv.listen(0, '127.0.0.1', () => {
  const c = net.connect(srv.address().port, '127.0.0.1');
  c.on('end', () => log('C end'));
  c.on('close', () => log('C close'));
});

const { log, net } = require('./_common');
const socks = [];
let sync = true;
const srv = net.createServer((s) => {
  socks.push(s);
  if (socks.length === 3) {
    srv.getConnections((err, n) => {
      log('count', err, n, 'sync', sync);
      socks[0].destroy();
      setTimeout(() => srv.getConnections((e, m) => {
        log('count after destroy', e, m);
        srv.close(); for (const c of clients) c.destroy();
      }), 30);
    });
    sync = false;
  }
});
const clients = [];
srv.listen(0, '127.0.0.1', () => {
  for (let i = 0; i < 3; i++) clients.push(net.connect(srv.address().port, '127.0.0.1'));
});
srv.on('close', () => log('close'));

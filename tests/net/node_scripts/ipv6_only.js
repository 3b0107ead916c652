const { log, net } = require('./_common');
const srv = net.createServer();
srv.listen({ port: 0, host: '::', ipv6Only: true }, () => {
  const c = net.connect(srv.address().port, '127.0.0.1');
  c.on('error', (e) => log('v4 error', e.code));
  c.on('close', () => {
    const c6 = net.connect(srv.address().port, '::1', () => { log('v6 connect'); c6.destroy(); srv.close(); });
  });
});

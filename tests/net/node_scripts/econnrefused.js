const { log, net, errInfo } = require('./_common');
const srv = net.createServer();
srv.listen(0, '127.0.0.1', () => {
  const port = srv.address().port;
  srv.close(() => {
    const c = net.connect(port, '127.0.0.1');
    c.on('connect', () => log('connect?!'));
    c.on('error', (e) => log('error', errInfo(e), e.address, e.port === port, c.destroyed));
    c.on('close', (h) => log('close', h, c.readyState));
  });
});

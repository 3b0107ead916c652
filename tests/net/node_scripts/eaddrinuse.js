const { log, net, errInfo } = require('./_common');
const a = net.createServer();
a.listen(0, '127.0.0.1', () => {
  const port = a.address().port;
  const b = net.createServer();
  b.on('error', (e) => {
    log('b error', errInfo(e), e.address, e.port === port, b.listening);
    b.listen(0, '127.0.0.1', () => { log('b retry ok'); b.close(); a.close(); });
  });
  b.listen(port, '127.0.0.1');
  log('after listen', b.listening);
});

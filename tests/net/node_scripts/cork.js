const { log, net } = require('./_common');
const srv = net.createServer((s) => {
  let got = '';
  s.on('data', (d) => { got += d; });
  s.on('end', () => { log('S got', got); srv.close(); });
});
srv.listen(0, '127.0.0.1', () => {
  const c = net.connect(srv.address().port, '127.0.0.1', () => {
    c.cork();
    c.write('a', () => log('cb a'));
    c.write('b', () => log('cb b'));
    log('corked', c.writableCorked, c.writableLength, c.bytesWritten);
    c.uncork();
    log('uncorked', c.writableCorked);
    c.end('c', () => log('end cb'));
  });
  log('before connect', c.write('x'), c.writableLength, c.bytesWritten);
  c.on('finish', () => log('finish'));
});

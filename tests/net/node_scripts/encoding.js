const { log, net } = require('./_common');
const srv = net.createServer((s) => {
  s.write(Buffer.from([0xc3]));
  setTimeout(() => s.end(Buffer.from([0xa9, 0x21])), 20);
  s.on('close', () => srv.close());
});
srv.listen(0, '127.0.0.1', () => {
  const c = net.connect(srv.address().port, '127.0.0.1');
  c.setEncoding('utf8');
  c.on('data', (d) => log('data', typeof d, JSON.stringify(d)));
  c.on('end', () => log('end'));
});

// 'readable' + read(): paused mode, read(size), null at the end, then 'end'.
const { log, net } = require('./_common');
const srv = net.createServer((s) => { s.end('0123456789'); s.on('close', () => srv.close()); });
srv.listen(0, '127.0.0.1', () => {
  const c = net.connect(srv.address().port, '127.0.0.1');
  const parts = [];
  c.on('readable', () => {
    let chunk;
    while ((chunk = c.read(4)) !== null) parts.push(chunk.toString());
    log('readable; rest', c.readableLength);
  });
  c.on('end', () => { log('end', parts.join('|'), c.read()); });
  c.on('close', () => log('close'));
});

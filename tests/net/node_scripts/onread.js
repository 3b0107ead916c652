const { log, net } = require('./_common');
// options.onread: reads land in the user's buffer (or one a function returns), no 'data';
// a callback returning false stops reading until resume().
const srv = net.createServer((s) => { s.write('aaaa'); setTimeout(() => s.end('bbbbbb'), 50); });
srv.listen(0, '127.0.0.1', () => {
  const port = srv.address().port;
  const buf = Buffer.alloc(3);
  let n = 0;
  const c = net.connect({ port, host: '127.0.0.1', onread: { buffer: buf, callback: (nread, b) => {
    n++;
    log('cb', nread, b === buf, b.toString('utf8', 0, nread), c.isPaused(), c.readableFlowing);
    if (n === 1) {
      setTimeout(() => { log('resume; paused?', c.isPaused(), c.readableFlowing); c.resume(); }, 100);
      return false;
    }
  } } });
  c.on('data', (d) => log('data?!', d));
  c.on('end', () => log('end', c.bytesRead));
  c.on('close', () => { log('close'); second(); });
  const second = () => {
  const c2 = net.connect({ port, host: '127.0.0.1', onread: { buffer: () => { log('gen'); return Buffer.alloc(4); }, callback: (nread, b) => log('c2 cb', nread, b.length) } });
  c2.on('end', () => log('c2 end'));
  c2.on('close', () => third());
  };
  const third = () => {
  const c3 = net.connect({ port, host: '127.0.0.1', onread: { buffer: 'x', callback: 1 } });
  c3.on('data', (d) => log('c3 data', d));
  c3.on('close', () => srv.close());
  };
});

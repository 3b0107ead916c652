// Server writes 16 MiB quickly; the client pauses, then resumes; write() returns false and 'drain' follows.
const { log, net } = require('./_common');
const chunk = Buffer.alloc(64 * 1024, 97);
const srv = net.createServer((s) => {
  let falses = 0; let drains = 0;
  for (let i = 0; i < 256; i++) if (!s.write(chunk)) falses++;
  log('S writableLength>0', s.writableLength > 0, 'needDrain', s.writableNeedDrain, 'falses>0', falses > 0);
  s.on('drain', () => { drains++; if (drains === 1) log('S drain', s.writableLength); });
  s.end(() => { log('S end cb', drains > 0); srv.close(); });
});
srv.listen(0, '127.0.0.1', () => {
  const c = net.connect(srv.address().port, '127.0.0.1');
  let total = 0;
  c.pause();
  log('C paused', c.isPaused());
  setTimeout(() => {
    log('C buffered>0', c.readableLength > 0);
    c.on('data', (d) => { total += d.length; });
    c.resume();
    log('C paused', c.isPaused());
  }, 100);
  c.on('end', () => log('C end', total));
  c.on('close', (h) => log('C close', h));
});

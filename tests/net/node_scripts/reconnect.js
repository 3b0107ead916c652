// A Socket connected again after it closed starts its byte counters afresh; the legacy
// _connecting getter follows `connecting`.
const { log, net } = require('./_common');
const srv = net.createServer((s) => { s.on('data', (d) => s.write(d)); s.on('end', () => s.end()); });
srv.listen(0, '127.0.0.1', () => {
  const port = srv.address().port;
  const c = new net.Socket();
  log('new', c._connecting, c.connecting);
  let round = 0;
  const connected = () => {
    log('connect', round, c._connecting, c.bytesWritten, c.bytesRead);
    c.write(round === 0 ? 'abcdef' : 'ghijkl');
  };
  c.connect(port, '127.0.0.1', connected);
  log('connecting', c._connecting, c.connecting);
  c.on('data', (d) => { log('data', round, d, c.bytesRead, c.bytesWritten); c.end(); });
  c.on('close', (h) => {
    log('close', round, h, c.bytesRead, c.bytesWritten);
    if (round++ === 0) c.connect(port, '127.0.0.1', connected);
    else srv.close();
  });
});

const { log, net } = require('./_common');
const srv = net.createServer((s) => { log('connection'); s.on('close', () => log('S close')); });
srv.maxConnections = 1;
srv.on('drop', (d) => {
  log('drop', Object.keys(d).join(','), d.localAddress, d.remoteAddress, d.localFamily,
      d.remoteFamily, d.localPort === srv.address().port);
});
srv.listen(0, '127.0.0.1', () => {
  const port = srv.address().port;
  const c1 = net.connect(port, '127.0.0.1', () => {
    log('c1 connect');
    const c2 = net.connect(port, '127.0.0.1');
    for (const ev of ['connect', 'ready', 'end', 'finish']) c2.on(ev, () => log('c2', ev));
    c2.on('data', () => log('c2 data'));
    c2.on('error', (e) => log('c2 error', e.code));
    c2.on('close', (h) => { log('c2 close', h); c1.end(); srv.close(); });
  });
});

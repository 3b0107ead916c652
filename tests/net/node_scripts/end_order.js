// Server writes then ends; the client logs every event (Node's order).
const { log, net } = require('./_common');
const srv = net.createServer((s) => { s.write('hello'); s.end(); s.on('close', () => srv.close()); });
srv.listen(0, '127.0.0.1', () => {
  const c = net.connect(srv.address().port, '127.0.0.1');
  for (const ev of ['connect', 'ready', 'end', 'finish', 'drain']) c.on(ev, () => log(ev, c.readyState));
  c.on('data', (d) => log('data', d, c.readyState));
  c.on('close', (h) => log('close', h, c.readyState));
});

const { log, net } = require('./_common');
const srv = net.createServer();
for (const p of [-1, 65536, 1.5, NaN, Infinity, { port: 'x' }, true, {}, { port: -5 }]) {
  try { srv.listen(p); log('no throw'); } catch (e) { log(e.code, e.name, e.message); }
}
for (const p of [-1, 70000, { port: true }, {}]) {
  try { net.connect(p); log('no throw'); } catch (e) { log('connect', e.code, e.message); }
}
try { net.connect(); } catch (e) { log('connect()', e.code, e.message); }
log('listening', srv.listening);

const { log, net } = require('./_common');
const srv = net.createServer();
srv.on('close', () => log('close event'));
const r = srv.close((err) => log('cb', err.code, err.message));
log('returns server', r === srv, srv.address());

// An unref'd server does not keep the process alive; a ref'd timer does until it fires.
const { log, net } = require('./_common');
const srv = net.createServer();
log('unref returns server', srv.unref() === srv);
srv.listen(0, '127.0.0.1', () => log('listening', srv.listening));
setTimeout(() => log('timer'), 20);
process.on('exit', () => log('exit', srv.listening));

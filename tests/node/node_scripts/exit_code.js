const { log } = require('./_common');
process.on('exit', (code) => log('exit', code, process.exitCode));
log('initial', process.exitCode);
setTimeout(() => { process.exitCode = 3; log('set 3'); }, 5);
setTimeout(() => log('last timer'), 20);

const { log } = require('./_common');
setTimeout(() => log('timeout 200'), 200);
setImmediate(() => log('immediate'));
process.nextTick(() => { log('tick 1'); process.nextTick(() => log('tick 3 (nested)')); });
process.nextTick(() => log('tick 2'));
Promise.resolve().then(() => log('promise'));
process.on('exit', (code) => log('exit', code));
log('main');

const { log } = require('./_common');
process.on('exit', (code) => log('exit', code, process.exitCode));
setTimeout(() => { log('about to throw'); process.nextTick(() => log('tick never')); throw new Error('boom'); }, 50);
setTimeout(() => log('same-ms timer never'), 50);
setImmediate(() => log('immediate first'));
setTimeout(() => log('later never'), 100);

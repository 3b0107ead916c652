const { log } = require('./_common');
process.on('exit', (code) => log('exit', code));
const t = setTimeout(() => log('unref timer never'), 50).unref();
setImmediate(() => log('unref immediate never')).unref();
setInterval(() => log('unref interval never'), 1).unref();
log('main', t.hasRef());

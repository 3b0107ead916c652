const { log } = require('./_common');
process.on('exit', (code) => log('exit', code));
const long = setTimeout(() => log('long never'), 100000);
log('unref returns', long.unref() === long, long.hasRef());
const iv = setInterval(() => log('unref interval never'), 100000).unref();
log('interval hasRef', iv.hasRef());
const again = setTimeout(() => log('again: ref -> unref -> ref'), 100);
again.unref(); again.ref();
log('again hasRef', again.hasRef());
const im = setImmediate(() => log('unref immediate runs: the timer iterates the loop'));
log('imm unref', im.unref() === im, im.hasRef());
setTimeout(() => {
  log('short timer');
  setImmediate(() => log('unref immediate 2 runs: the 100ms timer iterates the loop')).unref();
}, 10);

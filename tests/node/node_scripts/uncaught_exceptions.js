const { log } = require('./_common');
process.on('uncaughtException', (err, origin) => {
  log('uncaught', err.message, origin);
  process.nextTick(() => log('tick from handler', err.message));
});
setTimeout(() => {
  log('timer 1');
  process.nextTick(() => { log('t1'); throw new Error('tick1'); });
  process.nextTick(() => log('t2'));
}, 1);
setTimeout(() => { log('a'); throw new Error('timer a'); }, 100);
setTimeout(() => log('b'), 150);
setTimeout(() => {
  log('c');
  process.nextTick(() => { log('tt1'); throw new Error('tick in timer'); });
  process.nextTick(() => log('tt2'));
}, 200);
setTimeout(() => log('d'), 250);
setTimeout(() => {
  setImmediate(() => { log('i1'); throw new Error('imm'); });
  setImmediate(() => log('i2'));
}, 300);
let n = 0;
setTimeout(() => {
  const iv = setInterval(() => { n += 1; log('iv', n); if (n === 2) clearInterval(iv); throw new Error('iv' + n); }, 50);
}, 400);
log('main');

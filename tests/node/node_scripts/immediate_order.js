const { log } = require('./_common');
setImmediate(() => {
  log('A');
  process.nextTick(() => log('tick from A'));
  setImmediate(() => log('C (queued by A: next iteration)'));
});
setImmediate((x, y) => { log('B', x, y); process.nextTick(() => log('tick from B')); }, 'arg1', 2);
const d = setImmediate(() => log('D never'));
setImmediate(() => { log('E clears F'); clearImmediate(f); });
const f = setImmediate(() => log('F never'));
clearImmediate(d);
log('hasRef', d.hasRef(), f.hasRef());

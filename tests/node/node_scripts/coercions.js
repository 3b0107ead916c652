const { log } = require('./_common');
process.on('warning', (w) => log('warning', w.name, JSON.stringify(w.message)));
for (const [name, ms] of [['str', 'abc'], ['neg', -5], ['null', null], ['big', 2 ** 31], ['nan', NaN], ['numstr', '7']]) {
  setTimeout(() => log('fired', name), ms);
}
for (const [what, fn] of [['setTimeout', () => setTimeout(5)], ['setInterval', () => setInterval('x')],
  ['setImmediate', () => setImmediate({})], ['nextTick', () => process.nextTick(null)]]) {
  try { fn(); log(what, 'no error'); } catch (e) { log(what, e.name, e.code, e.message); }
}

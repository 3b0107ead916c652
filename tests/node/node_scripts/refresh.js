const { log } = require('./_common');
const t = setTimeout(() => log('t fired (refreshed at 100 -> 300)'), 200);
setTimeout(() => { log('refresh t at 100', t.refresh() === t); }, 100);
setTimeout(() => log('b at 250'), 250);
let fired = 0;
const r = setTimeout(() => {
  fired += 1;
  log('r fired', fired);
  if (fired === 1) r.refresh();
}, 20);
const c = setTimeout(() => log('c never'), 10);
clearTimeout(c);
c.refresh();
log('c hasRef', c.hasRef());

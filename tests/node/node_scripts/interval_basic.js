const { log } = require('./_common');
let n = 0;
const iv = setInterval((tag) => {
  n += 1;
  log('interval', tag, n, iv.hasRef());
  process.nextTick(() => log('tick', n));
  if (n === 3) { clearInterval(iv); log('cleared'); }
}, 100, 'x');
setTimeout(() => log('timeout 150'), 150);
setTimeout(() => log('timeout 500'), 500);

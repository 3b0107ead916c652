const { log } = require('./_common');
setTimeout(() => { log('a 20'); process.nextTick(() => log('tick after a')); }, 20);
setTimeout(() => log('b 20'), 20);
setTimeout(() => log('c 5'), 5);
setTimeout((x) => log('d 20', x), 20, 'arg');
setTimeout(() => log('e 5'), 5);
setTimeout(() => log('f 0 coerced to 1'), 0);
setTimeout(() => log('g 1'), 1);

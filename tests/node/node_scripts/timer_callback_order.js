const { log } = require('./_common');
setTimeout(() => {
  log('timer');
  setTimeout(() => log('timeout 0'), 0);
  setImmediate(() => log('immediate'));
  process.nextTick(() => log('tick'));
  Promise.resolve().then(() => log('promise'));
  log('timer end');
}, 5);

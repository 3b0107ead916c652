const { log } = require('./_common');
process.on('uncaughtException', (err, origin) => log('uncaught', err.message, origin));
Promise.reject(new Error('r1'));
setTimeout(() => {
  process.on('unhandledRejection', (reason, promise) => log('unhandledRejection', reason.message, promise instanceof Promise));
  Promise.reject(new Error('r2'));
  setTimeout(() => log('after r2'), 10);
}, 100);
setImmediate(() => log('immediate'));
log('main');

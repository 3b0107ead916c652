const { log } = require('./_common');
process.on('exit', (code) => log('exit', code));
setTimeout(() => { log('exiting'); process.exit(5); log('never'); }, 5);
setTimeout(() => log('later never'), 30);

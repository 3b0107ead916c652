const cp = require('child_process');
const log = (...a) => console.log(a.map(String).join(' '));
if (process.argv[2] === 'child') {
  log('C connected', process.connected, typeof process.send);
  process.on('message', (m, h) => {
    if (m === 'bye') { process.disconnect(); return; }
    process.send({echo: m, h: h === undefined ? 'undef' : String(h)});
  });
  process.send('ready');
} else {
  const c = cp.fork(__filename, ['child']);
  log('P pid', typeof c.pid, c.connected);
  c.on('spawn', () => log('P spawn'));
  let n = 0;
  c.on('message', (m, h) => {
    log('P message', JSON.stringify(m), h);
    if (m === 'ready') { log('P send ret', c.send([1, 'two', {three: 3}, null, true])); c.send('x'); }
    else if (++n === 2) c.send('bye');
  });
  c.on('disconnect', () => log('P disconnect', c.connected));
  c.on('exit', (code, sig) => log('P exit', code, sig));
  c.on('close', (code, sig) => log('P close', code, sig));
}

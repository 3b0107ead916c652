const cp = require('child_process');
const net = require('net');
const log = (...a) => console.log(a.map(String).join(' '));
const ei = (e) => e ? [e.name, e.code, e.syscall, e.message].join('|') : String(e);
if (process.argv[2] === 'child') {
  const mode = process.argv[3];
  if (mode === 'exit') process.exit(3);
  if (mode === 'die') { process.on('message', () => process.kill(process.pid, 'SIGKILL')); }
  if (mode === 'stay') process.on('message', () => {});
} else {
  const c = cp.fork(__filename, ['child', 'exit']);
  c.on('error', (e) => log('A error', ei(e)));
  c.on('exit', (code, sig) => {
    log('A exit', code, sig, c.connected);
    log('A send ret', c.send('late', (e) => log('A cb', ei(e))));
    log('A send ret2', c.send('late2'));
    try { c.disconnect(); } catch (e) { log('A disconnect threw', ei(e)); }
    log('A kill', c.kill());
    setTimeout(step2, 50);
  });
  c.on('close', (code) => log('A close', code));
  function step2() {
    const d = cp.fork(__filename, ['child', 'stay']);
    d.on('error', (e) => log('B error', ei(e)));
    d.on('disconnect', () => log('B disconnect'));
    d.disconnect();
    log('B connected', d.connected);
    log('B send ret', d.send('x', (e) => log('B cb', ei(e))));
    try { d.send(); } catch (e) { log('B send() threw', ei(e)); }
    try { d.send(Symbol('s')); } catch (e) { log('B send sym threw', ei(e)); }
    try { d.send('x', {}); } catch (e) { log('B send obj handle threw', ei(e)); }
    try { d.kill('SIGNOPE'); } catch (e) { log('B kill threw', ei(e)); }
    d.on('exit', (code, sig) => { log('B exit', code, sig); step3(); });
  }
  function step3() {
    const e = cp.fork(__filename, ['child', 'die']);
    e.on('error', (er) => log('C error', ei(er)));
    e.on('disconnect', () => log('C disconnect'));
    e.on('exit', (code, sig) => { log('C exit', code, sig, e.killed); step4(); });
    e.send('die');
  }
  function step4() {
    const f = cp.fork(__filename, ['child', 'stay']);
    try { f.send('x', {}); } catch (er) { log('D send bad handle threw', ei(er)); }
    try { f.send('x', new net.Socket()); log('D unconnected socket ok'); } catch (er) { log('D send unconnected socket threw', ei(er)); }
    f.on('exit', (code, sig) => log('D exit', code, sig, f.killed));
    log('D kill', f.kill('SIGKILL'), f.killed);
  }
}

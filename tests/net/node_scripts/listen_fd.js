// Listen on an inherited, bound TCP socket fd (the test passes it; its number is in NET_FD).
const { log, net } = require('./_common');
const fd = Number(process.env.NET_FD);
const b = net.createServer((s) => { log('b connection'); s.end('from fd'); });
b.listen({ fd }, () => {
  const a = b.address();
  log('b listening', a.address, a.family, b.listening);
  const c = net.connect(a.port, '127.0.0.1');
  c.on('data', (d) => log('C data', d));
  c.on('close', () => b.close(() => log('b closed', b.address())));
});

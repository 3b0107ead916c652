// Echo server on Node.js `net` (or `dgram` with --udp):
//   node node_echo.js (--tcp HOST:PORT | --unix PATH) [--udp]
// Prints "READY tcp HOST:PORT" / "READY udp HOST:PORT" / "READY unix PATH" and exits with 0 on
// SIGTERM/SIGINT. With --udp, --tcp's address is the UDP port to bind and every datagram is sent
// back to its sender.
'use strict';
const net = require('net');
const fs = require('fs');

const args = process.argv.slice(2);
let tcp = null, unixPath = null, udp = false;
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--tcp') tcp = args[++i];
  else if (args[i] === '--unix') unixPath = args[++i];
  else if (args[i] === '--udp') udp = true;
  else if (args[i] === '--loop') i++;  // accepted for symmetry with the Python servers
}
if (!tcp && !unixPath || udp && !tcp) {
  console.error('usage: node node_echo.js (--tcp HOST:PORT | --unix PATH) [--udp]');
  process.exit(64);
}

const stopNow = () => process.exit(0);
if (udp) {
  const dgram = require('dgram');
  const i = tcp.lastIndexOf(':');
  const host = tcp.slice(0, i).replace(/^\[|\]$/g, '');
  const sock = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
  sock.on('message', (msg, rinfo) => sock.send(msg, rinfo.port, rinfo.address));
  sock.on('error', (e) => { console.error(String(e)); process.exit(2); });
  process.on('SIGTERM', stopNow);
  process.on('SIGINT', stopNow);
  sock.bind(Number(tcp.slice(i + 1)), host, () => {
    const a = sock.address();
    process.stdout.write(`READY udp ${a.address}:${a.port}\n`);
  });
  return;
}

const server = net.createServer((sock) => {
  if (tcp) sock.setNoDelay(true);
  sock.on('data', (d) => sock.write(d));
  sock.on('error', () => sock.destroy());
});
server.on('error', (e) => { console.error(String(e)); process.exit(2); });

const stop = () => {
  if (unixPath) { try { fs.unlinkSync(unixPath); } catch (e) { /* gone */ } }
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

const onListening = () => {
  const a = server.address();
  if (unixPath) process.stdout.write(`READY unix ${unixPath}\n`);
  else process.stdout.write(`READY tcp ${a.address}:${a.port}\n`);
};
if (unixPath) {
  try { fs.unlinkSync(unixPath); } catch (e) { /* none */ }
  server.listen({ path: unixPath, backlog: 1024 }, onListening);
} else {
  const i = tcp.lastIndexOf(':');
  server.listen({ host: tcp.slice(0, i).replace(/^\[|\]$/g, ''), port: Number(tcp.slice(i + 1)), backlog: 1024 }, onListening);
}

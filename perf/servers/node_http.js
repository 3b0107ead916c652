// HTTP hello world on Node.js `http` (keep-alive, a fixed 13-byte text/plain body), the reference
// of the HTTP workloads:  node node_http.js (--tcp HOST:PORT | --unix PATH)
// Prints "READY tcp HOST:PORT" / "READY unix PATH" and exits with 0 on SIGTERM/SIGINT.
'use strict';
const http = require('http');
const fs = require('fs');

const args = process.argv.slice(2);
let tcp = null, unixPath = null;
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--tcp') tcp = args[++i];
  else if (args[i] === '--unix') unixPath = args[++i];
  else if (args[i] === '--loop' || args[i] === '--serve') i++;  // symmetry with the Python servers
}
if (!tcp && !unixPath) {
  console.error('usage: node node_http.js (--tcp HOST:PORT | --unix PATH)');
  process.exit(64);
}

const BODY = Buffer.from('Hello, World!');
const server = http.createServer((req, res) => {
  res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': BODY.length });
  res.end(BODY);
});
server.keepAliveTimeout = 60000;
server.on('connection', (sock) => { if (tcp) sock.setNoDelay(true); });
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

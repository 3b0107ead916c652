const { log, net, tmpPath } = require('./_common');
const fs = require('fs');
const path = tmpPath('pipe_server.sock');
const srv = net.createServer((s) => {
  log('S conn', s.remoteAddress, JSON.stringify(s.address()));
  s.end('over pipe');
});
srv.listen({ path, readableAll: true, writableAll: true }, () => {
  log('listening', srv.address() === path, (fs.statSync(path).mode & 0o777).toString(8));
  const c = net.connect(path);
  c.on('connect', () => log('C connect', c.remoteAddress, c.remotePort));
  c.setEncoding('utf8');
  c.on('data', (d) => log('C data', typeof d, d));
  c.on('close', (h) => {
    log('C close', h);
    srv.close(() => log('closed; exists', fs.existsSync(path)));
  });
});

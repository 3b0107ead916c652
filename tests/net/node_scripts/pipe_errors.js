const { log, net, tmpPath, errInfo } = require('./_common');
const fs = require('fs');
const missing = tmpPath('missing.sock');
const c = net.connect(missing);
c.on('error', (e) => log('connect error', e.code, e.syscall, e.address === missing));
c.on('close', (h) => {
  log('close', h);
  const file = tmpPath('regular.file');
  fs.writeFileSync(file, 'x');
  const s = net.createServer();
  s.on('error', (e) => log('listen error', e.code, e.syscall, e.address === file, s.listening));
  s.listen(file);
});

// fork + send(server): the child serves the parent's port; send(socket) without keepOpen: the
// parent's server counts the sockets in the child with getConnections.
const cp = require('child_process');
const net = require('net');
const log = (...a) => console.log(a.map(String).join(' '));
if (process.argv[2] === 'child') {
  const kept = [];
  let server;
  process.on('message', (m, h) => {
    if (m === 'server') {
      server = h;
      h.on('connection', (s) => s.end('child'));
      process.send({got: 'server', listening: h.listening, type: h.constructor.name});
    } else if (m.sock) {
      kept.push(h);
      h.on('data', (d) => h.write('child:' + d));
      process.send({got: 'socket', n: m.sock, type: h.constructor.name, readable: h.readable});
    } else if (m === 'close sockets') {
      kept.forEach((s) => s.end());
      server.close();
    }
  });
} else {
  const c = cp.fork(__filename, ['child']);
  const srv = net.createServer();
  srv.listen(0, '127.0.0.1', () => {
    const port = srv.address().port;
    c.send('server', srv, (e) => log('P send server cb', e));
    c.once('message', (m) => {
      log('P child got', JSON.stringify(m));
      srv.close(() => log('P server closed'));
      const s = net.connect(port, '127.0.0.1');
      s.on('data', (d) => log('P client data', d));
      s.on('close', () => step2());
    });
  });
  function step2() {
    const srv2 = net.createServer({pauseOnConnect: true});
    let sent = 0;
    const clients = [];
    const connect = () => {
      const cl = net.connect(srv2.address().port, '127.0.0.1');
      cl.on('close', () => log('P client close'));
      clients.push(cl);
    };
    srv2.on('connection', (sock) => {
      sent++;
      log('P connection', sent);
      srv2.getConnections((e, n) => {
        log('P getConnections before send', e, n);
        c.send({sock: sent}, sock, (e) => log('P send sock cb', e, sock.destroyed, sock.readable));
      });
    });
    c.on('message', function onm(m) {
      log('P child got', JSON.stringify(m));
      if (m.n === 1) {
        connect();
      } else {
        c.removeListener('message', onm);
        srv2.getConnections((e, n) => {
          log('P getConnections', e, n);
          clients[0].write('hi');
          clients[0].once('data', (d) => {
            log('P client data', d);
            c.send('close sockets');
            srv2.close(() => { log('P srv2 close'); c.disconnect(); });
          });
        });
      }
    });
    srv2.listen(0, '127.0.0.1', connect);
  }
  c.on('exit', (code, sig) => log('P exit', code, sig));
}

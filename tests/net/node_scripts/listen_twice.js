const { log, net } = require('./_common');
const s0 = net.createServer();
s0.listen(0);
try { s0.listen(0); } catch (e) { log('throw', e.code, e.name, e.message); }
s0.close();
const srv = net.createServer();
srv.listen(0, '127.0.0.1');
try { srv.listen(0, '127.0.0.1'); } catch (e) { log('throw', e.code, e.name, e.message); }
srv.once('listening', () => {
  log('listening');
  srv.close(() => {
    log('closed', srv.listening, srv.address());
    srv.listen(0, '127.0.0.1', () => { log('listening again'); srv.close(); });
  });
});

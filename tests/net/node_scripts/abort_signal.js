const { log, net } = require('./_common');
const ac = new AbortController();
const srv = net.createServer();
srv.on('close', () => log('close', srv.listening));
srv.listen({ port: 0, host: '127.0.0.1', signal: ac.signal }, () => { log('listening'); ac.abort(); log('after abort', srv.listening); });
const pre = net.createServer();
pre.on('listening', () => log('pre listening?!'));
pre.on('close', () => log('pre close'));
pre.listen({ port: 0, signal: AbortSignal.abort() });
try { net.createServer().listen({ port: 0, signal: 'x' }); } catch (e) { log(e.code); }

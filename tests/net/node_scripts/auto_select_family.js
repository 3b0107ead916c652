const { log, net, errInfo } = require('./_common');
// autoSelectFamily: every address of a name is tried in turn; the attempts are events.
const lk = (addrs) => (host, opts, cb) => { log('lookup options all', opts.all === true); setImmediate(() => cb(null, addrs)); };
const evs = ['lookup', 'connectionAttempt', 'connectionAttemptFailed', 'connectionAttemptTimeout', 'connect', 'ready', 'end'];
const show = (x) => (x instanceof Error ? errInfo(x) : x);
const srv = net.createServer((s) => s.end('hi'));
srv.listen(0, '127.0.0.1', () => {
  const port = srv.address().port;
  const run = (name, opts, next) => {
    const c = net.connect(Object.assign({ port, host: 'example.test' }, opts));
    for (const ev of evs) c.on(ev, (...a) => log(name, ev, ...a.map((x) => (x === port ? 'PORT' : show(x)))));
    c.on('data', (d) => log(name, 'data', d));
    c.on('error', (e) => log(name, 'error', e.name, e.code, JSON.stringify(e.message),
      (e.errors || []).map((x) => `${x.code}@${x.address}`).join(',')));
    c.on('close', (h) => { log(name, 'close', h); next(); });
  };
  run('first-refused', { lookup: lk([{ address: '127.0.0.2', family: 4 }, { address: '127.0.0.1', family: 4 }]) }, () =>
    run('all-refused', { lookup: lk([{ address: '127.0.0.2', family: 4 }, { address: '127.0.0.3', family: 4 }]) }, () =>
      run('one-address', { lookup: lk([{ address: '127.0.0.1', family: 4 }]) }, () =>
        run('disabled', { autoSelectFamily: false, lookup: (h, o, cb) => { log('lookup options all', o.all === true); setImmediate(() => cb(null, '127.0.0.1', 4)); } }, () =>
          run('ip-refused', { host: '127.0.0.1', port: 1 }, () => {
            for (const bad of ['x', 0, 1.5]) {
              try { net.connect({ port, autoSelectFamilyAttemptTimeout: bad }); } catch (e) { log('bad timeout', e.code); }
            }
            try { net.connect({ port, autoSelectFamily: 1 }); } catch (e) { log('bad flag', e.code); }
            try { net.setDefaultAutoSelectFamily('yes'); } catch (e) { log('bad default', e.code); }
            net.setDefaultAutoSelectFamilyAttemptTimeout(5);
            log('default timeout', net.getDefaultAutoSelectFamilyAttemptTimeout(), net.getDefaultAutoSelectFamily());
            srv.close();
          })))));
});

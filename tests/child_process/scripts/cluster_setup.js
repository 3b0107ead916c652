// setupPrimary({exec, args, silent}): 'setup', settings, a worker running another script with
// its stdout piped to the primary (silent), env passed to fork.
const cluster = require('cluster');
const path = require('path');
const log = (...a) => console.log(a.map(String).join(' '));
cluster.on('setup', (s) => log('P setup', path.parse(s.exec).name, JSON.stringify(s.args), s.silent));
cluster.setupPrimary({exec: path.join(__dirname, '_worker_main.js'), args: ['--flag', 'x'], silent: true});
log('P settings', path.parse(cluster.settings.exec).name, JSON.stringify(cluster.settings.args), cluster.settings.silent);
const w = cluster.fork({EXTRA: 'yes'});
let out = '';
w.process.stdout.on('data', (d) => out += d);
w.process.stdout.on('end', () => log('P worker stdout', JSON.stringify(out)));
w.on('exit', (code, sig) => log('P exit', code, sig));

// Node.js's cluster echo server, the reference of perf/bench_cluster.py:
//   node node_cluster_echo.js --tcp HOST:PORT --workers N [--policy rr|none]
// N = 0: no cluster. Prints READY tcp HOST:PORT once every worker listens; SIGTERM ends it.
const cluster = require('cluster');
const net = require('net');
const arg = (name, dflt) => { const i = process.argv.indexOf(name); return i > 0 ? process.argv[i + 1] : dflt; };
const [host, port] = (() => { const t = arg('--tcp'); const i = t.lastIndexOf(':'); return [t.slice(0, i), +t.slice(i + 1)]; })();
const workers = +arg('--workers', '2');
if (cluster.isPrimary) cluster.schedulingPolicy = arg('--policy', 'rr') === 'none' ? cluster.SCHED_NONE : cluster.SCHED_RR;
const serve = (cb) => net.createServer((c) => {
  c.setNoDelay(true);
  c.on('data', (d) => c.write(d));
  c.on('error', () => c.destroy());
}).listen({host, port, backlog: 1024}, cb);
if (workers === 0) {
  const s = serve(() => console.log(`READY tcp ${host}:${s.address().port}`));
  process.on('SIGTERM', () => s.close());
} else if (cluster.isPrimary) {
  let n = 0;
  cluster.on('listening', (w, a) => { if (++n === workers) console.log(`READY tcp ${host}:${a.port}`); });
  for (let i = 0; i < workers; i++) cluster.fork();
  process.on('SIGTERM', () => cluster.disconnect());
} else {
  serve();
}

const EventEmitter = require('events');
const { log } = require('./_common');
async function main() {
  const e = new EventEmitter({ captureRejections: true });
  e.on('error', (err) => log('error', err.message));
  // Python starts a coroutine listener as a task after emit returns, JS runs an
  // async function synchronously up to its first await: await first so both agree.
  e.on('x', async (v) => { await null; log('async start', v); throw new Error('rejected ' + v); });
  e.on('x', (v) => log('sync', v));
  log('emit', e.emit('x', 1));
  await new Promise((r) => setTimeout(r, 5));
  class Hooked extends EventEmitter {
    [EventEmitter.captureRejectionSymbol](err, ev, ...args) { log('hook', err.message, ev, args.join(',')); }
  }
  const h = new Hooked({ captureRejections: true });
  h.on('y', async () => { throw new Error('to hook'); });
  h.emit('y', 'a', 'b');
  await new Promise((r) => setTimeout(r, 5));
  log('done');
}
main();

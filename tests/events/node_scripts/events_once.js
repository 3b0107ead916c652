const EventEmitter = require('events');
const { once } = EventEmitter;
const { log } = require('./_common');
async function main() {
  const e = new EventEmitter();
  const p = once(e, 'ready');
  log('listeners', e.listenerCount('ready'), e.listenerCount('error'));
  e.emit('ready', 1, 'two');
  log('resolved', JSON.stringify(await p), e.eventNames().length);
  const q = once(e, 'ready');
  e.emit('error', new Error('bad'));
  try { await q; } catch (err) { log('rejected', err.message, e.eventNames().length); }
  const r = once(e, 'error');
  e.emit('error', new Error('as value'));
  log('error-event', (await r)[0].message, e.eventNames().length);
  setTimeout(() => e.emit('later', 'x'), 1);
  log('later', JSON.stringify(await once(e, 'later')));
}
main();

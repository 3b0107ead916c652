const EventEmitter = require('events');
const { log } = require('./_common');
const e = new EventEmitter();
for (const v of ['str', 42, { message: 'x' }, null, [1, 'a'], true, 1.5]) {
  try { e.emit('error', v); } catch (err) { log(err.name, err.code, err.message, typeof err.context); }
}
try { e.emit('error'); } catch (err) { log(err.name, err.code, err.message); }
try { e.emit('error', new RangeError('real')); } catch (err) { log('thrown', err.name, err.message); }
e.on('error', (err) => log('handled', err.message));
log('ret', e.emit('error', new Error('boom')));

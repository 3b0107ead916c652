const EventEmitter = require('events');
const { log } = require('./_common');
const e = new EventEmitter();
e.on(EventEmitter.errorMonitor, (err) => log('monitor1', err.message));
e.on(EventEmitter.errorMonitor, (err) => log('monitor2', err.message));
try { e.emit('error', new Error('first')); } catch (err) { log('caught', err.message); }
e.on('error', (err) => log('error', err.message));
log('ret', e.emit('error', new Error('second')));
log('names', e.eventNames().map(String).join(','));

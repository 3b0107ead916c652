const EventEmitter = require('events');
const { log } = require('./_common');
const e = new EventEmitter();
function b() { log('b'); }
function c() { log('c'); }
function added() { log('added'); }
e.on('x', function a() { log('a'); e.removeListener('x', b); e.on('x', added); });
e.on('x', b);
e.once('x', c);
e.on('x', function d() { log('d'); e.removeAllListeners('x'); });
e.on('x', function last() { log('last'); });
log('emit1', e.emit('x'));
log('emit2', e.emit('x'));
const r = new EventEmitter();
r.once('y', function o() { log('o', r.listenerCount('y')); r.emit('y'); });
r.on('y', () => log('p'));
r.emit('y');

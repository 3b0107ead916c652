const EventEmitter = require('events');
const { log } = require('./_common');
const e = new EventEmitter();
function f() { log('f ran'); }
function g() { log('g ran'); }
e.on('x', f).on('x', f).once('x', g).prependOnceListener('x', f);
log('counts', e.listenerCount('x'), e.listenerCount('x', f), e.listenerCount('x', g), e.listenerCount('none'));
log('listeners', e.listeners('x').map((l) => (l === f ? 'f' : 'g')).join(','));
log('raw', e.rawListeners('x').map((l) => (l === f ? 'f' : l === g ? 'g' : 'w')).join(','));
const raw = e.rawListeners('x');
raw[3]('direct');
raw[3]('again');
log('after', e.listenerCount('x'), e.listenerCount('x', g));
log('static', EventEmitter.listenerCount(e, 'x'), EventEmitter.getEventListeners(e, 'x').length);
e.emit('x');
log('final', e.listenerCount('x'));

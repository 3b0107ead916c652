const EventEmitter = require('events');
const { log } = require('./_common');
const e = new EventEmitter();
function f() {}
function g() {}
const name = (l) => (l === f ? 'f' : l === g ? 'g' : 'other');
e.on('newListener', (ev, l) => log('newListener', String(ev), name(l), e.listenerCount(ev)));
e.on('a', f);
e.once('a', g);
e.prependListener('b', g);
e.prependOnceListener('b', f);
e.on('newListener', () => {});
log('a', e.listenerCount('a'), 'b', e.listenerCount('b'), 'nl', e.listenerCount('newListener'));

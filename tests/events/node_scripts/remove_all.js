const EventEmitter = require('events');
const { log } = require('./_common');
const e = new EventEmitter();
function f1() {} function f2() {} function g() {} function h() {}
const names = new Map([[f1, 'f1'], [f2, 'f2'], [g, 'g'], [h, 'h']]);
const nm = (l) => names.get(l) || (l.listener && 'once:' + names.get(l.listener)) || 'rl';
e.on('removeListener', (ev, l) => log('rm', ev, nm(l)));
e.on('foo', f1).on('foo', f2).once('bar', g).on('baz', h);
e.on('removeListener', function second(ev, l) { log('second', ev, nm(l)); });
e.removeAllListeners('foo');
log('names', e.eventNames().join(','));
e.on('foo', f1);
e.removeAllListeners();
log('names', e.eventNames().length);
const q = new EventEmitter();
q.on('x', f1).on('y', f2);
q.removeAllListeners('x');
log('quiet', q.eventNames().join(','));

const EventEmitter = require('events');
const { log } = require('./_common');
const e = new EventEmitter();
function f() { log('f'); }
function g() { log('g'); }
e.on('x', f); e.on('x', g); e.on('x', f); e.once('x', g);
const show = () => log('list', e.rawListeners('x').map((l) => (l === f ? 'f' : l === g ? 'g' : 'once:' + (l.listener === g ? 'g' : 'f'))).join(','));
show();
e.off('x', f); show();
e.off('x', g); show();
e.off('x', g); show();
e.off('x', f); show();
log('names', e.eventNames().length, e.emit('x'));

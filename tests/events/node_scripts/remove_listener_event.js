const EventEmitter = require('events');
const { log } = require('./_common');
const e = new EventEmitter();
function a() { log('a ran'); }
function b() { log('b ran'); }
const name = (l) => (l === a ? 'a' : l === b ? 'b' : l.listener === a ? 'wrapper(a)' : l.listener === b ? 'wrapper(b)' : '?');
e.on('removeListener', (ev, l) => log('removeListener', ev, name(l), e.listenerCount(ev)));
e.once('single', a);
e.emit('single');
e.once('list', a);
e.on('list', b);
e.emit('list');
e.once('byorig', b);
e.once('byorig', a);
e.removeListener('byorig', a);
e.removeListener('byorig', b);
e.once('raw', a);
e.on('raw', b);
e.rawListeners('raw')[0]();
e.removeListener('nothing', a);
e.removeListener('raw', a);
log('left', e.eventNames().join(','));

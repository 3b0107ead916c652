const EventEmitter = require('events');
const { log } = require('./_common');
const e = new EventEmitter();
let depth = 0;
e.on('tick', (n) => {
  log('enter', n, depth);
  depth++;
  if (n < 3) e.emit('tick', n + 1);
  depth--;
  log('leave', n, depth);
});
e.once('tick', (n) => log('once', n));
e.emit('tick', 0);
e.emit('tick', 10);
const t = new EventEmitter();
t.on('a', () => { log('a1'); t.once('a', () => log('a-late')); });
t.on('a', () => { log('a2'); });
t.emit('a'); t.emit('a');

const EventEmitter = require('events');
const { log } = require('./_common');
const warnings = [];
process.on('warning', (w) => warnings.push(w));
class Foo extends EventEmitter {}
const e = new EventEmitter();
for (let i = 0; i < 12; i++) e.on('x', () => {});
const f = new Foo();
f.setMaxListeners(2);
const s = Symbol('sym');
f.on(s, () => {}).on(s, () => {}).on(s, () => {});
const g = new EventEmitter().setMaxListeners(1);
function a() {} function b() {} function c() {}
g.on('y', a).on('y', b);
g.on('y', c);
g.off('y', c).off('y', b);
g.on('y', b);
const z = new EventEmitter().setMaxListeners(0);
for (let i = 0; i < 30; i++) z.on('z', () => {});
log('max', e.getMaxListeners(), f.getMaxListeners(), z.getMaxListeners(), EventEmitter.defaultMaxListeners);
setImmediate(() => {
  for (const w of warnings) log(w.name, w.count, String(w.type), w.message);
});

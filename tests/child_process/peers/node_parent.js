// A Node parent forking a nixloop child (argv[2], run by the interpreter argv[3]) for
// tests/child_process/test_interop.py: sends values, prints what comes back as JSON lines.
const cp = require('child_process');
const [script, python, mode] = process.argv.slice(2);
const c = cp.fork(script, [], {execPath: python, execArgv: [], serialization: mode});
const values = mode === 'advanced'
  ? [{map: new Map([[1, 'one']]), set: new Set([1, 2]), buf: Buffer.from([0, 255]),
      big: 2n ** 70n, date: new Date(1577934245678), f: 1.5, s: 'é', n: null}]
  : [{a: [1, 'two', {three: 3}], s: 'é\u2028', n: null, t: true}, 'plain', 42];
let left = values.length;
c.on('message', (m) => {
  const show = (v) => {
    if (v instanceof Map) return {Map: [...v.entries()].map(([k, x]) => [show(k), show(x)])};
    if (v instanceof Set) return {Set: [...v].map(show)};
    if (Buffer.isBuffer(v) || v instanceof Uint8Array) return {Buffer: [...v]};
    if (typeof v === 'bigint') return {BigInt: v.toString()};
    if (v instanceof Date) return {Date: v.getTime()};
    if (Array.isArray(v)) return v.map(show);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, show(x)]));
    return v;
  };
  console.log(JSON.stringify(show(m)));
  if (--left === 0) c.disconnect();
});
c.on('exit', (code, sig) => console.log(JSON.stringify({exit: code, signal: sig})));
for (const v of values) c.send(v);

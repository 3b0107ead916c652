// A Node child for tests/child_process/test_interop.py: echoes every message (with a
// description of the types it saw, for 'advanced' values) and exits when the parent disconnects.
const describe = (v) => {
  if (v instanceof Map) return 'Map';
  if (v instanceof Set) return 'Set';
  if (Buffer.isBuffer(v)) return 'Buffer';
  if (v instanceof Uint8Array) return 'Uint8Array';
  if (v instanceof Date) return 'Date';
  if (Array.isArray(v)) return 'Array';
  return v === null ? 'null' : typeof v;
};
process.on('message', (m) => {
  const types = {};
  if (m && typeof m === 'object' && !Array.isArray(m) && !(m instanceof Map)) {
    for (const k of Object.keys(m)) types[k] = describe(m[k]);
  }
  process.send({echo: m, types});
});

// isIP/isIPv4/isIPv6 test the string form of what they are given (`${input}`).
const { log, net } = require('./_common');
const values = [
  ['v4 object', { toString() { return '127.0.0.1'; } }],
  ['v6 object', { toString() { return '::1'; } }],
  ['number', 42],
  ['plain object', {}],
  ['undefined', undefined],
  ['null', null],
];
for (const [name, v] of values) log(name, net.isIP(v), net.isIPv4(v), net.isIPv6(v));

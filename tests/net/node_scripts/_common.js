// Shared by the net differential scripts: one log line per call; Buffers print as text.
exports.log = (...a) => console.log(a.map((x) => (Buffer.isBuffer(x) ? x.toString() : String(x))).join(' '));
exports.net = require('net');
exports.tmpPath = (name) => require('path').join(process.env.NET_TMPDIR || require('os').tmpdir(), name);
exports.errInfo = (e) => [e.code, e.errno, e.syscall, String(e.message).replace(/:\d+$/, ':P')].join(' ');

// Shared by the differential scripts: print one log line per call.
exports.log = (...a) => console.log(a.map(String).join(' '));

const cluster = require('cluster');
console.log(`W ${cluster.isWorker} ${cluster.worker.id} ${JSON.stringify(process.argv.slice(2))} ${process.env.EXTRA}`);
process.disconnect();

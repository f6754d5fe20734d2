#!/usr/bin/env node
// node-server.js - the node socket.io 4.8 reference server of `make bench`, the twin of
// the C apps/sio-bench-server. Uses the socket.io locked in interop/ (interop/node_modules).
//
//   node bench/node-server.js [--port P] [--ping-interval MS] [--ping-timeout MS] [--redis URL]
//                             [--recovery]
//
// Socket.IO on /socket.io/, perMessageDeflate off, no CORS. The handshake query `room`
// joins that room; broadcast(room, data) -> io.to(room).emit("broadcast", data);
// echo(data, ack) -> ack(data). Prints a line containing "listening"; exits 0 on SIGTERM.
// --redis URL: one member of a fleet, with @socket.io/redis-adapter 8.x (classic pub/sub) on
// a `redis` 4.x client pair: node's side of make bench's "fleet" scenario.
// --recovery: connectionStateRecovery with its defaults ("recovery-jitter" scenario).
'use strict';
const path = require('node:path');
const { createRequire } = require('node:module');
const req = createRequire(path.join(__dirname, '..', 'interop', 'package.json'));
const { Server } = req('socket.io');

const opts = { port: 3000, pingInterval: 25000, pingTimeout: 20000, redis: null,
  recovery: false };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i += 2) {
  if (argv[i] === '--recovery') {
    opts.recovery = true;
    i -= 1;
    continue;
  }
  if (argv[i] === '--redis' && argv[i + 1]) {
    opts.redis = argv[i + 1];
    continue;
  }
  const v = Number(argv[i + 1]);
  if (!Number.isInteger(v) || v < 0) {
    console.error(`node-server: bad value for ${argv[i]}: ${argv[i + 1]}`);
    process.exit(2);
  }
  switch (argv[i]) {
    case '--port': opts.port = v; break;
    case '--ping-interval': opts.pingInterval = v; break;
    case '--ping-timeout': opts.pingTimeout = v; break;
    default: console.error(`node-server: unknown option ${argv[i]}`); process.exit(2);
  }
}

async function main() {
  let adapter;
  if (opts.redis) {
    const { createClient } = req('redis');
    const { createAdapter } = req('@socket.io/redis-adapter');
    const pub = createClient({ url: opts.redis });
    const sub = pub.duplicate();
    for (const c of [pub, sub]) c.on('error', (e) => console.error(`node-server: redis: ${e.message}`));
    await Promise.all([pub.connect(), sub.connect()]);
    adapter = createAdapter(pub, sub);
  }
  const io = new Server({
    path: '/socket.io/',
    ...(adapter ? { adapter } : {}),
    ...(opts.recovery ? { connectionStateRecovery: {} } : {}),
    perMessageDeflate: false,
    pingInterval: opts.pingInterval,
    pingTimeout: opts.pingTimeout,
  });

  io.on('connection', (socket) => {
    const room = socket.handshake.query.room;
    if (typeof room === 'string' && room.length > 0) socket.join(room);
    socket.on('broadcast', (room, data) => {
      if (typeof room === 'string') io.to(room).emit('broadcast', data);
    });
    socket.on('echo', (data, ack) => {
      if (typeof ack === 'function') ack(data);
    });
  });

  io.listen(opts.port);
  console.log(`node-server: listening on http://127.0.0.1:${opts.port}/socket.io/ (pid ${process.pid})`);
  return io;
}

let io = null;
main().then((s) => { io = s; }, (e) => {
  console.error(`node-server: ${e.message}`);
  process.exit(1);
});

function stop() {
  if (!io) process.exit(0);
  io.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

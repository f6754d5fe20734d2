#!/usr/bin/env node
// Reference Socket.IO v5 server (node `socket.io` 4.8), the behavioural twin of the C
// apps/sio-echo. The interop suite runs against it with SIO_SERVER=node to validate the
// tests themselves. Same CLI as the C server:
//   --port P --ping-interval MS --ping-timeout MS --max-payload BYTES
//   [--cors-origin ORIGIN]   CORS with credentials; "*" reflects any origin
//   [--parser msgpack]       socket.io-msgpack-parser instead of the default parser
//   [--recovery] [--recovery-max-ms MS] [--recovery-max-packets N]
//                            connectionStateRecovery (hooks: recovery-state, kill-transport,
//                            stream; see apps/sio-echo/recovery.c)
// Serves Socket.IO on /socket.io/ (namespaces "/" and "/custom", the Socket.IO v5 spec's
// test-suite server plus extras, see below) and a bare Engine.IO echo server on /engine.io/
// (every message echoed back as it came) in the same process. Exits 0 on SIGTERM/SIGINT.
//
// Socket.IO behaviour, in both namespaces:
//   on connection        emit "auth" with the CONNECT payload ({} when none)
//   message (...a)       emit "message-back" (...a)
//   message-with-ack     ack(...a)
//   join / leave (room, ack?)          socket.join/leave(room), then ack() if given
//   to-room (room, ...a)               nsp.to(room).emit("room-message", ...a)
//   to-room-except (room, ex, ...a)    nsp.to(room).except(ex).emit("room-message", ...a)
//   broadcast (...a)                   socket.broadcast.emit("broadcast", ...a)
//   ask (...a)           socket.timeout(500).emit("question", ...a, ack): on reply emit
//                        "answer" (...reply), on timeout emit "answer-timeout"
//   disconnect-me        socket.disconnect()
//   fetch-room (room, ack)             ack([ids of the sockets in room])
//   ask-room (room, ...a, ack)         nsp.to(room).timeout(500).emit("question", ...a, cb),
//                                      then ack(null | "operation has timed out",
//                                      [first argument of each answer])
//   kick-room (room)                   nsp.in(room).disconnectSockets()
// Namespaces with these handlers: "/", "/custom", "/async" and the dynamic /dyn-[a-z0-9]+.
// "/custom" middleware: auth.token === "refuse" -> connect_error "refused", data {code: 42}.
// "/async" middleware answers 20 ms later: auth.token === "refuse" -> connect_error
// "refused later", data {code: 43}.
// Any other namespace (e.g. /dyn-ABC): connect_error "Invalid namespace" (socket.io's default).
//
// Fleet member (interop/test/redis/): --redis URL [--redis-key K] [--redis-requests-timeout MS]
// [--redis-specific-response-channel] [--redis-room-subscriptions] put node's
// @socket.io/redis-adapter between this server and the others on URL, and every socket gets
// the fleet hooks (whoami, set-data, fleet-emit, fleet-fetch, fleet-rooms, fleet-count,
// fleet-join, fleet-leave, fleet-disconnect, fleet-server-emit, fleet-broadcast-ack) and
// "/" and "/custom" the server-side event "ping-server": see fleet.js, which documents them.
import http from 'node:http';
import { Server as SioServer } from 'socket.io';
import { Server as EioServer } from 'engine.io';
import msgpackParser from 'socket.io-msgpack-parser';
import { parseArgs } from './args.js';
import {
  redisFlags, takeRedisSwitches, redisAdapter, addFleetHandlers, addServerEventHandlers,
} from './fleet.js';

const { argv: rest, redis } = takeRedisSwitches(process.argv.slice(2));
// --recovery takes no value (parseArgs reads flags in pairs)
const recovery = rest.includes('--recovery');
const argv = rest.filter((a) => a !== '--recovery');
const opts = parseArgs('sio-echo', argv, {
  ...redisFlags(redis),
  '--parser': (o, v) => {
    if (v !== 'msgpack' && v !== 'default') {
      console.error('sio-echo: --parser: default or msgpack');
      process.exit(2);
    }
    o.parser = v;
  },
  // connectionStateRecovery (C: --recovery); the C server's log bound has no node twin:
  // --recovery-max-packets is accepted and ignored here.
  '--recovery-max-ms': (o, v) => { o.recoveryMaxMs = Number(v); },
  '--recovery-max-packets': () => {},
});

const SIO_PATH = '/socket.io/';
const EIO_PATH = '/engine.io/';

const engineOpts = {
  pingInterval: opts.pingInterval,
  pingTimeout: opts.pingTimeout,
  maxHttpBufferSize: opts.maxPayload,
  allowEIO3: opts.allowEIO3,
  transports: ['polling', 'websocket'],
  allowUpgrades: true,
  perMessageDeflate: false,
  httpCompression: false,
  // Two engines share one http server: each handles only its own path, and neither may
  // end an upgrade request meant for the other (engine.io's default destroys unmatched
  // upgrades after 1 s). Upgrades for neither path are destroyed below.
  destroyUpgrade: false,
};
if (opts.corsOrigin !== null) {
  // "*" reflects the request's origin (a literal "*" is not allowed with credentials);
  // otherwise only the exact configured origin gets the CORS headers.
  engineOpts.cors = {
    origin: opts.corsOrigin === '*' ? true : [opts.corsOrigin],
    credentials: true,
  };
}

// Plain HTTP on the same port, as the C sio-echo: GET /health (with --redis: also
// "redis": {"connected"}; the C member adds its adapter's counters), POST /echo (body back,
// JSON content type when the x-echo-tag header says "json"; 413 over 1 MiB).
const httpServer = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://x');
  if (req.method === 'GET' && url.pathname === '/health') {
    const body = JSON.stringify({ status: 'ok', sessions: io.engine.clientsCount,
      ...(adapter ? { redis: { connected: adapter.connected() } } : {}) });
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(body);
    return;
  }
  if (req.method === 'POST' && req.url === '/echo') {
    const chunks = [];
    let size = 0;
    req.on('data', (c) => {
      size += c.length;
      if (size > 1024 * 1024) {
        res.writeHead(413, { 'Content-Type': 'text/plain', Connection: 'close' });
        res.end('Payload Too Large');
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (res.headersSent) return;
      const json = req.headers['x-echo-tag'] === 'json';
      res.writeHead(200, { 'Content-Type': json ? 'application/json' : 'text/plain' });
      res.end(Buffer.concat(chunks));
    });
    return;
  }
  res.writeHead(404, { 'Content-Type': 'text/plain' });
  res.end('Not Found');
});

// ---- Socket.IO on /socket.io/ ----
// This member's identity in fleet answers; the port is the one listened on.
const me = { port: opts.port, kind: 'node' };
const adapter = await redisAdapter(redis);
const io = new SioServer(httpServer, {
  ...engineOpts,
  path: SIO_PATH,
  serveClient: false,
  ...(opts.parser === 'msgpack' ? { parser: msgpackParser } : {}),
  ...(adapter ? { adapter } : {}),
  ...(recovery ? { connectionStateRecovery: {
    maxDisconnectionDuration: opts.recoveryMaxMs ?? 2 * 60 * 1000, skipMiddlewares: true,
  } } : {}),
});

// `parent` may be a dynamic parent namespace: handlers use socket.nsp, the namespace the
// socket is actually in.
function setup(parent) {
  parent.on('connection', (socket) => {
    const nsp = socket.nsp;
    socket.on('error', () => {}); // a malformed packet closes the connection; no noise
    socket.emit('auth', socket.handshake.auth ?? {});

    socket.on('message', (...args) => socket.emit('message-back', ...args));
    socket.on('message-with-ack', (...args) => {
      const ack = args.pop();
      if (typeof ack === 'function') ack(...args);
    });
    socket.on('join', async (room, ack) => {
      await socket.join(room);
      if (typeof ack === 'function') ack();
    });
    socket.on('leave', async (room, ack) => {
      await socket.leave(room);
      if (typeof ack === 'function') ack();
    });
    socket.on('to-room', (room, ...args) => nsp.to(room).emit('room-message', ...args));
    socket.on('to-room-except', (room, except, ...args) => {
      nsp.to(room).except(except).emit('room-message', ...args);
    });
    socket.on('broadcast', (...args) => socket.broadcast.emit('broadcast', ...args));
    socket.on('ask', (...args) => {
      socket.timeout(500).emit('question', ...args, (err, ...reply) => {
        if (err) socket.emit('answer-timeout');
        else socket.emit('answer', ...reply);
      });
    });
    socket.on('disconnect-me', () => socket.disconnect());
    socket.on('fetch-room', async (room, ack) => {
      if (typeof room !== 'string' || typeof ack !== 'function') return;
      const sockets = await nsp.in(room).fetchSockets();
      ack(sockets.map((s) => s.id));
    });
    socket.on('ask-room', (room, ...args) => {
      const ack = args.pop();
      if (typeof room !== 'string' || typeof ack !== 'function') return;
      // socket.io gives an Error and, per client, the first argument of its answer; the C
      // server sends the error's message as a string.
      nsp.to(room).timeout(500).emit('question', ...args, (err, responses) => {
        ack(err ? 'operation has timed out' : null, responses);
      });
    });
    socket.on('kick-room', (room) => {
      if (typeof room === 'string') nsp.in(room).disconnectSockets();
    });
    // Connection state recovery hooks (C: apps/sio-echo/recovery.c).
    socket.on('recovery-state', (ack) => {
      if (typeof ack === 'function') {
        ack({ recovered: socket.recovered, id: socket.id, rooms: [...socket.rooms],
          data: socket.data ?? {} });
      }
    });
    socket.on('kill-transport', () => socket.conn.close());
    socket.on('stream', (room, n, ms) => {
      if (!Number.isInteger(n) || !Number.isInteger(ms) || n <= 0 || n > 10000 || ms < 0
          || n * ms > 10000) return;
      let i = 0;
      const timer = setInterval(() => {
        (typeof room === 'string' ? nsp.to(room) : nsp).emit('tick', i);
        if (++i >= n) clearInterval(timer);
      }, ms || 1);
    });
    addFleetHandlers(socket, me);
  });
}

setup(io.of('/'));
addServerEventHandlers(io.of('/'), me);
addServerEventHandlers(io.of('/custom'), me);
const custom = io.of('/custom');
custom.use((socket, next) => {
  if (socket.handshake.auth && socket.handshake.auth.token === 'refuse') {
    const err = new Error('refused');
    err.data = { code: 42 };
    next(err);
  } else {
    next();
  }
});
setup(custom);
setup(io.of(/^\/dyn-[a-z0-9]+$/));
const asyncNsp = io.of('/async');
asyncNsp.use((socket, next) => {
  // the verdict comes 20 ms later, as after a database call
  setTimeout(() => {
    if (socket.handshake.auth && socket.handshake.auth.token === 'refuse') {
      const err = new Error('refused later');
      err.data = { code: 43 };
      next(err);
    } else {
      next();
    }
  }, 20);
});
setup(asyncNsp);

// ---- bare Engine.IO echo on /engine.io/ ----
const engine = new EioServer(engineOpts);
engine.attach(httpServer, { path: EIO_PATH, destroyUpgrade: false });
engine.on('connection', (socket) => {
  // An empty text message arrives as undefined; echo it as an empty text message.
  socket.on('message', (data) => socket.send(data === undefined ? '' : data));
});

// Upgrade requests for neither path: nobody answers them, so end them (node's behaviour
// without upgrade listeners).
httpServer.on('upgrade', (req, sock) => {
  const url = req.url || '';
  if (url.startsWith(SIO_PATH) || url.startsWith(EIO_PATH)) return;
  sock.on('error', () => {});
  sock.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
});

let stopping = false;
function shutdown() {
  if (stopping) return;
  stopping = true;
  io.close();
  engine.close();
  httpServer.close();
  httpServer.closeAllConnections();
  setImmediate(() => process.exit(0));
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);

httpServer.listen(opts.port, '127.0.0.1', () => {
  const { port } = httpServer.address();
  me.port = port;
  console.log(`sio-echo: listening on http://127.0.0.1:${port}/socket.io/`);
});

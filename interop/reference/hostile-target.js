#!/usr/bin/env node
// node's twin of sio-server for the hostile catalog's protocol cases (interop/test/hostile/),
// with HOSTILE_SERVER=node: `socket.io` 4.8 (ws 8 underneath) serving what those cases and
// the catalog's bystander use of sio-server, so a case that node passes and we fail is our
// bug, and one node fails is the case's (docs/architecture.md, "The hostile-input catalog").
//   --port P                 (--config, --host and other sio-server flags are ignored;
//                             it listens on 127.0.0.1)
//   maxHttpBufferSize        1,000,000 bytes, the catalog's maxPayload (lib/hostile.js)
//   event "ping"             emit "pong" (sio-server's built-in liveness event)
//   POST /api/v1/websocket/broadcast/user/ID  {event, data}: io.to("user:ID").emit(event,
//                            data) (sio-server's HTTP API; the API key is not checked)
//   a socket joins "user:SUB", SUB read from its auth.token's JWT payload (not verified:
//   node's twin has no JWT rules; the cases that test them have no node twin)
// Exits 0 on SIGTERM/SIGINT.
import http from 'node:http';
import { Server } from 'socket.io';

const i = process.argv.indexOf('--port');
const port = i > 0 ? Number(process.argv[i + 1]) : NaN;
if (!Number.isInteger(port)) {
  console.error('hostile-target: --port P');
  process.exit(2);
}

const BROADCAST = /^\/api\/v1\/websocket\/broadcast\/user\/([^/?]+)$/;
const httpServer = http.createServer((req, res) => {
  const m = req.method === 'POST' && BROADCAST.exec(req.url);
  if (!m) return; // socket.io's own handler answers the rest
  let body = '';
  req.on('data', (d) => { body += d; });
  req.on('end', () => {
    try {
      const { event, data } = JSON.parse(body);
      io.to(`user:${decodeURIComponent(m[1])}`).emit(event, data);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    } catch {
      res.writeHead(400).end();
    }
  });
});

const io = new Server(httpServer, { maxHttpBufferSize: 1000000, perMessageDeflate: false });

function subOf(token) {
  try {
    return JSON.parse(Buffer.from(String(token).split('.')[1], 'base64url').toString()).sub;
  } catch {
    return undefined;
  }
}

io.on('connection', (socket) => {
  socket.on('error', () => {});
  const sub = subOf(socket.handshake.auth?.token);
  if (sub !== undefined) socket.join(`user:${sub}`);
  socket.on('ping', () => socket.emit('pong'));
});

httpServer.listen(port, '127.0.0.1', () => {
  console.log(`hostile-target: listening on http://127.0.0.1:${port}/socket.io/`);
});
for (const sig of ['SIGTERM', 'SIGINT']) {
  process.on(sig, () => {
    io.close();
    httpServer.close(() => process.exit(0));
    setTimeout(() => process.exit(0), 2000).unref();
  });
}

#!/usr/bin/env node
// Reference for the admin dashboard tests (test/sio-server/admin-ui*.test.js): node's
// socket.io 4.8 with @socket.io/admin-ui's instrument(), configured from the same
// sio-server JSON file the C server is started with, so that SIO_SERVER=node runs the
// same tests against node and validates them. It reads, from that file:
//   port, cors.origins (with credentials)
//   adminUi        passed to instrument() as it is ({auth, namespaceName, mode,
//                  readonly, serverId}: sio-server's keys are instrument()'s options)
//   rooms.joinEvents[0]  {join, leave, room: "prefix{id}", idField, ack,
//                  confirm: {joined, left, payloadKey}}: the handlers sio-server's room
//                  rules give, written out as a node server would
// Flags: --config FILE, --port P, --host H. Prints "listening on ..." once ready; exits 0
// on SIGTERM.
import fs from 'node:fs';
import http from 'node:http';
import { Server } from 'socket.io';
import { instrument } from '@socket.io/admin-ui';

const argv = process.argv.slice(2);
const flag = (name) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const cfg = JSON.parse(fs.readFileSync(flag('--config'), 'utf8'));
const port = Number(flag('--port') || cfg.port || 3000);
const host = flag('--host') || '127.0.0.1';

const httpServer = http.createServer();
const io = new Server(httpServer, {
  cors: { origin: cfg.cors?.origins ?? [], credentials: true },
});

const rule = cfg.rooms?.joinEvents?.[0];
if (rule) {
  const roomOf = (arg) => {
    const id = arg && typeof arg === 'object' ? arg[rule.idField || 'id'] : arg;
    return typeof id === 'string' && id ? [id, rule.room.replace('{id}', id)] : [null, null];
  };
  io.on('connection', (socket) => {
    const handle = (joining) => (arg, ack) => {
      const [id, room] = roomOf(arg);
      if (!room) return;
      if (joining) socket.join(room); else socket.leave(room);
      const key = rule.confirm?.payloadKey || rule.idField || 'id';
      const confirm = joining ? rule.confirm?.joined : rule.confirm?.left;
      if (confirm) socket.emit(confirm, { [key]: id });
      if (rule.ack && typeof ack === 'function') ack({ success: true, [key]: id });
    };
    socket.on(rule.join, handle(true));
    if (rule.leave) socket.on(rule.leave, handle(false));
  });
}

if (cfg.adminUi?.enabled) {
  const { enabled, ...options } = cfg.adminUi;
  instrument(io, options);
}

httpServer.listen(port, host, () => {
  console.log(`admin-ui reference: listening on http://${host}:${port}/socket.io/`);
});
const stop = () => {
  io.close();
  httpServer.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 1000).unref();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

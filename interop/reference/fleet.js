// The fleet part of the reference sio-echo.js: node's Redis adapter behind --redis, and the
// hooks a test uses to drive fleet operations from a client, the twins of
// apps/sio-echo/fleet.c (the C member's), so a test drives any member the same way.
//
// Flags (parsed by sio-echo.js, given here as `opts.redis`):
//   --redis URL                        @socket.io/redis-adapter 8.x (classic pub/sub) with a
//                                      `redis` 4.x client pair on URL
//   --redis-key K                      the adapter's `key` option (channel prefix)
//   --redis-requests-timeout MS        its `requestsTimeout`
//   --redis-specific-response-channel  its `publishOnSpecificResponseChannel`
//   --redis-room-subscriptions         accepted and ignored: node's adapter always
//                                      PSUBSCRIBEs key#nsp#* (the C member's option)
//
// Hooks, on every socket of "/" and "/custom" (and the other namespaces sio-echo serves).
// `sel` is a selector {rooms?: [...], except?: [...]} (no rooms: the whole namespace):
//   whoami (ack)                     ack({port, kind: "node"})
//   set-data (obj, ack?)             socket.data = obj
//   fleet-emit (sel, flags, event, ...args)
//                                    nsp.to(rooms).except(except)[.volatile][.local]
//                                    [.compress(false)].emit(event, ...args);
//                                    flags {volatile?, local?, compress?}
//   fleet-fetch (sel, ack)           fetchSockets across the fleet -> ack(null | error,
//                                    [{id, rooms (sorted), data, handshake}])
//   fleet-rooms (ack)                allRooms -> ack(null | error, sorted room names)
//   fleet-count (ack)                serverCount -> ack(n)
//   fleet-join / fleet-leave (sel, room, ack?)   socketsJoin / socketsLeave
//   fleet-disconnect (sel, close, ack?)          disconnectSockets(close)
//   fleet-server-emit (event, withAck, ...args, ack)
//                                    serverSideEmit(event, ...args[, cb]); withAck true:
//                                    ack(null | error message, [responses]); else ack()
//   fleet-broadcast-ack (sel, timeoutMs, ...args, ack)
//                                    nsp.to(rooms).except(except).timeout(ms)
//                                    .emit("question", ...args, cb) -> ack(null | error
//                                    message, [first argument of each answer])
// Server-side events (serverSideEmit from another member), on "/" and "/custom":
//   ping-server (...args[, cb])      the local clients of the namespace get "server-event"
//                                    ("ping-server", {port, kind}, ...args); cb({port, kind})
import { createClient } from 'redis';
import { createAdapter } from '@socket.io/redis-adapter';

/** The flags above that take a value, for parseArgs's `extra`, stored in `redis`. */
export function redisFlags(redis) {
  return {
    '--redis': (o, v) => { redis.url = v; },
    '--redis-key': (o, v) => { redis.key = v; },
    '--redis-requests-timeout': (o, v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n <= 0) {
        console.error(`sio-echo: bad value for --redis-requests-timeout: ${v}`);
        process.exit(2);
      }
      redis.requestsTimeout = n;
    },
  };
}
const REDIS_SWITCHES = {
  '--redis-specific-response-channel': (r) => { r.publishOnSpecificResponseChannel = true; },
  '--redis-room-subscriptions': () => {},
};

/** Take the valueless switches above out of argv; returns {argv, redis} (the settings). */
export function takeRedisSwitches(argv) {
  const redis = { url: null };
  const rest = [];
  for (const a of argv) {
    if (REDIS_SWITCHES[a]) REDIS_SWITCHES[a](redis);
    else rest.push(a);
  }
  return { argv: rest, redis };
}

/**
 * When redis.url is set: connect the pub/sub client pair and return the adapter
 * factory for the Server's `adapter` option (null without --redis). Client errors are
 * reported once per outage, never thrown: node-redis reconnects on its own and queues
 * commands meanwhile.
 */
export async function redisAdapter(redis) {
  if (!redis.url) return null;
  let down = false;
  const onError = (e) => {
    if (!down) console.error(`sio-echo: redis: ${e.message}`);
    down = true;
  };
  const pub = createClient({ url: redis.url });
  const sub = pub.duplicate();
  for (const c of [pub, sub]) {
    c.on('error', onError);
    c.on('ready', () => { down = false; });
  }
  await Promise.all([pub.connect(), sub.connect()]);
  // node's adapter does not catch a PUBLISH that fails (the connection closing under it,
  // as when Redis stops): the rejection would end the process, as it would a deployment
  // without such a handler. That broadcast is lost for the other members; say so and go on.
  process.on('unhandledRejection', (e) => {
    console.error(`sio-echo: redis: unhandled rejection: ${e?.message ?? e}`);
  });
  const options = {};
  if (redis.key !== undefined) options.key = redis.key;
  if (redis.requestsTimeout !== undefined) options.requestsTimeout = redis.requestsTimeout;
  if (redis.publishOnSpecificResponseChannel) options.publishOnSpecificResponseChannel = true;
  // The clients live as long as the process: its exit closes them (a disconnect() at
  // shutdown would reject the adapter's pending commands, which nobody awaits).
  const factory = createAdapter(pub, sub, options);
  factory.connected = () => pub.isReady && sub.isReady;
  return factory;
}

function select(nsp, sel) {
  let op = nsp;
  const rooms = Array.isArray(sel?.rooms) ? sel.rooms.filter((r) => typeof r === 'string') : [];
  const except = Array.isArray(sel?.except) ? sel.except.filter((r) => typeof r === 'string') : [];
  if (rooms.length) op = op.to(rooms);
  if (except.length) op = op.except(except);
  return op;
}

const errText = (err) => (err ? (err.message ?? String(err)) : null);

/** The fleet hooks on one socket; `me` is {port, kind}. */
export function addFleetHandlers(socket, me) {
  const nsp = socket.nsp;
  const fn = (f) => (typeof f === 'function' ? f : () => {});
  socket.on('whoami', (ack) => fn(ack)(me));
  socket.on('set-data', (data, ack) => {
    socket.data = data;
    fn(ack)();
  });
  socket.on('fleet-emit', (sel, flags, event, ...args) => {
    if (typeof event !== 'string') return;
    let op = select(nsp, sel);
    if (flags?.volatile) op = op.volatile;
    if (flags?.local) op = op.local;
    if (flags?.compress === false) op = op.compress(false);
    op.emit(event, ...args);
  });
  socket.on('fleet-fetch', async (sel, ack) => {
    try {
      const sockets = await select(nsp, sel).fetchSockets();
      fn(ack)(null, sockets.map((s) => ({
        id: s.id, rooms: [...s.rooms].sort(), data: s.data ?? null, handshake: s.handshake,
      })));
    } catch (e) {
      fn(ack)(errText(e), []);
    }
  });
  socket.on('fleet-rooms', async (ack) => {
    try {
      const rooms = nsp.adapter.allRooms ? await nsp.adapter.allRooms() : nsp.adapter.rooms.keys();
      fn(ack)(null, [...rooms].sort());
    } catch (e) {
      fn(ack)(errText(e), []);
    }
  });
  socket.on('fleet-count', async (ack) => fn(ack)(await nsp.adapter.serverCount()));
  socket.on('fleet-join', (sel, room, ack) => {
    select(nsp, sel).socketsJoin(room);
    fn(ack)();
  });
  socket.on('fleet-leave', (sel, room, ack) => {
    select(nsp, sel).socketsLeave(room);
    fn(ack)();
  });
  socket.on('fleet-disconnect', (sel, close, ack) => {
    fn(ack)();
    select(nsp, sel).disconnectSockets(close === true);
  });
  socket.on('fleet-server-emit', (event, withAck, ...args) => {
    const ack = typeof args[args.length - 1] === 'function' ? args.pop() : () => {};
    if (typeof event !== 'string') return;
    if (withAck !== true) {
      nsp.serverSideEmit(event, ...args);
      ack();
      return;
    }
    nsp.serverSideEmit(event, ...args, (err, responses) => ack(errText(err), responses));
  });
  socket.on('fleet-broadcast-ack', (sel, timeoutMs, ...args) => {
    const ack = args.pop();
    if (typeof ack !== 'function') return;
    select(nsp, sel).timeout(Number(timeoutMs) || 500).emit('question', ...args,
      (err, responses) => ack(errText(err) && 'operation has timed out', responses));
  });
}

/** The server-side event handlers of a namespace. */
export function addServerEventHandlers(nsp, me) {
  nsp.on('ping-server', (...args) => {
    const cb = typeof args[args.length - 1] === 'function' ? args.pop() : null;
    nsp.local.emit('server-event', 'ping-server', me, ...args);
    if (cb) cb(me);
  });
}

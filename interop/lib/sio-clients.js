// socket.io-client helpers: open a client against the server under test, collect every
// event it receives in per-event queues, and close every client a test opened.
//
// One suite, three client kinds (SIO_CLIENT, read by ./sio-server.js, which starts the
// server to match):
//   json (default) socket.io-client 4.8 with its default parser (socket.io-parser)
//   msgpack        socket.io-client 4.8 with socket.io-msgpack-parser 3.0.2
//   v2             socket.io-client 2.5.0 (npm alias socket.io-client-v2): Engine.IO v3,
//                  Socket.IO protocol v4, against a server started with --allow-eio3
// The helpers hide what differs only in the client library's API (2.x has no onAny, no
// emitWithAck, no `auth` option: a namespace's auth is its `query`); a test that needs
// something the kind's protocol does not have declares it with needs(...) and is skipped
// for that kind, its reason in the skip message. docs/socketio.md has the matrix.
import assert from 'node:assert/strict';
import { io, Manager } from 'socket.io-client';
import ioV2 from 'socket.io-client-v2';
import msgpackParser from 'socket.io-msgpack-parser';
import { Queue, withTimeout, delay } from './util.js';
import { SIO_TIME_SCALE, SIO_CLIENT_KIND } from './sio-server.js';

export { SIO_CLIENT_KIND };
export const SIO_CLIENT_IS_V2 = SIO_CLIENT_KIND === 'v2';

/**
 * What a test may need that some client kind does not have, and why: the reason is the
 * skip message. A feature is listed only for the kinds that lack it.
 */
const MISSING = {
  // Socket.IO protocol v4 (2.x) has no CONNECT payload: the client sends the namespace's
  // query string instead ("0/custom?token=x,"), and nothing for "/", which the server
  // joins it to without a CONNECT.
  connectPayload: {
    v2: 'socket.io-client 2.x has no CONNECT payload (a namespace\'s auth is its query '
      + 'string, string values only; "/" gets none)',
  },
  authFunction: { v2: 'socket.io-client 2.x has no `auth` option (nor its function form)' },
  // The same: a v3 session is joined to "/" as it opens, and 2.x's "/" socket sends no
  // CONNECT, so a "/" socket made later on an open Manager waits for an answer that came
  // before it existed (with node's server too).
  lateRootSocket: {
    v2: 'socket.io-client 2.x joins "/" only as its connection opens: a "/" socket made '
      + 'later on an open Manager never connects',
  },
  // Connection state recovery (pid and offset in the CONNECT) came with socket.io-client 4.6.
  recovery: { v2: 'socket.io-client 2.x has no connection state recovery (client 4.6+)' },
  // Client-side ack timeouts (socket.timeout(ms).emit) came with socket.io-client 4.4.
  clientAckTimeout: { v2: 'socket.io-client 2.x has no socket.timeout()' },
  // notepack.io 2.x, the msgpack parser's codec, packs a number without a fraction as an
  // integer, and one past 2^64 wraps (node's server echoes 0 as well).
  integralBeyond64Bits: {
    msgpack: 'socket.io-msgpack-parser (notepack.io) packs an integral number past 2^64 as '
      + 'a wrapped uint64',
  },
  // notepack.io packs an ArrayBuffer as its ext type 0 (node's server gives it back as an
  // ArrayBuffer) and a Uint8Array view from its buffer's start (msgpack.test.js covers what
  // the parser does carry).
  arrayBufferArgs: {
    msgpack: 'socket.io-msgpack-parser (notepack.io) packs an ArrayBuffer as an ext type '
      + 'and a Uint8Array view from its buffer\'s start',
  },
};

/** Test options skipping the test when the client kind lacks one of `features`. */
export function needs(...features) {
  for (const f of features) {
    if (!MISSING[f]) throw new Error(`needs(): unknown feature ${f}`);
    const why = MISSING[f][SIO_CLIENT_KIND];
    if (why) return { skip: why };
  }
  return {};
}

/**
 * Options for a suite that picks its clients itself (raw packets, a given parser or
 * protocol, the bare Engine.IO endpoint): the same whatever SIO_CLIENT says, so it runs in
 * the default (json) pass only.
 */
export function ownClients() {
  return SIO_CLIENT_KIND === 'json' ? {}
    : { skip: `picks its own clients: runs once, with SIO_CLIENT=json (this is ${SIO_CLIENT_KIND})` };
}

/** Default wait for an expected event. */
export const SIO_EVENT_TIMEOUT = 3000 * SIO_TIME_SCALE;

/** Window of the "nothing happens" checks (not scaled). */
export const QUIET_MS = 300;

export const UTF8_TEXT = 'héllo wörld — ñ ü ß € 日本語テキスト 한국어 🎉👍🏽 👨‍👩‍👧 \u{10FFFF}';

export const MODES = [
  ['polling', { transports: ['polling'] }, 'polling'],
  ['websocket', { transports: ['websocket'] }, 'websocket'],
];

/**
 * 2.x has no onAny: its Socket#onevent, redone here, hands every event (with its ack
 * function when the server asked for one) to `record` before emitting it locally, as
 * socket.io-client 2.5's lib/socket.js does (buffered until "connect"). The local emit is
 * component-emitter's, which the Manager has unchanged (the Socket overrides it to send).
 */
function hookV2Events(socket, record) {
  const localEmit = ioV2.Manager.prototype.emit;
  socket.onevent = function onevent(packet) {
    const args = packet.data || [];
    if (packet.id !== null && packet.id !== undefined) args.push(this.ack(packet.id));
    record(args);
    if (this.connected) localEmit.apply(this, args);
    else this.receiveBuffer.push(args);
  };
}

/**
 * Wrap a socket.io-client Socket: every event it receives (reserved or not) is pushed, as
 * its argument array, into the queue of its name from the very start.
 *   c.next(event)        -> Promise<args[]> of the next `event`
 *   c.count(event)       -> how many `event`s are waiting unread
 *   c.connected          -> resolves on the first "connect", rejects on "connect_error"
 *   c.quiet(event, ms)   -> asserts no `event` arrives within ms
 * A 2.x socket's namespace refusal (its "error" event, whose payload is what the server's
 * ERROR packet carried) is queued as a "connect_error" too; assertConnectError() knows both.
 */
export function wrapSocket(socket, registry) {
  const queues = new Map();
  const q = (name) => {
    if (!queues.has(name)) queues.set(name, new Queue(`"${name}" events`));
    return queues.get(name);
  };
  const record = (args) => q(args[0]).push(args.slice(1));
  if (SIO_CLIENT_IS_V2) hookV2Events(socket, record);
  else socket.onAny((...args) => record(args));
  socket.on('connect', () => q('connect').push([]));
  socket.on('disconnect', (reason, details) => q('disconnect').push([reason, details]));
  socket.on('connect_error', (err) => q('connect_error').push([err]));
  if (SIO_CLIENT_IS_V2) socket.on('error', (payload) => q('connect_error').push([payload]));
  const client = {
    socket,
    queue: q,
    next: (event, ms = SIO_EVENT_TIMEOUT) => q(event).next(ms),
    take: (event, n, ms = SIO_EVENT_TIMEOUT) => q(event).take(n, ms),
    count: (event) => q(event).size,
    async quiet(event, ms = QUIET_MS) {
      await delay(ms);
      assert.equal(q(event).size, 0,
        `expected no "${event}" within ${ms} ms, got ${JSON.stringify(q(event).items).slice(0, 200)}`);
    },
    connected: withTimeout(new Promise((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('connect_error', reject);
      if (SIO_CLIENT_IS_V2) socket.once('error', reject);
    }), SIO_EVENT_TIMEOUT, `socket.io connect to ${socket.nsp}`),
  };
  client.connected.catch(() => {});
  if (registry) registry.add(client);
  return client;
}

/**
 * The options of the client kind: the msgpack parser, or for 2.x the auth as the query of
 * the namespace's CONNECT (2.x's only way; the values must be strings, and "/" has none).
 */
function kindOptions(nsp, opts) {
  if (SIO_CLIENT_KIND === 'msgpack') return { ...opts, parser: msgpackParser };
  if (!SIO_CLIENT_IS_V2 || opts.auth === undefined) return opts;
  const { auth, ...rest } = opts;
  return { ...rest, query: v2Query(nsp, auth) };
}

function v2Query(nsp, auth) {
  if (nsp === '/') {
    throw new Error('socket.io-client 2.x sends no auth to "/": the test needs needs(\'connectPayload\')');
  }
  if (typeof auth !== 'object' || auth === null
    || !Object.values(auth).every((v) => typeof v === 'string')) {
    throw new Error('socket.io-client 2.x: auth travels as a query string, string values only');
  }
  return { ...auth };
}

/**
 * Create a socket.io-client socket on namespace `nsp` with its own Manager (forceNew),
 * no reconnection unless opts say otherwise. Pass a Set as `registry` for closeAll().
 */
export function createSioClient(server, nsp = '/', opts = {}, registry) {
  const connect = SIO_CLIENT_IS_V2 ? ioV2 : io;
  const socket = connect(`${server.url}${nsp}`, {
    forceNew: true,
    reconnection: false,
    ...kindOptions(nsp, opts),
  });
  return wrapSocket(socket, registry);
}

/** Create a client and wait for its "connect" (and, with `upgrade`, the websocket upgrade). */
export async function connectSioClient(server, nsp = '/', opts = {}, registry) {
  const c = createSioClient(server, nsp, opts, registry);
  await c.connected;
  return c;
}

/** A Manager (one engine.io connection) to multiplex several namespaces over. */
export function createManager(server, opts = {}) {
  const M = SIO_CLIENT_IS_V2 ? ioV2.Manager : Manager;
  return new M(server.url, { reconnection: false, ...kindOptions('/', opts) });
}

/** m.socket(nsp, { auth }) for every kind (2.x: the auth as the namespace's query). */
export function managerSocket(m, nsp, opts = {}) {
  if (!SIO_CLIENT_IS_V2 || opts.auth === undefined) return m.socket(nsp, opts);
  const { auth, ...rest } = opts;
  return m.socket(nsp, { ...rest, query: v2Query(nsp, auth) });
}

/**
 * socket.active: does the socket still try to (re)connect? socket.io-client 2.x has no
 * getter; its state is the same one 4.x reads, the socket's subscriptions to its Manager
 * (both drop them on a server disconnect or socket.disconnect()).
 */
export function isActive(c) {
  return SIO_CLIENT_IS_V2 ? Boolean(c.socket.subs) : c.socket.active;
}

/** Set the auth a socket sends with its next CONNECT. */
export function setAuth(c, auth) {
  if (SIO_CLIENT_IS_V2) c.socket.query = v2Query(c.socket.nsp, auth);
  else c.socket.auth = auth;
}

/** Emit `event` with an ack callback; resolve with the ack's arguments. */
export function acked(c, event, ...args) {
  return withTimeout(new Promise((resolve) => c.socket.emit(event, ...args, (...r) => resolve(r))),
    SIO_EVENT_TIMEOUT, `ack of ${event}`);
}

/**
 * socket.emitWithAck(event, ...args): the ack's first argument. socket.io-client 2.x has no
 * emitWithAck: the same from an ack callback.
 */
export function emitWithAck(c, event, ...args) {
  const p = SIO_CLIENT_IS_V2 ? acked(c, event, ...args).then((r) => r[0])
    : c.socket.emitWithAck(event, ...args);
  return withTimeout(p, SIO_EVENT_TIMEOUT, `ack of ${event}`);
}

/**
 * Assert a connect_error: an Error with `message` and `data` (v5); for 2.x the payload of
 * the ERROR packet: {message} for an unknown namespace (node's client.ts), the refusal's
 * data for a middleware refusal with data (namespace.ts: `err.data || err.message`; the
 * bare message string without data, which sio-echo's refusals never are).
 */
export function assertConnectError(err, message, data, what = 'connect_error') {
  if (SIO_CLIENT_IS_V2) {
    assert.deepEqual(err, data !== undefined ? data : { message }, what);
    return;
  }
  assert.ok(err instanceof Error, `${what}: expected an Error, got ${err}`);
  assert.equal(err.message, message, what);
  assert.deepEqual(err.data, data, what);
}

/** Close every client in the registry (idempotent). */
export function closeAll(registry) {
  for (const c of registry) {
    try {
      c.socket.disconnect();
      // a multiplexed Manager stays open while another of its sockets is active
      c.socket.io.reconnection(false);
      c.socket.io.engine?.close();
    } catch { /* already closed */ }
  }
  registry.clear();
}

/** Wait until the client's engine has upgraded to websocket (or already is). */
export async function waitUpgrade(c, ms = SIO_EVENT_TIMEOUT) {
  const engine = c.socket.io.engine;
  if (engine.transport.name !== 'websocket') {
    await withTimeout(new Promise((resolve) => engine.once('upgrade', resolve)), ms, 'engine upgrade');
  }
  assert.equal(engine.transport.name, 'websocket');
}

/** Emit `message` and assert the `message-back` carries the same args. */
export async function assertMessageBack(c, ...args) {
  c.socket.emit('message', ...args);
  const got = await c.next('message-back');
  assert.deepEqual(got, args);
}

/** Bytes 0..255. */
export function allBytes() {
  const b = Buffer.alloc(256);
  for (let i = 0; i < 256; i++) b[i] = i;
  return b;
}

/** Assert `got` is a Buffer with exactly the bytes of `want`. */
export function assertBuffer(got, want, what = 'binary') {
  assert.ok(Buffer.isBuffer(got), `${what}: expected a Buffer, got ${got?.constructor?.name ?? typeof got}`);
  assert.ok(got.equals(want), `${what}: bytes differ: got ${got.toString('hex').slice(0, 80)} want ${want.toString('hex').slice(0, 80)}`);
}

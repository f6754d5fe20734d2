// socket.io-client helpers: open a client against the server under test, collect every
// event it receives in per-event queues, and close every client a test opened.
import assert from 'node:assert/strict';
import { io, Manager } from 'socket.io-client';
import { Queue, withTimeout, delay } from './util.js';
import { SIO_TIME_SCALE } from './sio-server.js';

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
 * Wrap a socket.io-client Socket: every event it receives (reserved or not) is pushed, as
 * its argument array, into the queue of its name from the very start.
 *   c.next(event)        -> Promise<args[]> of the next `event`
 *   c.count(event)       -> how many `event`s are waiting unread
 *   c.connected          -> resolves on the first "connect", rejects on "connect_error"
 *   c.quiet(event, ms)   -> asserts no `event` arrives within ms
 */
export function wrapSocket(socket, registry) {
  const queues = new Map();
  const q = (name) => {
    if (!queues.has(name)) queues.set(name, new Queue(`"${name}" events`));
    return queues.get(name);
  };
  socket.onAny((event, ...args) => q(event).push(args));
  socket.on('connect', () => q('connect').push([]));
  socket.on('disconnect', (reason, details) => q('disconnect').push([reason, details]));
  socket.on('connect_error', (err) => q('connect_error').push([err]));
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
    }), SIO_EVENT_TIMEOUT, `socket.io connect to ${socket.nsp}`),
  };
  client.connected.catch(() => {});
  if (registry) registry.add(client);
  return client;
}

/**
 * Create a socket.io-client socket on namespace `nsp` with its own Manager (forceNew),
 * no reconnection unless opts say otherwise. Pass a Set as `registry` for closeAll().
 */
export function createSioClient(server, nsp = '/', opts = {}, registry) {
  const socket = io(`${server.url}${nsp}`, {
    forceNew: true,
    reconnection: false,
    ...opts,
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
  return new Manager(server.url, { reconnection: false, ...opts });
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

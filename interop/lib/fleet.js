// Harness: a fleet of sio-echo members sharing one redis-server (interop/test/redis/).
//
// The mixed fleet is two C members (build/sio-echo --redis URL, the Redis adapter of
// include/socketio/redis.h) and one node member (interop/reference/sio-echo.js --redis URL,
// node's @socket.io/redis-adapter 8.x); with SIO_SERVER=node every member is node, which
// validates the tests themselves. Each member gets the same flags; the fleet hooks they
// serve are documented in interop/reference/fleet.js and apps/sio-echo/fleet.c.
//
// VALGRIND=1 runs the C members under valgrind (leak check; stop() then requires exit 0).
//
// startFleet() resolves once every member listens AND has subscribed to the request
// channel of "/" and "/custom" (PUBSUB NUMSUB key-request#nsp# counts them), so a test's
// first request already counts the whole fleet.
import path from 'node:path';
import assert from 'node:assert/strict';
import { freePort, launchServer, serverCommand, INTEROP_DIR } from './eio-server.js';
import { SIO_IS_NODE_REFERENCE, SIO_UNDER_VALGRIND } from './sio-server.js';
import { startRedis, redisClient, waitNumsub } from './redis.js';
import { connectSioClient } from './sio-clients.js';
import { withTimeout } from './util.js';

/** The kinds of the mixed fleet, in member order (all node under SIO_SERVER=node). */
export const FLEET_KINDS = SIO_IS_NODE_REFERENCE ? ['node', 'node', 'node'] : ['c', 'c', 'node'];

/** A member's command line: its kind's sio-echo with --redis and the extra flags. */
function memberCommand(kind, port, redisUrl, extraArgs) {
  const args = ['--port', String(port), '--redis', redisUrl, ...extraArgs];
  if (kind === 'node') {
    return { cmd: process.execPath, args: [path.join(INTEROP_DIR, 'reference', 'sio-echo.js'), ...args] };
  }
  return serverCommand({ args, binName: 'sio-echo', binEnv: 'SIO_ECHO_BIN', referenceEnv: 'SIO_SERVER',
    underValgrind: SIO_UNDER_VALGRIND });
}

/**
 * Start one member on `redis`.
 * @param {object} o
 * @param {'c'|'node'} o.kind
 * @param {string[]} [o.args]  more flags (--redis-key ..., --redis-room-subscriptions)
 */
export async function startMember(redis, { kind, args = [] }) {
  const port = await freePort();
  const m = await launchServer({ ...memberCommand(kind, port, redis.url, args), port,
    verboseEnv: 'SIO_VERBOSE', underValgrind: kind === 'c' && SIO_UNDER_VALGRIND });
  m.kind = kind;
  return m;
}

/**
 * Start redis-server and a fleet on it.
 * @param {object} [o]
 * @param {string[]} [o.kinds=FLEET_KINDS]
 * @param {string[] | string[][]} [o.args]  flags for every member, or one list per member
 * @param {string} [o.key='socket.io']      the channel prefix the members use (for NUMSUB)
 * @returns {Promise<{redis, members, client, stop:()=>Promise<void>, waitSubscribed}>}
 */
export async function startFleet({ kinds = FLEET_KINDS, args = [], key = 'socket.io' } = {}) {
  const redis = await startRedis();
  const perMember = (i) => (Array.isArray(args[0]) ? args[i] ?? [] : args);
  const members = [];
  const fleet = { redis, members, client: null, key };
  fleet.stop = async () => {
    const errors = [];
    for (const m of members) {
      try { await m.stop(); } catch (e) { errors.push(e); }
    }
    await fleet.client?.closeQuietly();
    await redis.stop();
    if (errors.length) throw errors[0];
  };
  try {
    for (let i = 0; i < kinds.length; i++) {
      members.push(await startMember(redis, { kind: kinds[i], args: perMember(i) }));
    }
    fleet.client = await redisClient(redis);
    fleet.waitSubscribed = (n = members.length) => Promise.all(['/', '/custom'].map(
      (nsp) => waitNumsub(fleet.client, `${key}-request#${nsp}#`, n)));
    await fleet.waitSubscribed();
  } catch (e) {
    await fleet.stop().catch(() => {});
    throw e;
  }
  return fleet;
}

/** GET /health of a member: {status, sessions, redis: {connected, ...counters (C)}}. */
export async function health(member) {
  const res = await fetch(`${member.url}/health`);
  assert.equal(res.status, 200);
  return res.json();
}

/** Emit `event` with args and resolve with the ack's arguments (as an array). */
export function call(c, event, ...args) {
  return withTimeout(new Promise((resolve) => {
    c.socket.emit(event, ...args, (...reply) => resolve(reply));
  }), 10000, `ack of "${event}"`);
}

/** Connect one client per member (on nsp, with per-client options), in member order. */
export async function clientsOn(members, registry, nsp = '/', opts = () => ({})) {
  const out = [];
  for (let i = 0; i < members.length; i++) {
    out.push(await connectSioClient(members[i], nsp, opts(i), registry));
  }
  return out;
}

/**
 * Retry `fn` (an async check that throws while the fleet has not caught up) every 20 ms
 * until it passes or `ms` pass: for fleet operations that publish and return (socketsJoin,
 * disconnectSockets from another member), whose completion no event reports.
 */
export async function eventually(fn, ms = 5000) {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      return await fn();
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

/** The ids of the sockets a fleet-fetch from `c` returns for `sel`, sorted. */
export async function fetchIds(c, sel = {}) {
  const [err, sockets] = await call(c, 'fleet-fetch', sel);
  assert.equal(err, null, `fleet-fetch: ${err}`);
  return sockets.map((s) => s.id).sort();
}

/**
 * Ticks of sio-echo's "stream" from two members, told apart by their tag ("m0", "m1"):
 * { m0: [i...], m1: [i...] } as the client c receives them.
 */
export function recordTicks(c) {
  const got = { m0: [], m1: [] };
  c.socket.on('tick', (i, tag) => { if (tag in got) got[tag].push(i); });
  return got;
}

/** Wait until both members' ticks number at least n in got (recordTicks), or ms pass. */
export async function untilTicks(got, n, ms) {
  const t0 = Date.now();
  while ((got.m0.length < n || got.m1.length < n) && Date.now() - t0 < ms) {
    await new Promise((r) => setTimeout(r, 20));
  }
}

// Connection state recovery in a fleet (two C sio-echo members with --recovery on a real
// redis-server; docs/redis.md, "Connection state recovery"). Every member keeps the packets
// it receives (its own broadcasts and those other members publish) in its own log, each
// broadcast numbered by the member that made it; a socket that leaves has its session and
// its member's marks (the highest number it received from each member) shared in Redis. So
// a client that comes back to the member it left, or to another one (a load balancer
// without stickiness; its member stopped with SIGTERM), is recovered with every packet it
// missed, each once and in each publisher's order. node's classic @socket.io/redis-adapter
// keeps no session at all (its adapter is not session-aware), so under SIO_SERVER=node
// these tests are skipped.
import { describe, it, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import {
  startFleet, call, eventually, health, recordTicks, untilTicks,
} from '../../lib/fleet.js';
import { redisClient } from '../../lib/redis.js';
import { createSioClient, closeAll } from '../../lib/sio-clients.js';
import { SIO_IS_NODE_REFERENCE, SIO_TIME_SCALE } from '../../lib/sio-server.js';

const WAIT = 5000 * SIO_TIME_SCALE;
const FAST = { reconnection: true, reconnectionDelay: 50, reconnectionDelayMax: 100,
  randomizationFactor: 0, transports: ['websocket'] };
const skip = SIO_IS_NODE_REFERENCE
  && "node's classic redis adapter keeps no session (not session-aware)";

async function ticksUntil(c, last, seen) {
  while (seen.at(-1) !== last) seen.push((await c.next('tick', WAIT))[0]);
}

/** A reconnecting client of member m in room "r", its first "connect" event taken. */
async function joinedR(m, clients) {
  const a = createSioClient(m, '/', FAST, clients);
  await a.connected;
  await a.next('connect', WAIT); // the first connection's event
  await call(a, 'join', 'r');
  return a;
}

// Ticks from both members, told apart by their tag (lib/fleet.js recordTicks).
const record = recordTicks;
const until = (got, n) => untilTicks(got, n, WAIT);


describe('redis fleet: connection state recovery (two C members)', { skip }, () => {
  let fleet;
  const clients = new Set();
  before(async () => { fleet = await startFleet({ kinds: ['c', 'c'], args: ['--recovery'] }); });
  after(async () => { closeAll(clients); await fleet?.stop(); });
  afterEach(() => closeAll(clients));

  async function setup() {
    const [m0, m1] = fleet.members;
    const a = createSioClient(m0, '/', FAST, clients);
    await a.connected;
    await call(a, 'join', 'r');
    const [first] = await call(a, 'recovery-state');
    const b = createSioClient(m1, '/', { transports: ['websocket'] }, clients);
    await b.connected;
    return { a, b, first, m1 };
  }

  it('back on its own member: recovered with what the other member broadcast meanwhile', async () => {
    const { a, b, first } = await setup();
    const n = 60;
    b.socket.emit('stream', 'r', n, 10); // broadcast by member 1, through Redis
    const seen = [];
    await ticksUntil(a, 10, seen);
    a.socket.emit('kill-transport');
    await a.next('connect', WAIT);
    await a.next('disconnect', WAIT);
    await a.next('connect', WAIT);
    await ticksUntil(a, n - 1, seen);
    assert.deepEqual(seen, [...Array(n).keys()], 'every tick, once, in order');
    assert.equal(a.socket.recovered, true);
    assert.equal(a.socket.id, first.id);
    const [now] = await call(a, 'recovery-state');
    assert.equal(now.recovered, true);
    assert.deepEqual([...now.rooms].sort(), [...first.rooms].sort());
    await a.quiet('tick');
  });

  it('back on another member, the first alive (no stickiness): recovered, nothing lost or doubled', async () => {
    const { a, b, first, m1 } = await setup();
    await a.next('connect', WAIT); // the first connection's event
    const c = createSioClient(fleet.members[0], '/', { transports: ['websocket'] }, clients);
    await c.connected;
    const got = record(a);
    const n = 60;
    c.socket.emit('stream', 'r', n, 10, 'm0'); // published by member 0
    b.socket.emit('stream', 'r', n, 10, 'm1'); // published by member 1
    while (got.m0.length < 10) await a.next('tick', WAIT);
    a.socket.io.uri = m1.url; // the next attempt goes to the other member
    a.socket.io.engine.close();
    await a.next('disconnect', WAIT);
    await a.next('connect', WAIT);
    await until(got, n);
    assert.deepEqual(got.m0, [...Array(n).keys()], "member 0's ticks, once, in order");
    assert.deepEqual(got.m1, [...Array(n).keys()], "member 1's ticks, once, in order");
    assert.equal(a.socket.recovered, true);
    assert.equal(a.socket.id, first.id);
    const [now] = await call(a, 'recovery-state');
    assert.equal(now.recovered, true);
    assert.deepEqual([...now.rooms].sort(), [...first.rooms].sort());
  });
});

describe('redis fleet: recovery on another member, the first stopped or too late', { skip }, () => {
  let fleet;
  const clients = new Set();
  const MAX_MS = 800;
  before(async () => {
    fleet = await startFleet({ kinds: ['c', 'c'],
      args: ['--recovery', '--recovery-max-ms', String(MAX_MS)] });
  });
  after(async () => { closeAll(clients); await fleet?.stop(); });
  afterEach(() => closeAll(clients));

  it('back past max_disconnection_ms: refused cleanly, a fresh connection', async () => {
    const [m0, m1] = fleet.members;
    const a = await joinedR(m0, clients);
    const id = a.socket.id;
    const b = createSioClient(m1, '/', { transports: ['websocket'] }, clients);
    await b.connected;
    b.socket.emit('stream', 'r', 1, 0);
    await a.next('tick', WAIT);
    a.socket.io.reconnection(false);
    a.socket.io.engine.close();
    await a.next('disconnect', WAIT);
    await new Promise((r) => setTimeout(r, MAX_MS + 200));
    a.socket.io.uri = m1.url;
    a.socket.connect();
    await a.next('connect', WAIT);
    assert.equal(a.socket.recovered, false);
    assert.notEqual(a.socket.id, id);
    const [now] = await call(a, 'recovery-state');
    assert.equal(now.recovered, false);
    assert.deepEqual(now.rooms, [now.id]);
  });

  it('Redis away: a client moving to another member connects fresh at once; back, recovered again', async () => {
    const [m0, m1] = fleet.members;
    const a = await joinedR(m0, clients);
    const id = a.socket.id;
    await fleet.client.closeQuietly();
    await fleet.redis.stop();
    for (const m of fleet.members) {
      await eventually(async () => assert.equal((await health(m)).redis.connected, false));
    }
    a.socket.io.uri = m1.url;
    a.socket.io.engine.close();
    await a.next('disconnect', WAIT);
    await a.next('connect', WAIT);
    assert.equal(a.socket.recovered, false, 'no session to be found');
    assert.notEqual(a.socket.id, id);

    await fleet.redis.start();
    fleet.client = await redisClient(fleet.redis);
    await fleet.waitSubscribed();
    for (const m of fleet.members) {
      await eventually(async () => assert.equal((await health(m)).redis.connected, true));
    }
    await call(a, 'join', 'r');
    const b = createSioClient(m0, '/', { transports: ['websocket'] }, clients);
    await b.connected;
    // the sessions' own connection reconnects on its own backoff: a move recovers once it has
    let recovered = false;
    for (let attempt = 0; attempt < 20 && !recovered; attempt++) {
      const before = a.socket.id;
      b.socket.emit('stream', 'r', 1, 0, 'm0');
      await a.next('tick', WAIT);
      a.socket.io.uri = (attempt % 2 ? m1 : m0).url; // a is on m1 first: always a move
      a.socket.io.engine.close();
      await a.next('disconnect', WAIT);
      await a.next('connect', WAIT);
      recovered = a.socket.recovered;
      if (recovered) assert.equal(a.socket.id, before);
      else await call(a, 'join', 'r');
    }
    assert.equal(recovered, true, 'recovered across members once Redis is back');
    const [now] = await call(a, 'recovery-state');
    assert.ok(now.rooms.includes('r'));
    assert.equal(a.count('tick'), 0, 'nothing replayed twice');
  });

  it('its member stopped with SIGTERM while both broadcast: recovered on the other, nothing lost or doubled', async () => {
    const [m0, m1] = fleet.members;
    const a = await joinedR(m0, clients);
    const [first] = await call(a, 'recovery-state');
    const c = createSioClient(m0, '/', { transports: ['websocket'] }, clients);
    const b = createSioClient(m1, '/', { transports: ['websocket'] }, clients);
    await Promise.all([c.connected, b.connected]);
    const got = record(a);
    const n = 50;
    c.socket.emit('stream', 'r', 1000, 5, 'm0'); // until member 0 stops
    b.socket.emit('stream', 'r', n, 10, 'm1');
    while (got.m1.length < 10) await a.next('tick', WAIT);
    a.socket.io.uri = m1.url;
    await m0.stop(); // SIGTERM: its sockets leave with "server shutting down"
    await a.next('connect', WAIT);
    const t0 = Date.now();
    while (got.m1.length < n && Date.now() - t0 < WAIT) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(got.m1, [...Array(n).keys()], "member 1's ticks, once, in order");
    assert.ok(got.m0.length > 0, 'member 0 broadcast before it stopped');
    assert.deepEqual(got.m0, [...Array(got.m0.length).keys()],
      "member 0's ticks up to its stop, once, in order");
    assert.equal(a.socket.recovered, true);
    assert.equal(a.socket.id, first.id);
    const [now] = await call(a, 'recovery-state');
    assert.equal(now.recovered, true);
    assert.deepEqual([...now.rooms].sort(), [...first.rooms].sort());
  });
});

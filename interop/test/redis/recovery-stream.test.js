// Connection state recovery on a member that started after the client left (C members with
// --recovery on a real redis-server; docs/redis.md, "Connection state recovery"). Such a
// member's own log lacks what was broadcast before it subscribed, so it reads the packets
// from the namespace's stream in Redis (key#nsp#stream), where each numbered broadcast is
// appended once, by the member that made it, in the same script as its PUBLISH
// (modules/redis/redis_replay.c). What must hold for a client, a deploy being the case:
// recovered with every packet it missed, each once, in each publisher's order; and when the
// stream no longer holds them (trimmed), refused cleanly: a fresh connection.
import { describe, it, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import {
  startFleet, startMember, call, recordTicks, untilTicks,
} from '../../lib/fleet.js';
import { createSioClient, closeAll } from '../../lib/sio-clients.js';
import { SIO_IS_NODE_REFERENCE, SIO_TIME_SCALE } from '../../lib/sio-server.js';

const WAIT = 5000 * SIO_TIME_SCALE;
const FAST = { reconnection: true, reconnectionDelay: 50, reconnectionDelayMax: 100,
  randomizationFactor: 0, transports: ['websocket'] };
const WS = { transports: ['websocket'] };
const STREAM = 'socket.io#/#stream';
const skip = SIO_IS_NODE_REFERENCE
  && "node's classic redis adapter keeps no session (not session-aware)";

// Ticks from both members, told apart by their tag (lib/fleet.js recordTicks).
const record = recordTicks;
const until = (got, n) => untilTicks(got, n, WAIT);

/** The stream's entries-added (XINFO STREAM, Redis 7), polled until at least n. */
async function addedAtLeast(fleet, n) {
  const added = async () => {
    const info = await fleet.client.sendCommand(['XINFO', 'STREAM', STREAM]);
    return Number(info[info.indexOf('entries-added') + 1]);
  };
  const t0 = Date.now();
  let got;
  while ((got = await added()) < n && Date.now() - t0 < WAIT) {
    await new Promise((r) => setTimeout(r, 20));
  }
  return got;
}

/**
 * A client a of room "r" on member 0, c on member 0 and b on member 1 to broadcast; a
 * leaves (no reconnection) once it has 10 ticks of each; then a third member starts.
 */
async function leaveThenNewMember(fleet, clients, n, interval, args, whileAway = async () => {}) {
  const [m0, m1] = fleet.members;
  const a = createSioClient(m0, '/', FAST, clients);
  await a.connected;
  await a.next('connect', WAIT); // the first connection's event
  await call(a, 'join', 'r');
  const [first] = await call(a, 'recovery-state');
  const c = createSioClient(m0, '/', WS, clients);
  const b = createSioClient(m1, '/', WS, clients);
  await Promise.all([c.connected, b.connected]);
  const got = record(a);
  c.socket.emit('stream', 'r', n, interval, 'm0');
  b.socket.emit('stream', 'r', n, interval, 'm1');
  while (got.m0.length < 10 || got.m1.length < 10) await a.next('tick', WAIT);
  a.socket.io.reconnection(false);
  a.socket.io.engine.close();
  await a.next('disconnect', WAIT);
  await whileAway();
  const m2 = await startMember(fleet.redis, { kind: 'c', args });
  fleet.members.push(m2);
  await fleet.waitSubscribed(fleet.members.length);
  return { a, first, got, m2 };
}

describe('redis fleet: recovery from the stream on a member started after the client left', { skip }, () => {
  let fleet;
  const clients = new Set();
  before(async () => { fleet = await startFleet({ kinds: ['c', 'c'], args: ['--recovery'] }); });
  after(async () => { closeAll(clients); await fleet?.stop(); });
  afterEach(() => closeAll(clients));

  it('recovered there with both members\' ticks, each once, in order; one stream entry per broadcast', async () => {
    const n = 150; // 3 s of ticks: some before the new member subscribes, some after
    const { a, first, got, m2 } = await leaveThenNewMember(fleet, clients, n, 20, ['--recovery']);
    a.socket.io.uri = m2.url;
    a.socket.connect();
    await a.next('connect', WAIT);
    assert.equal(a.socket.recovered, true, 'recovered on the member started after it left');
    assert.equal(a.socket.id, first.id);
    await until(got, n);
    assert.deepEqual(got.m0, [...Array(n).keys()], "member 0's ticks, once, in order");
    assert.deepEqual(got.m1, [...Array(n).keys()], "member 1's ticks, once, in order");
    const [now] = await call(a, 'recovery-state');
    assert.equal(now.recovered, true);
    assert.deepEqual([...now.rooms].sort(), [...first.rooms].sort());
    // three members received each broadcast; only its origin appended it
    assert.equal(Number(await fleet.client.sendCommand(['XLEN', STREAM])), 2 * n,
      'one stream entry per broadcast');
    const seen = a.count('tick'); // a quiet window: nothing comes twice later
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(a.count('tick'), seen, 'no tick after the last');
  });
});

describe('redis fleet: the stream no longer holds what the client missed', { skip }, () => {
  let fleet;
  const clients = new Set();
  // The stream keeps about max_packets entries (MAXLEN ~ trims whole nodes of 100)
  const args = ['--recovery', '--recovery-max-packets', '10'];
  before(async () => { fleet = await startFleet({ kinds: ['c', 'c'], args }); });
  after(async () => { closeAll(clients); await fleet?.stop(); });
  afterEach(() => closeAll(clients));

  it('trimmed past the packets it missed: refused cleanly on the new member, a fresh connection', async () => {
    const n = 600; // 1,200 entries, all while the new member starts: most trimmed
    const { a, first, m2 } = await leaveThenNewMember(fleet, clients, n, 1, args);
    await addedAtLeast(fleet, 2 * n); // both streams over: the 1,200 broadcasts went out
    assert.ok(Number(await fleet.client.sendCommand(['XLEN', STREAM])) < 2 * n, 'trimmed');
    a.socket.io.uri = m2.url;
    a.socket.connect();
    await a.next('connect', WAIT);
    assert.equal(a.socket.recovered, false, 'refused: the stream cannot say what it missed');
    assert.notEqual(a.socket.id, first.id);
    const [now] = await call(a, 'recovery-state');
    assert.equal(now.recovered, false);
    assert.deepEqual(now.rooms, [now.id]);
  });

  // Deleted after broadcasts the client missed, while the members still broadcast: made
  // again by the next XADD, without the numbers that followed the client's marks.
  it('the stream deleted while the client was away: refused cleanly, a fresh connection', async () => {
    const n = 60; // 600 ms of ticks
    const { a, first, m2 } = await leaveThenNewMember(fleet, clients, n, 10, args, async () => {
      await addedAtLeast(fleet, (await addedAtLeast(fleet, 0)) + 6); // missed by the client
      await fleet.client.sendCommand(['DEL', STREAM]);
    });
    a.socket.io.uri = m2.url;
    a.socket.connect();
    await a.next('connect', WAIT);
    assert.equal(a.socket.recovered, false, 'refused: nothing says what it missed');
    assert.notEqual(a.socket.id, first.id);
  });
});

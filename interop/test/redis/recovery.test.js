// Connection state recovery in a fleet (two C sio-echo members with --recovery on a real
// redis-server; docs/redis.md, "Connection state recovery"). What holds today: every member
// keeps the packets it delivers (its own broadcasts and those other members publish) in its
// own log, so a client that comes back to the member it left is recovered with the packets
// the other member broadcast meanwhile, each once and in order. A client that comes back to
// another member presents an offset of a log that member does not have: it is refused
// cleanly and connects fresh (a new id, no rooms, nothing replayed). node's classic
// @socket.io/redis-adapter keeps no session at all (its adapter is not session-aware), so
// under SIO_SERVER=node these tests are skipped.
import { describe, it, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { startFleet, call } from '../../lib/fleet.js';
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

  it('back on another member: refused cleanly, a fresh connection', async () => {
    const { a, b, first, m1 } = await setup();
    b.socket.emit('stream', 'r', 1, 0);
    await a.next('tick', WAIT); // a has an offset of member 0's log
    a.socket.io.uri = m1.url;
    a.socket.io.engine.close();
    await a.next('connect', WAIT);
    await a.next('connect', WAIT);
    assert.equal(a.socket.recovered, false);
    assert.notEqual(a.socket.id, first.id);
    const [now] = await call(a, 'recovery-state');
    assert.equal(now.recovered, false);
    assert.deepEqual(now.rooms, [now.id]);
    assert.equal(a.count('tick'), 0, 'nothing replayed');
  });
});

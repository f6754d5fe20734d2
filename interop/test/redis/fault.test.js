// Faults, with the real thing: redis-server stopped (SIGTERM, waited for) and started again
// on the same port under a running mixed fleet; a member killed; a C member started while
// Redis is not there yet.
//
// What is promised (include/socketio/redis.h, docs/redis.md; node's adapter and node-redis
// behave the same way): while Redis is away a broadcast still reaches the clients of the
// member it was sent on, at once; its publish waits in the member's bounded queue and goes
// out after the reconnection, so the other members get it only if they have subscribed
// again by then (at most once, never to the sender's own clients a second time). A C
// member's requests complete during the outage with its own answers. Once every member has
// subscribed again, broadcasts and requests cross the fleet as before. A member that dies
// leaves the fleet (its Redis connections close, NUMSUB drops): the others go on.
import { describe, it, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import {
  startFleet, startMember, clientsOn, call, eventually, fetchIds, health, FLEET_KINDS,
} from '../../lib/fleet.js';
import { startRedis, waitNumsub } from '../../lib/redis.js';
import { closeAll, connectSioClient } from '../../lib/sio-clients.js';
import { freePort } from '../../lib/eio-server.js';

const N = FLEET_KINDS.length;

/** Subscriber connections with a PSUBSCRIBE (psub=N in CLIENT LIST). */
async function patternSubscribers(client) {
  const list = await client.sendCommand(['CLIENT', 'LIST']);
  return list.split('\n').filter((l) => /\bpsub=[1-9]/.test(l)).length;
}

describe(`redis fleet: redis-server stopped and restarted (${FLEET_KINDS.join(', ')})`, () => {
  let fleet;
  const registry = new Set();
  before(async () => {
    fleet = await startFleet({ args: ['--redis-requests-timeout', '1000'] });
  });
  after(async () => { closeAll(registry); await fleet?.stop(); });
  afterEach(() => closeAll(registry));

  async function marker(sender, clients) {
    sender.socket.emit('fleet-emit', {}, {}, 'marker');
    await Promise.all(clients.map((c) => c.next('marker')));
  }

  it('local delivery goes on while Redis is down; fleet delivery resumes after, at most once', async () => {
    const a = await clientsOn(fleet.members, registry);
    const b = await clientsOn(fleet.members, registry);
    const all = [...a, ...b];
    for (const c of all) await call(c, 'join', 'f');
    await marker(a[0], all);

    await fleet.client.closeQuietly();
    await fleet.redis.stop();

    // every member still delivers to its own clients, at once
    for (let i = 0; i < N; i++) {
      a[i].socket.emit('fleet-emit', {}, {}, 'during', i);
      b[i].socket.emit('to-room', 'f', 'during-room', i);
      for (const c of [a[i], b[i]]) {
        assert.deepEqual(await c.next('during'), [i]);
        assert.deepEqual(await c.next('room-message'), ['during-room', i]);
      }
    }
    // every member's health says Redis is away; a C member's requests complete with its
    // own answer
    for (let i = 0; i < N; i++) {
      await eventually(async () => assert.equal((await health(fleet.members[i])).redis.connected, false));
      if (FLEET_KINDS[i] !== 'c') continue;
      const [, sockets] = await call(a[i], 'fleet-fetch', { rooms: ['f'] });
      assert.deepEqual(sockets.map((s) => s.id).sort(), [a[i].socket.id, b[i].socket.id].sort());
      assert.deepEqual(await call(a[i], 'fleet-count'), [1], 'alone while Redis is away');
    }

    await fleet.redis.start();
    fleet.client = await (await import('../../lib/redis.js')).redisClient(fleet.redis);
    // every member reconnects on its own and subscribes again: requests and patterns
    await fleet.waitSubscribed();
    await eventually(async () => assert.equal(await patternSubscribers(fleet.client), N), 15000);

    // fleet delivery resumes, from every member
    for (let i = 0; i < N; i++) {
      a[i].socket.emit('fleet-emit', {}, {}, 'after', i);
      for (const c of all) assert.deepEqual(await c.next('after'), [i]);
      a[i].socket.emit('to-room', 'f', 'after-room', i);
      for (const c of all) {
        // drop what the queued publishes brought, then this one
        let got;
        do got = await c.next('room-message'); while (got[0] === 'during-room');
        assert.deepEqual(got, ['after-room', i]);
      }
    }
    // the queued publishes went out before the later ones: nothing twice, nothing back home
    for (let i = 0; i < N; i++) await marker(a[i], all);
    for (let i = 0; i < N; i++) {
      for (const c of [a[i], b[i]]) {
        const during = c.queue('during').items.map(([n]) => n);
        assert.equal(new Set(during).size, during.length, `no duplicates: ${during}`);
        assert.ok(!during.includes(i), 'the sender\'s own clients had it once, during the outage');
      }
    }
    // and requests count the whole fleet again; nothing was dropped
    for (let i = 0; i < N; i++) {
      const h = await health(fleet.members[i]);
      assert.equal(h.redis.connected, true);
      if (FLEET_KINDS[i] === 'c') {
        assert.equal(h.redis.publish_dropped, 0);
        assert.equal(h.redis.queued_bytes, 0);
        assert.ok(h.redis.connects >= 2, `reconnected: ${h.redis.connects} connects`);
      }
      assert.deepEqual(await call(a[i], 'fleet-count'), [N]);
      assert.deepEqual(await fetchIds(a[i], { rooms: ['f'] }), all.map((c) => c.socket.id).sort());
    }
  });

  it('a member that dies: the others\' requests and broadcasts go on without it', async () => {
    const dead = N - 1;
    const cs = await clientsOn(fleet.members, registry);
    for (const c of cs) await call(c, 'join', 'd');
    await fleet.members[dead].kill('SIGKILL');
    await waitNumsub(fleet.client, 'socket.io-request#/#', N - 1);
    const alive = cs.slice(0, dead);
    for (const c of alive) {
      assert.deepEqual(await call(c, 'fleet-count'), [N - 1]);
      assert.deepEqual(await fetchIds(c, { rooms: ['d'] }), alive.map((x) => x.socket.id).sort());
      c.socket.emit('to-room', 'd', 'still');
      for (const x of alive) assert.deepEqual(await x.next('room-message'), ['still']);
    }
    fleet.members.splice(dead, 1);
  });

  it('every member and redis-server shut down cleanly on SIGTERM (exit 0)', async () => {
    closeAll(registry);
    await fleet.stop();
  });
});

describe('redis fleet: a C member started before Redis', () => {
  const registry = new Set();
  let redis;
  let members = [];
  after(async () => {
    closeAll(registry);
    for (const m of members) await m.stop().catch(() => {});
    await redis?.stop();
  });

  it('starts anyway and serves its clients, then joins the fleet when Redis comes', async (t) => {
    if (!FLEET_KINDS.includes('c')) {
      t.skip('node\'s reference waits for Redis before it listens');
      return;
    }
    const port = await freePort();
    const url = { url: `redis://127.0.0.1:${port}` };
    const c1 = await startMember(url, { kind: 'c' });
    members.push(c1);
    const x = await connectSioClient(c1, '/', {}, registry);
    x.socket.emit('fleet-emit', {}, {}, 'alone');
    assert.deepEqual(await x.next('alone'), []);
    assert.deepEqual(await call(x, 'fleet-count'), [1]);
    assert.equal((await health(c1)).redis.connected, false, 'health says Redis is away');

    redis = await startRedis({ port });
    const n1 = await startMember(redis, { kind: 'node' });
    members.push(n1);
    const client = await (await import('../../lib/redis.js')).redisClient(redis);
    try {
      await waitNumsub(client, 'socket.io-request#/#', 2, 15000);
    } finally {
      await client.closeQuietly();
    }
    await eventually(async () => assert.equal((await health(c1)).redis.connected, true), 15000);
    const y = await connectSioClient(n1, '/', {}, registry);
    y.socket.emit('fleet-emit', {}, {}, 'together');
    assert.deepEqual(await x.next('together'), []);
    x.socket.emit('fleet-emit', {}, {}, 'back');
    assert.deepEqual(await y.next('back'), []);
  });

  it('both shut down cleanly on SIGTERM (exit 0)', async () => {
    closeAll(registry);
    for (const m of members) await m.stop();
    members = [];
    await redis?.stop();
  });
});

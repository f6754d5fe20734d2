// @socket.io/redis-emitter 5.1.0, from this node process (a backend that is not a
// Socket.IO server), drives the mixed fleet unchanged: emit to everyone, to rooms, except
// rooms, to other namespaces, volatile, binary arguments, socketsJoin / socketsLeave,
// disconnectSockets and serverSideEmit reach the sockets and handlers of C and node members
// alike. The emitter never subscribes, so PUBSUB NUMSUB does not count it.
//
// "Nothing arrives" checks end on a later emit from the same emitter (one Redis
// connection: its messages arrive in order).
import { describe, it, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { Emitter } from '@socket.io/redis-emitter';
import { startFleet, clientsOn, call, eventually, fetchIds, FLEET_KINDS } from '../../lib/fleet.js';
import { redisClient } from '../../lib/redis.js';
import { closeAll, UTF8_TEXT, allBytes, assertBuffer } from '../../lib/sio-clients.js';

const N = FLEET_KINDS.length;

describe(`redis fleet: @socket.io/redis-emitter drives it (${FLEET_KINDS.join(', ')})`, () => {
  let fleet;
  let pub;
  let emitter;
  const registry = new Set();
  before(async () => {
    fleet = await startFleet();
    pub = await redisClient(fleet.redis);
    emitter = new Emitter(pub);
  });
  after(async () => { closeAll(registry); await pub?.closeQuietly(); await fleet?.stop(); });
  afterEach(() => closeAll(registry));

  async function marker(clients, em = emitter) {
    em.emit('marker');
    await Promise.all(clients.map((c) => c.next('marker')));
  }

  it('emit: every client of every member, JSON types and UTF-8 intact', async () => {
    const cs = await clientsOn(fleet.members, registry);
    const payload = { s: UTF8_TEXT, n: 42, f: -0.5, a: [1, null, true], o: {} };
    emitter.emit('news', payload, 'two');
    for (const c of cs) assert.deepEqual(await c.next('news'), [payload, 'two']);
  });

  it('emit with binary arguments: Buffers at any depth', async () => {
    const cs = await clientsOn(fleet.members, registry);
    emitter.emit('bin', allBytes(), { deep: [Buffer.from([0, 1, 2])] });
    for (const c of cs) {
      const [b, o] = await c.next('bin');
      assertBuffer(b, allBytes());
      assertBuffer(o.deep[0], Buffer.from([0, 1, 2]), 'nested');
    }
  });

  it('to(room) and to(several rooms): room members of every member, once each', async () => {
    const ins = await clientsOn(fleet.members, registry);
    const outs = await clientsOn(fleet.members, registry);
    for (const c of ins) await call(c, 'join', 'e1');
    await call(ins[0], 'join', 'e2');
    emitter.to('e1').emit('room-news', 1);
    for (const c of ins) assert.deepEqual(await c.next('room-news'), [1]);
    emitter.to(['e1', 'e2']).emit('multi', 2);
    for (const c of ins) assert.deepEqual(await c.next('multi'), [2]);
    await marker([...ins, ...outs]);
    for (const c of outs) assert.equal(c.count('room-news') + c.count('multi'), 0);
    for (const c of ins) assert.equal(c.count('multi'), 0, 'once per socket');
  });

  it('except(room): every socket but those in the room', async () => {
    const ins = await clientsOn(fleet.members, registry);
    const outs = await clientsOn(fleet.members, registry);
    for (const c of outs) await call(c, 'join', 'skip');
    emitter.except('skip').emit('not-skipped');
    for (const c of ins) await c.next('not-skipped');
    emitter.to('nobody-here').except('skip').emit('nobody');
    await marker([...ins, ...outs]);
    for (const c of outs) assert.equal(c.count('not-skipped'), 0);
    for (const c of [...ins, ...outs]) assert.equal(c.count('nobody'), 0);
  });

  it('of(/custom): that namespace\'s clients only', async () => {
    const root = await clientsOn(fleet.members, registry, '/');
    const custom = await clientsOn(fleet.members, registry, '/custom');
    const ce = emitter.of('/custom');
    ce.emit('ns-news', '/custom');
    for (const c of custom) assert.deepEqual(await c.next('ns-news'), ['/custom']);
    await marker(root);
    for (const c of root) assert.equal(c.count('ns-news'), 0, 'no leak into /');
  });

  it('volatile: delivered to connected clients of every member', async () => {
    const cs = await clientsOn(fleet.members, registry);
    emitter.volatile.emit('vol', 'v');
    for (const c of cs) assert.deepEqual(await c.next('vol'), ['v']);
  });

  it('socketsJoin and socketsLeave: every member applies them', async () => {
    const cs = await clientsOn(fleet.members, registry);
    const others = await clientsOn(fleet.members, registry);
    for (const c of cs) await call(c, 'join', 'ej');
    const want = cs.map((c) => c.socket.id).sort();
    emitter.in('ej').socketsJoin('ej-joined');
    await eventually(async () => assert.deepEqual(await fetchIds(others[0], { rooms: ['ej-joined'] }), want));
    emitter.to('ej-joined').emit('joined-news');
    for (const c of cs) await c.next('joined-news');
    emitter.in('ej').except(cs[N - 1].socket.id).socketsLeave('ej-joined');
    await eventually(async () => assert.deepEqual(
      await fetchIds(others[N - 1], { rooms: ['ej-joined'] }), [cs[N - 1].socket.id]));
  });

  it('disconnectSockets: every member disconnects the selected sockets', async () => {
    const kick = await clientsOn(fleet.members, registry);
    const stay = await clientsOn(fleet.members, registry);
    for (const c of kick) await call(c, 'join', 'ekick');
    emitter.in('ekick').disconnectSockets();
    for (const c of kick) assert.equal((await c.next('disconnect'))[0], 'io server disconnect');
    await marker(stay);
    for (const c of stay) assert.equal(c.socket.connected, true);
  });

  it('serverSideEmit: every member\'s handler runs (the emitter is no member)', async () => {
    const cs = await clientsOn(fleet.members, registry);
    emitter.serverSideEmit('ping-server', 'from-emitter', { n: 1 });
    for (let i = 0; i < N; i++) {
      assert.deepEqual(await cs[i].next('server-event'),
        ['ping-server', { port: fleet.members[i].port, kind: FLEET_KINDS[i] }, 'from-emitter', { n: 1 }]);
    }
    // the emitter is not counted as a server
    assert.deepEqual(await call(cs[0], 'fleet-count'), [N]);
  });

  it('the key option: an emitter with another key reaches a fleet on that key only', async () => {
    const cs = await clientsOn(fleet.members, registry);
    const other = new Emitter(pub, { key: 'another-app' });
    other.emit('wrong-key');
    await marker(cs);
    for (const c of cs) assert.equal(c.count('wrong-key'), 0);
  });

  it('every member and redis-server shut down cleanly on SIGTERM (exit 0)', async () => {
    closeAll(registry);
    await pub.closeQuietly();
    await fleet.stop();
  });
});

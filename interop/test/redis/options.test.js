// The Redis adapter's options in a mixed fleet (two C members, one node member; all node
// under SIO_SERVER=node), each on its own redis-server:
// - `key`: a fleet on another channel prefix works as one, and is deaf to the default key;
// - publishOnSpecificResponseChannel, on some members and not others: every request still
//   completes with every answer, and members with it answer on the requester's own channel;
// - room subscriptions on the C members (SUBSCRIBE per room instead of PSUBSCRIBE key#nsp#*)
//   mixed with node's pattern: rooms still cross both ways, including rooms joined by a
//   remote socketsJoin, and a C member subscribes to a room's channel only while it has a
//   socket in it;
// - a member that never answers (a raw Redis client subscribed to the request channel, as a
//   hung or incompatible server): NUMSUB counts it, and requests end at requestsTimeout
//   with the answers of the others (node's fetchSockets and allRooms reject instead: its
//   documented behaviour).
import { describe, it, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { Emitter } from '@socket.io/redis-emitter';
import {
  startFleet, clientsOn, call, eventually, fetchIds, health, FLEET_KINDS,
} from '../../lib/fleet.js';
import { redisClient, numsub } from '../../lib/redis.js';
import { closeAll } from '../../lib/sio-clients.js';

const N = FLEET_KINDS.length;

async function marker(sender, clients) {
  sender.socket.emit('fleet-emit', {}, {}, 'marker');
  await Promise.all(clients.map((c) => c.next('marker')));
}

describe(`redis fleet: the key option (${FLEET_KINDS.join(', ')})`, () => {
  let fleet;
  let pub;
  const registry = new Set();
  before(async () => {
    fleet = await startFleet({ args: ['--redis-key', 'myapp'], key: 'myapp' });
    pub = await redisClient(fleet.redis);
  });
  after(async () => { closeAll(registry); await pub?.closeQuietly(); await fleet?.stop(); });
  afterEach(() => closeAll(registry));

  it('members subscribe on myapp-request#/# and count each other', async () => {
    assert.equal(await numsub(fleet.client, 'myapp-request#/#'), N);
    assert.equal(await numsub(fleet.client, 'socket.io-request#/#'), 0);
    const cs = await clientsOn(fleet.members, registry);
    for (const c of cs) assert.deepEqual(await call(c, 'fleet-count'), [N]);
  });

  it('broadcasts and requests cross the fleet on the key', async () => {
    const cs = await clientsOn(fleet.members, registry);
    for (const c of cs) await call(c, 'join', 'k');
    for (let from = 0; from < N; from++) {
      cs[from].socket.emit('to-room', 'k', from);
      for (const c of cs) assert.deepEqual(await c.next('room-message'), [from]);
      assert.equal((await fetchIds(cs[from], { rooms: ['k'] })).length, N);
    }
  });

  it('an emitter on the key reaches the fleet; one on the default key does not', async () => {
    const cs = await clientsOn(fleet.members, registry);
    new Emitter(pub).emit('default-key');
    new Emitter(pub, { key: 'myapp' }).emit('marker');
    for (const c of cs) await c.next('marker');
    for (const c of cs) assert.equal(c.count('default-key'), 0);
  });

  it('every member and redis-server shut down cleanly on SIGTERM (exit 0)', async () => {
    closeAll(registry);
    await pub.closeQuietly();
    await fleet.stop();
  });
});

describe(`redis fleet: publishOnSpecificResponseChannel on some members (${FLEET_KINDS.join(', ')})`, () => {
  let fleet;
  let sub;
  const shared = [];
  const registry = new Set();
  const SPECIFIC = '--redis-specific-response-channel';
  before(async () => {
    // members 0 and 2 answer on the requester's channel, member 1 on the shared one
    fleet = await startFleet({ args: [[SPECIFIC], [], [SPECIFIC]] });
    sub = await redisClient(fleet.redis);
    await sub.subscribe('socket.io-response#/#', (msg) => shared.push(msg));
  });
  after(async () => { closeAll(registry); await sub?.closeQuietly(); await fleet?.stop(); });
  afterEach(() => closeAll(registry));

  it('every request type completes with every member\'s answer, asked from each member', async () => {
    const cs = await clientsOn(fleet.members, registry);
    for (const c of cs) {
      await call(c, 'join', 'sp');
      c.socket.on('question', (q, cb) => cb(c.socket.id));
    }
    const ids = cs.map((c) => c.socket.id).sort();
    for (let from = 0; from < N; from++) {
      assert.deepEqual(await fetchIds(cs[from], { rooms: ['sp'] }), ids);
      const [err, rooms] = await call(cs[from], 'fleet-rooms');
      assert.equal(err, null);
      assert.ok(rooms.includes('sp'));
      const [err2, answers] = await call(cs[from], 'fleet-server-emit', 'ping-server', true);
      assert.equal(err2, null);
      assert.equal(answers.length, N - 1);
      const [err3, acks] = await call(cs[from], 'fleet-broadcast-ack', { rooms: ['sp'] }, 3000, 'q');
      assert.equal(err3, null);
      assert.deepEqual([...acks].sort(), ids);
    }
  });

  it('fetchSockets answers of members with the option never use the shared response channel', async () => {
    const cs = await clientsOn(fleet.members, registry);
    for (const c of cs) await call(c, 'join', 'sp2');
    shared.length = 0;
    await fetchIds(cs[1], { rooms: ['sp2'] });
    // a message of ours on the channel, after every answer was published
    await pub(fleet.client, 'socket.io-response#/#', 'end');
    await eventually(async () => assert.ok(shared.includes('end')));
    const answers = shared.filter((m) => m !== 'end').map((m) => JSON.parse(m));
    assert.equal(answers.filter((a) => Array.isArray(a.sockets)).length, 0,
      `answers on the shared channel: ${JSON.stringify(answers).slice(0, 300)}`);
  });

  it('every member and redis-server shut down cleanly on SIGTERM (exit 0)', async () => {
    closeAll(registry);
    await sub.closeQuietly();
    await fleet.stop();
  });
});

async function pub(client, channel, msg) {
  await client.publish(channel, msg);
}

describe(`redis fleet: room subscriptions on the C members (${FLEET_KINDS.join(', ')})`, () => {
  let fleet;
  const registry = new Set();
  const C_MEMBERS = FLEET_KINDS.map((k, i) => (k === 'c' ? i : -1)).filter((i) => i >= 0);
  before(async () => {
    fleet = await startFleet({ args: ['--redis-room-subscriptions'] });
  });
  after(async () => { closeAll(registry); await fleet?.stop(); });
  afterEach(() => closeAll(registry));

  const roomChannels = async () => (await fleet.client.pubSubChannels('socket.io#/#*')).sort();

  it('a C member receives only the broadcasts of its own rooms (node members get them all)', async () => {
    const cs = await clientsOn(fleet.members, registry);
    const n = FLEET_KINDS.indexOf('node');
    await call(cs[n], 'join', 'node-only');
    const before = await Promise.all(C_MEMBERS.map((i) => health(fleet.members[i])));
    const K = 20;
    for (let k = 0; k < K; k++) cs[n].socket.emit('to-room', 'node-only', k);
    await marker(cs[n], cs);
    assert.equal(cs[n].count('room-message'), K);
    for (let j = 0; j < C_MEMBERS.length; j++) {
      const after = await health(fleet.members[C_MEMBERS[j]]);
      // the marker (namespace channel) arrived; none of the room's K messages did
      assert.equal(after.redis.received - before[j].redis.received, 1,
        `member ${C_MEMBERS[j]} received ${after.redis.received - before[j].redis.received} messages`);
    }
  });

  it('rooms cross both ways between room-subscribing C members and node', async () => {
    const cs = await clientsOn(fleet.members, registry);
    const outs = await clientsOn(fleet.members, registry);
    for (const c of cs) await call(c, 'join', 'rs');
    for (let from = 0; from < N; from++) {
      outs[from].socket.emit('to-room', 'rs', 'to-rs', from);
      for (const c of cs) assert.deepEqual(await c.next('room-message'), ['to-rs', from]);
      outs[from].socket.emit('fleet-emit', {}, {}, 'to-all', from);
      for (const c of [...cs, ...outs]) assert.deepEqual(await c.next('to-all'), [from]);
      outs[from].socket.emit('to-room-except', 'rs', cs[0].socket.id, 'except', from);
      for (const c of cs.slice(1)) assert.deepEqual(await c.next('room-message'), ['except', from]);
    }
    await marker(outs[0], [...cs, ...outs]);
    for (const c of outs) assert.equal(c.count('room-message'), 0);
    assert.equal(cs[0].count('room-message'), 0);
  });

  it('a C member subscribes to a room\'s channel while it has a socket in it', async () => {
    if (C_MEMBERS.length === 0) return; // an all-node fleet has no such member
    const cs = await clientsOn(fleet.members, registry);
    const i = C_MEMBERS[0];
    assert.ok(!(await roomChannels()).includes('socket.io#/#solo#'));
    await call(cs[i], 'join', 'solo');
    await eventually(async () => assert.ok((await roomChannels()).includes('socket.io#/#solo#')));
    await call(cs[i], 'leave', 'solo');
    await eventually(async () => assert.ok(!(await roomChannels()).includes('socket.io#/#solo#')));
    await call(cs[i], 'join', 'solo');
    await eventually(async () => assert.ok((await roomChannels()).includes('socket.io#/#solo#')));
    cs[i].socket.disconnect();
    await eventually(async () => assert.ok(!(await roomChannels()).includes('socket.io#/#solo#')),
      5000);
  });

  it('a room joined by a remote socketsJoin receives the room\'s broadcasts', async () => {
    const cs = await clientsOn(fleet.members, registry);
    for (const c of cs) await call(c, 'join', 'pre');
    for (let from = 0; from < N; from++) {
      const room = `remote-${from}`;
      await call(cs[from], 'fleet-join', { rooms: ['pre'] }, room);
      const want = cs.map((c) => c.socket.id).sort();
      await eventually(async () => assert.deepEqual(await fetchIds(cs[from], { rooms: [room] }), want));
      // a C member subscribes after the join: wait for its channel before sending
      if (C_MEMBERS.length) {
        await eventually(async () => assert.ok((await roomChannels()).includes(`socket.io#/#${room}#`)));
      }
      for (let s = 0; s < N; s++) {
        cs[s].socket.emit('to-room', room, room, s);
        for (const c of cs) assert.deepEqual(await c.next('room-message'), [room, s]);
      }
    }
  });

  it('every member and redis-server shut down cleanly on SIGTERM (exit 0)', async () => {
    closeAll(registry);
    await fleet.stop();
  });
});

describe(`redis fleet: a member that never answers (${FLEET_KINDS.join(', ')})`, () => {
  let fleet;
  let mute;
  const registry = new Set();
  const TIMEOUT = 1000;
  before(async () => {
    fleet = await startFleet({ args: ['--redis-requests-timeout', String(TIMEOUT)] });
    mute = await redisClient(fleet.redis);
    await mute.subscribe('socket.io-request#/#', () => {});
  });
  after(async () => { closeAll(registry); await mute?.closeQuietly(); await fleet?.stop(); });
  afterEach(() => closeAll(registry));

  it(`NUMSUB counts it: serverCount is ${N + 1}`, async () => {
    const cs = await clientsOn(fleet.members, registry);
    for (const c of cs) assert.deepEqual(await call(c, 'fleet-count'), [N + 1]);
  });

  for (let from = 0; from < N; from++) {
    const kind = FLEET_KINDS[from];
    it(`requests from member ${from} (${kind}) end at requestsTimeout with the others' answers`, async () => {
      const cs = await clientsOn(fleet.members, registry);
      for (const c of cs) {
        await call(c, 'join', 'silent');
        c.socket.on('question', (q, cb) => cb(c.socket.id));
      }
      const ids = cs.map((c) => c.socket.id).sort();
      const t0 = Date.now();
      const [err, sockets] = await call(cs[from], 'fleet-fetch', { rooms: ['silent'] });
      const took = Date.now() - t0;
      assert.notEqual(err, null, 'the request timed out');
      assert.ok(took >= TIMEOUT - 50 && took < TIMEOUT + 2000, `ended after ${took} ms`);
      if (kind === 'c') {
        assert.deepEqual(sockets.map((s) => s.id).sort(), ids, 'the answers that came');
      } else {
        assert.deepEqual(sockets, [], 'node\'s fetchSockets rejects at its timeout');
      }
      const [err2, rooms] = await call(cs[from], 'fleet-rooms');
      assert.notEqual(err2, null);
      if (kind === 'c') assert.ok(rooms.includes('silent'));
      const [err3, answers] = await call(cs[from], 'fleet-server-emit', 'ping-server', true);
      assert.notEqual(err3, null);
      assert.equal(answers.length, N - 1, 'one answer per answering member');
      const [err4, acks] = await call(cs[from], 'fleet-broadcast-ack', { rooms: ['silent'] }, TIMEOUT, 'q');
      assert.notEqual(err4, null);
      assert.deepEqual([...acks].sort(), ids);
    });
  }

  it('every member and redis-server shut down cleanly on SIGTERM (exit 0)', async () => {
    closeAll(registry);
    await mute.closeQuietly();
    await fleet.stop();
  });
});

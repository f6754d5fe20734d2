// A mixed fleet (two C members, one node member; all node under SIO_SERVER=node) on a real
// redis-server: every request type of node's Redis adapter, asked from each member in turn
// so both directions are crossed, answered by every member with node's reply shapes:
// serverCount, allRooms, fetchSockets (ids, rooms, socket.data, handshake auth and query),
// socketsJoin / socketsLeave, disconnectSockets, serverSideEmit with and without acks, and
// broadcasts with acks across the fleet.
//
// socketsJoin, socketsLeave and disconnectSockets publish a request and return: no answer
// says when the other members have applied them, so the tests look (fetchSockets) until
// they have, within a bounded time (eventually()), or wait for the clients' own events.
import { describe, it, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import {
  startFleet, clientsOn, call, eventually, fetchIds, FLEET_KINDS,
} from '../../lib/fleet.js';
import {
  closeAll, connectSioClient, QUIET_MS, allBytes, assertBuffer,
} from '../../lib/sio-clients.js';

const N = FLEET_KINDS.length;

describe(`redis fleet: requests (${FLEET_KINDS.join(', ')})`, () => {
  let fleet;
  const registry = new Set();
  let ports;
  before(async () => {
    fleet = await startFleet({ args: ['--redis-requests-timeout', '3000'] });
    ports = fleet.members.map((m) => m.port);
  });
  after(async () => { closeAll(registry); await fleet?.stop(); });
  afterEach(() => closeAll(registry));

  it('whoami: each member says which it is', async () => {
    const cs = await clientsOn(fleet.members, registry);
    for (let i = 0; i < N; i++) {
      assert.deepEqual(await call(cs[i], 'whoami'), [{ port: ports[i], kind: FLEET_KINDS[i] }]);
    }
  });

  it(`serverCount: every member counts ${N} servers, in / and /custom`, async () => {
    for (const nsp of ['/', '/custom']) {
      const cs = await clientsOn(fleet.members, registry, nsp);
      for (const c of cs) assert.deepEqual(await call(c, 'fleet-count'), [N]);
    }
  });

  it('allRooms: the union of every member\'s rooms and socket ids, asked from each member', async () => {
    const cs = await clientsOn(fleet.members, registry);
    for (let i = 0; i < N; i++) {
      await call(cs[i], 'join', `all-${i}`);
      await call(cs[i], 'join', 'all-shared');
    }
    const want = ['all-shared', ...cs.map((_, i) => `all-${i}`)].sort();
    for (const c of cs) {
      const [err, rooms] = await call(c, 'fleet-rooms');
      assert.equal(err, null);
      assert.deepEqual(rooms.filter((r) => r.startsWith('all-')).sort(), want);
      // each socket's own room, named by its id, as node's adapter lists it
      for (const o of cs) assert.ok(rooms.includes(o.socket.id), `${o.socket.id} in allRooms`);
    }
  });

  // Clients with auth, query, rooms and socket.data on every member, and a bystander each.
  async function fetchable() {
    const cs = [];
    for (let i = 0; i < N; i++) {
      cs.push(await connectSioClient(fleet.members[i], '/', {
        auth: { user: `u${i}` }, query: { custom: `q${i}` },
      }, registry));
    }
    for (let i = 0; i < N; i++) {
      await call(cs[i], 'join', 'fetch');
      await call(cs[i], 'join', `only-${i}`);
      await call(cs[i], 'set-data', { name: `m${i}`, n: i, list: [i, 'x'] });
    }
    const bystander = await clientsOn(fleet.members, registry);
    return { cs, bystander };
  }

  // member `from`'s fetch of the room, by socket id
  async function fetchFrom(bystander, from) {
    const [err, sockets] = await call(bystander[from], 'fleet-fetch', { rooms: ['fetch'] });
    assert.equal(err, null, `from member ${from}`);
    assert.equal(sockets.length, N, `from member ${from}: one socket per member`);
    return new Map(sockets.map((s) => [s.id, s]));
  }

  it('fetchSockets: ids, rooms and the handshake (auth, query) of every member\'s sockets', async () => {
    const { cs, bystander } = await fetchable();
    for (let from = 0; from < N; from++) {
      const byId = await fetchFrom(bystander, from);
      for (let i = 0; i < N; i++) {
        const s = byId.get(cs[i].socket.id);
        const what = `member ${from} fetching member ${i}'s socket`;
        assert.ok(s, `${what}: missing`);
        assert.deepEqual([...s.rooms].sort(), [cs[i].socket.id, 'fetch', `only-${i}`].sort(), `${what}: rooms`);
        assert.deepEqual(s.handshake?.auth, { user: `u${i}` }, `${what}: handshake.auth`);
        assert.equal(s.handshake?.query?.custom, `q${i}`, `${what}: handshake.query`);
      }
    }
  });

  it('fetchSockets: socket.data set on any member is seen from every member', async () => {
    const { cs, bystander } = await fetchable();
    for (let from = 0; from < N; from++) {
      const byId = await fetchFrom(bystander, from);
      for (let i = 0; i < N; i++) {
        assert.deepEqual(byId.get(cs[i].socket.id)?.data, { name: `m${i}`, n: i, list: [i, 'x'] },
          `member ${from} fetching member ${i} (${FLEET_KINDS[i]})'s socket.data`);
      }
    }
  });

  it('fetchSockets with except and with several rooms, from each member', async () => {
    const cs = await clientsOn(fleet.members, registry);
    const ds = await clientsOn(fleet.members, registry);
    for (const c of [...cs, ...ds]) await call(c, 'join', 'fx');
    for (const c of ds) await call(c, 'join', 'fx-out');
    await call(cs[0], 'join', 'fy');
    const want = cs.map((c) => c.socket.id).sort();
    for (let from = 0; from < N; from++) {
      assert.deepEqual(await fetchIds(cs[from], { rooms: ['fx'], except: ['fx-out'] }), want);
      assert.deepEqual(await fetchIds(ds[from], { rooms: ['fy', 'fx-out'] }),
        [cs[0].socket.id, ...ds.map((c) => c.socket.id)].sort());
    }
  });

  for (let from = 0; from < N; from++) {
    it(`socketsJoin and socketsLeave from member ${from} (${FLEET_KINDS[from]}) act on every member`, async () => {
      const cs = await clientsOn(fleet.members, registry);
      const others = await clientsOn(fleet.members, registry);
      for (const c of cs) await call(c, 'join', 'sel');
      const want = cs.map((c) => c.socket.id).sort();
      const room = `joined-${from}`;
      await call(others[from], 'fleet-join', { rooms: ['sel'] }, room);
      await eventually(async () => assert.deepEqual(await fetchIds(others[from], { rooms: [room] }), want));
      // and the room is a real one: a broadcast to it reaches exactly those sockets
      others[(from + 1) % N].socket.emit('to-room', room, 'after-join');
      for (const c of cs) assert.deepEqual(await c.next('room-message'), ['after-join']);
      await call(others[from], 'fleet-leave', { rooms: ['sel'], except: [cs[0].socket.id] }, room);
      await eventually(async () => assert.deepEqual(
        await fetchIds(others[from], { rooms: [room] }), [cs[0].socket.id]));
      for (const c of others) assert.equal(c.count('room-message'), 0);
    });

    it(`disconnectSockets from member ${from} (${FLEET_KINDS[from]}) disconnects on every member`, async () => {
      const kick = await clientsOn(fleet.members, registry);
      const stay = await clientsOn(fleet.members, registry);
      for (const c of kick) await call(c, 'join', 'kick');
      await call(stay[from], 'fleet-disconnect', { rooms: ['kick'] }, false);
      for (const c of kick) {
        const [reason] = await c.next('disconnect');
        assert.equal(reason, 'io server disconnect');
      }
      // close=true ends the whole connection: the client sees its transport close
      await call(stay[from], 'fleet-disconnect', { except: [stay[from].socket.id] }, true);
      for (const c of stay.filter((_, i) => i !== from)) {
        const [reason] = await c.next('disconnect');
        assert.ok(reason === 'io server disconnect' || reason === 'transport close', reason);
      }
      assert.equal(stay[from].socket.connected, true, 'the except socket stays');
    });

    it(`serverSideEmit from member ${from} (${FLEET_KINDS[from]}): the other members' handlers, not its own`, async () => {
      const cs = await clientsOn(fleet.members, registry);
      await call(cs[from], 'fleet-server-emit', 'ping-server', false, 'hi', { n: from });
      for (let i = 0; i < N; i++) {
        if (i === from) continue;
        assert.deepEqual(await cs[i].next('server-event'),
          ['ping-server', { port: ports[i], kind: FLEET_KINDS[i] }, 'hi', { n: from }]);
      }
      // with an ack: one answer per other member
      const [err, answers] = await call(cs[from], 'fleet-server-emit', 'ping-server', true, 'ack?');
      assert.equal(err, null);
      assert.deepEqual(answers.map((a) => a.port).sort(), ports.filter((_, i) => i !== from).sort());
      for (let i = 0; i < N; i++) {
        if (i !== from) assert.equal((await cs[i].next('server-event'))[2], 'ack?');
      }
      await cs[from].quiet('server-event', QUIET_MS);
    });

    it(`broadcast with acks from member ${from} (${FLEET_KINDS[from]}): every client's answer`, async () => {
      const cs = await clientsOn(fleet.members, registry);
      const out = await clientsOn(fleet.members, registry);
      for (const c of [...cs, ...out]) {
        c.socket.on('question', (q, cb) => cb({ id: c.socket.id, q }));
      }
      for (const c of cs) await call(c, 'join', 'asked');
      const [err, answers] = await call(out[from], 'fleet-broadcast-ack', { rooms: ['asked'] }, 3000, 'q?');
      assert.equal(err, null);
      assert.deepEqual(answers.map((a) => a.id).sort(), cs.map((c) => c.socket.id).sort());
      for (const a of answers) assert.equal(a.q, 'q?');
      // a client that never answers: the others' answers and the timeout
      const mute = await connectSioClient(fleet.members[(from + 1) % N], '/', {}, registry);
      await call(mute, 'join', 'asked');
      const [err2, answers2] = await call(out[from], 'fleet-broadcast-ack', { rooms: ['asked'] }, 500, 'q2');
      assert.equal(err2, 'operation has timed out');
      assert.deepEqual(answers2.map((a) => a.id).sort(), cs.map((c) => c.socket.id).sort());
    });
  }

  it('binary across requests: broadcast-ack questions and answers, serverSideEmit as JSON', async () => {
    const cs = await clientsOn(fleet.members, registry);
    for (const c of cs) {
      await call(c, 'join', 'bin-ask');
      c.socket.on('question', (q, cb) => cb({ id: c.socket.id, echo: q, bytes: Buffer.from(c.socket.id) }));
    }
    const blob = allBytes();
    for (let from = 0; from < N; from++) {
      // serverSideEmit travels as JSON (node's adapter: JSON.stringify): a Buffer arrives in
      // its JSON form, {type: "Buffer", data: [bytes]}, whichever members send and receive
      await call(cs[from], 'fleet-server-emit', 'ping-server', false, blob, { nested: [Buffer.from('n')] });
      for (let i = 0; i < N; i++) {
        if (i === from) continue;
        const [, , b, o] = await cs[i].next('server-event');
        assert.deepEqual(b, blob.toJSON(), `member ${i} from ${from}`);
        assert.deepEqual(o.nested[0], Buffer.from('n').toJSON(), 'nested');
      }
      const [err, answers] = await call(cs[from], 'fleet-broadcast-ack', { rooms: ['bin-ask'] }, 3000, blob);
      assert.equal(err, null);
      assert.equal(answers.length, N);
      for (const a of answers) {
        assertBuffer(a.echo, blob, 'the question\'s binary, through the fleet and back');
        assertBuffer(a.bytes, Buffer.from(a.id), 'the answer\'s binary');
      }
    }
  });

  it('every member and redis-server shut down cleanly on SIGTERM (exit 0)', async () => {
    closeAll(registry);
    await fleet.stop();
  });
});

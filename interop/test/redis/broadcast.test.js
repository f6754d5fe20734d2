// A mixed fleet (two C sio-echo members with the Redis adapter, one node sio-echo with
// @socket.io/redis-adapter 8.3.0; all node under SIO_SERVER=node) on a real redis-server:
// every broadcast form, sent from each member in turn so every direction (C -> C, C -> node,
// node -> C) is crossed, reaches exactly the sockets node's adapter would reach on every
// member, with the arguments intact (JSON types, UTF-8, binary at any depth).
//
// "Nothing arrives" checks wait for a later message that proves delivery instead of a
// fixed window: each member publishes through one Redis connection and receives through
// one, and Redis keeps a connection's messages in order, so once a marker sent after a
// broadcast has arrived, the broadcast would have too.
import { describe, it, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { startFleet, clientsOn, call, FLEET_KINDS } from '../../lib/fleet.js';
import { closeAll, UTF8_TEXT, allBytes, assertBuffer } from '../../lib/sio-clients.js';

const PAYLOAD = { n: 1, f: 1.5, neg: -7, big: 2 ** 40, s: UTF8_TEXT, a: [null, true, false, 'x'], o: { k: {} } };

describe(`redis fleet: broadcasts (${FLEET_KINDS.join(', ')})`, () => {
  let fleet;
  const registry = new Set();
  before(async () => { fleet = await startFleet(); });
  after(async () => { closeAll(registry); await fleet?.stop(); });
  afterEach(() => closeAll(registry));

  // Two clients per member: [member 0: a, b, member 1: a, b, ...]
  async function twoEach(nsp = '/') {
    const a = await clientsOn(fleet.members, registry, nsp);
    const b = await clientsOn(fleet.members, registry, nsp);
    return { a, b, all: [...a, ...b] };
  }

  // Send a marker to everyone from member `from`'s client and wait for it on every client:
  // every earlier broadcast from that member has been delivered by then.
  async function marker(sender, clients) {
    sender.socket.emit('fleet-emit', {}, {}, 'marker');
    await Promise.all(clients.map((c) => c.next('marker')));
  }

  for (let from = 0; from < FLEET_KINDS.length; from++) {
    const kind = FLEET_KINDS[from];
    it(`to all, from member ${from} (${kind}): every client of every member, the sender included`, async () => {
      const { all, a } = await twoEach();
      a[from].socket.emit('fleet-emit', {}, {}, 'ev', PAYLOAD, 'two');
      for (const c of all) assert.deepEqual(await c.next('ev'), [PAYLOAD, 'two']);
    });

    it(`to one room, from member ${from} (${kind}): room members on every member, no one else`, async () => {
      const { a, b, all } = await twoEach();
      for (const c of a) await call(c, 'join', 'r1');
      b[from].socket.emit('to-room', 'r1', 'hello', PAYLOAD);
      for (const c of a) assert.deepEqual(await c.next('room-message'), ['hello', PAYLOAD]);
      await marker(b[from], all);
      for (const c of b) assert.equal(c.count('room-message'), 0);
    });

    it(`to several rooms, from member ${from} (${kind}): once per socket, in any of them`, async () => {
      const { a, b, all } = await twoEach();
      for (const c of a) { await call(c, 'join', 'r1'); await call(c, 'join', 'r2'); }
      for (const c of b) await call(c, 'join', 'r2');
      const [c0] = await clientsOn([fleet.members[from]], registry);
      c0.socket.emit('fleet-emit', { rooms: ['r1', 'r2', 'r3'] }, {}, 'multi', 1);
      for (const c of all) assert.deepEqual(await c.next('multi'), [1]);
      await marker(c0, [...all, c0]);
      for (const c of all) assert.equal(c.count('multi'), 0, 'delivered once');
      assert.equal(c0.count('multi'), 0, 'not in those rooms');
    });

    it(`except, from member ${from} (${kind}): sockets in an except room are skipped everywhere`, async () => {
      const { a, b, all } = await twoEach();
      for (const c of all) await call(c, 'join', 'r1');
      for (const c of b) await call(c, 'join', 'vip');
      a[from].socket.emit('to-room-except', 'r1', 'vip', 'not-vip');
      for (const c of a) assert.deepEqual(await c.next('room-message'), ['not-vip']);
      // the same with several rooms and no room selector: to all but two except rooms
      a[from].socket.emit('fleet-emit', { except: ['vip', 'nobody'] }, {}, 'all-but');
      for (const c of a) assert.deepEqual(await c.next('all-but'), []);
      await marker(a[from], all);
      for (const c of b) {
        assert.equal(c.count('room-message'), 0);
        assert.equal(c.count('all-but'), 0);
      }
    });

    it(`socket.broadcast, from member ${from} (${kind}): everyone but the sender`, async () => {
      const { a, b, all } = await twoEach();
      a[from].socket.emit('broadcast', 'from-one', PAYLOAD);
      const others = all.filter((c) => c !== a[from]);
      for (const c of others) assert.deepEqual(await c.next('broadcast'), ['from-one', PAYLOAD]);
      await marker(b[from], all);
      assert.equal(a[from].count('broadcast'), 0, 'the sender is skipped');
    });

    it(`binary arguments, from member ${from} (${kind}): Buffers at any depth arrive as Buffers`, async () => {
      const { all, a } = await twoEach();
      const bytes = allBytes();
      a[from].socket.emit('fleet-emit', {}, {}, 'bin', bytes, { nested: [Buffer.from('xyz'), 'text'] }, 3);
      for (const c of all) {
        const [got, obj, n] = await c.next('bin');
        assertBuffer(got, bytes);
        assertBuffer(obj.nested[0], Buffer.from('xyz'), 'nested');
        assert.equal(obj.nested[1], 'text');
        assert.equal(n, 3);
      }
    });

    it(`volatile, from member ${from} (${kind}): reaches connected clients of every member`, async () => {
      const { all, a } = await twoEach();
      a[from].socket.emit('fleet-emit', { rooms: [] }, { volatile: true }, 'vol', 'v');
      for (const c of all) assert.deepEqual(await c.next('vol'), ['v']);
    });

    it(`local, from member ${from} (${kind}): this member's clients only`, async () => {
      const { a, b, all } = await twoEach();
      a[from].socket.emit('fleet-emit', {}, { local: true }, 'loc', 'here');
      assert.deepEqual(await a[from].next('loc'), ['here']);
      assert.deepEqual(await b[from].next('loc'), ['here']);
      await marker(a[from], all);
      all.filter((c) => c !== a[from] && c !== b[from])
        .forEach((c) => assert.equal(c.count('loc'), 0, 'local does not cross Redis'));
    });

    it(`other namespaces, from member ${from} (${kind}): a broadcast on / does not reach /custom`, async () => {
      const root = await clientsOn(fleet.members, registry, '/');
      const custom = await clientsOn(fleet.members, registry, '/custom');
      root[from].socket.emit('fleet-emit', {}, {}, 'ns', '/');
      custom[from].socket.emit('fleet-emit', {}, {}, 'ns', '/custom');
      for (const c of root) assert.deepEqual(await c.next('ns'), ['/']);
      for (const c of custom) assert.deepEqual(await c.next('ns'), ['/custom']);
      // each namespace's second message proves the other's first would have arrived
      root[from].socket.emit('fleet-emit', {}, {}, 'ns2');
      custom[from].socket.emit('fleet-emit', {}, {}, 'ns2');
      for (const c of [...root, ...custom]) await c.next('ns2');
      for (const c of [...root, ...custom]) assert.equal(c.count('ns'), 0, 'no leak across namespaces');
    });
  }

  it('a room named like a socket id: to(socket.id) reaches that socket on its member', async () => {
    const cs = await clientsOn(fleet.members, registry);
    for (let from = 0; from < cs.length; from++) {
      const to = (from + 1) % cs.length;
      cs[from].socket.emit('to-room', cs[to].socket.id, 'direct', from);
      assert.deepEqual(await cs[to].next('room-message'), ['direct', from]);
    }
    await marker(cs[0], cs);
    for (const c of cs) assert.equal(c.count('room-message'), 0);
  });

  it('every member and redis-server shut down cleanly on SIGTERM (exit 0)', async () => {
    closeAll(registry);
    await fleet.stop();
  });
});

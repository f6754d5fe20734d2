// Rooms: join/leave (acked), "to-room" reaches exactly the members (the sender too when it
// is one), several rooms, "to-room-except", "broadcast" reaches everyone but the sender,
// rooms are per namespace. Runs with every client kind (SIO_CLIENT,
// interop/lib/sio-clients.js).
import { describe, it, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { startSioServer, itShutsDownCleanly } from '../../lib/sio-server.js';
import { connectSioClient, closeAll, acked, allBytes, assertBuffer } from '../../lib/sio-clients.js';

let roomSeq = 0;
const freshRoom = (tag) => `room-${tag}-${++roomSeq}`;

const join = (c, room) => acked(c, 'join', room);
const leave = (c, room) => acked(c, 'leave', room);

describe('socket.io rooms', () => {
  let server;
  const clients = new Set();

  // n clients on `nsp`, alternating polling / websocket
  function many(n, nsp = '/') {
    return Promise.all(Array.from({ length: n }, (_, i) => connectSioClient(server, nsp,
      { transports: [i % 2 ? 'polling' : 'websocket'] }, clients)));
  }

  before(async () => { server = await startSioServer({}); });
  afterEach(() => closeAll(clients));
  after(async () => { closeAll(clients); await server?.stop(); });

  it('join is acked with no args; to-room reaches exactly the members, sender included', async () => {
    const [a, b, c] = await many(3);
    const room = freshRoom('basic');
    assert.deepEqual(await join(a, room), []);
    assert.deepEqual(await join(b, room), []);
    a.socket.emit('to-room', room, 'hi', 1, { x: [true] });
    assert.deepEqual(await a.next('room-message'), ['hi', 1, { x: [true] }]);
    assert.deepEqual(await b.next('room-message'), ['hi', 1, { x: [true] }]);
    await c.quiet('room-message');
    assert.equal(a.count('room-message'), 0);
    assert.equal(b.count('room-message'), 0);
  });

  it('a non-member can send to a room without receiving it', async () => {
    const [a, b, outsider] = await many(3);
    const room = freshRoom('outsider');
    await join(a, room);
    await join(b, room);
    outsider.socket.emit('to-room', room, 'from outside');
    assert.deepEqual(await a.next('room-message'), ['from outside']);
    assert.deepEqual(await b.next('room-message'), ['from outside']);
    await outsider.quiet('room-message');
  });

  it('join without an ack callback works too', async () => {
    const [a, b] = await many(2);
    const room = freshRoom('noack');
    a.socket.emit('join', room);
    // the server processes a's packets in order: the join is done before this ack
    assert.deepEqual(await acked(a, 'message-with-ack', 'sync'), ['sync']);
    b.socket.emit('to-room', room, 'reached');
    assert.deepEqual(await a.next('room-message'), ['reached']);
    await b.quiet('room-message');
  });

  it('leave: a member that left gets nothing, the others still do', async () => {
    const [a, b, c] = await many(3);
    const room = freshRoom('leave');
    await Promise.all([join(a, room), join(b, room), join(c, room)]);
    c.socket.emit('to-room', room, 'all three');
    for (const x of [a, b, c]) assert.deepEqual(await x.next('room-message'), ['all three']);
    assert.deepEqual(await leave(b, room), []);
    c.socket.emit('to-room', room, 'two left');
    assert.deepEqual(await a.next('room-message'), ['two left']);
    assert.deepEqual(await c.next('room-message'), ['two left']);
    await b.quiet('room-message');
    // leaving a room one is not in is harmless
    assert.deepEqual(await leave(b, freshRoom('never-joined')), []);
    // join again
    await join(b, room);
    a.socket.emit('to-room', room, 'back');
    for (const x of [a, b, c]) assert.deepEqual(await x.next('room-message'), ['back']);
  });

  it('several rooms: each message reaches exactly its room, once per socket', async () => {
    const [a, b, c, d] = await many(4);
    const r1 = freshRoom('r1');
    const r2 = freshRoom('r2');
    await Promise.all([join(a, r1), join(b, r1), join(b, r2), join(c, r2)]);
    d.socket.emit('to-room', r1, 'to r1');
    d.socket.emit('to-room', r2, 'to r2');
    assert.deepEqual(await a.next('room-message'), ['to r1']);
    assert.deepEqual(await b.take('room-message', 2), [['to r1'], ['to r2']]);
    assert.deepEqual(await c.next('room-message'), ['to r2']);
    await d.quiet('room-message');
    for (const x of [a, b, c]) assert.equal(x.count('room-message'), 0, 'exactly one per room message');
    // every socket is in the room named after its own id
    d.socket.emit('to-room', b.socket.id, 'direct to b');
    assert.deepEqual(await b.next('room-message'), ['direct to b']);
    await a.quiet('room-message');
  });

  it('to-room-except: members of the room minus members of the excepted room', async () => {
    const [a, b, c, d] = await many(4);
    const room = freshRoom('main');
    const except = freshRoom('except');
    await Promise.all([join(a, room), join(b, room), join(c, room), join(b, except), join(d, except)]);
    a.socket.emit('to-room-except', room, except, 'not for b', { n: 1 });
    assert.deepEqual(await a.next('room-message'), ['not for b', { n: 1 }]);
    assert.deepEqual(await c.next('room-message'), ['not for b', { n: 1 }]);
    await Promise.all([b.quiet('room-message'), d.quiet('room-message')]);
    // except the sender's own room (its id)
    c.socket.emit('to-room-except', room, c.socket.id, 'not for c');
    assert.deepEqual(await a.next('room-message'), ['not for c']);
    assert.deepEqual(await b.next('room-message'), ['not for c']);
    await c.quiet('room-message');
  });

  it('broadcast reaches everyone in the namespace but the sender', async () => {
    const [a, b, c] = await many(3);
    const [other] = await many(1, '/custom');
    a.socket.emit('broadcast', 'to all', 2, { b: [null] });
    assert.deepEqual(await b.next('broadcast'), ['to all', 2, { b: [null] }]);
    assert.deepEqual(await c.next('broadcast'), ['to all', 2, { b: [null] }]);
    await Promise.all([a.quiet('broadcast'), other.quiet('broadcast')]);
  });

  it('room messages and broadcasts carry binary', async () => {
    const [a, b] = await many(2);
    const room = freshRoom('bin');
    await join(b, room);
    a.socket.emit('to-room', room, allBytes(), { nested: Buffer.from([9, 8, 7]) });
    const got = await b.next('room-message');
    assertBuffer(got[0], allBytes());
    assertBuffer(got[1].nested, Buffer.from([9, 8, 7]));
    a.socket.emit('broadcast', Buffer.from('bcast'));
    assertBuffer((await b.next('broadcast'))[0], Buffer.from('bcast'));
  });

  it('rooms are per namespace', async () => {
    const [rootA, rootB] = await many(2, '/');
    const [customA, customB] = await many(2, '/custom');
    const room = freshRoom('shared-name');
    await Promise.all([join(rootA, room), join(customA, room)]);
    rootB.socket.emit('to-room', room, 'root only');
    assert.deepEqual(await rootA.next('room-message'), ['root only']);
    await customA.quiet('room-message');
    customB.socket.emit('to-room', room, 'custom only');
    assert.deepEqual(await customA.next('room-message'), ['custom only']);
    await rootA.quiet('room-message');
    // broadcast in /custom does not reach "/"
    customB.socket.emit('broadcast', 'custom bcast');
    assert.deepEqual(await customA.next('broadcast'), ['custom bcast']);
    await Promise.all([rootA.quiet('broadcast'), rootB.quiet('broadcast')]);
  });

  itShutsDownCleanly(() => server, () => closeAll(clients));
});

// Advanced server features: dynamic namespaces (/dyn-[a-z0-9]+, same handlers as "/"),
// asynchronous middleware ("/async" answers 20 ms later, refusing token "refuse" with
// "refused later" / {code: 43}), and the remote operations on a room: "fetch-room" (ids of
// its sockets), "ask-room" (broadcast with acks and a 500 ms timeout) and "kick-room"
// (disconnect every socket of the room). Runs with every client kind (SIO_CLIENT,
// interop/lib/sio-clients.js).
import { describe, it, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { startSioServer, itShutsDownCleanly } from '../../lib/sio-server.js';
import {
  createSioClient, connectSioClient, createManager, managerSocket, wrapSocket, closeAll,
  assertMessageBack, assertConnectError, acked, SIO_EVENT_TIMEOUT, SIO_CLIENT_IS_V2, MODES,
} from '../../lib/sio-clients.js';
import { withTimeout, delay } from '../../lib/util.js';

let roomSeq = 0;
const freshRoom = (tag) => `adv-${tag}-${++roomSeq}`;

const join = (c, room) => acked(c, 'join', room);
const sorted = (a) => [...a].sort();

/** Answer every "question" with answerOf(args) (spread as the ack's arguments). */
function answers(c, answerOf) {
  c.socket.on('question', (...args) => {
    const cb = args.pop();
    assert.equal(typeof cb, 'function', '"question" carries an ack');
    cb(...answerOf(args));
  });
}

describe('socket.io advanced: dynamic namespaces, async middleware, room operations', () => {
  let server;
  const clients = new Set();
  const managers = new Set();

  function closeEverything() {
    closeAll(clients);
    for (const m of managers) m.engine?.close();
    managers.clear();
  }

  // n clients on `nsp`, alternating websocket / polling
  function many(n, nsp = '/') {
    return Promise.all(Array.from({ length: n }, (_, i) => connectSioClient(server, nsp,
      { transports: [i % 2 ? 'polling' : 'websocket'] }, clients)));
  }

  before(async () => { server = await startSioServer({}); });
  afterEach(closeEverything);
  after(async () => { closeEverything(); await server?.stop(); });

  // ---- dynamic namespaces ----

  for (const [label, opts] of MODES) {
    it(`a dynamic namespace /dyn-<a-z0-9>+ connects, echoes auth, answers message (${label})`, async () => {
      // socket.io-client 2.x's auth is the namespace's query string: strings only
      const auth = { token: 'dyn', n: SIO_CLIENT_IS_V2 ? '7' : 7 };
      const c = await connectSioClient(server, '/dyn-abc123', { ...opts, auth }, clients);
      assert.equal(c.socket.nsp, '/dyn-abc123');
      assert.deepEqual(await c.next('auth'), [auth]);
      await assertMessageBack(c, 'hello dyn', 1, { x: [null, true] });
      assert.deepEqual(await acked(c, 'message-with-ack', 'ack', 2), ['ack', 2]);
    });

    it(`names outside /dyn-[a-z0-9]+ get connect_error "Invalid namespace" (${label})`, async () => {
      for (const nsp of ['/dyn-ABC', '/dyn-', '/dyn-a_b', '/dyn']) {
        const c = createSioClient(server, nsp, opts, clients);
        const [err] = await c.next('connect_error');
        assertConnectError(err, 'Invalid namespace', undefined, `namespace ${nsp}`);
        assert.equal(c.socket.connected, false, `namespace ${nsp}`);
      }
    });
  }

  it('dynamic namespaces are separate from each other and from "/"', async () => {
    const [a1, a2] = await many(2, '/dyn-one');
    const [b1] = await many(1, '/dyn-two');
    const [root] = await many(1, '/');
    const room = freshRoom('dyn');
    await Promise.all([join(a1, room), join(b1, room), join(root, room)]);
    a2.socket.emit('to-room', room, 'only dyn-one');
    assert.deepEqual(await a1.next('room-message'), ['only dyn-one']);
    assert.deepEqual(await acked(a2, 'fetch-room', room), [[a1.socket.id]]);
    assert.deepEqual(await acked(b1, 'fetch-room', room), [[b1.socket.id]]);
    a1.socket.emit('broadcast', 'dyn-one bcast');
    assert.deepEqual(await a2.next('broadcast'), ['dyn-one bcast']);
    await Promise.all([b1.quiet('room-message'), root.quiet('room-message'),
      b1.quiet('broadcast'), root.quiet('broadcast')]);
  });

  it('a dynamic namespace multiplexed with "/" on one connection', async () => {
    const m = createManager(server, { transports: ['websocket'] });
    managers.add(m);
    const main = wrapSocket(m.socket('/'), clients);
    const dyn = wrapSocket(managerSocket(m, '/dyn-mux', { auth: { who: 'dyn' } }), clients);
    const bad = wrapSocket(m.socket('/dyn-MUX'), clients);
    await Promise.all([main.connected, dyn.connected]);
    assert.deepEqual(await dyn.next('auth'), [{ who: 'dyn' }]);
    assertConnectError((await bad.next('connect_error'))[0], 'Invalid namespace', undefined);
    await assertMessageBack(main, 'main');
    await assertMessageBack(dyn, 'dyn');
  });

  // ---- asynchronous middleware ----

  for (const [label, opts] of MODES) {
    it(`"/async" middleware accepts later: auth echo and handlers (${label})`, async () => {
      const c = createSioClient(server, '/async', { ...opts, auth: { token: 'ok' } }, clients);
      // emitted before the verdict: the client buffers it until "connect"
      c.socket.emit('message', 'early');
      await c.connected;
      assert.deepEqual(await c.next('auth'), [{ token: 'ok' }]);
      assert.deepEqual(await c.next('message-back'), ['early']);
      await assertMessageBack(c, 'after');
    });

    it(`"/async" middleware refuses token "refuse" later: message and data (${label})`, async () => {
      const c = createSioClient(server, '/async', { ...opts, auth: { token: 'refuse' } }, clients);
      const [err] = await c.next('connect_error');
      assertConnectError(err, 'refused later', { code: 43 });
      assert.equal(c.socket.connected, false);
      await c.quiet('connect');
      assert.equal(c.count('auth'), 0, 'no "auth" event for a refused connection');
    });
  }

  it('several pending "/async" verdicts at once each reach their own socket', async () => {
    const m = createManager(server, { transports: ['polling'] });
    managers.add(m);
    const main = wrapSocket(m.socket('/'), clients);
    const sockets = [];
    for (let i = 0; i < 6; i++) {
      const c = createSioClient(server, '/async',
        { transports: [i % 2 ? 'polling' : 'websocket'], auth: { token: i % 3 ? `t${i}` : 'refuse' } },
        clients);
      sockets.push([i, c]);
    }
    await main.connected;
    for (const [i, c] of sockets) {
      if (i % 3) {
        await c.connected;
        assert.deepEqual(await c.next('auth'), [{ token: `t${i}` }]);
      } else {
        const [err] = await c.next('connect_error');
        assertConnectError(err, 'refused later', { code: 43 });
      }
    }
    await assertMessageBack(main, 'still here');
  });

  it('a client that goes away while its "/async" verdict is pending does no harm', async () => {
    for (const transports of [['websocket'], ['polling']]) {
      for (const token of ['ok', 'refuse']) {
        const c = createSioClient(server, '/async', { transports, auth: { token } }, clients);
        // wait for the engine to open (the CONNECT is then on its way), then drop it
        await withTimeout(new Promise((resolve) => c.socket.io.once('open', resolve)),
          SIO_EVENT_TIMEOUT, 'engine open');
        c.socket.io.engine.close();
      }
    }
    await delay(100); // let the 20 ms verdicts fire on the dead sockets
    const c = await connectSioClient(server, '/async', { auth: { token: 'after' } }, clients);
    assert.deepEqual(await c.next('auth'), [{ token: 'after' }]);
  });

  // ---- fetch-room ----

  it('fetch-room returns exactly the ids of the members', async () => {
    const [a, b, c, d] = await many(4);
    const room = freshRoom('fetch');
    await Promise.all([join(a, room), join(b, room), join(c, room)]);
    const [ids] = await acked(d, 'fetch-room', room);
    assert.ok(Array.isArray(ids));
    assert.deepEqual(sorted(ids), sorted([a.socket.id, b.socket.id, c.socket.id]));
    // after a leave and a disconnect
    await acked(b, 'leave', room);
    // server-side disconnect: once c sees it, the server has removed c
    c.socket.emit('disconnect-me');
    assert.equal((await c.next('disconnect'))[0], 'io server disconnect');
    const [after1] = await acked(a, 'fetch-room', room);
    assert.deepEqual(after1, [a.socket.id]);
    // an empty room, and the room named after a socket's id
    assert.deepEqual(await acked(a, 'fetch-room', freshRoom('empty')), [[]]);
    assert.deepEqual(await acked(a, 'fetch-room', d.socket.id), [[d.socket.id]]);
  });

  it('fetch-room is per namespace', async () => {
    const [root] = await many(1, '/');
    const [custom] = await many(1, '/custom');
    const room = freshRoom('fetch-nsp');
    await Promise.all([join(root, room), join(custom, room)]);
    assert.deepEqual(await acked(root, 'fetch-room', room), [[root.socket.id]]);
    assert.deepEqual(await acked(custom, 'fetch-room', room), [[custom.socket.id]]);
  });

  // ---- ask-room (broadcast with acks) ----

  it('ask-room: every member answers -> null and one response per member', async () => {
    const [a, b, c, asker] = await many(4);
    const room = freshRoom('ask');
    await Promise.all([join(a, room), join(b, room), join(c, room)]);
    for (const x of [a, b, c]) answers(x, (args) => [{ id: x.socket.id, got: args }, 'ignored 2nd']);
    const [err, responses, ...rest] = await acked(asker, 'ask-room', room, 'q?', 42, { deep: [1] });
    assert.equal(err, null);
    assert.deepEqual(rest, []);
    assert.ok(Array.isArray(responses));
    assert.equal(responses.length, 3);
    const byId = [...responses].sort((x, y) => (x.id < y.id ? -1 : 1));
    const want = [a, b, c].map((x) => ({ id: x.socket.id, got: ['q?', 42, { deep: [1] }] }))
      .sort((x, y) => (x.id < y.id ? -1 : 1));
    assert.deepEqual(byId, want, 'the first argument of each answer, any order');
    await asker.quiet('question');
  });

  it('ask-room: one member silent -> "operation has timed out" and the others\' responses', async () => {
    const [talker, silent, asker] = await many(3);
    const room = freshRoom('ask-silent');
    await Promise.all([join(talker, room), join(silent, room)]);
    answers(talker, () => ['from talker']);
    const [err, responses] = await acked(asker, 'ask-room', room, 'anyone?');
    assert.equal(err, 'operation has timed out');
    assert.deepEqual(responses, ['from talker']);
    // the silent member did get the question (with an ack it never called)
    const got = await silent.next('question');
    assert.equal(got[0], 'anyone?');
    assert.equal(typeof got[got.length - 1], 'function');
  });

  it('ask-room: the asker may be a member and answer itself', async () => {
    const [a, b] = await many(2);
    const room = freshRoom('ask-self');
    await Promise.all([join(a, room), join(b, room)]);
    answers(a, () => ['a']);
    answers(b, () => ['b']);
    const [err, responses] = await acked(a, 'ask-room', room);
    assert.equal(err, null);
    assert.deepEqual(sorted(responses), ['a', 'b']);
  });

  it('ask-room: binary questions and answers', async () => {
    const [a, asker] = await many(2);
    const room = freshRoom('ask-bin');
    await join(a, room);
    answers(a, (args) => [Buffer.concat([Buffer.from(args[0]), Buffer.from([0xff])])]);
    const [err, responses] = await acked(asker, 'ask-room', room, Buffer.from([1, 2, 3]));
    assert.equal(err, null);
    assert.equal(responses.length, 1);
    assert.ok(Buffer.isBuffer(responses[0]), 'a Buffer');
    assert.ok(responses[0].equals(Buffer.from([1, 2, 3, 0xff])));
  });

  it('broadcast acks to an empty room: null and [] at once (no timeout)', async () => {
    const [a] = await many(1);
    // on a timeout the error would be set: null shows the ack came before the 500 ms
    assert.deepEqual(await acked(a, 'ask-room', freshRoom('nobody'), 'hello?'), [null, []]);
    await a.quiet('question');
  });

  // ---- kick-room ----

  it('kick-room disconnects exactly the members; the others stay connected', async () => {
    const [a, b, outsider, kicker] = await many(4);
    const room = freshRoom('kick');
    await Promise.all([join(a, room), join(b, room), join(outsider, freshRoom('other'))]);
    kicker.socket.emit('kick-room', room);
    for (const x of [a, b]) {
      const [reason] = await x.next('disconnect');
      assert.equal(reason, 'io server disconnect');
      assert.equal(x.socket.connected, false);
    }
    await Promise.all([outsider.quiet('disconnect'), kicker.quiet('disconnect')]);
    await assertMessageBack(outsider, 'still connected');
    await assertMessageBack(kicker, 'me too');
    assert.deepEqual(await acked(kicker, 'fetch-room', room), [[]]);
  });

  it('kick-room by a member disconnects the member too; other namespaces are untouched', async () => {
    const m = createManager(server, { transports: ['websocket'] });
    managers.add(m);
    const main = wrapSocket(m.socket('/'), clients);
    const dyn = wrapSocket(m.socket('/dyn-kick'), clients);
    await Promise.all([main.connected, dyn.connected]);
    const [other] = await many(1, '/dyn-kick');
    const room = freshRoom('kick-self');
    await Promise.all([join(main, room), join(dyn, room), join(other, room)]);
    dyn.socket.emit('kick-room', room);
    assert.equal((await dyn.next('disconnect'))[0], 'io server disconnect');
    assert.equal((await other.next('disconnect'))[0], 'io server disconnect');
    await main.quiet('disconnect');
    await assertMessageBack(main, 'same connection, other namespace');
  });

  itShutsDownCleanly(() => server, closeEverything);
});

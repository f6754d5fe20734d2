// Connection state recovery (socket.io 4.6's connectionStateRecovery; docs/socketio.md,
// "Connection state recovery"): the server runs with --recovery. A client whose transport is
// cut (by the server: kill-transport; by the client: engine.close()) while a stream of room
// broadcasts runs comes back with the same socket id and rooms, socket.recovered true on
// both sides, and every tick of the stream exactly once and in order (the missed ones are
// replayed from the offset the client last saw). Past maxDisconnectionDuration, or past what
// the server's packet log holds (the C server's bound; node's log has none), the client
// connects fresh: a new id, no rooms, recovered false.
import { describe, it, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { startSioServer, itShutsDownCleanly, SIO_IS_NODE_REFERENCE, SIO_TIME_SCALE }
  from '../../lib/sio-server.js';
import { createSioClient, closeAll, MODES, needs } from '../../lib/sio-clients.js';

const FAST = { reconnection: true, reconnectionDelay: 50, reconnectionDelayMax: 100,
  randomizationFactor: 0 };
const WAIT = 5000 * SIO_TIME_SCALE;

/** The socket's state as the server sees it (sio-echo's recovery-state hook). */
const state = (c) => c.socket.timeout(WAIT).emitWithAck('recovery-state');

/** Resolves on the next "tick" with value i (the ticks before it are read too). */
async function tickUntil(c, i, seen) {
  for (;;) {
    const [v] = await c.next('tick', WAIT);
    seen.push(v);
    if (v >= i) return;
  }
}

describe('socket.io connection state recovery', needs('recovery'), () => {
  let server;
  const clients = new Set();
  afterEach(() => closeAll(clients));
  after(async () => { closeAll(clients); await server?.stop(); });

  const start = async (extra = []) => {
    await server?.stop();
    server = await startSioServer({ extraArgs: ['--recovery', ...extra] });
  };

  /** A client a (reconnecting as reconnect says) in room "r" with its first state as the
   * server sees it, and another client b. */
  async function joinWithPeer(opts, reconnect) {
    const a = createSioClient(server, '/', { ...opts, ...reconnect }, clients);
    await a.connected;
    await a.socket.timeout(WAIT).emitWithAck('join', 'r');
    const first = await state(a);
    const b = createSioClient(server, '/', opts, clients);
    await b.connected;
    return { a, b, first };
  }

  /** A client in room "r", and a stream of n ticks to "r" started by another client. */
  async function joinAndStream(opts, n, ms) {
    const { a, b, first } = await joinWithPeer(opts, FAST);
    assert.equal(first.recovered, false);
    assert.equal(a.socket.recovered, false);
    b.socket.emit('stream', 'r', n, ms);
    return { a, b, first };
  }

  /** After a cut: a connected again (its second connect) as a new socket, not recovered. */
  async function assertFresh(a, first) {
    await a.next('connect', WAIT);
    await a.next('connect', WAIT);
    assert.equal(a.socket.recovered, false);
    assert.notEqual(a.socket.id, first.id);
  }

  async function assertRecovered(a, first, n, seen) {
    await a.next('connect', WAIT); // the first connect
    await a.next('disconnect', WAIT);
    await a.next('connect', WAIT);
    await tickUntil(a, n - 1, seen);
    assert.deepEqual(seen, [...Array(n).keys()], 'every tick, once, in order');
    assert.equal(a.socket.recovered, true, 'the client says recovered');
    assert.equal(a.socket.id, first.id, 'the same socket id');
    const now = await state(a);
    assert.equal(now.recovered, true, 'the server says recovered');
    assert.equal(now.id, first.id);
    assert.deepEqual([...now.rooms].sort(), [...first.rooms].sort(), 'the same rooms');
    await a.quiet('tick');
  }

  for (const [label, opts] of MODES) {
    it(`a transport cut by the server mid-stream is recovered (${label})`, async () => {
      await start();
      const n = 60;
      const { a, first } = await joinAndStream(opts, n, 10);
      const seen = [];
      await tickUntil(a, 10, seen);
      a.socket.emit('kill-transport');
      await assertRecovered(a, first, n, seen);
    });

    it(`a transport cut by the client mid-stream is recovered (${label})`, async () => {
      await start();
      const n = 60;
      const { a, first } = await joinAndStream(opts, n, 10);
      const seen = [];
      await tickUntil(a, 10, seen);
      a.socket.io.engine.close();
      await assertRecovered(a, first, n, seen);
    });
  }

  it('the offset is the last argument of a broadcast and of a direct emit, not of an ack', async () => {
    await start();
    const { a } = await joinAndStream({}, 1, 0);
    const tick = await a.next('tick', WAIT);
    assert.equal(tick.length, 2);
    assert.equal(tick[0], 0);
    assert.equal(typeof tick[1], 'string');
    // node's Socket#emit is a broadcast to the socket's own room when recovery is on
    a.socket.emit('message', 1, 2);
    const back = await a.next('message-back', WAIT);
    assert.deepEqual(back.slice(0, 2), [1, 2]);
    assert.equal(back.length, 3);
    assert.equal(typeof back[2], 'string');
    assert.notEqual(back[2], tick[1], 'each packet its own offset');
    const acked = await new Promise((resolve) => {
      a.socket.emit('message-with-ack', 1, 2, (...args) => resolve(args));
    });
    assert.deepEqual(acked, [1, 2]);
  });

  it('past maxDisconnectionDuration the client connects fresh', async () => {
    await start(['--recovery-max-ms', '200']);
    const slow = { reconnection: true, reconnectionDelay: 700, reconnectionDelayMax: 700,
      randomizationFactor: 0 };
    const { a, b, first } = await joinWithPeer({ transports: ['websocket'] }, slow);
    b.socket.emit('stream', 'r', 1, 0);
    await a.next('tick', WAIT); // a has an offset
    a.socket.io.engine.close();
    await assertFresh(a, first);
    const now = await state(a);
    assert.equal(now.recovered, false);
    assert.deepEqual(now.rooms, [now.id], 'no room but its own');
  });

  it('an offset older than the packet log holds: the client connects fresh', {
    skip: SIO_IS_NODE_REFERENCE && 'node keeps every packet for maxDisconnectionDuration',
  }, async () => {
    await start(['--recovery-max-packets', '5']);
    const slow = { reconnection: true, reconnectionDelay: 500, reconnectionDelayMax: 500,
      randomizationFactor: 0 };
    const { a, b, first } = await joinWithPeer({ transports: ['websocket'] }, slow);
    await b.socket.timeout(WAIT).emitWithAck('join', 'r');
    b.socket.emit('stream', 'r', 1, 0);
    await a.next('tick', WAIT);
    await b.next('tick', WAIT);
    a.socket.io.engine.close();
    await a.next('disconnect', WAIT);
    b.socket.emit('stream', 'r', 20, 0); // more than the log keeps, while a is away
    const got = await b.take('tick', 20, WAIT);
    assert.equal(got.at(-1)[0], 19);
    await assertFresh(a, first);
    assert.equal(a.count('tick'), 0, 'no packet replayed');
  });

  // The quick twin of make bench's recovery-jitter scenario (bench/recovery-jitter.js: 1,000
  // clients, 30 s): 50 clients in a room, 10% of them cut every 300 ms while 60 ticks are
  // broadcast over 3 s; every client gets every tick once and in order.
  it('jitter: clients cut again and again while broadcasts run get every packet once', async () => {
    await start();
    const n = 50;
    const ticks = 60;
    const cs = [];
    for (let i = 0; i < n; i++) {
      const c = createSioClient(server, '/', { transports: ['websocket'], ...FAST,
        reconnectionDelay: 100, reconnectionDelayMax: 300, randomizationFactor: 0.5 }, clients);
      cs.push(c);
    }
    await Promise.all(cs.map((c) => c.connected));
    await Promise.all(cs.map((c) => c.socket.timeout(WAIT).emitWithAck('join', 'j')));
    const seqs = cs.map((c) => {
      const got = [];
      c.socket.on('tick', (v) => got.push(v));
      return got;
    });
    let fresh = 0;
    let recovered = 0;
    for (const c of cs) c.socket.on('connect', () => (c.socket.recovered ? recovered++ : fresh++));
    const sender = createSioClient(server, '/', { transports: ['websocket'] }, clients);
    await sender.connected;
    sender.socket.emit('stream', 'j', ticks, 50);
    let cuts = 0;
    const cutter = setInterval(() => {
      const up = cs.filter((c) => c.socket.connected);
      for (let k = Math.round(up.length / 10); k > 0; k--) {
        up.splice(Math.floor(Math.random() * up.length), 1)[0].socket.io.engine.close();
        cuts++;
      }
    }, 300);
    try {
      const deadline = Date.now() + 20000 * SIO_TIME_SCALE;
      while (seqs.some((g) => g.at(-1) !== ticks - 1) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50));
        if (seqs.every((g) => g.length > 0 && g.at(-1) >= ticks - 10)) clearInterval(cutter);
      }
    } finally {
      clearInterval(cutter);
    }
    await new Promise((r) => setTimeout(r, 300)); // a duplicate would arrive by now
    assert.ok(cuts >= 20, `only ${cuts} cuts`);
    const want = [...Array(ticks).keys()];
    seqs.forEach((g, i) => assert.deepEqual(g, want, `client ${i}`));
    assert.equal(fresh, 0, 'every reconnection recovered');
    assert.ok(recovered >= cuts - n, `${recovered} recovered for ${cuts} cuts`);
  });

  itShutsDownCleanly(() => server, () => closeAll(clients));
});

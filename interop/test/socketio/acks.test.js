// Acknowledgements both ways: client -> server ("message-with-ack" is acked with its own
// args), server -> client ("ask" -> the server emits "question" with an ack and a 500 ms
// timeout -> "answer" with the reply, or "answer-timeout"), the first ack id (0). Runs with
// every client kind (SIO_CLIENT, interop/lib/sio-clients.js); the client's own ack timeout
// (socket.timeout) where the client has one.
import { describe, it, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import msgpackParser from 'socket.io-msgpack-parser';
import { startSioServer, itShutsDownCleanly, SIO_TIME_SCALE } from '../../lib/sio-server.js';
import {
  connectSioClient, createSioClient, closeAll, emitWithAck, needs, MODES, UTF8_TEXT,
  SIO_CLIENT_KIND, SIO_EVENT_TIMEOUT,
} from '../../lib/sio-clients.js';

const ackOf = (c, ...args) => emitWithAck(c, 'message-with-ack', ...args);

/**
 * Ack ids of the EVENTs the client sends, read off the engine's outgoing messages: the
 * text form "2[/nsp,]<id>[...", or with the msgpack parser the map's `id`.
 */
function recordOutgoingAckIds(c) {
  const ids = [];
  const decoder = new msgpackParser.Decoder();
  decoder.on('decoded', (p) => { if (p.type === 2 && p.id !== undefined) ids.push(p.id); });
  c.socket.io.on('open', () => {
    c.socket.io.engine.on('packetCreate', (p) => {
      if (p.type !== 'message') return;
      if (typeof p.data === 'string') {
        const m = /^2(\/[^,]*,)?(\d+)\[/.exec(p.data);
        if (m) ids.push(Number(m[2]));
      } else if (SIO_CLIENT_KIND === 'msgpack') {
        decoder.add(p.data);
      }
    });
  });
  return ids;
}

describe('socket.io acks', () => {
  let server;
  const clients = new Set();

  before(async () => { server = await startSioServer({}); });
  afterEach(() => closeAll(clients));
  after(async () => { closeAll(clients); await server?.stop(); });

  for (const [label, opts] of MODES) {
    for (const nsp of ['/', '/custom']) {
      it(`client -> server ack resolves with the args (${label}, "${nsp}")`, async () => {
        const c = await connectSioClient(server, nsp, opts, clients);
        assert.deepEqual(await ackOf(c, 'hello'), 'hello'); // emitWithAck: first arg
        const got = await new Promise((resolve) => {
          c.socket.emit('message-with-ack', 1, 'two', { three: [3] }, null, true, UTF8_TEXT,
            (...args) => resolve(args));
        });
        assert.deepEqual(got, [1, 'two', { three: [3] }, null, true, UTF8_TEXT]);
        const none = await new Promise((resolve) => {
          c.socket.emit('message-with-ack', (...args) => resolve(args));
        });
        assert.deepEqual(none, []);
      });
    }

    it(`ack id 0 (the first ack of a connection) works (${label})`, async () => {
      const c = createSioClient(server, '/', opts, clients);
      const ids = recordOutgoingAckIds(c);
      await c.connected;
      assert.deepEqual(await ackOf(c, 'first'), 'first');
      assert.deepEqual(await ackOf(c, 'second'), 'second');
      assert.deepEqual(ids, [0, 1], 'the client used ack ids 0 then 1');
    });

    it(`many acks in flight are each answered with their own args (${label})`, async () => {
      const c = await connectSioClient(server, '/', opts, clients);
      const results = await Promise.all(Array.from({ length: 100 }, (_, i) => new Promise((resolve) => {
        c.socket.emit('message-with-ack', i, `n${i}`, (...args) => resolve(args));
      })));
      results.forEach((r, i) => assert.deepEqual(r, [i, `n${i}`]));
    });

    it(`socket.timeout(): an event nobody acks fails after the timeout (${label})`, needs('clientAckTimeout'), async () => {
      const c = await connectSioClient(server, '/', opts, clients);
      // sio-echo has no handler for "unhandled": the server must send no ACK for it
      const t0 = Date.now();
      const [err, ...rest] = await new Promise((resolve) => {
        c.socket.timeout(200).emit('unhandled', 'x', (...args) => resolve(args));
      });
      assert.ok(err instanceof Error, 'the callback gets an error');
      assert.equal(err.message, 'operation has timed out');
      assert.deepEqual(rest, []);
      assert.ok(Date.now() - t0 >= 190, 'not before the timeout');
      await assert.rejects(c.socket.timeout(200).emitWithAck('unhandled'), /operation has timed out/);
      // an event the server acks in time resolves as usual
      assert.equal(await c.socket.timeout(SIO_EVENT_TIMEOUT).emitWithAck('message-with-ack', 'in time'),
        'in time');
    });

    it(`server -> client ack: "ask" -> "question" -> reply -> "answer" (${label})`, async () => {
      const c = await connectSioClient(server, '/', opts, clients);
      const questions = [];
      c.socket.on('question', (...args) => {
        const ack = args.pop();
        assert.equal(typeof ack, 'function', 'the server asked for an ack');
        questions.push(args);
        ack('reply', args.length, { echo: args }, null);
      });
      c.socket.emit('ask', 'what?', 7, { k: [1] });
      const answer = await c.next('answer');
      assert.deepEqual(questions, [['what?', 7, { k: [1] }]]);
      assert.deepEqual(answer, ['reply', 3, { echo: ['what?', 7, { k: [1] }] }, null]);
      // a second round uses the next server-side ack id
      c.socket.emit('ask', UTF8_TEXT);
      assert.deepEqual(await c.next('answer'), ['reply', 1, { echo: [UTF8_TEXT] }, null]);
      assert.equal(c.count('answer-timeout'), 0);
    });
  }

  it('server -> client ack over "/custom"', async () => {
    const c = await connectSioClient(server, '/custom', { transports: ['websocket'] }, clients);
    c.socket.on('question', (...args) => { args.pop()(...args.reverse()); });
    c.socket.emit('ask', 'a', 'b', 'c');
    assert.deepEqual(await c.next('answer'), ['c', 'b', 'a']);
  });

  it('a reply with no args still counts as an answer', async () => {
    const c = await connectSioClient(server, '/', { transports: ['websocket'] }, clients);
    c.socket.on('question', (...args) => { args.pop()(); });
    c.socket.emit('ask');
    assert.deepEqual(await c.next('answer'), []);
  });

  it('a client that never acks gets "answer-timeout" after ~500 ms', async () => {
    const c = await connectSioClient(server, '/', { transports: ['websocket'] }, clients);
    let asked = 0;
    c.socket.on('question', () => { asked++; }); // never calls the ack
    const t0 = Date.now();
    c.socket.emit('ask', 'silence');
    await c.next('answer-timeout');
    const elapsed = Date.now() - t0;
    assert.equal(asked, 1);
    assert.ok(elapsed >= 400, `answer-timeout after ${elapsed} ms, expected about 500`);
    assert.ok(elapsed < 1500 * SIO_TIME_SCALE, `answer-timeout after ${elapsed} ms, expected about 500`);
    assert.equal(c.count('answer'), 0);
  });

  it('a late reply (after the timeout) is not turned into an "answer"', async () => {
    const c = await connectSioClient(server, '/', { transports: ['websocket'] }, clients);
    const late = new Promise((resolve) => {
      c.socket.on('question', (...args) => {
        const ack = args.pop();
        setTimeout(() => { ack('too late'); resolve(); }, 700);
      });
    });
    c.socket.emit('ask', 'slow');
    await c.next('answer-timeout');
    await late;
    await c.quiet('answer');
    // the connection is still fine
    assert.deepEqual(await ackOf(c, 'still here'), 'still here');
  });

  itShutsDownCleanly(() => server, () => closeAll(clients));
});

// Binary payloads (Socket.IO BINARY_EVENT / BINARY_ACK with attachments): Buffers at the
// top level, nested in objects and arrays, several in one event, in acks both ways; they
// come back as Buffers with the exact bytes, over polling (base64) and websocket. Runs with
// every client kind (SIO_CLIENT, interop/lib/sio-clients.js): with the msgpack parser the
// Buffers are msgpack bin values inside the packet, not attachments.
import { describe, it, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { startSioServer, itShutsDownCleanly } from '../../lib/sio-server.js';
import {
  connectSioClient, closeAll, MODES, allBytes, assertBuffer, UTF8_TEXT, SIO_EVENT_TIMEOUT, needs,
} from '../../lib/sio-clients.js';
import { withTimeout } from '../../lib/util.js';

const ALL_MODES = [...MODES, ['default (upgraded)', {}, 'websocket']];

function bytes(n, seed = 7) {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + seed) & 0xff;
  return b;
}

/** Emit "message" and return the args of the "message-back". */
async function roundTrip(c, ...args) {
  c.socket.emit('message', ...args);
  return c.next('message-back');
}

describe('socket.io binary', () => {
  let server;
  const clients = new Set();

  before(async () => { server = await startSioServer({}); });
  afterEach(() => closeAll(clients));
  after(async () => { closeAll(clients); await server?.stop(); });

  for (const [label, opts] of ALL_MODES) {
    it(`a Buffer at the top level, all 256 byte values (${label})`, async () => {
      const c = await connectSioClient(server, '/', opts, clients);
      const got = await roundTrip(c, allBytes());
      assert.equal(got.length, 1);
      assertBuffer(got[0], allBytes());
      const single = await roundTrip(c, Buffer.from([0]));
      assertBuffer(single[0], Buffer.from([0]));
    });

    it(`Buffers nested in objects and arrays, mixed with JSON (${label})`, async () => {
      const c = await connectSioClient(server, '/', opts, clients);
      const a = bytes(10, 1);
      const b = bytes(300, 2);
      const d = bytes(1, 3);
      const got = await roundTrip(c, 'lead', { x: a, list: [1, b, { deep: [d] }], s: UTF8_TEXT }, 99);
      assert.equal(got.length, 3);
      assert.equal(got[0], 'lead');
      assert.equal(got[2], 99);
      const o = got[1];
      assert.deepEqual(Object.keys(o).sort(), ['list', 's', 'x']);
      assertBuffer(o.x, a, 'x');
      assert.equal(o.list[0], 1);
      assertBuffer(o.list[1], b, 'list[1]');
      assertBuffer(o.list[2].deep[0], d, 'list[2].deep[0]');
      assert.equal(o.s, UTF8_TEXT);
      const arr = await roundTrip(c, [bytes(5, 4), [bytes(6, 5)], 'tail']);
      assertBuffer(arr[0][0], bytes(5, 4));
      assertBuffer(arr[0][1][0], bytes(6, 5));
      assert.equal(arr[0][2], 'tail');
    });

    it(`several Buffers in one event, in order, incl. the same one twice (${label})`, async () => {
      const c = await connectSioClient(server, '/', opts, clients);
      const bufs = Array.from({ length: 8 }, (_, i) => bytes(i * 17 + 1, i));
      const got = await roundTrip(c, ...bufs, bufs[0]);
      assert.equal(got.length, 9);
      bufs.forEach((b, i) => assertBuffer(got[i], b, `arg ${i}`));
      assertBuffer(got[8], bufs[0], 'repeated buffer');
    });

    it(`an empty Buffer and a large one (200 kB) (${label})`, async () => {
      const c = await connectSioClient(server, '/', opts, clients);
      const got = await roundTrip(c, Buffer.alloc(0), bytes(200000, 9));
      assertBuffer(got[0], Buffer.alloc(0), 'empty');
      assertBuffer(got[1], bytes(200000, 9), 'large');
    });

    it(`binary in acks both ways (${label})`, async () => {
      const c = await connectSioClient(server, '/', opts, clients);
      // client -> server ack carries binary back
      const acked = await withTimeout(new Promise((resolve) => {
        c.socket.emit('message-with-ack', bytes(40, 1), { b: bytes(3, 2) }, 'txt', (...args) => resolve(args));
      }), SIO_EVENT_TIMEOUT, 'binary ack');
      assert.equal(acked.length, 3);
      assertBuffer(acked[0], bytes(40, 1));
      assertBuffer(acked[1].b, bytes(3, 2));
      assert.equal(acked[2], 'txt');
      // server -> client: binary question, the client's ack carries binary
      c.socket.on('question', (...args) => {
        const ack = args.pop();
        ack(args[0], { reply: bytes(64, 5) }, [bytes(2, 6)]);
      });
      c.socket.emit('ask', bytes(33, 4));
      const answer = await c.next('answer');
      assert.equal(answer.length, 3);
      assertBuffer(answer[0], bytes(33, 4), 'question bytes sent back');
      assertBuffer(answer[1].reply, bytes(64, 5), 'reply.reply');
      assertBuffer(answer[2][0], bytes(2, 6), 'reply[2][0]');
    });

    it(`binary and text events interleaved keep their order (${label})`, async () => {
      const c = await connectSioClient(server, '/', opts, clients);
      const sent = [];
      for (let i = 0; i < 60; i++) {
        const args = i % 2 ? [i, bytes(i + 1, i)] : [i, `text ${i}`];
        sent.push(args);
        c.socket.emit('message', ...args);
      }
      const got = await c.take('message-back', sent.length);
      got.forEach((g, i) => {
        assert.equal(g[0], i);
        if (i % 2) assertBuffer(g[1], sent[i][1], `event ${i}`);
        else assert.equal(g[1], sent[i][1]);
      });
    });
  }

  it('ArrayBuffer and Uint8Array views are sent as their bytes', needs('arrayBufferArgs'), async () => {
    const c = await connectSioClient(server, '/', { transports: ['websocket'] }, clients);
    const ab = new ArrayBuffer(4);
    new Uint8Array(ab).set([1, 2, 3, 4]);
    const big = new Uint8Array(300);
    big.set(allBytes(), 10);
    const got = await roundTrip(c, ab, { view: big.subarray(10, 266) });
    assertBuffer(got[0], Buffer.from([1, 2, 3, 4]));
    assertBuffer(got[1].view, allBytes());
  });

  it('binary in "/custom"', async () => {
    const c = await connectSioClient(server, '/custom', { transports: ['polling'] }, clients);
    const got = await roundTrip(c, { in: 'custom', data: bytes(77, 3) });
    assert.equal(got[0].in, 'custom');
    assertBuffer(got[0].data, bytes(77, 3));
  });

  itShutsDownCleanly(() => server, () => closeAll(clients));
});

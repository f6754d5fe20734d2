// The msgpack parser: the real socket.io-client with socket.io-msgpack-parser against
// sio-echo --parser msgpack (SIO_SERVER=node: node's socket.io with the same parser).
// Each packet is one binary Engine.IO message, the msgpack map {type, data, nsp, id}, binary
// inline. Over polling and websocket: connect to "/" and a namespace (auth, connect_error),
// acks both ways, Buffers in and out (nested too), a broadcast to a room, a server-side
// disconnect; a malformed packet, or a text one, closes the connection.
import { describe, it, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import msgpackParser from 'socket.io-msgpack-parser';
import { Socket as EioSocket } from 'engine.io-client';
import { startSioServer, itShutsDownCleanly } from '../../lib/sio-server.js';
import {
  connectSioClient, createSioClient, createManager, wrapSocket, closeAll, MODES, allBytes,
  assertBuffer, UTF8_TEXT, SIO_EVENT_TIMEOUT, ownClients,
} from '../../lib/sio-clients.js';
import { withTimeout } from '../../lib/util.js';

let roomSeq = 0;

function acked(c, event, ...args) {
  return withTimeout(new Promise((resolve) => c.socket.emit(event, ...args, (...r) => resolve(r))),
    SIO_EVENT_TIMEOUT, `ack of ${event}`);
}

/** A raw Engine.IO client on /socket.io/ that sends `msg` once open; resolves on close. */
function rawClose(server, transport, msg) {
  return withTimeout(new Promise((resolve) => {
    const s = new EioSocket(server.url, { path: '/socket.io/', transports: [transport] });
    s.on('open', () => s.send(msg));
    s.on('close', (reason) => resolve(reason));
  }), SIO_EVENT_TIMEOUT, 'the server closing the connection');
}

describe('socket.io msgpack parser', ownClients(), () => {
  let server;
  const clients = new Set();

  before(async () => { server = await startSioServer({ extraArgs: ['--parser', 'msgpack'] }); });
  afterEach(() => closeAll(clients));
  after(async () => { closeAll(clients); await server?.stop(); });

  for (const [label, base, transport] of MODES) {
    const opts = { ...base, parser: msgpackParser };

    it(`connects to "/" with auth, and to a namespace on the same connection (${label})`, async () => {
      const c = await connectSioClient(server, '/', { ...opts, auth: { token: 't', n: [1, 2.5] } },
        clients);
      assert.deepEqual(await c.next('auth'), [{ token: 't', n: [1, 2.5] }]);
      assert.equal(c.socket.io.engine.transport.name, transport);
      const m = createManager(server, opts);
      const root = wrapSocket(m.socket('/'), clients);
      const custom = wrapSocket(m.socket('/custom', { auth: { token: 'ok' } }), clients);
      await root.connected;
      await custom.connected;
      assert.deepEqual(await custom.next('auth'), [{ token: 'ok' }]);
      custom.socket.emit('message', 'in /custom', UTF8_TEXT, null, true, -7, { a: { b: [] } });
      assert.deepEqual(await custom.next('message-back'),
        ['in /custom', UTF8_TEXT, null, true, -7, { a: { b: [] } }]);
    });

    it(`a refused namespace gets connect_error with message and data (${label})`, async () => {
      const c = createSioClient(server, '/custom', { ...opts, auth: { token: 'refuse' } }, clients);
      const [err] = await c.next('connect_error');
      assert.equal(err.message, 'refused');
      assert.deepEqual(err.data, { code: 42 });
    });

    it(`acks both ways (${label})`, async () => {
      const c = await connectSioClient(server, '/', opts, clients);
      assert.deepEqual(await acked(c, 'message-with-ack', 1, 'two', { three: [3] }),
        [1, 'two', { three: [3] }]);
      c.socket.once('question', (...args) => {
        const ack = args.pop();
        ack('reply', ...args);
      });
      c.socket.emit('ask', 'q', 42);
      assert.deepEqual(await c.next('answer'), ['reply', 'q', 42]);
    });

    it(`Buffers in and out, at the top level and nested, in acks too (${label})`, async () => {
      const c = await connectSioClient(server, '/', opts, clients);
      const small = Buffer.from([0, 1, 2]);
      c.socket.emit('message', allBytes(), { x: small, list: [1, Buffer.alloc(70000, 7)] }, 'tail');
      const got = await c.next('message-back');
      assert.equal(got.length, 3);
      assertBuffer(got[0], allBytes());
      assertBuffer(got[1].x, small, 'x');
      assert.equal(got[1].list[0], 1);
      assertBuffer(got[1].list[1], Buffer.alloc(70000, 7), 'list[1]');
      assert.equal(got[2], 'tail');
      const r = await acked(c, 'message-with-ack', Buffer.from('ack'), [Buffer.alloc(0)]);
      assertBuffer(r[0], Buffer.from('ack'));
      assertBuffer(r[1][0], Buffer.alloc(0));
      // an ArrayBuffer (what a browser sends): notepack's ext type 0, of length 1 too (not
      // its fixext 1 "undefined"); back as bin (C) or as an ArrayBuffer (node)
      const ab = await acked(c, 'message-with-ack', new Uint8Array([5, 6, 7]).buffer,
        new Uint8Array([9]).buffer, undefined, { u: undefined, k: 1 });
      assertBuffer(Buffer.from(ab[0]), Buffer.from([5, 6, 7]), 'ArrayBuffer');
      assertBuffer(Buffer.from(ab[1]), Buffer.from([9]), 'ArrayBuffer of 1 byte');
      // undefined: null in an array and no key in a map (C, JSON inside), undefined (node)
      assert.equal(ab[2] ?? null, null);
      assert.equal(ab[3].u, undefined);
      assert.equal(ab[3].k, 1);
    });

    it(`a broadcast to a room reaches its members only, binary included (${label})`, async () => {
      const room = `mp-room-${++roomSeq}`;
      const a = await connectSioClient(server, '/', opts, clients);
      const b = await connectSioClient(server, '/', opts, clients);
      const out = await connectSioClient(server, '/', opts, clients);
      assert.deepEqual(await acked(a, 'join', room), []);
      assert.deepEqual(await acked(b, 'join', room), []);
      out.socket.emit('to-room', room, 'hi', { bin: Buffer.from([9, 8]) });
      for (const m of [a, b]) {
        const got = await m.next('room-message');
        assert.equal(got[0], 'hi');
        assertBuffer(got[1].bin, Buffer.from([9, 8]));
      }
      await out.quiet('room-message');
    });

    it(`a server-side disconnect reaches the client (${label})`, async () => {
      const c = await connectSioClient(server, '/', opts, clients);
      c.socket.emit('disconnect-me');
      const [reason] = await c.next('disconnect');
      assert.equal(reason, 'io server disconnect');
    });

    it(`a malformed msgpack packet or a text packet closes the connection (${label})`, async () => {
      // map {type: 2, nsp: "/", data: "x"}: data must be an array
      const badData = Buffer.from([0x83, 0xa4, ...Buffer.from('type'), 0x02, 0xa3,
        ...Buffer.from('nsp'), 0xa1, 0x2f, 0xa4, ...Buffer.from('data'), 0xa1, 0x78]);
      for (const msg of [badData, Buffer.from([0xc1]), Buffer.from([0x81]), '0']) {
        assert.ok(await rawClose(server, transport, msg));
      }
      // the server is still fine
      const c = await connectSioClient(server, '/', opts, clients);
      assert.deepEqual(await acked(c, 'message-with-ack', 'still'), ['still']);
    });
  }

  itShutsDownCleanly(() => server, () => closeAll(clients));
});

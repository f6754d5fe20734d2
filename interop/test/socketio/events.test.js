// Events both ways (client "message" -> server "message-back") with every JSON type,
// UTF-8 and emoji, nested structures, many arguments, and the order of a burst of 200,
// over polling and over websocket, in "/" and "/custom". Runs with every client kind
// (SIO_CLIENT, interop/lib/sio-clients.js).
import { describe, it, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { startSioServer, itShutsDownCleanly } from '../../lib/sio-server.js';
import {
  connectSioClient, createSioClient, closeAll, assertMessageBack, MODES, UTF8_TEXT, needs,
} from '../../lib/sio-clients.js';

describe('socket.io events', () => {
  let server;
  const clients = new Set();

  before(async () => { server = await startSioServer({}); });
  afterEach(() => closeAll(clients));
  after(async () => { closeAll(clients); await server?.stop(); });

  for (const [label, opts] of MODES) {
    it(`strings: ASCII, UTF-8 with emoji, empty, packet-like, escapes (${label})`, async () => {
      const c = await connectSioClient(server, '/', opts, clients);
      await assertMessageBack(c, 'hello');
      await assertMessageBack(c, UTF8_TEXT);
      await assertMessageBack(c, '');
      await assertMessageBack(c, '42["message","x"]');
      await assertMessageBack(c, '451-["x",{"_placeholder":true,"num":0}]');
      await assertMessageBack(c, 'quote " backslash \\ slash / tab \t newline \n nul \u0000 ctl \u001f del \u007f');
      await assertMessageBack(c, 'lone-ish surrogate pair 😀 and U+2028 \u2028 U+2029 \u2029');
      await assertMessageBack(c, 'x'.repeat(100000));
    });

    it(`numbers, null, booleans (${label})`, async () => {
      const c = await connectSioClient(server, '/', opts, clients);
      await assertMessageBack(c, 0);
      await assertMessageBack(c, -1);
      await assertMessageBack(c, 42);
      await assertMessageBack(c, 3.14159);
      await assertMessageBack(c, -2.5e-10);
      await assertMessageBack(c, Number.MAX_SAFE_INTEGER);
      await assertMessageBack(c, Number.MIN_SAFE_INTEGER);
      await assertMessageBack(c, null);
      await assertMessageBack(c, true);
      await assertMessageBack(c, false);
      await assertMessageBack(c, 1, null, true, false, 'mixed', -0.5);
    });

    it(`an integral number past 2^64: 1e300, -1e300 (${label})`, needs('integralBeyond64Bits'), async () => {
      const c = await connectSioClient(server, '/', opts, clients);
      await assertMessageBack(c, 1e300);
      await assertMessageBack(c, -1e300, 2 ** 70);
    });

    it(`nested objects and arrays (${label})`, async () => {
      const c = await connectSioClient(server, '/', opts, clients);
      const deep = { a: { b: { c: { d: { e: [1, [2, [3, [4, [5, { f: 'deep' }]]]]] } } } } };
      await assertMessageBack(c, {});
      await assertMessageBack(c, []);
      await assertMessageBack(c, { k: 'v', n: 1, z: null, t: true, arr: [1, 'two', { three: 3 }], o: { x: [] } });
      await assertMessageBack(c, [[], [[]], [{}], { '': '' }]);
      await assertMessageBack(c, deep);
      await assertMessageBack(c, { 'ключ 🔑': 'значение', 'with "quotes"': 'and \\ backslash' });
      await assertMessageBack(c, { _placeholder: true, num: 0 }); // looks like a binary placeholder
      const wide = {};
      for (let i = 0; i < 500; i++) wide[`key${i}`] = i % 2 ? `v${i}` : [i, { i }];
      await assertMessageBack(c, wide);
    });

    it(`no argument, one argument, many arguments (${label})`, async () => {
      const c = await connectSioClient(server, '/', opts, clients);
      await assertMessageBack(c);
      await assertMessageBack(c, 'one');
      const many = Array.from({ length: 50 }, (_, i) => (i % 3 === 0 ? i : i % 3 === 1 ? `s${i}` : { i }));
      await assertMessageBack(c, ...many);
    });

    it(`order preserved in a burst of 200 (${label})`, async () => {
      const c = await connectSioClient(server, '/', opts, clients);
      const sent = [];
      for (let i = 0; i < 200; i++) {
        const args = i % 5 === 0 ? [i, { i, text: UTF8_TEXT }] : [i, `m${i}`];
        sent.push(args);
        c.socket.emit('message', ...args);
      }
      const got = await c.take('message-back', 200);
      assert.deepEqual(got, sent);
    });

    it(`events in "/custom" (${label})`, async () => {
      const c = await connectSioClient(server, '/custom', opts, clients);
      await assertMessageBack(c, 'in custom', 1, { two: [2] }, null, false);
      await assertMessageBack(c, UTF8_TEXT);
    });
  }

  it('events emitted before the connection is established are delivered in order', async () => {
    const c = createSioClient(server, '/', {}, clients);
    for (let i = 0; i < 10; i++) c.socket.emit('message', 'early', i);
    const got = await c.take('message-back', 10);
    assert.deepEqual(got, Array.from({ length: 10 }, (_, i) => ['early', i]));
    await c.connected;
  });

  it('several clients at once do not see each other\'s echoes', async () => {
    const cs = await Promise.all([0, 1, 2].map((i) =>
      connectSioClient(server, '/', MODES[i % 2][1], clients)));
    cs.forEach((c, i) => { for (let j = 0; j < 20; j++) c.socket.emit('message', `c${i}`, j); });
    for (let i = 0; i < cs.length; i++) {
      const got = await cs[i].take('message-back', 20);
      assert.deepEqual(got, Array.from({ length: 20 }, (_, j) => [`c${i}`, j]));
      assert.equal(cs[i].count('message-back'), 0);
    }
  });

  itShutsDownCleanly(() => server, () => closeAll(clients));
});

// Echo tests shared by the three engine.io-client transport modes (polling only,
// websocket only, polling + upgrade). Each calling file runs them against its own server.
import { describe, it, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { startEioServer, itShutsDownCleanly } from './eio-server.js';
import { createClient, closeAll, assertEcho, assertSameMessage } from './clients.js';
import { once } from './util.js';

export const UTF8_TEXT = 'héllo wörld — ñ ü ß € 日本語テキスト 한국어 🎉👍🏽 👨‍👩‍👧 \u{10FFFF}';

function allBytes() {
  const b = Buffer.alloc(256);
  for (let i = 0; i < 256; i++) b[i] = i;
  return b;
}

/**
 * @param {string} label
 * @param {object} clientOpts engine.io-client options (transports, ...)
 * @param {object} expect { transport: final transport name, upgrade: whether an upgrade happens }
 */
export function defineEchoSuite(label, clientOpts, expect) {
  describe(label, () => {
    let server;
    const clients = new Set();

    // A client ready for echo tests: open, and upgraded when this mode upgrades.
    async function ready() {
      const c = createClient(server, clientOpts, clients);
      const upgraded = expect.upgrade ? once(c.socket, 'upgrade') : null;
      await c.opened;
      if (upgraded) await upgraded;
      assert.equal(c.socket.transport.name, expect.transport);
      return c;
    }

    before(async () => { server = await startEioServer({}); });
    afterEach(() => closeAll(clients));
    after(async () => { closeAll(clients); await server?.stop(); });

    it(`opens over ${expect.upgrade ? 'polling and upgrades to websocket' : expect.transport}`, async () => {
      const c = createClient(server, clientOpts, clients);
      const upgrades = [];
      c.socket.on('upgrade', (t) => upgrades.push(t.name));
      const upgraded = expect.upgrade ? once(c.socket, 'upgrade') : null;
      await c.opened;
      assert.equal(c.socket.transport.name, expect.upgrade ? 'polling' : expect.transport);
      assert.match(c.socket.id, /^[A-Za-z0-9_-]{20}$/);
      if (upgraded) {
        await upgraded;
        assert.deepEqual(upgrades, ['websocket']);
      }
      assert.equal(c.socket.transport.name, expect.transport);
      await assertEcho(c, 'after open');
    });

    it('echoes ASCII, multibyte UTF-8 with emoji, and the empty string as text', async () => {
      const c = await ready();
      await assertEcho(c, 'hello');
      await assertEcho(c, UTF8_TEXT);
      await assertEcho(c, '');
      // strings that look like packets must survive as payload (a literal \x1e cannot:
      // it is the polling record separator, a known limitation of the v4 protocol)
      await assertEcho(c, '4x 2probe 6');
      await assertEcho(c, 'b AAEC');
      await assertEcho(c, '{"json":[1,2,3]}');
    });

    it('echoes binary sent as Buffer, ArrayBuffer and Uint8Array (all 256 byte values)', async () => {
      const c = await ready();
      const bytes = allBytes();
      await assertEcho(c, Buffer.from(bytes));
      const ab = new ArrayBuffer(256);
      new Uint8Array(ab).set(bytes);
      await assertEcho(c, ab);
      // a Uint8Array view at an offset into a larger buffer
      const big = new Uint8Array(300);
      big.set(bytes, 10);
      await assertEcho(c, big.subarray(10, 266));
      await assertEcho(c, Buffer.from([0]));
      await assertEcho(c, Buffer.from('not text: \x00\xff'));
    });

    it('echoes a large text (200 kB) and a large binary (200 kB) message', async () => {
      const c = await ready();
      const text = 'x'.repeat(100000) + UTF8_TEXT.repeat(1000).slice(0, 50000);
      await assertEcho(c, text);
      const bin = Buffer.alloc(200000);
      for (let i = 0; i < bin.length; i++) bin[i] = (i * 31 + 7) & 0xff;
      await assertEcho(c, bin);
    });

    it('echoes a message sent right at the start, before the connection is open', async () => {
      const c = createClient(server, clientOpts, clients);
      c.socket.send('first words');
      c.socket.send(Buffer.from([1, 2, 3]));
      const got = await c.messages.take(2);
      assertSameMessage(got[0], 'first words');
      assertSameMessage(got[1], Buffer.from([1, 2, 3]));
      await c.opened;
    });

    it('preserves order in a burst of 300 mixed text/binary messages', async () => {
      const c = createClient(server, clientOpts, clients);
      const sent = [];
      const sendBurst = (tag, n) => {
        for (let i = 0; i < n; i++) {
          const m = i % 3 === 2 ? Buffer.from(`${tag}-${i}-bin`) : `${tag}-${i}-${i % 7 === 0 ? UTF8_TEXT : ''}`;
          sent.push(m);
          c.socket.send(m);
        }
      };
      sendBurst('pre-open', 100);
      await c.opened;
      sendBurst('open', 100); // for the upgrade mode: during the upgrade
      if (expect.upgrade && c.socket.transport.name !== 'websocket') await once(c.socket, 'upgrade');
      sendBurst('final', 100);
      const got = await c.messages.take(sent.length);
      got.forEach((g, i) => assertSameMessage(g, sent[i]));
      assert.equal(c.socket.transport.name, expect.transport);
    });

    it('serves several clients at once without mixing their messages', async () => {
      const cs = await Promise.all([ready(), ready(), ready()]);
      cs.forEach((c, i) => { for (let j = 0; j < 20; j++) c.socket.send(`c${i}-m${j}`); });
      for (let i = 0; i < cs.length; i++) {
        const got = await cs[i].messages.take(20);
        assert.deepEqual(got, Array.from({ length: 20 }, (_, j) => `c${i}-m${j}`));
      }
    });
    itShutsDownCleanly(() => server, () => closeAll(clients));
  });
}

// The same sio-echo process serves a bare Engine.IO echo endpoint on /engine.io/ next to
// Socket.IO on /socket.io/: engine.io-client (polling, websocket, upgrade) gets every
// message back as it was sent, while socket.io clients use the same server.
import { describe, it, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { startSioServer, itShutsDownCleanly } from '../../lib/sio-server.js';
import { createClient, closeAll as closeEioClients, assertEcho } from '../../lib/clients.js';
import {
  connectSioClient, closeAll as closeSioClients, assertMessageBack, allBytes, UTF8_TEXT, SIO_EVENT_TIMEOUT, ownClients,
} from '../../lib/sio-clients.js';
import WebSocket from 'ws';
import { withTimeout, delay } from '../../lib/util.js';

const EIO_MODES = [
  ['polling', { transports: ['polling'] }, 'polling', false],
  ['websocket', { transports: ['websocket'] }, 'websocket', false],
  ['default (upgraded)', {}, 'websocket', true],
];

describe('bare Engine.IO endpoint on /engine.io/ in sio-echo', ownClients(), () => {
  let server;
  const eioClients = new Set();
  const sioClients = new Set();
  const closeEverything = () => { closeEioClients(eioClients); closeSioClients(sioClients); };

  async function eioReady(opts, transport, upgrade) {
    const c = createClient(server, opts, eioClients);
    const upgraded = upgrade ? withTimeout(new Promise((r) => c.socket.once('upgrade', r)),
      SIO_EVENT_TIMEOUT, 'engine.io upgrade') : null;
    await c.opened;
    if (upgraded) await upgraded;
    assert.equal(c.socket.transport.name, transport);
    return c;
  }

  before(async () => { server = await startSioServer({}); });
  afterEach(closeEverything);
  after(async () => { closeEverything(); await server?.stop(); });

  for (const [label, opts, transport, upgrade] of EIO_MODES) {
    it(`engine.io-client echo over ${label}: text, UTF-8, binary`, async () => {
      const c = await eioReady(opts, transport, upgrade);
      assert.match(c.socket.id, /^[A-Za-z0-9_-]{20}$/);
      await assertEcho(c, 'hello engine.io');
      await assertEcho(c, UTF8_TEXT);
      // Socket.IO-looking text is not interpreted on this endpoint: it comes back verbatim
      await assertEcho(c, '0');
      await assertEcho(c, '42["message","not socket.io here"]');
      await assertEcho(c, '40/custom,');
      await assertEcho(c, allBytes());
      await assertEcho(c, Buffer.from([0]));
    });

    it(`engine.io-client order of a burst of 100 over ${label}`, async () => {
      const c = await eioReady(opts, transport, upgrade);
      const sent = Array.from({ length: 100 }, (_, i) => (i % 4 === 3 ? Buffer.from(`bin ${i}`) : `text ${i}`));
      sent.forEach((m) => c.socket.send(m));
      const got = await c.messages.take(sent.length, SIO_EVENT_TIMEOUT);
      got.forEach((g, i) => {
        if (typeof sent[i] === 'string') assert.equal(g, sent[i]);
        else assert.ok(Buffer.isBuffer(g) && g.equals(sent[i]), `message ${i}`);
      });
    });
  }

  it('engine.io and socket.io clients side by side, neither sees the other', async () => {
    const e = await eioReady({}, 'websocket', true);
    const s = await connectSioClient(server, '/', {}, sioClients);
    const s2 = await connectSioClient(server, '/', { transports: ['websocket'] }, sioClients);
    for (let i = 0; i < 5; i++) {
      await assertEcho(e, `eio ${i}`);
      await assertMessageBack(s, `sio ${i}`);
    }
    // a socket.io broadcast does not leak onto the engine.io endpoint
    s.socket.emit('broadcast', 'sio only');
    assert.deepEqual(await s2.next('broadcast'), ['sio only']);
    await delay(200);
    assert.equal(e.messages.size, 0, 'nothing unsolicited on the engine.io endpoint');
  });

  it('the engine.io endpoint does not speak Socket.IO: no CONNECT answer for "40"', async () => {
    const e = await eioReady({ transports: ['websocket'] }, 'websocket', false);
    e.socket.send('40'); // echoed as the text "40", not answered with 40{"sid":...}
    assert.equal(await e.messages.next(SIO_EVENT_TIMEOUT), '40');
    await delay(200);
    assert.equal(e.messages.size, 0);
  });

  it('a websocket upgrade on neither path is refused, both endpoints keep working', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/elsewhere/?EIO=4&transport=websocket`,
      { perMessageDeflate: false });
    const outcome = await withTimeout(new Promise((resolve) => {
      ws.once('open', () => resolve('open'));
      ws.once('unexpected-response', (req, res) => { res.resume(); resolve(`http ${res.statusCode}`); });
      ws.once('error', () => resolve('error'));
    }), SIO_EVENT_TIMEOUT, 'refusal of the upgrade');
    ws.terminate();
    assert.notEqual(outcome, 'open', 'no websocket on an unknown path');
    const e = await eioReady({ transports: ['websocket'] }, 'websocket', false);
    await assertEcho(e, 'eio fine');
    const s = await connectSioClient(server, '/', { transports: ['websocket'] }, sioClients);
    await assertMessageBack(s, 'sio fine');
  });

  it('websocket sessions on both endpoints stay open past 1 s (no stray teardown of upgrades)', async () => {
    const e = await eioReady({ transports: ['websocket'] }, 'websocket', false);
    const s = await connectSioClient(server, '/', { transports: ['websocket'] }, sioClients);
    await delay(1300);
    await assertEcho(e, 'still open');
    await assertMessageBack(s, 'still open');
    assert.equal(e.closes.size, 0);
    assert.equal(s.count('disconnect'), 0);
  });

  itShutsDownCleanly(() => server, closeEverything);
});

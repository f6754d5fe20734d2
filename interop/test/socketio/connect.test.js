// Connecting to "/" and "/custom" over polling only, websocket only and the default
// (polling, then the upgrade to websocket); the Socket.IO sid is not the Engine.IO sid
// (socket.io-client 2.x: it is, "<nsp>#<sid>" outside "/"); the "auth" event echoes the
// CONNECT payload ({} without one). Runs with every client kind (SIO_CLIENT,
// interop/lib/sio-clients.js).
import { describe, it, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { startSioServer, itShutsDownCleanly } from '../../lib/sio-server.js';
import {
  createSioClient, closeAll, waitUpgrade, assertMessageBack, UTF8_TEXT, needs, SIO_CLIENT_IS_V2,
} from '../../lib/sio-clients.js';

const CONNECT_MODES = [
  ['polling only', { transports: ['polling'] }, 'polling', false],
  ['websocket only', { transports: ['websocket'] }, 'websocket', false],
  ['default (polling, upgraded to websocket)', {}, 'websocket', true],
];

describe('socket.io connect', () => {
  let server;
  const clients = new Set();

  before(async () => { server = await startSioServer({}); });
  afterEach(() => closeAll(clients));
  after(async () => { closeAll(clients); await server?.stop(); });

  for (const nsp of ['/', '/custom']) {
    for (const [label, opts, transport, upgrade] of CONNECT_MODES) {
      it(`connects to "${nsp}" over ${label}`, async () => {
        const c = createSioClient(server, nsp, opts, clients);
        const engineUpgrades = [];
        let openedOver = null;
        c.socket.io.on('open', () => {
          openedOver = c.socket.io.engine.transport.name;
          c.socket.io.engine.on('upgrade', (t) => engineUpgrades.push(t.name));
        });
        await c.connected;
        assert.equal(c.socket.connected, true);
        assert.equal(c.socket.nsp, nsp);
        const engine = c.socket.io.engine;
        // the default mode opens over polling (the upgrade may already be done by now)
        assert.equal(openedOver, upgrade ? 'polling' : transport, 'transport of the engine.io open');
        assert.match(engine.id, /^[A-Za-z0-9_-]{20}$/);
        if (SIO_CLIENT_IS_V2) {
          // protocol v4: the client computes its id from the Engine.IO sid (eio3.test.js
          // checks the server knows it by that id)
          assert.equal(c.socket.id, nsp === '/' ? engine.id : `${nsp}#${engine.id}`);
        } else {
          // socket.id is the Socket.IO sid, distinct from the Engine.IO session id
          assert.match(c.socket.id, /^[A-Za-z0-9_-]{20}$/);
          assert.notEqual(c.socket.id, engine.id, 'socket.id must not be the engine.io sid');
        }
        const [auth] = await c.next('auth');
        assert.deepEqual(auth, {});
        if (upgrade) {
          await waitUpgrade(c);
          assert.deepEqual(engineUpgrades, ['websocket']);
          assert.equal(c.socket.io.engine.transport.name, 'websocket');
        }
        await assertMessageBack(c, `hello ${nsp} over ${label}`);
        assert.equal(c.socket.io.engine.transport.name, transport);
      });
    }
  }

  it('two connections get distinct socket ids and distinct engine ids', async () => {
    const a = createSioClient(server, '/', { transports: ['websocket'] }, clients);
    const b = createSioClient(server, '/', { transports: ['websocket'] }, clients);
    await Promise.all([a.connected, b.connected]);
    assert.notEqual(a.socket.id, b.socket.id);
    assert.notEqual(a.socket.io.engine.id, b.socket.io.engine.id);
  });

  for (const nsp of ['/', '/custom']) {
    it(`"auth" echoes the CONNECT payload on "${nsp}" (nested, UTF-8)`, needs('connectPayload'), async () => {
      const auth = { token: 'abc', n: 42, nested: { list: [1, 'two', null, true] }, text: UTF8_TEXT };
      const c = createSioClient(server, nsp, { transports: ['websocket'], auth }, clients);
      await c.connected;
      const [got] = await c.next('auth');
      assert.deepEqual(got, auth);
    });

    it(`"auth" echoes the CONNECT payload on "${nsp}" over polling`, needs('connectPayload'), async () => {
      const auth = { token: 'over polling', k: [0, { x: 'y' }] };
      const c = createSioClient(server, nsp, { transports: ['polling'], auth }, clients);
      await c.connected;
      const [got] = await c.next('auth');
      assert.deepEqual(got, auth);
    });
  }

  it('"auth" given as a function is evaluated by the client and echoed', needs('authFunction'), async () => {
    const c = createSioClient(server, '/', {
      transports: ['websocket'],
      auth: (cb) => cb({ from: 'function' }),
    }, clients);
    await c.connected;
    assert.deepEqual((await c.next('auth'))[0], { from: 'function' });
  });

  itShutsDownCleanly(() => server, () => closeAll(clients));
});

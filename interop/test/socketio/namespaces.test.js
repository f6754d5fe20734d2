// Namespaces: the "/custom" middleware refuses auth.token "refuse" with message "refused"
// and data {code: 42}; an unknown namespace gets connect_error "Invalid namespace"; the
// main connection ("/") stays usable when another namespace on the same Manager is refused.
// Runs with every client kind (SIO_CLIENT, interop/lib/sio-clients.js); socket.io-client
// 2.x sends the auth as the namespace's query and gets a refusal as its ERROR payload.
import { describe, it, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { startSioServer, itShutsDownCleanly } from '../../lib/sio-server.js';
import {
  createSioClient, connectSioClient, wrapSocket, createManager, managerSocket, closeAll,
  assertMessageBack, assertConnectError, setAuth, needs, MODES,
} from '../../lib/sio-clients.js';

describe('socket.io namespaces', () => {
  let server;
  const clients = new Set();
  const managers = new Set();

  function manager(opts) {
    const m = createManager(server, opts);
    managers.add(m);
    return m;
  }
  function closeEverything() {
    closeAll(clients);
    for (const m of managers) m.engine?.close();
    managers.clear();
  }

  before(async () => { server = await startSioServer({}); });
  afterEach(closeEverything);
  after(async () => { closeEverything(); await server?.stop(); });

  for (const [label, opts] of MODES) {
    it(`"/custom" middleware refuses token "refuse": message and data (${label})`, async () => {
      const c = createSioClient(server, '/custom', { ...opts, auth: { token: 'refuse' } }, clients);
      const [err] = await c.next('connect_error');
      assertConnectError(err, 'refused', { code: 42 });
      assert.equal(c.socket.connected, false);
      await c.quiet('connect');
      assert.equal(c.count('auth'), 0, 'no "auth" event for a refused connection');
    });

    it(`"/custom" accepts any other token (${label})`, async () => {
      const c = await connectSioClient(server, '/custom', { ...opts, auth: { token: 'accept' } }, clients);
      assert.deepEqual((await c.next('auth'))[0], { token: 'accept' });
      await assertMessageBack(c, 'accepted');
    });

    it(`an unknown namespace gets connect_error "Invalid namespace" (${label})`, async () => {
      const c = createSioClient(server, '/nope', opts, clients);
      const [err] = await c.next('connect_error');
      assertConnectError(err, 'Invalid namespace', undefined);
      await c.quiet('connect');
    });
  }

  it('"/" has no middleware: token "refuse" is accepted there', needs('connectPayload'), async () => {
    const c = await connectSioClient(server, '/', { auth: { token: 'refuse' } }, clients);
    assert.deepEqual((await c.next('auth'))[0], { token: 'refuse' });
  });

  it('namespaces whose name merely resembles a served one are unknown', async () => {
    for (const nsp of ['/custom/', '/Custom', '/custom2', '/socket.io']) {
      const c = createSioClient(server, nsp, { transports: ['websocket'] }, clients);
      const [err] = await c.next('connect_error');
      assertConnectError(err, 'Invalid namespace', undefined, `namespace ${nsp}`);
    }
  });

  for (const [label, opts] of MODES) {
    it(`the main connection stays usable when another namespace is refused (${label})`, async () => {
      const m = manager(opts);
      const main = wrapSocket(m.socket('/'), clients);
      await main.connected;
      const refused = wrapSocket(managerSocket(m, '/custom', { auth: { token: 'refuse' } }), clients);
      const unknown = wrapSocket(m.socket('/nope'), clients);
      assertConnectError((await refused.next('connect_error'))[0], 'refused', { code: 42 });
      assertConnectError((await unknown.next('connect_error'))[0], 'Invalid namespace', undefined);
      // same engine.io connection, still open, "/" still works
      assert.equal(main.socket.io, m);
      assert.equal(m.engine.readyState, 'open');
      assert.equal(main.socket.connected, true);
      await assertMessageBack(main, 'still usable', { after: ['refusals'] });
      // and the refused /custom socket (the Manager keeps one socket per namespace) can
      // retry with a good token over the same connection
      const good = refused;
      setAuth(good, { token: 'ok' });
      good.socket.connect();
      await good.next('connect');
      assert.deepEqual((await good.next('auth'))[0], { token: 'ok' });
      assert.notEqual(good.socket.id, main.socket.id);
      await assertMessageBack(good, 'custom on the shared connection');
      await assertMessageBack(main, 'main again');
      await main.quiet('disconnect');
    });
  }

  it('refused first, then the same Manager connects "/" fine', needs('lateRootSocket'), async () => {
    const m = manager({ transports: ['websocket'] });
    const refused = wrapSocket(managerSocket(m, '/custom', { auth: { token: 'refuse' } }), clients);
    assertConnectError((await refused.next('connect_error'))[0], 'refused', { code: 42 });
    const main = wrapSocket(m.socket('/'), clients);
    await main.connected;
    await assertMessageBack(main, 'after refusal');
  });

  itShutsDownCleanly(() => server, closeEverything);
});

// Automatic reconnection: a client with reconnection enabled (small delays) survives a
// server restart: SIGTERM, start again on the same port, the client gets "connect" again
// (a new session) and can emit. Runs with every client kind (SIO_CLIENT,
// interop/lib/sio-clients.js).
import { describe, it, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { startSioServer, itShutsDownCleanly, SIO_TIME_SCALE } from '../../lib/sio-server.js';
import {
  createSioClient, closeAll, assertMessageBack, isActive, MODES,
} from '../../lib/sio-clients.js';
import { withTimeout } from '../../lib/util.js';

/** Resolves once engine (an engine.io-client Socket) runs on websocket. */
const upgraded = (engine) => (engine.transport.name === 'websocket'
  ? Promise.resolve()
  : new Promise((resolve) => engine.once('upgrade', () => resolve())));

const RECONNECT_FAST = {
  reconnection: true, reconnectionDelay: 100, reconnectionDelayMax: 300, randomizationFactor: 0,
};
// reconnecting may take a few attempts while the server restarts
const RECONNECT_WAIT = 10000 * SIO_TIME_SCALE;

describe('socket.io reconnection after a server restart', () => {
  let server;
  const clients = new Set();

  afterEach(() => closeAll(clients));
  after(async () => { closeAll(clients); await server?.stop(); });

  for (const [label, opts] of [...MODES, ['default (upgraded)', {}]]) {
    it(`reconnects and can emit again (${label})`, async () => {
      if (!server || server.stopping) server = await startSioServer({});
      const main = createSioClient(server, '/', { ...opts, ...RECONNECT_FAST }, clients);
      const custom = createSioClient(server, '/custom', { ...opts, ...RECONNECT_FAST, auth: { token: 't' } }, clients);
      await Promise.all([main.connected, custom.connected]);
      if (!opts.transports) {
        // "upgraded": stop the server only once the upgrade is over; stopped mid-upgrade,
        // engine.io-client can sit with polling paused and notice only at the ping timeout
        await withTimeout(Promise.all([main, custom].map((c) => upgraded(c.socket.io.engine))),
          RECONNECT_WAIT, 'the upgrades');
      }
      await assertMessageBack(main, 'before restart');
      const firstId = main.socket.id;
      const reconnects = [];
      main.socket.io.on('reconnect', (n) => reconnects.push(n));

      const port = server.port;
      await server.stop();
      // how the connection dies depends on the transport and on timing (a polling request
      // cut mid-way is a "transport error"); never a server-initiated namespace disconnect
      for (const c of [main, custom]) {
        const [reason] = await c.next('disconnect', RECONNECT_WAIT);
        assert.ok(['transport close', 'transport error'].includes(reason), `disconnect reason ${reason}`);
      }
      assert.equal(isActive(main), true, 'the client keeps trying');
      assert.equal(main.count('connect'), 1);

      server = await startSioServer({ port });
      await main.next('connect', RECONNECT_WAIT); // the first connect
      await main.next('connect', RECONNECT_WAIT); // the reconnect
      await custom.next('connect', RECONNECT_WAIT);
      await custom.next('connect', RECONNECT_WAIT);
      assert.equal(reconnects.length, 1, 'the Manager reported one reconnect');
      assert.equal(main.socket.connected, true);
      assert.notEqual(main.socket.id, firstId, 'a new session after the restart');
      // the new session got a fresh "auth" event, with the same auth payload
      assert.deepEqual(await custom.take('auth', 2), [[{ token: 't' }], [{ token: 't' }]]);
      await assertMessageBack(main, 'after restart', { n: 1 });
      await assertMessageBack(custom, 'custom after restart');
    });
  }

  itShutsDownCleanly(() => server, () => closeAll(clients));
});

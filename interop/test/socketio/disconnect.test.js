// Disconnects: the server's socket.disconnect() ("disconnect-me") -> the client sees
// "io server disconnect" and does not reconnect; the client's socket.disconnect() -> the
// server forgets that socket (no more packets for its namespace reach the connection,
// other clients keep working); closing the Manager's connection. Runs with every client
// kind (SIO_CLIENT, interop/lib/sio-clients.js).
import { describe, it, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { startSioServer, itShutsDownCleanly } from '../../lib/sio-server.js';
import {
  connectSioClient, wrapSocket, createManager, closeAll, assertMessageBack, acked, isActive, MODES,
  SIO_EVENT_TIMEOUT, QUIET_MS,
} from '../../lib/sio-clients.js';
import { withTimeout, delay } from '../../lib/util.js';

const RECONNECT_FAST = { reconnection: true, reconnectionDelay: 50, reconnectionDelayMax: 100, randomizationFactor: 0 };

/** Record the decoded Socket.IO packets a Manager receives (any namespace). */
function recordPackets(m) {
  const packets = [];
  m.on('packet', (p) => packets.push(p));
  return packets;
}

describe('socket.io disconnects', () => {
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
    for (const m of managers) { m.reconnection(false); m.engine?.close(); }
    managers.clear();
  }

  before(async () => { server = await startSioServer({}); });
  afterEach(closeEverything);
  after(async () => { closeEverything(); await server?.stop(); });

  for (const [label, opts] of MODES) {
    for (const nsp of ['/', '/custom']) {
      it(`"disconnect-me": "io server disconnect", no reconnection (${label}, "${nsp}")`, async () => {
        const c = await connectSioClient(server, nsp, { ...opts, ...RECONNECT_FAST }, clients);
        const attempts = [];
        c.socket.io.on('reconnect_attempt', (n) => attempts.push(n));
        await assertMessageBack(c, 'before');
        c.socket.emit('disconnect-me');
        const [reason] = await c.next('disconnect');
        assert.equal(reason, 'io server disconnect');
        assert.equal(c.socket.connected, false);
        assert.equal(isActive(c), false, 'a server disconnect must not leave the socket active');
        await delay(QUIET_MS);
        assert.deepEqual(attempts, [], 'no reconnection attempt');
        assert.equal(c.count('connect'), 1, 'no second "connect"');
      });
    }

    it(`"disconnect-me" on one namespace leaves the other on the same connection alone (${label})`, async () => {
      const m = manager(opts);
      const main = wrapSocket(m.socket('/'), clients);
      const custom = wrapSocket(m.socket('/custom'), clients);
      await Promise.all([main.connected, custom.connected]);
      custom.socket.emit('disconnect-me');
      assert.equal((await custom.next('disconnect'))[0], 'io server disconnect');
      assert.equal(m.engine.readyState, 'open');
      await assertMessageBack(main, 'main unaffected');
      await main.quiet('disconnect');
      // the namespace can be joined again on the same connection
      custom.socket.connect();
      await custom.next('connect');
      await assertMessageBack(custom, 'custom again');
    });

    it(`client socket.disconnect(): "io client disconnect", the server forgets the socket (${label})`, async () => {
      // x has "/" and "/custom" on one connection; it leaves "/" only, so the connection
      // stays open and any packet the server still sent for "/" would be seen on it.
      const m = manager(opts);
      const packets = recordPackets(m);
      const xMain = wrapSocket(m.socket('/'), clients);
      const xCustom = wrapSocket(m.socket('/custom'), clients);
      await Promise.all([xMain.connected, xCustom.connected]);
      const y = await connectSioClient(server, '/', opts, clients);
      const z = await connectSioClient(server, '/', opts, clients);
      await acked(xMain, 'join', 'club');
      await acked(z, 'join', 'club');
      // positive control: while connected, x receives both on "/"
      y.socket.emit('broadcast', 'control');
      y.socket.emit('to-room', 'club', 'control room');
      assert.deepEqual(await xMain.next('broadcast'), ['control']);
      assert.deepEqual(await xMain.next('room-message'), ['control room']);
      assert.deepEqual(await z.next('broadcast'), ['control']);
      assert.deepEqual(await z.next('room-message'), ['control room']);
      assert.ok(packets.some((p) => p.nsp === '/' && p.data?.[0] === 'broadcast'));

      xMain.socket.disconnect();
      assert.equal((await xMain.next('disconnect'))[0], 'io client disconnect');
      // the DISCONNECT packet is ahead of this ack on the same connection
      assert.deepEqual(await acked(xCustom, 'message-with-ack', 'sync'), ['sync']);
      packets.length = 0;
      y.socket.emit('broadcast', 'after');
      y.socket.emit('to-room', 'club', 'after room');
      assert.deepEqual(await z.next('broadcast'), ['after']);
      assert.deepEqual(await z.next('room-message'), ['after room']);
      await delay(QUIET_MS);
      assert.deepEqual(packets.filter((p) => p.nsp === '/'), [],
        'no packet for "/" may reach a connection that left "/"');
      // the other namespace on that connection and the other clients keep working
      await assertMessageBack(xCustom, 'custom still fine');
      await assertMessageBack(y, 'y still fine');
      assert.equal(m.engine.readyState, 'open');
    });

    it(`closing the Manager's connection: "forced close", others unaffected (${label})`, async () => {
      const c = await connectSioClient(server, '/', opts, clients);
      const other = await connectSioClient(server, '/', opts, clients);
      const m = c.socket.io;
      m.engine.close();
      const [reason] = await c.next('disconnect');
      assert.equal(reason, 'forced close');
      assert.equal(c.socket.connected, false);
      // the server notices the closed connection; broadcasting afterwards is harmless
      other.socket.emit('broadcast', 'nobody else');
      await assertMessageBack(other, 'other still fine');
    });
  }

  it('socket.disconnect() of the only socket closes the connection; the server carries on', async () => {
    const c = await connectSioClient(server, '/', { transports: ['websocket'] }, clients);
    const engine = c.socket.io.engine;
    const engineClosed = withTimeout(new Promise((resolve) => engine.once('close', resolve)),
      SIO_EVENT_TIMEOUT, 'engine close');
    c.socket.disconnect();
    assert.equal((await c.next('disconnect'))[0], 'io client disconnect');
    await engineClosed;
    const fresh = await connectSioClient(server, '/', { transports: ['websocket'] }, clients);
    await assertMessageBack(fresh, 'new connections still accepted');
  });

  it('many clients connecting and disconnecting leave the server healthy', async () => {
    for (let round = 0; round < 3; round++) {
      const cs = await Promise.all(Array.from({ length: 10 }, (_, i) => connectSioClient(server,
        i % 2 ? '/' : '/custom', MODES[i % 2][1], clients)));
      await Promise.all(cs.map((c, i) => assertMessageBack(c, `round ${round} client ${i}`)));
      cs.forEach((c, i) => { if (i % 3 === 0) c.socket.emit('disconnect-me'); else c.socket.disconnect(); });
      closeAll(clients);
    }
    const c = await connectSioClient(server, '/', {}, clients);
    await assertMessageBack(c, 'healthy');
  });

  itShutsDownCleanly(() => server, closeEverything);
});

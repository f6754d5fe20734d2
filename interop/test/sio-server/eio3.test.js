// sio-server's "allowEIO3" key (added to examples/default.json): with it, socket.io-client
// 2.x (Engine.IO v3) connects (polling with the upgrade, and websocket only), joins a room
// with an ack and gets the "joined" confirmation ("ping" is a reserved event name in 2.x:
// it cannot be emitted); without it (the default), EIO=3 is refused with code 5. The same
// setting from the command line (--allow-eio3, --allow-eio3=false) and the environment
// (WEBSOCKET_ALLOW_EIO3=true|false), the flag over the variable over the file.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ioV2 from 'socket.io-client-v2';
import { http, startDefaultWith, startServer, waitFor } from '../../lib/sio-server-app.js';

const ENV = { NODE_ENV: 'development', JWT_ACCESS_SECRET: '', WEBSOCKET_API_KEY: '',
  WS_ALLOWED_ORIGINS: '', WEBSOCKET_CORS_ORIGIN: '' };

describe('sio-server: allowEIO3', () => {
  let server;
  let dir;
  const sockets = new Set();

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sio-eio3-'));
    server = await startDefaultWith(dir, { allowEIO3: true });
  });
  after(async () => {
    for (const s of sockets) s.close();
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  for (const [label, opts] of [['upgrade', {}], ['websocket', { transports: ['websocket'] }]]) {
    it(`socket.io-client 2.x connects, joins a room with an ack and its confirmation (${label})`, async () => {
      const c = ioV2(server.url, { forceNew: true, reconnection: false, ...opts });
      sockets.add(c);
      await waitFor(c, 'connect');
      const joined = waitFor(c, 'joined');
      const ack = await new Promise((resolve) => c.emit('join', { room: 'lobby' }, resolve));
      assert.deepEqual(ack, { success: true, room: 'lobby' });
      assert.deepEqual((await joined)[0], { room: 'lobby' });
    });
  }
});

describe('sio-server: EIO=3 by default', () => {
  let server;
  before(async () => { server = await startServer({ env: ENV }); });
  after(async () => { await server?.stop(); });

  it('is refused with code 5', async () => {
    const res = await http(server.url, { path: '/socket.io/?EIO=3&transport=polling' });
    assert.equal(res.status, 400);
    assert.deepEqual(res.json, { code: 5, message: 'Unsupported protocol version' });
  });
});

/** A v3 polling handshake: 200 with a v3 open packet, or 400 with the error's JSON. */
async function v3Handshake(url) {
  const res = await http(url, { path: '/socket.io/?EIO=3&transport=polling' });
  return res.status === 200 ? { status: 200, open: /^\d+:0\{"sid"/.test(res.text) } : res;
}

for (const [label, opts, accepted] of [
  ['--allow-eio3', { args: ['--allow-eio3'] }, true],
  ['WEBSOCKET_ALLOW_EIO3=true', { env: { WEBSOCKET_ALLOW_EIO3: 'true' } }, true],
  ['--allow-eio3=false over WEBSOCKET_ALLOW_EIO3=true',
    { env: { WEBSOCKET_ALLOW_EIO3: 'true' }, args: ['--allow-eio3=false'] }, false],
]) {
  describe(`sio-server: ${label}`, () => {
    let server;
    const sockets = new Set();
    before(async () => {
      server = await startServer({ env: { ...ENV, ...opts.env }, args: opts.args ?? [] });
    });
    after(async () => {
      for (const s of sockets) s.close();
      await server?.stop();
    });

    if (accepted) {
      it('socket.io-client 2.x connects (websocket) and a v3 handshake is answered', async () => {
        const c = ioV2(server.url, { forceNew: true, reconnection: false,
          transports: ['websocket'] });
        sockets.add(c);
        await waitFor(c, 'connect');
        assert.equal(c.id, c.io.engine.id);
        assert.deepEqual(await v3Handshake(server.url), { status: 200, open: true });
      });
    } else {
      it('EIO=3 is refused with code 5', async () => {
        const res = await v3Handshake(server.url);
        assert.equal(res.status, 400);
        assert.deepEqual(res.json, { code: 5, message: 'Unsupported protocol version' });
      });
    }
  });
}

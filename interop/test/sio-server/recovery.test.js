// sio-server with a "connectionStateRecovery" section (docs/sio-server.md, "Connection state
// recovery"): the make-run configuration (apps/sio-server/examples/default.json) plus that
// section. A client in a room whose transport is cut misses two HTTP API broadcasts to the
// room; it comes back by itself with the same id, socket.recovered true, and gets both, in
// order, each with its offset as a last argument. Without the section (the example as it
// is) the same client comes back as a new socket and gets nothing.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  clientFactory, collect, http, startDefaultWith, waitFor, TIMEOUT,
} from '../../lib/sio-server-app.js';

const API = '/api/v1/websocket';
const API_KEY = 'recovery-key-0123456789';
const KEY = { 'X-Api-Key': API_KEY };
const FAST = { transports: ['websocket'], reconnection: true, reconnectionDelay: 50,
  reconnectionDelayMax: 100, randomizationFactor: 0 };

describe('sio-server with "connectionStateRecovery"', () => {
  let server;
  const dir = mkdtempSync(join(tmpdir(), 'sio-recovery-'));
  const client = clientFactory(() => server.url);

  async function start(extra) {
    await server?.stop();
    server = await startDefaultWith(dir, extra, { WEBSOCKET_API_KEY: API_KEY });
  }
  after(async () => {
    client.closeAll();
    rmSync(dir, { recursive: true, force: true });
    await server?.stop();
  });

  /** Join a room, cut the transport, broadcast twice to the room, wait for the reconnect. */
  async function cutAndBroadcast() {
    const c = await client.connected(FAST);
    const id = c.id;
    const joined = waitFor(c, 'joined');
    assert.deepEqual(await c.timeout(TIMEOUT).emitWithAck('join', { room: 'r' }),
      { success: true, room: 'r' });
    await joined;
    const news = collect(c, 'news');
    const back = new Promise((resolve) => c.io.once('reconnect', resolve));
    const gone = waitFor(c, 'disconnect');
    c.io.engine.close();
    await gone;
    for (const n of [1, 2]) {
      const res = await http(server.url, { method: 'POST', path: `${API}/broadcast/room/room%3Ar`,
        headers: KEY, body: { event: 'news', data: { n } } });
      assert.equal(res.status, 200, res.text);
    }
    await back;
    return { c, id, news };
  }

  it('a client cut from the server comes back recovered with what it missed', async () => {
    await start({ connectionStateRecovery: { maxDisconnectionDuration: 10000 } });
    const { c, id, news } = await cutAndBroadcast();
    const deadline = Date.now() + TIMEOUT;
    while (news.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.equal(c.recovered, true);
    assert.equal(c.id, id);
    assert.deepEqual(news.map((a) => a[0]), [{ n: 1 }, { n: 2 }]);
    for (const a of news) assert.equal(typeof a[1], 'string', 'the offset, last');
    c.close();
  });

  it('without the section: a new socket, nothing replayed', async () => {
    await start({});
    const { c, id, news } = await cutAndBroadcast();
    await new Promise((r) => setTimeout(r, 300));
    assert.ok(!c.recovered); // socket.io-client: undefined when the server sends no pid
    assert.notEqual(c.id, id);
    assert.deepEqual(news, []);
    c.close();
  });
});

// sio-server with `"parser": "msgpack"` in its config file (docs/sio-server.md,
// "Configuration"): the make-run configuration (apps/sio-server/examples/default.json) plus
// that one key. The real socket.io-client with socket.io-msgpack-parser connects over
// polling and over websocket, joins a room with the config's join event (acknowledged and
// confirmed), gets pong for ping, and receives a broadcast made through the HTTP API (its
// JSON `data` arrives decoded from msgpack, the same values); a member of another room
// does not. A client with the default parser is disconnected, never connected.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import msgpackParser from 'socket.io-msgpack-parser';
import {
  clientFactory, collect, http, startDefaultWith, waitFor, TIMEOUT,
} from '../../lib/sio-server-app.js';

const API = '/api/v1/websocket';
const API_KEY = 'msgpack-parser-key-0123456789';
const KEY = { 'X-Api-Key': API_KEY };

describe('sio-server with "parser": "msgpack"', () => {
  let server;
  let dir;
  const client = clientFactory(() => server.url);

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sio-msgpack-'));
    server = await startDefaultWith(dir, { parser: 'msgpack' }, { WEBSOCKET_API_KEY: API_KEY });
  });
  after(async () => {
    client.closeAll();
    rmSync(dir, { recursive: true, force: true });
    await server?.stop();
  });

  for (const transport of ['polling', 'websocket']) {
    it(`joins a room and receives an HTTP API broadcast to it (${transport})`, async () => {
      const opts = { transports: [transport], parser: msgpackParser };
      const c = await client.connected(opts);
      const other = await client.connected(opts);
      assert.equal(c.io.engine.transport.name, transport);
      const room = `mp-${transport}`;
      const joined = waitFor(c, 'joined');
      assert.deepEqual(await c.timeout(TIMEOUT).emitWithAck('join', { room }),
        { success: true, room });
      assert.deepEqual((await joined)[0], { room });
      const pong = waitFor(c, 'pong');
      c.emit('ping');
      await pong;

      const otherSeen = collect(other, 'news');
      const data = { n: 1, x: 2.5, s: 'héllo ✓', list: [null, true, false, -7], o: { a: [] } };
      const got = waitFor(c, 'news');
      const res = await http(server.url, { method: 'POST',
        path: `${API}/broadcast/room/${encodeURIComponent(`room:${room}`)}`, headers: KEY,
        body: { event: 'news', data } });
      assert.equal(res.status, 200, res.text);
      assert.deepEqual(res.json.data, { event: 'news', room: `room:${room}`, recipientCount: 1 });
      assert.deepEqual(await got, [data]);
      // `other` is in no room: a broadcast to everyone reaches it, after nothing else
      const flushed = waitFor(other, 'flush');
      const all = await http(server.url, { method: 'POST', path: `${API}/broadcast`,
        headers: KEY, body: { event: 'flush' } });
      assert.equal(all.status, 200, all.text);
      await flushed;
      assert.deepEqual(otherSeen, []);
      c.close();
      other.close();
    });
  }

  it('a client with the default parser is disconnected, never connected', async () => {
    const c = client({ transports: ['websocket'] });
    const outcome = await new Promise((resolve) => {
      for (const e of ['connect', 'connect_error', 'disconnect']) c.once(e, () => resolve(e));
    });
    // its CONNECT is a text packet: the server closes the connection
    assert.equal(outcome, 'disconnect');
    assert.equal(c.connected, false);
    c.close();
    // the server goes on serving msgpack clients
    const ok = await client.connected({ parser: msgpackParser });
    assert.ok(ok.connected);
  });
});

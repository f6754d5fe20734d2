// sio-server behind a real Debian nginx, with the site of docs/deploy.md: the
// test runs docs/nginx/sio-server.conf as it is (deploy.md includes it verbatim,
// checked here), with only its listen line and upstream server line replaced by
// loopback ports. nginx runs as a child (-p tmpdir -c conf -g 'daemon off;') with
// its pid, logs and temp paths in a tmp dir; two sio-server instances sit behind
// the upstream, so the sticky sessions (ip_hash) are needed for polling.
// Checked through nginx: polling then the WebSocket upgrade, websocket only,
// polling only across many round trips (the sid must keep reaching its
// instance), server-originated events (join confirmation, pong), the Origin
// check (the page's own origin via the Host header, a foreign origin refused),
// and a room broadcast through the HTTP API when that API exists.
// Skipped (with the reason) only when nginx is not installed; scripts/install-deps.sh
// installs it.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import WebSocket from 'ws';
import {
  clientFactory, http, now, ROOT, sign, startServer, waitFor, TIMEOUT,
} from '../../lib/sio-server-app.js';
import { DEPLOY_MD, NGINX, SITE, nginxDir, startNginx } from '../../lib/nginx.js';

const DEFAULT_CONFIG = `${ROOT}apps/sio-server/examples/default.json`;
const SECRET = 'nginx-test-secret-0123456789abcdef0123456789';
const API_KEY = 'nginx-test-api-key-0123456789';

function wsStatus(url, headers) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${url.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`, { headers });
    ws.on('open', () => { ws.close(); resolve(101); });
    ws.on('unexpected-response', (req, res) => { res.resume(); resolve(res.statusCode); });
    ws.on('error', reject);
  });
}

describe('sio-server behind nginx (docs/nginx/sio-server.conf)',
  { skip: NGINX ? false : 'nginx is not installed (scripts/install-deps.sh installs it)' }, () => {
    let nginx;
    let url;
    const servers = [];
    const client = clientFactory(() => url);

    before(async () => {
      const dir = nginxDir();
      // `make run`'s config, with "trustProxy": true as docs/deploy.md says behind nginx
      const config = path.join(dir, 'sio-server.json');
      writeFileSync(config, JSON.stringify({
        ...JSON.parse(readFileSync(DEFAULT_CONFIG, 'utf8')), trustProxy: true }));
      for (let i = 0; i < 2; i++) {
        servers.push(await startServer({ config,
          env: { JWT_ACCESS_SECRET: SECRET, WEBSOCKET_API_KEY: API_KEY, NODE_ENV: 'production' } }));
      }
      nginx = await startNginx(dir, servers.map((s) => s.port));
      url = nginx.url;
    });

    after(async () => {
      client.closeAll();
      await nginx?.stop();
      for (const s of servers) await s.stop();
    });

    it('docs/deploy.md includes docs/nginx/sio-server.conf verbatim', () => {
      const site = readFileSync(SITE, 'utf8').trimEnd();
      assert.ok(readFileSync(DEPLOY_MD, 'utf8').includes(site),
        'docs/deploy.md must contain the site file exactly (copy it into its nginx block)');
    });

    it('polling, then the WebSocket upgrade through nginx; server events arrive', async () => {
      const c = client({});
      assert.equal(c.io.engine.transport.name, 'polling');  // the handshake
      const upgraded = waitFor(c.io.engine, 'upgrade');
      await waitFor(c, 'connect');
      await upgraded;
      assert.equal(c.io.engine.transport.name, 'websocket');
      const joined = waitFor(c, 'joined');
      const ack = await c.timeout(TIMEOUT).emitWithAck('join', { room: 'lobby' });
      assert.deepEqual(ack, { success: true, room: 'lobby' });
      assert.deepEqual((await joined)[0], { room: 'lobby' });
      const pong = waitFor(c, 'pong');
      c.emit('ping');
      await pong;
    });

    it('websocket only through nginx', async () => {
      const c = await client.connected({ transports: ['websocket'] });
      assert.equal(c.io.engine.transport.name, 'websocket');
      const pong = waitFor(c, 'pong');
      c.emit('ping');
      await pong;
    });

    it('polling only, two instances behind ip_hash: every request of a session reaches its instance', async () => {
      const cs = await Promise.all([1, 2, 3].map(() => client.connected({ transports: ['polling'] })));
      for (let round = 0; round < 5; round++) {
        for (const c of cs) {
          const pong = waitFor(c, 'pong');
          c.emit('ping');
          await pong;
        }
      }
      assert.ok(cs.every((c) => c.connected && c.io.engine.transport.name === 'polling'));
    });

    it('Origin through nginx: the page\'s own origin is allowed (Host passed on), a foreign one refused', async () => {
      assert.equal(await wsStatus(url, { Origin: url }), 101);
      assert.equal(await wsStatus(url, { Origin: 'https://evil.example.net' }), 403);
      const c = client({ extraHeaders: { Origin: url } });
      const upgraded = waitFor(c.io.engine, 'upgrade');
      await waitFor(c, 'connect');
      await upgraded;
      assert.equal(c.io.engine.transport.name, 'websocket');
    });

    it('the HTTP API is reachable through nginx', async () => {
      const res = await http(url, { path: '/api/v1/websocket/health' });
      assert.equal(res.status, 200);
      assert.equal(res.json?.success, true);
    });

    // A room broadcast through nginx: HTTP API (POST <prefix>/broadcast/room/:room)
    // with an admin JWT and the API key, received by a websocket and a polling client.
    it('receives a room broadcast sent through the HTTP API', async () => {
      const room = 'room:lobby';
      const path = `/api/v1/websocket/broadcast/room/${encodeURIComponent(room)}`;
      const admin = sign({ sub: 'ops', role: 'admin', iat: now(), exp: now() + 600 }, SECRET);
      const headers = { Authorization: `Bearer ${admin}`, 'X-API-Key': API_KEY };
      // both clients in the room, one on each transport, behind nginx
      const a = client({});
      const upgraded = waitFor(a.io.engine, 'upgrade');
      await waitFor(a, 'connect');
      await upgraded;
      const b = await client.connected({ transports: ['polling'] });
      for (const c of [a, b]) await c.timeout(TIMEOUT).emitWithAck('join', { room: 'lobby' });
      const got = [a, b].map((c) => waitFor(c, 'news'));
      const res = await http(url, { method: 'POST', path, headers,
        body: { event: 'news', data: { text: 'through nginx' } } });
      assert.equal(res.status, 200, res.text);
      for (const [data] of await Promise.all(got)) assert.deepEqual(data, { text: 'through nginx' });
    });

    it('nginx logged no error for these requests', () => {
      assert.deepEqual(nginx.errors(), [], nginx.log());
    });
  });

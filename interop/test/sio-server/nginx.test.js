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
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import {
  clientFactory, freePort, http, now, ROOT, sign, startServer, waitFor, TIMEOUT,
} from '../../lib/sio-server-app.js';

const NGINX = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((p) => existsSync(p));
const SITE = `${ROOT}docs/nginx/sio-server.conf`;
const DEPLOY_MD = `${ROOT}docs/deploy.md`;
const DEFAULT_CONFIG = `${ROOT}apps/sio-server/examples/default.json`;
const SECRET = 'nginx-test-secret-0123456789abcdef0123456789';
const API_KEY = 'nginx-test-api-key-0123456789';

/** The documented site with loopback ports: only listen and upstream server lines change. */
function siteForTest(site, listenPort, upstreamPorts) {
  let listens = 0;
  let servers = 0;
  const out = site.split('\n').flatMap((line) => {
    if (/^\s*listen\s+\S+;/.test(line)) {
      listens += 1;
      return listens === 1 ? [line.replace(/listen\s+\S+;/, `listen 127.0.0.1:${listenPort};`)] : [];
    }
    if (/^\s*server\s+127\.0\.0\.1:\d+;/.test(line)) {
      servers += 1;
      const indent = line.match(/^\s*/)[0];
      return upstreamPorts.map((p) => `${indent}server 127.0.0.1:${p};`);
    }
    return [line];
  });
  assert.equal(servers, 1, 'the site has one upstream server line');
  assert.ok(listens >= 1, 'the site has a listen line');
  return out.join('\n');
}

async function waitForPort(port, proc, errLog) {
  const deadline = Date.now() + TIMEOUT;
  for (;;) {
    if (proc.exitCode !== null) {
      throw new Error(`nginx exited ${proc.exitCode}: ${readFileSync(errLog, 'utf8')}`);
    }
    const ok = await new Promise((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => { s.destroy(); resolve(true); });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error('nginx did not listen');
    await new Promise((r) => setTimeout(r, 50));  // polling a port: nothing to await
  }
}

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
    let dir;
    let nginx;
    let nginxExit;
    let url;
    let stderr = '';
    const servers = [];
    const client = clientFactory(() => url);

    before(async () => {
      dir = mkdtempSync(path.join(tmpdir(), 'sio-nginx-'));
      chmodSync(dir, 0o755);  // as root, the workers run as nobody and create temp dirs here
      // `make run`'s config, with "trustProxy": true as docs/deploy.md says behind nginx
      const config = path.join(dir, 'sio-server.json');
      writeFileSync(config, JSON.stringify({
        ...JSON.parse(readFileSync(DEFAULT_CONFIG, 'utf8')), trustProxy: true }));
      for (let i = 0; i < 2; i++) {
        servers.push(await startServer({ config,
          env: { JWT_ACCESS_SECRET: SECRET, WEBSOCKET_API_KEY: API_KEY, NODE_ENV: 'production' } }));
      }
      const port = await freePort();
      url = `http://127.0.0.1:${port}`;
      writeFileSync(path.join(dir, 'site.conf'),
        siteForTest(readFileSync(SITE, 'utf8'), port, servers.map((s) => s.port)));
      writeFileSync(path.join(dir, 'nginx.conf'), [
        'worker_processes 1;',
        `pid ${dir}/nginx.pid;`,
        `error_log ${dir}/error.log;`,
        'events { worker_connections 512; }',
        'http {',
        `  access_log ${dir}/access.log;`,
        ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']
          .map((t) => `  ${t}_temp_path ${dir}/${t}_temp;`),
        `  include ${dir}/site.conf;`,
        '}', ''].join('\n'));
      const errLog = path.join(dir, 'error.log');
      nginx = spawn(NGINX, ['-p', `${dir}/`, '-c', `${dir}/nginx.conf`, '-e', errLog,
        '-g', 'daemon off;'], { stdio: ['ignore', 'ignore', 'pipe'] });
      nginx.stderr.on('data', (d) => { stderr += d; });
      nginxExit = once(nginx, 'exit');
      await waitForPort(port, nginx, errLog);
    });

    after(async () => {
      client.closeAll();
      if (nginx && nginx.exitCode === null && nginx.signalCode === null) {
        nginx.kill('SIGTERM');  // fast stop: SIGQUIT would wait for open WebSockets
        const t = setTimeout(() => nginx.kill('SIGKILL'), TIMEOUT);
        await nginxExit;
        clearTimeout(t);
      }
      for (const s of servers) await s.stop();
      if (dir) rmSync(dir, { recursive: true, force: true });
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
      const log = readFileSync(path.join(dir, 'error.log'), 'utf8');
      const bad = log.split('\n').filter((l) => /\[(error|crit|alert|emerg)\]/.test(l));
      assert.deepEqual(bad, [], `${log}\n${stderr}`);
    });
  });

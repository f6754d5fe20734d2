// The configuration `make run` starts: apps/sio-server/examples/default.json with
// NODE_ENV=development (the Makefile's default). It must work with no secret at
// all: anonymous clients connect on both transports, join/leave rooms (confirmed
// and acknowledged), ping -> pong, a localhost dev page may connect, the health
// endpoint answers. With JWT_ACCESS_SECRET set, tokens are verified (a bad one is
// refused) but still optional.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  clientFactory, http, now, ROOT, sign, startServer, waitFor, TIMEOUT,
} from '../../lib/sio-server-app.js';

const CONFIG = `${ROOT}apps/sio-server/examples/default.json`;

describe('sio-server: make run configuration (default.json, no secret)', () => {
  let server;
  const client = clientFactory(() => server.url);

  before(async () => {
    const env = { NODE_ENV: 'development' };
    for (const k of ['JWT_ACCESS_SECRET', 'WEBSOCKET_API_KEY', 'WS_ALLOWED_ORIGINS',
      'WEBSOCKET_CORS_ORIGIN']) env[k] = '';  // empty counts as unset
    server = await startServer({ config: CONFIG, env });
  });
  after(async () => {
    client.closeAll();
    await server?.stop();
  });

  it('an anonymous client connects, upgrades, joins and leaves a room, gets pong', async () => {
    const c = client({});
    const upgraded = waitFor(c.io.engine, 'upgrade');
    await waitFor(c, 'connect');
    await upgraded;
    const joined = waitFor(c, 'joined');
    assert.deepEqual(await c.timeout(TIMEOUT).emitWithAck('join', { room: 'lobby' }),
      { success: true, room: 'lobby' });
    assert.deepEqual((await joined)[0], { room: 'lobby' });
    const left = waitFor(c, 'left');
    assert.deepEqual(await c.timeout(TIMEOUT).emitWithAck('leave', { room: 'lobby' }),
      { success: true, room: 'lobby' });
    assert.deepEqual((await left)[0], { room: 'lobby' });
    const pong = waitFor(c, 'pong');
    c.emit('ping');
    await pong;
  });

  it('a room name outside [A-Za-z0-9_.-]{1,64} is refused (no "user:..." rooms)', async () => {
    const c = await client.connected({ transports: ['websocket'] });
    for (const room of ['user:someone', '', 'a'.repeat(65), 'with space']) {
      const ack = await c.timeout(TIMEOUT).emitWithAck('join', { room });
      assert.equal(ack.success, false, room);
    }
    assert.ok(c.connected);
  });

  it('development mode: a page on localhost:<any port> may connect over WebSocket', async () => {
    const c = await client.connected({ transports: ['websocket'],
      extraHeaders: { Origin: 'http://localhost:5173' } });
    assert.ok(c.connected);
    const e = await client.refused({ transports: ['websocket'],
      extraHeaders: { Origin: 'https://elsewhere.example.net' } });
    assert.equal(e.message, 'websocket error');
  });

  it('the health endpoint answers', async () => {
    const res = await http(server.url, { path: '/api/v1/websocket/health' });
    assert.equal(res.status, 200);
    assert.equal(res.json.success, true);
  });
});

describe('sio-server: make run configuration with JWT_ACCESS_SECRET set', () => {
  const SECRET = 'default-config-test-secret-0123456789abcdef';
  let server;
  const client = clientFactory(() => server.url);

  before(async () => {
    server = await startServer({ config: CONFIG,
      env: { NODE_ENV: 'development', JWT_ACCESS_SECRET: SECRET } });
  });
  after(async () => {
    client.closeAll();
    await server?.stop();
  });

  it('a valid token connects, no token connects anonymously, a bad token is refused', async () => {
    const good = sign({ sub: 'u1', iat: now(), exp: now() + 600 }, SECRET);
    assert.ok((await client.connected({ auth: { token: good } })).connected);
    assert.ok((await client.connected({})).connected);
    const e = await client.refused({ auth: { token: sign({ sub: 'u1', exp: now() + 600 }, 'x'.repeat(40)) } });
    assert.equal(e.message, 'invalid signature');
  });
});

// sio-server configured for Redis while no Redis answers (a loopback port nothing listens
// on): it starts anyway, its startup line says Redis is on and where (never with the
// password), /health answers 200 "degraded" with the reason, /metrics shows the adapter
// disconnected, clients connect, and the API's broadcasts reach this instance's clients;
// /stats answers with this instance alone. Then a redis-server is started on that port
// (interop/lib/redis.js): the instance connects by itself, logs it, and /health and
// /metrics say so.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  clientFactory, exampleConfig, freePort, http, startServer, waitFor, TIMEOUT, until,
} from '../../lib/sio-server-app.js';
import { startRedis } from '../../lib/redis.js';

const API_KEY = 'redis-down-test-api-key-0123456789';
const PREFIX = '/api/v1/websocket';
const PASSWORD = 'sekrit-redis-password-42';

async function metric(server, name) {
  const { text } = await http(server.url, { path: '/metrics' });
  const m = text.match(new RegExp(`^${name} (\\S+)$`, 'm'));
  assert.ok(m, `${name} in /metrics`);
  return Number(m[1]);
}

describe('sio-server with Redis unreachable at startup', () => {
  let port;
  let server;
  let redis;
  const client = clientFactory(() => server.url);

  before(async () => {
    port = await freePort();
    server = await startServer({
      config: exampleConfig('default'),
      env: { REDIS_URL: `redis://127.0.0.1:${port}`, WEBSOCKET_API_KEY: API_KEY },
    });
  });
  after(async () => {
    client.closeAll();
    await server?.stop();
    await redis?.stop();
  });

  it('starts anyway and says so: Redis on, where, degraded', async () => {
    assert.match(server.stdout(), new RegExp(`redis: on, redis://127\\.0\\.0\\.1:${port} \\(key "socket\\.io", from REDIS_URL\\)`));
    const res = await until(async () => {
      const r = await http(server.url, { path: `${PREFIX}/health` });
      return r.json.data.redis.reason !== 'connecting' && r;
    }, 'the first connection attempt');
    assert.equal(res.status, 200);
    const h = res.json.data;
    assert.equal(h.status, 'degraded');
    assert.equal(h.redis.connected, false);
    assert.equal(h.redis.address, `redis://127.0.0.1:${port}`);
    assert.ok(h.redis.reason.length > 0);
    assert.equal(await metric(server, 'sio_redis_connected'), 0);
    assert.match(server.stderr(), /redis: not connected to redis:\/\/127\.0\.0\.1:\d+: .*reconnecting/);
  });

  it('delivers the API\'s broadcasts to its own clients; stats count this instance', async () => {
    const a = await client.connected();
    const b = await client.connected({ transports: ['polling'] });
    assert.deepEqual(await a.timeout(TIMEOUT).emitWithAck('join', { room: 'r' }), { success: true, room: 'r' });
    const got = [waitFor(a, 'hello'), waitFor(b, 'hello')];
    const res = await http(server.url, { method: 'POST', path: `${PREFIX}/broadcast`,
      headers: { 'x-api-key': API_KEY }, body: { event: 'hello', data: 1 } });
    assert.equal(res.json.data.recipientCount, 2);
    for (const args of await Promise.all(got)) assert.deepEqual(args, [1]);
    const room = waitFor(a, 'in-room');
    await http(server.url, { method: 'POST', path: `${PREFIX}/broadcast/room/room:r`,
      headers: { 'x-api-key': API_KEY }, body: { event: 'in-room' } });
    await room;
    const st = (await http(server.url, { path: `${PREFIX}/stats`, headers: { 'x-api-key': API_KEY } })).json.data;
    assert.equal(st.members, 1);
    assert.equal(st.connections, 2);
    a.close();
    b.close();
  });

  it('connects by itself once Redis is there; logged, healthy, counted', async () => {
    redis = await startRedis({ port });
    await until(async () => (await http(server.url, { path: `${PREFIX}/health` })).json.data.status === 'ok',
      'health ok');
    assert.equal(await metric(server, 'sio_redis_connected'), 1);
    assert.ok(await metric(server, 'sio_redis_connects_total') >= 1);
    assert.match(server.stderr(), /redis: connected to redis:\/\/127\.0\.0\.1:\d+/);
  });

  it('stops cleanly on SIGTERM (exit 0)', async () => {
    client.closeAll();
    await server.stop();
  });
});

describe('sio-server never prints the Redis password', () => {
  it('not on the startup line, the log, /health or /metrics', async () => {
    const port = await freePort();
    const server = await startServer({
      config: exampleConfig('default'),
      env: { REDIS_URL: `redis://app:${PASSWORD}@127.0.0.1:${port}/3` },
    });
    try {
      const h = await until(async () => {
        const r = (await http(server.url, { path: `${PREFIX}/health` })).json.data;
        return r.redis.reason !== 'connecting' && r;
      }, 'the first connection attempt');
      assert.equal(h.redis.address, `redis://127.0.0.1:${port}/3`);
      const { text } = await http(server.url, { path: '/metrics' });
      for (const t of [server.stdout(), server.stderr(), JSON.stringify(h), text]) {
        assert.ok(!t.includes(PASSWORD), `password shown: ${t}`);
      }
      assert.match(server.stdout(), new RegExp(`redis: on, redis://127\\.0\\.0\\.1:${port}/3 `));
    } finally {
      await server.stop();
    }
  });
});

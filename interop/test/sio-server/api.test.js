// sio-server's HTTP API and metrics on the Socket.IO port, with
// apps/sio-server/examples/image-hub.json (JWT_ACCESS_SECRET, the automatic
// user:<id> room) and an API key from WEBSOCKET_API_KEY: every endpoint
// under /api/v1/websocket, the /api/websocket aliases (health and stats
// only), the envelope {success, data | error, meta: {timestamp, requestId}},
// credentials (API key in X-Api-Key or as a Bearer token, admin JWT; 401
// without or with bad ones, 403 for a non-admin token), strict bodies (400,
// 413 past maxHttpBufferSize, 415), 404/405, recipientCount, a user's broadcast reaching every tab of
// that user, and GET /metrics (open by default; requireApiKey protects it).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  clientFactory, collect, exampleConfig, http, now, sign, startServer, waitFor, TIMEOUT,
} from '../../lib/sio-server-app.js';

const SECRET = 'image-hub-api-test-secret-0123456789abcdef';
const API_KEY = 'api-test-key-0123456789';
const API = '/api/v1/websocket';
const token = (sub, extra = {}) =>
  sign({ sub, role: 'user', iat: now(), exp: now() + 600, ...extra }, SECRET);
const adminToken = (extra = {}) => token('admin-1', { role: 'admin', ...extra });
const KEY = { 'x-api-key': API_KEY };
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

describe('sio-server: HTTP API and metrics', () => {
  let server;
  const client = clientFactory(() => server.url);
  const connect = (sub, opts = {}) => client.connected({ auth: { token: token(sub) }, ...opts });
  const req = (method, path, { headers = KEY, body } = {}) =>
    http(server.url, { method, path, headers, body });
  const get = (path, headers) => req('GET', path, { headers });
  const post = (path, body, headers) => req('POST', path, { headers, body });

  /** The envelope every JSON answer shares. */
  const envelope = (res, status, success) => {
    assert.equal(res.status, status, res.text);
    assert.match(res.headers['content-type'], /^application\/json/);
    assert.equal(res.json.success, success);
    assert.match(res.json.meta.timestamp, ISO);
    assert.equal(typeof res.json.meta.requestId, 'string');
    assert.ok(res.json.meta.requestId.length > 0);
    if (!success) {
      assert.equal(res.json.data, undefined);
      assert.equal(typeof res.json.error.code, 'string');
      assert.equal(typeof res.json.error.message, 'string');
    }
    return success ? res.json.data : res.json.error;
  };

  before(async () => {
    server = await startServer({ config: exampleConfig('image-hub'),
      env: { JWT_ACCESS_SECRET: SECRET, WEBSOCKET_API_KEY: API_KEY } });
  });

  after(async () => {
    client.closeAll();
    await server?.stop();
  });

  it('GET /health is open, on the prefix and the alias', async () => {
    for (const path of [`${API}/health`, '/api/websocket/health', `${API}/health/`]) {
      const data = envelope(await get(path, {}), 200, true);
      assert.equal(data.status, 'ok');
    }
  });

  it('meta.requestId: the caller\'s X-Request-Id, else a fresh one per request', async () => {
    const a = await get(`${API}/health`, { 'x-request-id': 'trace-42' });
    assert.equal(a.json.meta.requestId, 'trace-42');
    const b = await get(`${API}/health`, {});
    const c = await get(`${API}/health`, {});
    assert.notEqual(b.json.meta.requestId, c.json.meta.requestId);
    const d = await get(`${API}/health`, { 'x-request-id': 'bad id with spaces' });
    assert.notEqual(d.json.meta.requestId, 'bad id with spaces');
  });

  it('protected endpoints: 401 without or with bad credentials', async () => {
    const cases = [
      {},
      { 'x-api-key': 'wrong-key' },
      { 'x-api-key': `${API_KEY}x` },
      { authorization: 'Bearer wrong-key' },
      { authorization: `Basic ${Buffer.from(`a:${API_KEY}`).toString('base64')}` },
      { authorization: `Bearer ${sign({ sub: 'a', role: 'admin', exp: now() + 600 }, 'other-secret-0000000000000000000')}` },
      { authorization: `Bearer ${sign({ sub: 'a', role: 'admin', exp: now() + 600 }, SECRET, { alg: 'HS512' })}` },
    ];
    for (const headers of cases) {
      const err = envelope(await get(`${API}/stats`, headers), 401, false);
      assert.equal(err.code, 'UNAUTHORIZED', JSON.stringify(headers));
    }
    for (const [method, path] of [['GET', `${API}/rooms/x`], ['POST', `${API}/broadcast`],
      ['POST', `${API}/broadcast/user/u`], ['POST', `${API}/broadcast/room/r`],
      ['GET', '/api/websocket/stats']]) {
      envelope(await req(method, path, { headers: {}, body: { event: 'e' } }), 401, false);
    }
  });

  it('an expired admin token: 401 TOKEN_EXPIRED; a non-admin token: 403', async () => {
    const expired = adminToken({ iat: now() - 7200, exp: now() - 3600 });
    const err = envelope(await get(`${API}/stats`, { authorization: `Bearer ${expired}` }), 401, false);
    assert.equal(err.code, 'TOKEN_EXPIRED');
    const forbidden = envelope(await get(`${API}/stats`,
      { authorization: `Bearer ${token('u1')}` }), 403, false);
    assert.equal(forbidden.code, 'FORBIDDEN');
    envelope(await post(`${API}/broadcast`, { event: 'x' },
      { authorization: `Bearer ${token('u1')}` }), 403, false);
  });

  it('accepts the API key (X-Api-Key or Bearer) and an admin JWT', async () => {
    for (const headers of [KEY, { authorization: `Bearer ${API_KEY}` },
      { authorization: `Bearer ${adminToken()}` }, { authorization: `bearer ${adminToken()}` }]) {
      envelope(await get(`${API}/stats`, headers), 200, true);
    }
  });

  it('GET /stats: connections and rooms with member counts, per namespace (and alias)', async () => {
    const a1 = await connect('stats-u1');
    const a2 = await connect('stats-u1', { transports: ['websocket'] });
    const b = await connect('stats-u2');
    const data = envelope(await get(`${API}/stats`), 200, true);
    const root = data.namespaces['/'];
    assert.ok(data.connections >= 3);
    assert.equal(data.connections, root.connections);
    assert.ok(data.engineConnections >= 3);
    assert.equal(root.rooms['user:stats-u1'], 2);
    assert.equal(root.rooms['user:stats-u2'], 1);
    assert.equal(root.roomCount, Object.keys(root.rooms).length);
    assert.equal(data.rooms, root.roomCount);
    assert.ok(!Object.keys(root.rooms).includes(a1.id), 'socket-id rooms are not listed');
    // one process: the fleet is this member, which answered at once
    assert.equal(data.members, 1);
    assert.equal(data.partial, false);
    assert.deepEqual(data.local, { connections: data.connections, rooms: data.rooms });
    const alias = envelope(await get('/api/websocket/stats'), 200, true);
    assert.equal(alias.namespaces['/'].rooms['user:stats-u1'], 2);
    for (const c of [a1, a2, b]) c.close();
  });

  it('GET /rooms/:room: member count, socket ids and users (percent-decoded room)', async () => {
    const a = await connect('rooms-u1');
    const b = await connect('rooms-u1');
    const data = envelope(await get(`${API}/rooms/user%3Arooms-u1`), 200, true);
    assert.equal(data.room, 'user:rooms-u1');
    assert.equal(data.namespace, '/');
    assert.equal(data.memberCount, 2);
    assert.deepEqual([...data.sockets].sort(), [a.id, b.id].sort());
    // presence: one user with two tabs
    assert.deepEqual(data.users, [{ userId: 'rooms-u1', sockets: 2 }]);
    assert.equal(data.userCount, 1);
    assert.equal(data.anonymousSockets, 0);
    const empty = envelope(await get(`${API}/rooms/nobody%20here`), 200, true);
    assert.deepEqual(empty, { room: 'nobody here', namespace: '/', memberCount: 0, sockets: [],
      users: [], userCount: 0, anonymousSockets: 0, members: 1, partial: false });
    a.close();
    b.close();
  });

  it('POST /broadcast reaches every socket; recipientCount counts them', async () => {
    const cs = [await connect('all-u1'), await connect('all-u2'), await connect('all-u3')];
    const stats = envelope(await get(`${API}/stats`), 200, true);
    const got = Promise.all(cs.map((c) => waitFor(c, 'announcement')));
    const data = envelope(await post(`${API}/broadcast`,
      { event: 'announcement', data: { text: 'hello', n: [1, 2] } }), 200, true);
    assert.deepEqual(data, { event: 'announcement', recipientCount: stats.connections });
    for (const args of await got) assert.deepEqual(args, [{ text: 'hello', n: [1, 2] }]);
    // without data: the event has no argument
    const bare = Promise.all(cs.map((c) => waitFor(c, 'ping-all')));
    envelope(await post(`${API}/broadcast`, { event: 'ping-all' }), 200, true);
    for (const args of await bare) assert.deepEqual(args, []);
    for (const c of cs) c.close();
  });

  it('POST /broadcast/user/:userId reaches every tab of that user, no one else', async () => {
    const tab1 = await connect('tabs-u1');
    const tab2 = await connect('tabs-u1', { transports: ['websocket'] });
    const tab3 = await connect('tabs-u1', { transports: ['polling'] });
    const other = await connect('tabs-u2');
    const otherSeen = collect(other, 'notification');
    const got = Promise.all([tab1, tab2, tab3].map((c) => waitFor(c, 'notification')));
    const res = await post(`${API}/broadcast/user/tabs-u1`,
      { event: 'notification', data: { id: 7 } }, { authorization: `Bearer ${adminToken()}` });
    const data = envelope(res, 200, true);
    assert.deepEqual(data,
      { event: 'notification', userId: 'tabs-u1', room: 'user:tabs-u1', recipientCount: 3 });
    for (const args of await got) assert.deepEqual(args, [{ id: 7 }]);
    const flushed = waitFor(other, 'flush');
    envelope(await post(`${API}/broadcast/user/tabs-u2`, { event: 'flush' }), 200, true);
    await flushed;
    assert.deepEqual(otherSeen, []);
    const none = envelope(await post(`${API}/broadcast/user/nobody`, { event: 'x' }), 200, true);
    assert.equal(none.recipientCount, 0);
    for (const c of [tab1, tab2, tab3, other]) c.close();
  });

  it('POST /broadcast/room/:room reaches the room\'s members', async () => {
    const a = await connect('proj-u1');
    const b = await connect('proj-u2');
    assert.equal((await a.timeout(TIMEOUT).emitWithAck('join-project', { projectId: 'p-api' })).success, true);
    const bSeen = collect(b, 'image:ready');
    const got = waitFor(a, 'image:ready');
    const data = envelope(await post(`${API}/broadcast/room/project%3Ap-api`,
      { event: 'image:ready', data: 'img-1' }), 200, true);
    assert.deepEqual(data, { event: 'image:ready', room: 'project:p-api', recipientCount: 1 });
    assert.deepEqual(await got, ['img-1']);
    const flushed = waitFor(b, 'flush');
    envelope(await post(`${API}/broadcast/user/proj-u2`, { event: 'flush' }), 200, true);
    await flushed;
    assert.deepEqual(bSeen, []);
    a.close();
    b.close();
  });

  it('bodies are validated strictly: 400 with a clear error, 415 for other types', async () => {
    const bad = [
      ['{"event":', 'INVALID_JSON'],
      ['', 'BAD_REQUEST'],
      ['[]', 'BAD_REQUEST'],
      ['"announcement"', 'BAD_REQUEST'],
      [{}, 'BAD_REQUEST'],
      [{ data: 1 }, 'BAD_REQUEST'],
      [{ event: 5 }, 'BAD_REQUEST'],
      [{ event: '' }, 'BAD_REQUEST'],
      [{ event: 'x'.repeat(257) }, 'BAD_REQUEST'],
      [{ event: 'a\u0000b' }, 'BAD_REQUEST'],
      [{ event: 'connect' }, 'BAD_REQUEST'],
      [{ event: 'disconnect' }, 'BAD_REQUEST'],
      [{ event: 'x', data: 1, room: 'r' }, 'BAD_REQUEST'],
    ];
    for (const [body, code] of bad) {
      const res = await req('POST', `${API}/broadcast`,
        { headers: { ...KEY, 'content-type': 'application/json' }, body });
      const err = envelope(res, 400, false);
      assert.equal(err.code, code, JSON.stringify(body));
      assert.ok(err.message.length > 5);
    }
    const form = await req('POST', `${API}/broadcast`,
      { headers: { ...KEY, 'content-type': 'application/x-www-form-urlencoded' }, body: 'event=x' });
    assert.equal(envelope(form, 415, false).code, 'UNSUPPORTED_MEDIA_TYPE');
    const charset = await req('POST', `${API}/broadcast`,
      { headers: { ...KEY, 'content-type': 'application/json; charset=utf-8' }, body: { event: 'ok' } });
    envelope(charset, 200, true);
    const longRoom = await post(`${API}/broadcast/room/${'r'.repeat(129)}`, { event: 'x' });
    assert.equal(envelope(longRoom, 400, false).code, 'BAD_REQUEST');
    const badUtf8 = await post(`${API}/broadcast/room/a%FF`, { event: 'x' });
    assert.equal(envelope(badUtf8, 400, false).code, 'BAD_REQUEST');
  });

  it('a body over maxHttpBufferSize: 413 PAYLOAD_TOO_LARGE, with or without credentials; the limit itself is read', async () => {
    // one byte past the default 1,000,000: refused by its Content-Length, before it is read
    const body = { event: 'nothing', data: 'y'.repeat(1000000 - 28) };
    assert.equal(JSON.stringify(body).length, 1000001);
    for (const headers of [KEY, {}]) {
      const err = envelope(await req('POST', `${API}/broadcast`, { headers, body }), 413, false);
      assert.equal(err.code, 'PAYLOAD_TOO_LARGE');
      assert.equal(err.message, 'Body larger than maxHttpBufferSize');
    }
    body.data = body.data.slice(1);
    envelope(await post(`${API}/broadcast`, body), 200, true);
  });

  it('404 for unknown paths (aliases serve health and stats only), 405 for wrong methods', async () => {
    for (const path of [`${API}/nope`, `${API}/broadcast/user/`, '/api/websocket/broadcast',
      '/api/websocket/rooms/x', '/elsewhere', `${API}x/health`]) {
      assert.equal(envelope(await req('POST', path, { body: { event: 'x' } }), 404, false).code,
        'NOT_FOUND', path);
    }
    assert.equal(envelope(await get(`${API}/broadcast`), 405, false).code, 'METHOD_NOT_ALLOWED');
    assert.equal(envelope(await post(`${API}/stats`, { event: 'x' }), 405, false).code,
      'METHOD_NOT_ALLOWED');
    assert.equal(envelope(await post(`${API}/health`, { event: 'x' }), 405, false).code,
      'METHOD_NOT_ALLOWED');
  });

  it('GET /metrics: open, Prometheus text with connections, rooms, events, bytes, errors, latency', async () => {
    const a = await connect('metrics-u1');
    const b = await connect('metrics-u1', { transports: ['websocket'] });
    assert.equal((await a.timeout(TIMEOUT).emitWithAck('join-project', { projectId: 'm1' })).success, true);
    // refusals, counted by kind: an invalid project id, a bad token
    assert.equal((await a.timeout(TIMEOUT).emitWithAck('join-project', { projectId: 'no spaces' })).success, false);
    const refused = await client.refused({ auth: { token: `${token('metrics-u2')}x` } });
    assert.equal(refused.data?.code, 'UNAUTHORIZED');
    const got = Promise.all([a, b].map((c) => waitFor(c, 'metrics:test')));
    envelope(await post(`${API}/broadcast/user/metrics-u1`, { event: 'metrics:test' }), 200, true);
    await got;
    await get(`${API}/stats`, {});                       // a 401
    const res = await http(server.url, { path: '/metrics' });
    assert.equal(res.status, 200);
    assert.match(res.headers['content-type'], /^text\/plain; version=0\.0\.4/);
    const text = res.text;
    const value = (re) => {
      const m = text.match(re);
      assert.ok(m, `${re} in\n${text}`);
      return Number(m[1]);
    };
    const stats = envelope(await get(`${API}/stats`), 200, true);
    assert.match(text, /# TYPE sio_connections gauge/);
    assert.equal(value(/^sio_connections (\d+)$/m), stats.connections);
    assert.ok(value(/^sio_rooms (\d+)$/m) >= 2);
    assert.ok(value(/^sio_connections_total (\d+)$/m) >= 2);
    assert.ok(value(/^sio_events_received_total\{event="join-project"\} (\d+)$/m) >= 1);
    assert.ok(value(/^sio_events_sent_total\{event="metrics:test"\} (\d+)$/m) === 2);
    assert.ok(value(/^sio_bytes_received_total (\d+)$/m) > 0);
    assert.ok(value(/^sio_bytes_sent_total (\d+)$/m) > 0);
    assert.ok(value(/^sio_http_requests_total\{code="401"\} (\d+)$/m) >= 1);
    assert.match(text, /# TYPE sio_errors_total counter/);
    assert.ok(value(/^sio_errors_total\{kind="invalid_room"\} (\d+)$/m) >= 1);
    assert.ok(value(/^sio_errors_total\{kind="auth_invalid"\} (\d+)$/m) >= 1);
    assert.match(text, /# TYPE sio_handshake_duration_seconds histogram/);
    const count = value(/^sio_handshake_duration_seconds_count (\d+)$/m);
    assert.ok(count >= 2);
    assert.equal(value(/^sio_handshake_duration_seconds_bucket\{le="\+Inf"\} (\d+)$/m), count);
    a.close();
    b.close();
  });

  it('metrics.requireApiKey protects /metrics; api.userRoom picks the user room', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sio-api-'));
    const cfg = join(dir, 'cfg.json');
    writeFileSync(cfg, JSON.stringify({
      auth: { required: true, secretEnv: 'JWT_ACCESS_SECRET' },
      rooms: { auto: ['u/{userId}'] },
      api: { userRoom: 'u/{userId}', apiKeys: [API_KEY] },
      metrics: { path: '/internal/metrics', requireApiKey: true },
    }));
    const other = await startServer({ config: cfg, env: { JWT_ACCESS_SECRET: SECRET } });
    try {
      assert.equal((await http(other.url, { path: '/internal/metrics' })).status, 401);
      const ok = await http(other.url, { path: '/internal/metrics', headers: KEY });
      assert.equal(ok.status, 200);
      assert.match(ok.text, /^# HELP sio_connections /);
      assert.equal((await http(other.url, { path: '/metrics', headers: KEY })).status, 404);
      const c = clientFactory(() => other.url);
      const s = await c.connected({ auth: { token: token('x1') } });
      const got = waitFor(s, 'hi');
      const res = await http(other.url, { method: 'POST', path: `${API}/broadcast/user/x1`,
        headers: KEY, body: { event: 'hi' } });
      assert.deepEqual(res.json.data, { event: 'hi', userId: 'x1', room: 'u/x1', recipientCount: 1 });
      await got;
      c.closeAll();
    } finally {
      await other.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// sio-server with apps/sio-server/examples/image-hub.json, driven by real
// socket.io-client 4.8 clients: JWT from JWT_ACCESS_SECRET required, both
// transports (polling then upgrade, websocket only, polling only),
// join-project/leave-project acknowledged, and the origin rules: CORS on
// polling from WS_ALLOWED_ORIGINS, the Origin check on WebSocket handshakes and
// upgrades (a foreign origin is refused with 403; node socket.io does not check
// this), and localhost origins allowed only in development mode
// (cors.developmentLocalhost together with NODE_ENV=development).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import {
  clientFactory, exampleConfig, http, now, sign, startServer, waitFor, ROOT,
} from '../../lib/sio-server-app.js';

const SECRET = 'image-hub-test-secret-0123456789abcdef0123';
const ALLOWED = 'https://images.example.com';
const ALLOWED2 = 'https://admin.example.com:8443';
const FOREIGN = 'https://evil.example.net';
const ORIGINS = `${ALLOWED}, ${ALLOWED2}`;
const token = (extra = {}) =>
  sign({ sub: 'u1', role: 'editor', iat: now(), exp: now() + 600, ...extra }, SECRET);

const POLL = '/socket.io/?EIO=4&transport=polling';

/** Polling handshake by hand: { status, headers, sid }. */
async function pollHandshake(url, headers = {}) {
  const res = await http(url, { path: POLL, headers });
  const sid = res.status === 200 ? JSON.parse(res.text.slice(1)).sid : undefined;
  return { ...res, sid };
}

/** Open a WebSocket by hand: resolves { open: true, ws } or { open: false, status, body }. */
function wsTry(url, query, headers = {}) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${url.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket${query}`,
      { headers });
    ws.on('open', () => resolve({ open: true, ws }));
    ws.on('unexpected-response', (req, res) => {
      let body = '';
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve({ open: false, status: res.statusCode, body }));
    });
    ws.on('error', reject);
  });
}

async function assertWsOpens(url, query, headers) {
  const r = await wsTry(url, query, headers);
  assert.equal(r.open, true, `WebSocket refused: ${r.status} ${r.body}`);
  r.ws.close();
}

async function assertWsForbidden(url, query, headers) {
  const r = await wsTry(url, query, headers);
  if (r.open) r.ws.close();
  assert.equal(r.open, false, 'WebSocket opened for a foreign origin');
  assert.equal(r.status, 403);
  assert.deepEqual(JSON.parse(r.body), { code: 4, message: 'Forbidden' });
}

function start(env, config = exampleConfig('image-hub')) {
  return startServer({ config,
    env: { JWT_ACCESS_SECRET: SECRET, WS_ALLOWED_ORIGINS: ORIGINS, ...env } });
}

describe('sio-server: image-hub (production: NODE_ENV=production)', () => {
  let server;
  const client = clientFactory(() => server.url);
  const connected = (opts = {}) => client.connected({ auth: { token: token() }, ...opts });

  before(async () => { server = await start({ NODE_ENV: 'production' }); });
  after(async () => {
    client.closeAll();
    await server?.stop();
  });

  it('refuses a connection without a token, or with a token signed by another secret', async () => {
    const none = await client.refused({});
    assert.equal(none.data?.code, 'UNAUTHORIZED');
    const bad = await client.refused({ auth: { token: sign({ sub: 'u1', exp: now() + 60 }, 'x'.repeat(40)) } });
    assert.equal(bad.message, 'invalid signature');
    assert.equal(bad.data?.code, 'UNAUTHORIZED');
  });

  it('default transports: connects over polling, then upgrades to websocket', async () => {
    const c = client({ auth: { token: token() } });
    const upgraded = waitFor(c.io.engine, 'upgrade');
    await waitFor(c, 'connect');
    const [transport] = await upgraded;
    assert.equal(transport.name, 'websocket');
    assert.equal(c.io.engine.transport.name, 'websocket');
    // still usable after the upgrade
    const [ack] = await Promise.all([c.timeout(5000).emitWithAck('join-project', { projectId: 'after-upgrade' })]);
    assert.deepEqual(ack, { success: true, projectId: 'after-upgrade' });
  });

  it('websocket only and polling only both work', async () => {
    const ws = await connected({ transports: ['websocket'] });
    assert.equal(ws.io.engine.transport.name, 'websocket');
    const poll = await connected({ transports: ['polling'] });
    assert.equal(poll.io.engine.transport.name, 'polling');
    for (const c of [ws, poll]) {
      const ack = await c.timeout(5000).emitWithAck('join-project', { projectId: 'p-1' });
      assert.deepEqual(ack, { success: true, projectId: 'p-1' });
    }
  });

  it('several tabs of one user connect side by side', async () => {
    // (delivery to user:<id> across the tabs is tested with the HTTP broadcast API)
    const tabs = await Promise.all([connected(), connected(), connected({ transports: ['websocket'] })]);
    assert.ok(tabs.every((t) => t.connected));
    assert.equal(new Set(tabs.map((t) => t.id)).size, 3);
  });

  it('join-project and leave-project are acknowledged; a bad project id is refused', async () => {
    const c = await connected();
    assert.deepEqual(await c.timeout(5000).emitWithAck('join-project', { projectId: 'proj_42' }),
      { success: true, projectId: 'proj_42' });
    assert.deepEqual(await c.timeout(5000).emitWithAck('join-project', 'proj_43'),
      { success: true, projectId: 'proj_43' });
    assert.deepEqual(await c.timeout(5000).emitWithAck('leave-project', { projectId: 'proj_42' }),
      { success: true, projectId: 'proj_42' });
    const error = waitFor(c, 'error');
    const nack = await c.timeout(5000).emitWithAck('join-project', { projectId: 'no spaces/allowed' });
    assert.equal(nack.success, false);
    assert.equal(nack.code, 'INVALID_ID');
    assert.equal((await error)[0].code, 'INVALID_ID');
    assert.ok(c.connected, 'the connection stays up');
  });

  // ---- origins ----

  it('polling: an origin from WS_ALLOWED_ORIGINS gets Access-Control-Allow-Origin (credentials on)', async () => {
    for (const origin of [ALLOWED, ALLOWED2]) {
      const res = await pollHandshake(server.url, { Origin: origin });
      assert.equal(res.status, 200);
      assert.equal(res.headers['access-control-allow-origin'], origin);
      assert.equal(res.headers['access-control-allow-credentials'], 'true');
      assert.match(res.headers.vary || '', /origin/i);
    }
    const pre = await http(server.url, { method: 'OPTIONS', path: POLL,
      headers: { Origin: ALLOWED, 'Access-Control-Request-Method': 'POST' } });
    assert.equal(pre.status, 204);
    assert.equal(pre.headers['access-control-allow-origin'], ALLOWED);
  });

  it('polling: a foreign origin gets no Access-Control-Allow-Origin', async () => {
    for (const origin of [FOREIGN, `${ALLOWED}.evil.net`, 'http://images.example.com', 'null']) {
      const res = await pollHandshake(server.url, { Origin: origin });
      assert.equal(res.headers['access-control-allow-origin'], undefined, origin);
    }
    const pre = await http(server.url, { method: 'OPTIONS', path: POLL,
      headers: { Origin: FOREIGN, 'Access-Control-Request-Method': 'POST' } });
    assert.equal(pre.headers['access-control-allow-origin'], undefined);
  });

  it('websocket: allowed origins, the server\'s own origin and no Origin are accepted', async () => {
    await assertWsOpens(server.url, '', { Origin: ALLOWED });
    await assertWsOpens(server.url, '', { Origin: ALLOWED2 });
    await assertWsOpens(server.url, '', { Origin: server.url });  // same origin as Host
    await assertWsOpens(server.url, '', {});                       // node clients send none
    const c = await connected({ transports: ['websocket'], extraHeaders: { Origin: ALLOWED } });
    assert.ok(c.connected);
  });

  it('websocket: a foreign origin is refused with 403 (cross-site WebSocket hijacking)', async () => {
    await assertWsForbidden(server.url, '', { Origin: FOREIGN });
    await assertWsForbidden(server.url, '', { Origin: `${ALLOWED}.evil.net` });
    const e = await client.refused({ auth: { token: token() }, transports: ['websocket'],
      extraHeaders: { Origin: FOREIGN } });
    assert.equal(e.message, 'websocket error');
  });

  it('the WebSocket upgrade of a polling session is refused for a foreign origin', async () => {
    const foreign = await pollHandshake(server.url, { Origin: FOREIGN });
    assert.ok(foreign.sid);
    await assertWsForbidden(server.url, `&sid=${foreign.sid}`, { Origin: FOREIGN });
    const ok = await pollHandshake(server.url, { Origin: ALLOWED });
    await assertWsOpens(server.url, `&sid=${ok.sid}`, { Origin: ALLOWED });
  });

  it('development mode off: localhost origins are foreign', async () => {
    for (const origin of ['http://localhost:5173', 'http://127.0.0.1:8080']) {
      const res = await pollHandshake(server.url, { Origin: origin });
      assert.equal(res.headers['access-control-allow-origin'], undefined, origin);
      await assertWsForbidden(server.url, '', { Origin: origin });
    }
  });
});

describe('sio-server: image-hub in development mode (NODE_ENV=development)', () => {
  let server;
  before(async () => { server = await start({ NODE_ENV: 'development' }); });
  after(async () => { await server?.stop(); });

  it('localhost origins on any port are allowed on polling and WebSocket', async () => {
    for (const origin of ['http://localhost:5173', 'http://localhost', 'https://localhost:3443',
      'http://127.0.0.1:8080', 'http://[::1]:4200']) {
      const res = await pollHandshake(server.url, { Origin: origin });
      assert.equal(res.headers['access-control-allow-origin'], origin, origin);
      await assertWsOpens(server.url, '', { Origin: origin });
    }
  });

  it('WS_ALLOWED_ORIGINS still applies, and other origins are still refused', async () => {
    await assertWsOpens(server.url, '', { Origin: ALLOWED });
    for (const origin of [FOREIGN, 'http://localhost.evil.net', 'http://localhost:5173.evil.net']) {
      const res = await pollHandshake(server.url, { Origin: origin });
      assert.equal(res.headers['access-control-allow-origin'], undefined, origin);
      await assertWsForbidden(server.url, '', { Origin: origin });
    }
  });

  it('a socket.io client on a localhost dev page connects and upgrades', async () => {
    const client = clientFactory(() => server.url);
    try {
      const c = client({ auth: { token: token() }, extraHeaders: { Origin: 'http://localhost:5173' } });
      const upgraded = waitFor(c.io.engine, 'upgrade');
      await waitFor(c, 'connect');
      await upgraded;
      assert.equal(c.io.engine.transport.name, 'websocket');
    } finally {
      client.closeAll();
    }
  });
});

describe('sio-server: image-hub with developmentLocalhost false, NODE_ENV=development', () => {
  let server;
  before(async () => {
    server = await start({ NODE_ENV: 'development' },
      `${ROOT}interop/test/sio-server/fixtures/image-hub-no-dev.json`);
  });
  after(async () => { await server?.stop(); });

  it('localhost origins are refused: the config flag is needed as well', async () => {
    const res = await pollHandshake(server.url, { Origin: 'http://localhost:5173' });
    assert.equal(res.headers['access-control-allow-origin'], undefined);
    await assertWsForbidden(server.url, '', { Origin: 'http://localhost:5173' });
    await assertWsOpens(server.url, '', { Origin: ALLOWED });
  });
});

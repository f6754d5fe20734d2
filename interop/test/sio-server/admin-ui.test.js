// The @socket.io/admin-ui dashboard's protocol against sio-server's "adminUi" (node's
// instrument(), @socket.io/admin-ui 0.5.1), spoken here by socket.io-client as the
// dashboard's page speaks it (test/browser/admin-ui-browser.test.js drives the page
// itself). SIO_SERVER=node runs the same tests against node's socket.io 4.8 with
// instrument() on the same configuration (reference/admin-ui.js).
//   1. basic auth: a wrong password, an unknown user, no credentials: connect_error
//      "invalid credentials"; the right ones: "session", "config" (every feature),
//      "all_sockets", "server_stats"; the session id logs in again without the password,
//      a made-up one does not.
//   2. live events of a real client: socket_connected, socket_updated (its upgrade),
//      event_received, room_joined, event_sent; the dashboard's requests join, emit and _disconnect act on it;
//      socket_disconnected and room_left follow.
//   3. readonly + production: only AGGREGATED_EVENTS, no socket list, requests ignored.
//   4. "auth": false: no credentials needed.
//   5. (C only) the configuration's checks: a password that is not a bcrypt hash, no
//      "auth", a bad mode: exit 2 with the key named.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { io } from 'socket.io-client';
import { BIN, TIMEOUT, waitFor } from '../../lib/sio-server-app.js';
import {
  ADMIN_IS_NODE, PASSWORD, USERNAME, adminConfig, startAdminServer,
} from '../../lib/admin-ui.js';

const ALL = ['EMIT', 'JOIN', 'LEAVE', 'DISCONNECT', 'MJOIN', 'MLEAVE', 'MDISCONNECT',
  'AGGREGATED_EVENTS', 'ALL_EVENTS'];

/** A dashboard-like client of /admin that records what it receives, by event. */
function dashboard(url, auth) {
  const s = io(`${url}/admin`, { auth, reconnection: false, forceNew: true, timeout: TIMEOUT });
  s.got = {};
  s.onAny((ev, ...args) => { (s.got[ev] ||= []).push(args); });
  /** Resolves with the args of the first `ev` whose args satisfy pred (past or future). */
  s.waitEvent = (ev, pred = () => true) => new Promise((resolve, reject) => {
    const seen = (s.got[ev] || []).find((a) => pred(...a));
    if (seen) { resolve(seen); return; }
    const t = setTimeout(() => { s.offAny(on); reject(new Error(`no matching "${ev}"`)); }, TIMEOUT);
    const on = (e, ...args) => {
      if (e === ev && pred(...args)) { clearTimeout(t); s.offAny(on); resolve(args); }
    };
    s.onAny(on);
  });
  return s;
}

async function connectedDashboard(url, auth = { username: USERNAME, password: PASSWORD }) {
  const d = dashboard(url, auth);
  await waitFor(d, 'connect');
  return d;
}

async function refused(url, auth) {
  const d = dashboard(url, auth);
  const [err] = await waitFor(d, 'connect_error');
  d.close();
  return err.message;
}

function appClient(url, opts = {}) {
  return io(url, { reconnection: false, forceNew: true, timeout: TIMEOUT, ...opts });
}

describe('admin dashboard protocol (adminUi, development mode, basic auth)', () => {
  let server;
  let config;
  const sockets = [];
  const track = (s) => { sockets.push(s); return s; };

  before(async () => {
    config = adminConfig();
    server = await startAdminServer(config.file);
  });
  after(async () => {
    for (const s of sockets) s.close();
    await server?.stop();
    config?.cleanup();
  });

  it('refuses a wrong password, an unknown user and no credentials', async () => {
    assert.equal(await refused(server.url, { username: USERNAME, password: 'wrong' }),
      'invalid credentials');
    assert.equal(await refused(server.url, { username: 'root', password: PASSWORD }),
      'invalid credentials');
    assert.equal(await refused(server.url, {}), 'invalid credentials');
    assert.equal(await refused(server.url, { sessionId: '0123456789abcdef' }),
      'invalid credentials');
  });

  it('logs in: session, config, all_sockets, server_stats; the session logs in again', async () => {
    const d = track(await connectedDashboard(server.url));
    const [sid] = await d.waitEvent('session');
    assert.match(sid, /^[0-9a-f]{16}$/);
    const [cfg] = await d.waitEvent('config');
    assert.deepEqual([...cfg.supportedFeatures].sort(), [...ALL].sort());
    const [all] = await d.waitEvent('all_sockets');
    const me = all.find((s) => s.id === d.id);
    assert.ok(me, 'the dashboard\'s own socket is listed');
    assert.equal(me.nsp, '/admin');
    assert.deepEqual(me.rooms, [d.id]);
    assert.equal(me.handshake.address, '127.0.0.1');
    assert.equal(me.handshake.query.EIO, '4');
    assert.equal(typeof me.handshake.issued, 'number');
    assert.equal(me.clientId, d.io.engine.id.slice(0, 12));
    const [stats] = await d.waitEvent('server_stats');
    assert.equal(stats.pid > 0, true);
    assert.equal(typeof stats.uptime, 'number');
    assert.equal(stats.clientsCount >= 1, true);
    assert.ok(Array.isArray(stats.aggregatedEvents));
    const names = stats.namespaces.map((n) => n.name).sort();
    assert.deepEqual(names, ['/', '/admin']);
    assert.equal(stats.namespaces.find((n) => n.name === '/admin').socketsCount >= 1, true);

    // the page reloaded: its stored session id, no password
    const again = track(await connectedDashboard(server.url, { sessionId: sid }));
    await again.waitEvent('config');
    assert.equal(again.got.session, undefined, 'no new session for a resumed one');
  });

  it('reports a client\'s life and acts on it: join, emit, _disconnect', async () => {
    const d = track(await connectedDashboard(server.url));
    await d.waitEvent('all_sockets');
    const c = track(appClient(server.url));
    await waitFor(c, 'connect');
    const [sock] = await d.waitEvent('socket_connected', (s) => s.id === c.id);
    assert.equal(sock.nsp, '/');
    assert.ok(['polling', 'websocket'].includes(sock.transport));
    assert.deepEqual(sock.rooms, [c.id]);
    assert.match(sock.handshake.time, /GMT/);
    if (sock.transport === 'polling') {
      // the upgrade to WebSocket is reported (sio-server: with the next statistics)
      const [up] = await d.waitEvent('socket_updated', (u) => u.id === c.id && u.transport);
      assert.deepEqual(up, { id: c.id, nsp: '/', transport: 'websocket' });
    }

    assert.deepEqual(await c.timeout(TIMEOUT).emitWithAck('join', { room: 'lobby' }),
      { success: true, room: 'lobby' });
    const [nsp, id, args, date] = await d.waitEvent('event_received', (n, i) => i === c.id);
    assert.deepEqual([nsp, id, args], ['/', c.id, ['join', { room: 'lobby' }]]);
    assert.ok(!Number.isNaN(Date.parse(date)));
    await d.waitEvent('room_joined', (n, room, i) => n === '/' && room === 'room:lobby' && i === c.id);
    await d.waitEvent('event_sent', (n, i, a) => i === c.id && a[0] === 'joined' &&
      a[1].room === 'lobby');

    // the dashboard makes the client join "vip" (filter: its own id)
    d.emit('join', '/', 'vip', c.id);
    await d.waitEvent('room_joined', (n, room, i) => room === 'vip' && i === c.id);
    // and emits to a room it is in
    const announce = waitFor(c, 'announce');
    d.emit('emit', '/', 'vip', 'announce', 1, 'two');
    assert.deepEqual(await announce, [1, 'two']);
    // sio-server: a namespace that does not exist is ignored, not created (node's io.of()
    // would create it: a dashboard could add namespaces without end)
    if (!ADMIN_IS_NODE) d.emit('join', '/nope', 'x', c.id);
    // disconnect the client (socket.io-client forgets its id then: keep it)
    const cid = c.id;
    const gone = waitFor(c, 'disconnect');
    d.emit('_disconnect', '/', false, cid);
    assert.equal((await gone)[0], 'io server disconnect');
    const [, , reason] = await d.waitEvent('socket_disconnected', (n, i) => i === cid);
    assert.equal(reason, 'server namespace disconnect');
    await d.waitEvent('room_left', (n, room, i) => room === 'vip' && i === cid);
    await d.waitEvent('room_left', (n, room, i) => room === 'room:lobby' && i === cid);
    const seen = (d.got.server_stats || []).length;
    const [stats] = await d.waitEvent('server_stats', () => d.got.server_stats.length > seen);
    assert.deepEqual(stats.namespaces.map((n) => n.name).sort(), ['/', '/admin']);
  });
});

describe('admin dashboard: readonly, production mode', () => {
  let server;
  let config;
  const sockets = [];

  before(async () => {
    config = adminConfig({ admin: { readonly: true, mode: 'production' } });
    server = await startAdminServer(config.file);
  });
  after(async () => {
    for (const s of sockets) s.close();
    await server?.stop();
    config?.cleanup();
  });

  it('offers no actions, lists no sockets, ignores requests', async () => {
    const d = await connectedDashboard(server.url);
    sockets.push(d);
    const [cfg] = await d.waitEvent('config');
    assert.deepEqual(cfg.supportedFeatures, ['AGGREGATED_EVENTS']);
    const c = appClient(server.url);
    sockets.push(c);
    await waitFor(c, 'connect');
    d.emit('_disconnect', '/', true, c.id);
    // the next statistics come after the request was read
    const before = (d.got.server_stats || []).length;
    await d.waitEvent('server_stats', () => (d.got.server_stats || []).length > before);
    assert.equal(c.connected, true, 'a read-only dashboard cannot disconnect a client');
    assert.equal(d.got.all_sockets, undefined);
    assert.equal(d.got.socket_connected, undefined);
  });
});

describe('admin dashboard: "auth": false', () => {
  let server;
  let config;

  before(async () => {
    config = adminConfig({ admin: { auth: false } });
    server = await startAdminServer(config.file);
  });
  after(async () => {
    await server?.stop();
    config?.cleanup();
  });

  it('connects without credentials', async () => {
    const d = await connectedDashboard(server.url, {});
    const [cfg] = await d.waitEvent('config');
    assert.ok(cfg.supportedFeatures.includes('DISCONNECT'));
    assert.equal(d.got.session, undefined);
    d.close();
  });
});

describe('adminUi configuration checks (sio-server)', { skip: ADMIN_IS_NODE && 'sio-server only' }, () => {
  const check = (adminUi) => {
    const { file, cleanup } = adminConfig();
    const cfg = JSON.parse(fs.readFileSync(file, 'utf8'));
    cfg.adminUi = adminUi;
    fs.writeFileSync(file, JSON.stringify(cfg));
    const r = spawnSync(BIN, ['--config', file, '--port', '1'], { encoding: 'utf8', timeout: TIMEOUT });
    cleanup();
    return r;
  };

  it('a password in clear, no auth, a bad mode or namespace: exit 2, the key named', () => {
    const cases = [
      [{ enabled: true, auth: { type: 'basic', username: 'a', password: 'secret' } },
        /"adminUi.auth.password": expected a bcrypt hash/],
      [{ enabled: true }, /"adminUi.auth": required/],
      [{ enabled: true, auth: false, mode: 'dev' }, /"adminUi.mode": expected "development" or "production"/],
      [{ enabled: true, auth: false, namespaceName: '/' }, /"adminUi.namespaceName"/],
      [{ enabled: true, auth: { type: 'digest' } }, /"adminUi.auth.type": expected "basic"/],
      [{ enabled: true, auth: false, readOnly: true }, /"adminUi.readOnly": unknown key/],
    ];
    for (const [adminUi, want] of cases) {
      const r = check(adminUi);
      assert.equal(r.status, 2, `${JSON.stringify(adminUi)}: ${r.stderr}`);
      assert.match(r.stderr, want);
    }
  });
});

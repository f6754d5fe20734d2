// sio-server's plain WebSocket endpoints (docs/sio-server.md, "Plain WebSocket
// endpoints"): apps/sio-server/examples/job-updates.json, the /ws endpoint of the
// job-update service of issue 14, driven by node's `ws` client and by a browser page
// (`new WebSocket` in headless Chromium) exactly as that service's browsers speak to it:
//   - open: {"type":"CONNECTED",...}; the subprotocol offered is answered;
//   - SUBSCRIBE {tenantId} joins tenant:<id>: the HTTP API's broadcast to that room
//     arrives as {"type":"JOB_UPDATE",...data} at the plain client AND as an event at a
//     socket.io-client in the same room (rooms are shared); UNSUBSCRIBE stops it;
//   - bad messages get {"type":"ERROR","message":"Failed to parse"} (not JSON) or
//     "Invalid message format" (JSON of another shape) and the connection stays;
//   - a foreign Origin is refused (403), a plain GET gets 426, a message over the limit
//     closes with 1009;
//   - the limits of Socket.IO clients apply: rooms per socket, room name length,
//     events per minute and join/leave messages per minute (subscribeEventsPerMinute: per
//     socket, or per user with a token), each answered with errors.rateLimited, the
//     connection kept; connection attempts per IP (429);
//   - with auth on, a missing or bad token is refused with 401 before the upgrade; a
//     token in the query or in the subprotocol list after "job-updates" is accepted;
//   - a client that answers no ping is closed after the idle timeout (1001), one that
//     does stays; a client that stops reading is cut when its queue passes
//     maxQueuedBytes (its room membership goes) while another client of the same room
//     gets every message;
//   - at a graceful stop the shutdown event reaches plain clients, then 1001;
//   - admission control is the Socket.IO clients': past admission.maxConnectionsPerAddress
//     (plain connections and Engine.IO sessions of one address counted together) or while
//     admission.maxPendingHandshakes Engine.IO handshakes are in flight, the upgrade gets
//     Engine.IO's 503 with Retry-After; an open plain client holds no handshake in flight;
//     behind a trusted proxy the X-Forwarded-For client is the address counted;
//   - with auth, rooms.auto puts a plain client in its user's room (user:<sub>): the API's
//     user broadcast reaches it; when its token expires it gets the tokenExpiry event,
//     then a close frame 1008 "token expired", and leaves its rooms;
//   - presence: a plain client with a token makes its user online (status:online to the
//     others) and offline when it closes; GET /rooms/:room lists it under its user id.
// Every server is stopped with SIGTERM and must exit 0 (under VALGRIND=1: no leaks).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import nodeHttp from 'node:http';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import {
  clientFactory, collect, exampleConfig, http, now, sign, startServer, waitFor, TIMEOUT,
} from '../../lib/sio-server-app.js';
import { startStaticServer } from '../../lib/browser-static.js';
import {
  chromiumMissingReason, launchChromium, openPagePlainWs, watchPage,
} from '../../lib/browser-chromium.js';

const API_KEY = 'plain-ws-test-key';
const API = '/api/v1/websocket';
const SECRET = 'plain-ws-test-secret-0123456789abcdef';
const CONNECTED = { type: 'CONNECTED', message: 'Connected to job updates' };
const PARSE_ERROR = { type: 'ERROR', message: 'Failed to parse' };
const INVALID = { type: 'ERROR', message: 'Invalid message format' };
const RATE_LIMITED = { type: 'ERROR', message: 'Rate limit exceeded' };

/** A config file made from the example with changes (removed by cleanup()). */
const tmpFiles = [];
function exampleWith(change) {
  const cfg = JSON.parse(fs.readFileSync(exampleConfig('job-updates'), 'utf8'));
  delete cfg.ingest; // the example's Redis ingest needs REDIS_URL: ingest.test.js runs it
  change(cfg);
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'plain-ws-')), 'config.json');
  fs.writeFileSync(file, JSON.stringify(cfg));
  tmpFiles.push(file);
  return file;
}
function cleanup() {
  for (const f of tmpFiles.splice(0)) fs.rmSync(path.dirname(f), { recursive: true, force: true });
}

/** A `ws` client whose messages are parsed and queued: next() takes the oldest. */
function plainClient(url, protocols, opts = {}) {
  const ws = new WebSocket(url, protocols, opts);
  const queue = [];
  const waiting = [];
  ws.on('message', (data, binary) => {
    const m = binary ? data : JSON.parse(data.toString());
    const w = waiting.shift();
    if (w) w(m); else queue.push(m);
  });
  ws.next = (ms = TIMEOUT) => (queue.length ? Promise.resolve(queue.shift())
    : new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('timed out waiting for a message')), ms);
      waiting.push((m) => { clearTimeout(t); resolve(m); });
    }));
  ws.queued = queue;
  ws.opened = () => new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
    ws.once('unexpected-response', (req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
  });
  ws.refusedWith = () => new Promise((resolve, reject) => {
    ws.once('open', () => reject(new Error('opened')));
    ws.once('unexpected-response', (req, res) => {
      let body = '';
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body }));
    });
    ws.once('error', (e) => resolve({ status: 0, body: e.message }));
  });
  ws.closed = () => new Promise((resolve) => ws.once('close', (code, reason) =>
    resolve({ code, reason: reason.toString() })));
  return ws;
}

function fixture(config, env = {}) {
  const f = { server: null, sockets: new Set() };
  f.client = clientFactory(() => f.server.url);
  f.wsUrl = (q = '') => `${f.server.url.replace('http', 'ws')}/ws${q}`;
  f.plain = (protocols = ['job-updates'], opts = {}, q = '') => {
    const ws = plainClient(f.wsUrl(q), protocols, opts);
    f.sockets.add(ws);
    return ws;
  };
  /** Open, and take the greeting. */
  f.connected = async (protocols, opts, q) => {
    const ws = f.plain(protocols, opts, q);
    await ws.opened();
    assert.deepEqual(await ws.next(), CONNECTED);
    return ws;
  };
  f.api = (method, p, body) => http(f.server.url, {
    method, path: `${API}${p}`, body, headers: { 'x-api-key': API_KEY },
  });
  f.broadcast = (room, event, data) =>
    f.api('POST', `/broadcast/room/${encodeURIComponent(room)}`, { event, data });
  f.members = async (room) =>
    (await f.api('GET', `/rooms/${encodeURIComponent(room)}`)).json.data.memberCount;
  /** Polls the API until the room has n members (a SUBSCRIBE has no answer). */
  f.untilMembers = async (room, n) => {
    const end = Date.now() + TIMEOUT;
    while (await f.members(room) !== n) {
      if (Date.now() > end) throw new Error(`room ${room} never had ${n} members`);
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  before(async () => {
    f.server = await startServer({ config: config(), env: { WEBSOCKET_API_KEY: API_KEY, ...env } });
  });
  after(async () => {
    f.client.closeAll();
    for (const ws of f.sockets) ws.terminate();
    await f.server?.stop();
    cleanup();
  });
  return f;
}

const subscribe = (ws, tenantId) => ws.send(JSON.stringify({ type: 'SUBSCRIBE', tenantId }));
const unsubscribe = (ws, tenantId) => ws.send(JSON.stringify({ type: 'UNSUBSCRIBE', tenantId }));

describe('sio-server: plain WebSocket endpoint (job-updates example)', () => {
  const f = fixture(() => exampleWith(() => {}));

  it('greets with CONNECTED and answers the offered subprotocol', async () => {
    const a = await f.connected(['job-updates']);
    assert.equal(a.protocol, 'job-updates');
    const b = await f.connected([]);
    assert.equal(b.protocol, '');
  });

  it('SUBSCRIBE: an API broadcast to tenant:<id> reaches the plain client and a socket.io client alike', async () => {
    const ws = await f.connected();
    const other = await f.connected();
    const sio = await f.client.connected({ query: { tenantId: 'tenant-1' } });
    subscribe(ws, 'tenant-1');
    subscribe(other, 'tenant-2');
    await f.untilMembers('tenant:tenant-1', 2);
    await f.untilMembers('tenant:tenant-2', 1);
    const gotSio = waitFor(sio, 'JOB_UPDATE');
    const data = { jobId: 'job-42', status: 'RUNNING', error: null };
    const r = await f.broadcast('tenant:tenant-1', 'JOB_UPDATE', data);
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(await ws.next(), { type: 'JOB_UPDATE', ...data });
    assert.deepEqual((await gotSio)[0], data);
    const failed = { jobId: 'job-43', status: 'FAILED', error: 'disk full' };
    await f.broadcast('tenant:tenant-2', 'JOB_UPDATE', failed);
    assert.deepEqual(await other.next(), { type: 'JOB_UPDATE', ...failed });
    assert.equal(ws.queued.length, 0, 'tenant-2 did not reach the tenant-1 client');
  });

  it('UNSUBSCRIBE stops the updates of that tenant only', async () => {
    const ws = await f.connected();
    subscribe(ws, 'tenant-u1');
    subscribe(ws, 'tenant-u2');
    await f.untilMembers('tenant:tenant-u1', 1);
    await f.untilMembers('tenant:tenant-u2', 1);
    unsubscribe(ws, 'tenant-u1');
    await f.untilMembers('tenant:tenant-u1', 0);
    await f.broadcast('tenant:tenant-u1', 'JOB_UPDATE', { jobId: 'gone', status: 'RUNNING' });
    await f.broadcast('tenant:tenant-u2', 'JOB_UPDATE', { jobId: 'kept', status: 'PENDING' });
    // Messages on one connection keep their order: the first to arrive is the second one.
    assert.deepEqual(await ws.next(), { type: 'JOB_UPDATE', jobId: 'kept', status: 'PENDING' });
  });

  it('bad messages get their ERROR and the connection stays', async () => {
    const ws = await f.connected();
    ws.send('not json');
    assert.deepEqual(await ws.next(), PARSE_ERROR);
    ws.send('{"type":"SUBSCRIBE",');
    assert.deepEqual(await ws.next(), PARSE_ERROR);
    ws.send(Buffer.from([1, 2, 3]), { binary: true });
    assert.deepEqual(await ws.next(), PARSE_ERROR);
    for (const m of ['{"type":"SUBSCRIBE"}', '{"type":"PUBLISH","tenantId":"t"}', '[1,2]',
      '"SUBSCRIBE"', '{"type":"SUBSCRIBE","tenantId":"no spaces allowed"}', '{}']) {
      ws.send(m);
      assert.deepEqual(await ws.next(), INVALID, m);
    }
    assert.equal(ws.readyState, WebSocket.OPEN);
    subscribe(ws, 'tenant-bad');
    await f.untilMembers('tenant:tenant-bad', 1);
    await f.broadcast('tenant:tenant-bad', 'JOB_UPDATE', { jobId: 'j', status: 'COMPLETED', error: null });
    assert.deepEqual(await ws.next(), { type: 'JOB_UPDATE', jobId: 'j', status: 'COMPLETED', error: null });
  });

  it('a foreign Origin is refused with 403; the configured one and none are accepted', async () => {
    const evil = f.plain(['job-updates'], { origin: 'https://evil.example' });
    assert.equal((await evil.refusedWith()).status, 403);
    await f.connected(['job-updates'], { origin: 'https://jobs.example.com' });
    await f.connected(['job-updates']);
  });

  it('a subprotocol the endpoint does not answer is refused; a plain GET gets 426', async () => {
    const ws = f.plain(['chat']);
    const r = await ws.refusedWith();
    assert.notEqual(r.status, 101);
    const g = await http(f.server.url, { path: '/ws' });
    assert.equal(g.status, 426);
  });

  it('a message over maxMessageBytes closes the connection with 1009', async () => {
    const ws = await f.connected();
    const closed = ws.closed();
    ws.send(JSON.stringify({ type: 'SUBSCRIBE', tenantId: 'x'.repeat(5000) }));
    assert.equal((await closed).code, 1009);
  });
});

describe('sio-server: plain WebSocket endpoint with auth required', () => {
  const f = fixture(() => exampleWith((c) => {
    c.auth = { required: true, secret: SECRET, algorithm: 'HS256' };
  }));
  // A short token: lws 4.1 refuses a Sec-WebSocket-Protocol header over 127 bytes.
  const short = (sub) => sign({ sub, exp: now() + 600 }, SECRET, { typ: undefined });

  it('no token, or a bad one: 401 before the upgrade', async () => {
    const none = await f.plain().refusedWith();
    assert.equal(none.status, 401);
    const bad = await f.plain(['job-updates'], {}, `?token=${sign({ sub: 'u', exp: now() + 600 }, 'wrong-secret-wrong-secret-wrong-secret')}`).refusedWith();
    assert.equal(bad.status, 401);
    const expired = await f.plain(['job-updates'], {}, `?token=${sign({ sub: 'u', exp: now() - 3600 }, SECRET)}`).refusedWith();
    assert.equal(expired.status, 401);
  });

  it('a token in the query, or after "job-updates" in the subprotocols, is accepted', async () => {
    const q = await f.connected(['job-updates'], {}, `?token=${sign({ sub: 'u1', exp: now() + 600 }, SECRET)}`);
    assert.equal(q.protocol, 'job-updates');
    const token = short('u2');
    const p = await f.connected(['job-updates', token]);
    assert.equal(p.protocol, 'job-updates');
    subscribe(p, 'tenant-auth');
    await f.untilMembers('tenant:tenant-auth', 1);
    await f.broadcast('tenant:tenant-auth', 'JOB_UPDATE', { jobId: 'a', status: 'RUNNING' });
    assert.deepEqual(await p.next(), { type: 'JOB_UPDATE', jobId: 'a', status: 'RUNNING' });
  });
});

describe('sio-server: plain WebSocket keepalive and slow consumers', () => {
  const f = fixture(() => exampleWith((c) => {
    Object.assign(c.plainWebSockets[0], { pingIntervalMs: 200, idleTimeoutMs: 300,
      maxQueuedBytes: 262144 });
  }));

  it('a client that answers no ping is closed after the idle timeout (1001); one that does stays', async () => {
    const mute = await f.connected(['job-updates'], { autoPong: false });
    const alive = await f.connected(['job-updates']);
    let pings = 0;
    alive.on('ping', () => { pings++; });
    const closed = await mute.closed();
    assert.equal(closed.code, 1001);
    assert.equal(closed.reason, 'idle timeout');
    // The answering client has seen pings and is still open after the same time.
    await new Promise((r) => setTimeout(r, 700));
    assert.ok(pings >= 2, `pings: ${pings}`);
    assert.equal(alive.readyState, WebSocket.OPEN);
  });

  it('a client that stops reading is cut at maxQueuedBytes; another in the room gets everything', async () => {
    const slow = await f.connected();
    const fast = await f.connected();
    subscribe(slow, 'tenant-slow');
    subscribe(fast, 'tenant-slow');
    await f.untilMembers('tenant:tenant-slow', 2);
    slow._socket.pause(); // reads nothing from now on
    const big = 'x'.repeat(50000);
    const n = 240; // 12 MB: more than the kernel's buffers hold
    const got = [];
    fast.on('message', (d) => got.push(JSON.parse(d.toString()).seq));
    for (let seq = 0; seq < n; seq++) {
      const r = await f.broadcast('tenant:tenant-slow', 'JOB_UPDATE', { seq, big });
      assert.equal(r.status, 200);
    }
    await f.untilMembers('tenant:tenant-slow', 1);
    const end = Date.now() + TIMEOUT;
    while (got.length < n && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    assert.equal(got.length, n);
    assert.deepEqual(got, [...Array(n).keys()]);
    assert.equal(fast.readyState, WebSocket.OPEN);
  });
});

describe('sio-server: plain WebSocket endpoint under the limits of Socket.IO clients', () => {
  const f = fixture(() => exampleWith((c) => {
    c.limits = { maxRoomsPerSocket: 2, maxRoomNameLength: 20, eventsPerMinute: 6,
      connectionsPerMinutePerIp: 5 };
  }));

  it('maxRoomsPerSocket, maxRoomNameLength, eventsPerMinute; the connection stays', async () => {
    const ws = await f.connected();
    subscribe(ws, 'a');
    subscribe(ws, 'b');
    subscribe(ws, 'c'); // a third room
    assert.deepEqual(await ws.next(), { type: 'ERROR', message: 'Room limit exceeded' });
    subscribe(ws, 'a'); // already joined: not a new room
    subscribe(ws, 'x'.repeat(20)); // "tenant:" + 20 characters is over 20
    assert.deepEqual(await ws.next(), INVALID);
    await f.untilMembers('tenant:a', 1);
    assert.equal(await f.members('tenant:c'), 0);
    unsubscribe(ws, 'b'); // the sixth message of the minute: the last one allowed
    await f.untilMembers('tenant:b', 0);
    subscribe(ws, 'd');
    assert.deepEqual(await ws.next(), RATE_LIMITED); // errors.rateLimited
    assert.equal(await f.members('tenant:d'), 0);
    assert.equal(ws.readyState, WebSocket.OPEN);
  });

  it('connectionsPerMinutePerIp: the attempt over the limit is refused with 429', async () => {
    // One connection was made by the test above: four more are allowed.
    for (let i = 0; i < 4; i++) await f.connected();
    assert.equal((await f.plain().refusedWith()).status, 429);
  });
});

describe('sio-server: plain WebSocket endpoint under subscribeEventsPerMinute', () => {
  const f = fixture(() => exampleWith((c) => {
    c.limits = { subscribeEventsPerMinute: 3, eventsPerMinute: 100 };
  }));

  it('joins and leaves past the limit are dropped with errors.rateLimited; the connection stays', async () => {
    const ws = await f.connected();
    subscribe(ws, 's1');
    unsubscribe(ws, 's1');
    ws.send('{"type":"SUBSCRIBE","tenantId":"no spaces"}'); // invalid: joins nothing, not counted
    assert.deepEqual(await ws.next(), INVALID);
    subscribe(ws, 's2'); // the third join or leave of the minute: the last one allowed
    await f.untilMembers('tenant:s2', 1);
    subscribe(ws, 's3');
    assert.deepEqual(await ws.next(), RATE_LIMITED);
    unsubscribe(ws, 's2'); // a leave counts on the same counter
    assert.deepEqual(await ws.next(), RATE_LIMITED);
    assert.equal(await f.members('tenant:s3'), 0);
    assert.equal(await f.members('tenant:s2'), 1);
    assert.equal(ws.readyState, WebSocket.OPEN);
    // An anonymous client's counter is its socket's: another connection has its own.
    const other = await f.connected();
    subscribe(other, 's3');
    await f.untilMembers('tenant:s3', 1);
    // counted as a Socket.IO client's refused join events are
    const m = await http(f.server.url, { path: '/metrics' });
    assert.match(m.text, /^sio_errors_total\{kind="subscribe_rate_limited"\} 2$/m);
  });
});

describe('sio-server: plain WebSocket clients with a token: the join limit and presence', () => {
  const f = fixture(() => exampleWith((c) => {
    c.auth = { required: true, secret: SECRET, algorithm: 'HS256' };
    c.limits = { subscribeEventsPerMinute: 2 };
    c.rooms.auto = ['user:{userId}'];
    c.presence = { online: 'status:online', offline: 'status:offline' };
  }));
  const withToken = (sub) => f.connected(['job-updates'], {},
    `?token=${sign({ sub, exp: now() + 600 }, SECRET)}`);

  it('subscribeEventsPerMinute counts per user: a second connection shares the counter', async () => {
    const a = await withToken('u-limit');
    const b = await withToken('u-limit');
    subscribe(a, 'l1');
    subscribe(b, 'l2');
    await f.untilMembers('tenant:l2', 1);
    subscribe(b, 'l3');
    assert.deepEqual(await b.next(), RATE_LIMITED);
    subscribe(a, 'l3');
    assert.deepEqual(await a.next(), RATE_LIMITED);
    assert.equal(await f.members('tenant:l3'), 0);
  });

  it('presence: a plain client makes its user online, then offline; /rooms lists its user', async () => {
    const watcher = await f.client.connected({ auth: { token: sign({ sub: 'u-watch', exp: now() + 600 }, SECRET) } });
    const online = waitFor(watcher, 'status:online');
    const ws = await withToken('u-plain');
    assert.deepEqual((await online)[0], { userId: 'u-plain' });
    subscribe(ws, 'p1');
    await f.untilMembers('tenant:p1', 1);
    const room = (await f.api('GET', '/rooms/tenant%3Ap1')).json.data;
    assert.deepEqual(room.users, [{ userId: 'u-plain', sockets: 1 }]);
    assert.equal(room.anonymousSockets, 0);
    const offline = waitFor(watcher, 'status:offline');
    ws.close();
    assert.deepEqual((await offline)[0], { userId: 'u-plain' });
    assert.equal(ws.queued.length, 0, 'its own online event is not sent to it');
  });
});

describe('sio-server: plain WebSocket endpoint at a graceful stop', () => {
  it('the shutdown event reaches plain clients, then a close frame 1001; exit 0', async () => {
    const server = await startServer({ config: exampleWith(() => {}) });
    const ws = plainClient(`${server.url.replace('http', 'ws')}/ws`, ['job-updates']);
    try {
      await ws.opened();
      assert.deepEqual(await ws.next(), CONNECTED);
      const closed = ws.closed();
      server.proc.kill('SIGTERM');
      assert.deepEqual(await ws.next(), { type: 'server_shutdown' });
      assert.deepEqual(await closed, { code: 1001, reason: 'server shutting down' });
      const [code, signal] = await server.exited;
      assert.equal(signal, null);
      assert.equal(code, 0, server.stderr());
    } finally {
      ws.terminate();
      if (server.proc.exitCode === null && server.proc.signalCode === null) {
        server.proc.kill('SIGKILL');
      }
    }
  });
});

/** An Engine.IO polling handshake from a source address: its sid, or the refusal. */
function engineHandshake(f, from) {
  return new Promise((resolve, reject) => {
    const r = nodeHttp.get({ host: '127.0.0.1', port: f.server.port, localAddress: from,
      path: '/socket.io/?EIO=4&transport=polling', agent: false }, (res) => {
      let body = '';
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode, body,
        sid: res.statusCode === 200 ? JSON.parse(body.slice(1)).sid : null }));
    });
    r.on('error', reject);
  });
}
/** The Socket.IO CONNECT of a polling session: its first message, it is no longer in flight. */
function engineConnect(f, sid) {
  return http(f.server.url, { method: 'POST', path: `/socket.io/?EIO=4&transport=polling&sid=${sid}`,
    headers: { 'content-type': 'text/plain;charset=UTF-8' }, body: '40' });
}
/** sio_engine_handshakes_refused_total{reason} of /metrics. */
async function refusedMetric(f, reason) {
  const r = await http(f.server.url, { path: '/metrics' });
  const m = new RegExp(`^sio_engine_handshakes_refused_total\\{reason="${reason}"\\} (\\d+)$`, 'm')
    .exec(r.text);
  assert.ok(m, r.text);
  return Number(m[1]);
}
const TOO_MANY = { code: 6, message: 'Too many connections' };
const BUSY = { code: 6, message: 'Server busy' };

describe('sio-server: plain WebSocket endpoint under admission.maxConnectionsPerAddress', () => {
  const f = fixture(() => exampleWith((c) => {
    c.admission = { maxConnectionsPerAddress: 2, retryAfterSeconds: 7 };
  }));
  const from = (localAddress) => ({ localAddress });

  it('plain connections and Engine.IO sessions of one address count together: 503 past the bound', async () => {
    const a = await f.connected(['job-updates'], from('127.0.0.2'));
    const eio = await engineHandshake(f, '127.0.0.2');
    assert.equal(eio.status, 200, eio.body);
    // The address has a plain connection and an Engine.IO session: a third of either kind
    // is refused with Engine.IO's answer.
    const refused = await f.plain(['job-updates'], from('127.0.0.2')).refusedWith();
    assert.equal(refused.status, 503);
    assert.equal(refused.headers['retry-after'], '7');
    assert.deepEqual(JSON.parse(refused.body), TOO_MANY);
    const eio2 = await engineHandshake(f, '127.0.0.2');
    assert.equal(eio2.status, 503);
    assert.deepEqual(JSON.parse(eio2.body), TOO_MANY);
    assert.equal(await refusedMetric(f, 'address'), 2, 'the plain refusal is counted too');
    // Another address is not capped.
    await f.connected(['job-updates'], from('127.0.0.3'));
    // A plain connection that closes gives its place back.
    const closed = a.closed();
    a.close();
    await closed;
    await f.connected(['job-updates'], from('127.0.0.2'));
  });
});

describe('sio-server: plain WebSocket endpoint behind a trusted proxy (admission)', () => {
  const f = fixture(() => exampleWith((c) => {
    c.trustProxy = true; // the loopback addresses are the trusted proxies
    c.admission = { maxConnectionsPerAddress: 1 };
  }));
  const via = (client) => ({ headers: { 'x-forwarded-for': client } });

  it('counted under the X-Forwarded-For client, not the proxy\'s address', async () => {
    await f.connected(['job-updates'], via('203.0.113.7'));
    await f.connected(['job-updates'], via('203.0.113.8'));
    const refused = await f.plain(['job-updates'], via('203.0.113.7')).refusedWith();
    assert.equal(refused.status, 503);
    assert.deepEqual(JSON.parse(refused.body), TOO_MANY);
  });
});

describe('sio-server: plain WebSocket endpoint under admission.maxPendingHandshakes', () => {
  const f = fixture(() => exampleWith((c) => { c.admission = { maxPendingHandshakes: 1 }; }));

  it('refused with 503 while Engine.IO handshakes are in flight; an open plain client holds none', async () => {
    const eio = await engineHandshake(f, '127.0.0.1'); // no CONNECT yet: in flight
    assert.equal(eio.status, 200, eio.body);
    const refused = await f.plain().refusedWith();
    assert.equal(refused.status, 503);
    assert.equal(refused.headers['retry-after'], '5');
    assert.deepEqual(JSON.parse(refused.body), BUSY);
    assert.equal(await refusedMetric(f, 'pending'), 1);
    assert.equal((await engineConnect(f, eio.sid)).status, 200);
    // The CONNECT settled it: plain clients are let in, and one that sends nothing (its
    // greeting taken) keeps no Engine.IO handshake out.
    const ws = await f.connected();
    const eio2 = await engineHandshake(f, '127.0.0.1');
    assert.equal(eio2.status, 200, eio2.body);
    assert.equal(ws.readyState, WebSocket.OPEN);
  });
});

describe('sio-server: plain WebSocket clients with a token: rooms.auto and token expiry', () => {
  const f = fixture(() => exampleWith((c) => {
    c.auth = { required: true, secret: SECRET, algorithm: 'HS256', leewaySeconds: 0 };
    c.rooms.auto = ['user:{userId}', { room: 'admins', ifClaim: { role: 'admin' } }];
  }));
  const withToken = (claims) => f.connected(['job-updates'], {},
    `?token=${sign(claims, SECRET)}`);

  it('rooms.auto: the user\'s room, and a room of its claims; the API\'s user broadcast reaches it', async () => {
    const ws = await withToken({ sub: 'u-auto', role: 'admin', exp: now() + 600 });
    const other = await withToken({ sub: 'u-other', exp: now() + 600 });
    // Joined before the greeting: no waiting.
    assert.equal(await f.members('user:u-auto'), 1);
    assert.equal(await f.members('admins'), 1);
    const r = await f.api('POST', '/broadcast/user/u-auto', { event: 'NOTICE', data: { text: 'hi' } });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.data.recipientCount, 1);
    assert.deepEqual(await ws.next(), { type: 'NOTICE', text: 'hi' });
    await f.broadcast('admins', 'NOTICE', { text: 'admins only' });
    assert.deepEqual(await ws.next(), { type: 'NOTICE', text: 'admins only' });
    assert.equal(other.queued.length, 0, 'u-other is in neither room');
  });

  it('an expired token: the tokenExpiry event, then 1008 "token expired"; a valid one stays', async () => {
    const ws = await withToken({ sub: 'u-exp', exp: now() + 2 });
    const keeps = await withToken({ sub: 'u-keeps', exp: now() + 600 });
    const closed = ws.closed();
    assert.equal(await f.members('user:u-exp'), 1);
    assert.deepEqual(await ws.next(), { type: 'auth-expired', message: 'Authentication token expired' });
    assert.deepEqual(await closed, { code: 1008, reason: 'token expired' });
    assert.equal(await f.members('user:u-exp'), 0);
    assert.equal(keeps.readyState, WebSocket.OPEN);
    assert.equal(keeps.queued.length, 0);
  });
});

const MISSING = chromiumMissingReason();

describe('sio-server: plain WebSocket endpoint from a browser page', { skip: MISSING ?? false }, () => {
  let browser;
  let page;
  let stat;
  // The page's origin (http://127.0.0.1:<port>) is the one allowed: the Origin check
  // lets it in.
  before(async () => { stat = await startStaticServer(); });
  const f = fixture(() => exampleWith((c) => { c.cors.origins = [stat.origin]; }));

  before(async () => {
    browser = await launchChromium();
    page = await browser.context.newPage();
    watchPage(page);
    await page.goto(`${stat.origin}/`, { waitUntil: 'load' });
  });
  after(async () => {
    await page?.close();
    await browser?.close();
    await stat?.close();
  });

  it('new WebSocket: CONNECTED, SUBSCRIBE, JOB_UPDATE from the API, UNSUBSCRIBE, ERROR replies', async () => {
    const got = await openPagePlainWs(page, f.wsUrl(), 'job-updates');
    const until = async (n) => {
      const end = Date.now() + TIMEOUT;
      while ((await got()).length < n) {
        if (Date.now() > end) throw new Error(`page got ${JSON.stringify(await got())}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      return got();
    };
    assert.deepEqual((await until(1))[0], CONNECTED);
    assert.equal(await page.evaluate(() => window.plain.ws.protocol), 'job-updates');
    await page.evaluate(() => {
      window.plain.ws.send(JSON.stringify({ type: 'SUBSCRIBE', tenantId: 'tenant-browser' }));
    });
    await f.untilMembers('tenant:tenant-browser', 1);
    const data = { jobId: 'b1', status: 'COMPLETED', error: null };
    await f.broadcast('tenant:tenant-browser', 'JOB_UPDATE', data);
    assert.deepEqual((await until(2))[1], { type: 'JOB_UPDATE', ...data });
    await page.evaluate(() => {
      window.plain.ws.send('garbage');
      window.plain.ws.send('{"type":"NOPE"}');
      window.plain.ws.send(JSON.stringify({ type: 'UNSUBSCRIBE', tenantId: 'tenant-browser' }));
    });
    const msgs = await until(4);
    assert.deepEqual(msgs.slice(2), [PARSE_ERROR, INVALID]);
    await f.untilMembers('tenant:tenant-browser', 0);
    assert.equal(await page.evaluate(() => window.plain.ws.readyState), 1);
  });
});

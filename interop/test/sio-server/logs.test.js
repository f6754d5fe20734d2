// sio-server's operational log (docs/sio-server.md, "Logs"), in both
// formats (LOG_FORMAT=text, LOG_FORMAT=json): the startup summary, a
// connection and its disconnection (socket id, user id, transport, address,
// reason), refusals (a bad token at the handshake, a room rule, and those
// of the engine: the WebSocket Origin check, CORS, the Engine.IO checks,
// admission control, a plain endpoint's Origin check), HTTP API
// calls (method, path, status, duration, the key by its index), and that no
// secret ever appears in any line: not the client's token, the JWT secret,
// the API key, the Redis password (in REDIS_URL) nor the webhook secret.
// Every line of the JSON format must parse as one object with time, level
// and msg. LOG_LEVEL filters, and a bad LOG_LEVEL is refused at startup.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import WebSocket from 'ws';
import {
  BIN, clientFactory, http, now, sign, startServer, waitFor, TIMEOUT,
} from '../../lib/sio-server-app.js';
import { variant } from '../../lib/sio-server-variant.js';
import { startRedis } from '../../lib/redis.js';

const SECRET = 'logs-test-jwt-secret-0123456789abcdef';
const API_KEY = 'logs-test-api-key-5f1e2d3c4b5a';
const REDIS_PASSWORD = 'logs-test-redis-password-77';
const HOOK_SECRET = 'logs-test-webhook-secret-99';
const token = (sub) =>
  sign({ sub, role: 'member', projects: ['p1'], iat: now(), exp: now() + 600 }, SECRET);

/** "time level msg k=v k=\"quoted\"" -> {time, level, msg, ...fields}. */
function parseText(line) {
  // the message is free text (an event's name, or a sentence); the fields follow it
  const m = /^(\S+) (error|warn|info|debug) (.*?)((?: [A-Za-z]+=(?:"(?:[^"\\]|\\.)*"|\S+))*)$/.exec(line);
  if (!m) return null;
  const out = { time: m[1], level: m[2], msg: m[3] };
  const re = / ([A-Za-z]+)=("(?:[^"\\]|\\.)*"|\S+)/g;
  let f;
  while ((f = re.exec(m[4])) !== null) {
    out[f[1]] = f[2].startsWith('"') ? f[2].slice(1, -1).replace(/\\(.)/g, '$1') : f[2];
  }
  return out;
}

/** The server's own stderr lines (valgrind's, under VALGRIND=1, left out). */
const ownLines = (server) => server.stderr().split('\n').filter((l) => l && !/^==\d+==/.test(l));

/** The structured lines written so far (non-log stderr lines are not expected). */
function entries(server, format) {
  return ownLines(server).map((l) => {
    if (format === 'json') return JSON.parse(l);
    const e = parseText(l);
    assert.ok(e, `a text log line: ${l}`);
    return e;
  });
}

/** Resolve with the first entry matching pred, as soon as it is written. */
function entry(server, format, pred, what) {
  return new Promise((resolve, reject) => {
    const look = () => {
      const e = entries(server, format).find(pred);
      if (e) { clearTimeout(t); server.proc.stderr.off('data', look); resolve(e); }
    };
    const t = setTimeout(() => {
      server.proc.stderr.off('data', look);
      reject(new Error(`no log entry: ${what}\n${server.stderr()}`));
    }, TIMEOUT);
    server.proc.stderr.on('data', look);
    look();
  });
}

for (const format of ['text', 'json']) {
  describe(`sio-server logs, LOG_FORMAT=${format}`, () => {
    let server;
    let redis;
    const client = clientFactory(() => server.url);
    const config = () => variant('family-stories', (c) => {
      c.webhooks = {
        url: 'http://127.0.0.1:9/hooks?token=not-a-secret-of-ours',
        secretEnv: 'WEBHOOK_SECRET',
        events: { 'note:add': { ack: true } },
      };
    });

    before(async () => {
      redis = await startRedis();
      server = await startServer({
        config: config(),
        env: {
          LOG_FORMAT: format,
          JWT_ACCESS_SECRET: SECRET,
          WEBSOCKET_API_KEY: API_KEY,
          WEBHOOK_SECRET: HOOK_SECRET,
          // a password this Redis does not have: the AUTH fails and is logged
          REDIS_URL: `redis://:${REDIS_PASSWORD}@127.0.0.1:${redis.port}`,
        },
      });
    });
    after(async () => { client.closeAll(); await server?.stop(); await redis?.stop(); });

    it('the startup summary says what is on', async () => {
      const e = await entry(server, format, (x) => x.msg === 'startup', 'startup');
      assert.equal(e.level, 'info');
      assert.match(e.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      assert.equal(String(e.port), String(server.port));
      assert.equal(e.path, '/socket.io/');
      assert.equal(e.transports, 'polling,websocket');
      assert.equal(e.auth, 'required');
      assert.equal(e.algorithm, 'HS256');
      assert.equal(e.api, 'on');
      assert.equal(String(e.apiKeys), '1');
      assert.equal(String(e.eventsPerMinute), '100');
      assert.equal(e.redis, `redis://127.0.0.1:${redis.port}`);
      assert.equal(e.webhooks, 'http://127.0.0.1:9/hooks');
      if (format === 'json') {
        assert.equal(typeof e.port, 'number');
        assert.equal(e.development, false);
      }
    });

    it('a connection and its disconnection', async () => {
      const c = await client.connected({ auth: { token: token('alice') } });
      const id = c.id;
      const con = await entry(server, format,
        (x) => x.msg === 'connection' && x.socketId === id, 'connection');
      assert.equal(con.level, 'info');
      assert.equal(con.userId, 'alice');
      assert.equal(con.namespace, '/');
      assert.equal(con.transport, 'polling');
      assert.equal(con.address, '127.0.0.1');
      c.close();
      const dis = await entry(server, format,
        (x) => x.msg === 'disconnection' && x.socketId === id, 'disconnection');
      assert.equal(dis.userId, 'alice');
      assert.equal(dis.reason, 'client namespace disconnect');
    });

    it('refusals: a bad token at the handshake, a room rule', async () => {
      const bad = sign({ sub: 'mallory', iat: now(), exp: now() + 600 }, 'not-the-secret-at-all-000000000');
      const err = await client.refused({ auth: { token: bad } });
      assert.ok(err.message);
      const r = await entry(server, format,
        (x) => x.msg === 'refused' && x.kind === 'auth_invalid', 'auth refusal');
      assert.equal(r.level, 'info');
      assert.equal(r.address, '127.0.0.1');
      assert.ok(r.reason);

      const c = await client.connected({ auth: { token: token('bob') } });
      const denied = waitFor(c, 'error');
      c.emit('join_project', { projectId: 'p9' });
      await denied;
      const j = await entry(server, format,
        (x) => x.msg === 'refused' && x.kind === 'room_denied', 'room refusal');
      assert.equal(j.userId, 'bob');
      assert.equal(j.socketId, c.id);
      assert.equal(j.value, 'p9');
      assert.equal(j.reason, 'You do not have access to this project');
      c.close();
    });

    it('the engine\'s refusals: the Origin check, CORS, the Engine.IO checks (never the sid)', async () => {
      const evil = 'https://evil.example';
      const num = (v) => (format === 'json' ? v : String(v));
      const ws = await client.refused({
        auth: { token: token('eve') }, transports: ['websocket'], extraHeaders: { Origin: evil },
      });
      assert.equal(ws.message, 'websocket error');
      const o = await entry(server, format,
        (x) => x.msg === 'refused' && x.kind === 'origin', 'Origin refusal');
      assert.deepEqual(
        [o.level, o.reason, o.code, o.status, o.transport, o.address, o.path, o.origin],
        ['info', 'Forbidden', num(4), num(403), 'websocket', '127.0.0.1', '/socket.io/', evil]);
      // CORS refuses nothing itself: the answer goes without its headers
      const poll = await http(server.url, {
        path: '/socket.io/?EIO=4&transport=polling', headers: { origin: evil },
      });
      assert.equal(poll.status, 200);
      assert.equal(poll.headers['access-control-allow-origin'], undefined);
      const c = await entry(server, format,
        (x) => x.msg === 'refused' && x.kind === 'cors', 'CORS refusal');
      assert.deepEqual([c.status, c.code, c.transport, c.address, c.origin],
        [num(200), undefined, 'polling', '127.0.0.1', evil]);
      const sid = 'not-a-session-id-of-this-server';
      for (const [query, kind, code, reason] of [
        ['EIO=4&transport=carrier-pigeon', 'unknown_transport', 0, 'Transport unknown'],
        [`EIO=4&transport=polling&sid=${sid}`, 'unknown_sid', 1, 'Session ID unknown'],
        ['EIO=9&transport=polling', 'unsupported_protocol', 5, 'Unsupported protocol version'],
      ]) {
        const r = await http(server.url, { path: `/socket.io/?${query}` });
        assert.equal(r.status, 400);
        assert.equal(r.json.code, code);
        const e = await entry(server, format, (x) => x.msg === 'refused' && x.kind === kind, kind);
        assert.deepEqual([e.level, e.reason, e.code, e.status, e.address, e.path, e.origin],
          ['info', reason, num(code), num(400), '127.0.0.1', '/socket.io/', undefined]);
      }
      assert.ok(!server.stderr().includes(sid), 'a sid is in the log');
      // and counted, by kind
      const m = await http(server.url, { path: '/metrics', headers: { 'x-api-key': API_KEY } });
      assert.equal(m.status, 200);
      for (const kind of ['origin', 'cors', 'unknown_transport', 'unknown_sid', 'unsupported_protocol']) {
        const v = m.text.match(new RegExp(`^sio_errors_total\\{kind="${kind}"\\} (\\d+)$`, 'm'));
        assert.ok(v && Number(v[1]) >= 1, `sio_errors_total{kind="${kind}"} in /metrics`);
      }
    });

    it('HTTP API calls: method, path, status, duration, the key by its index', async () => {
      const ok = await http(server.url, { path: '/api/v1/websocket/stats', headers: { 'x-api-key': API_KEY } });
      assert.equal(ok.status, 200);
      const e = await entry(server, format,
        (x) => x.msg === 'api' && x.path === '/api/v1/websocket/stats' && String(x.status) === '200', 'api 200');
      assert.equal(e.method, 'GET');
      assert.equal(e.key, '#0');
      assert.ok(Number(e.durationMs) >= 0);
      assert.equal(e.requestId, ok.json.meta.requestId);
      const no = await http(server.url, {
        method: 'POST', path: '/api/v1/websocket/broadcast?x=1', headers: { 'x-api-key': 'wrong-key' }, body: {},
      });
      assert.equal(no.status, 401);
      const f = await entry(server, format,
        (x) => x.msg === 'api' && String(x.status) === '401', 'api 401');
      assert.equal(f.method, 'POST');
      assert.equal(f.path, '/api/v1/websocket/broadcast');
      assert.equal(f.key, undefined);
      assert.equal(f.code, 'UNAUTHORIZED');
    });

    it('the Redis state is logged without its password; no secret is in any line', async () => {
      await entry(server, format, (x) => /redis: not connected to redis:\/\/127\.0\.0\.1/.test(x.msg), 'redis state');
      const all = server.stderr() + server.stdout();
      for (const secret of [SECRET, API_KEY, REDIS_PASSWORD, HOOK_SECRET, 'not-a-secret-of-ours',
        token('alice').split('.')[2], 'wrong-key']) {
        assert.ok(!all.includes(secret), `${secret} is in the log`);
      }
      // every line is an entry of the format (JSON: parses, with time, level, msg)
      for (const e of entries(server, format)) {
        assert.ok(e.time && e.level && e.msg, JSON.stringify(e));
      }
    });
  });
}

describe('sio-server logs: admission control, a plain endpoint\'s Origin check', () => {
  let server;
  before(async () => {
    server = await startServer({
      config: variant('job-updates', (c) => {
        delete c.ingest; // no Redis here
        c.admission = { maxConnectionsPerAddress: 1 };
      }),
      env: { LOG_FORMAT: 'json' },
    });
  });
  after(async () => { await server?.stop(); });

  it('a session over the address\'s bound (503), a foreign page\'s plain WebSocket (403)', async () => {
    const handshake = () => http(server.url, { path: '/socket.io/?EIO=4&transport=polling' });
    assert.equal((await handshake()).status, 200); // the address's one session
    const busy = await handshake();
    assert.equal(busy.status, 503);
    const a = await entry(server, 'json',
      (x) => x.msg === 'refused' && x.kind === 'address_limit', 'admission refusal');
    assert.deepEqual([a.level, a.reason, a.code, a.status, a.transport, a.address],
      ['info', 'Too many connections', 6, 503, 'polling', '127.0.0.1']);

    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/ws`, ['job-updates'],
      { headers: { Origin: 'https://evil.example' } });
    const [, res] = await waitFor(ws, 'unexpected-response');
    assert.equal(res.statusCode, 403);
    res.resume();
    const o = await entry(server, 'json',
      (x) => x.msg === 'refused' && x.kind === 'origin', 'plain Origin refusal');
    assert.deepEqual([o.status, o.code, o.transport, o.path, o.origin, o.address],
      [403, undefined, 'websocket', '/ws', 'https://evil.example', '127.0.0.1']);
  });
});

describe('sio-server logs: LOG_LEVEL', () => {
  it('LOG_LEVEL=warn leaves out the info lines', async () => {
    const server = await startServer({ env: { LOG_LEVEL: 'warn', LOG_FORMAT: 'json' } });
    const client = clientFactory(() => server.url);
    try {
      const c = await client.connected();
      const r = await http(server.url, { path: '/api/v1/websocket/health' });
      assert.equal(r.status, 200);
      c.close();
    } finally {
      client.closeAll();
      await server.stop();
    }
    assert.deepEqual(ownLines(server), []);
  });

  it('LOG_LEVEL=debug adds a line per event a client sends (its name, not its data)', async () => {
    const server = await startServer({ env: { LOG_LEVEL: 'debug', LOG_FORMAT: 'json' } });
    const client = clientFactory(() => server.url);
    try {
      const c = await client.connected();
      c.emit('hello', { secretish: 'payload-not-logged' });
      const e = await entry(server, 'json', (x) => x.msg === 'event' && x.event === 'hello', 'event');
      assert.equal(e.level, 'debug');
      assert.equal(e.socketId, c.id);
      assert.ok(!server.stderr().includes('payload-not-logged'));
      c.close();
    } finally {
      client.closeAll();
      await server.stop();
    }
  });

  it('a bad LOG_LEVEL or LOG_FORMAT is refused with exit status 2', () => {
    for (const env of [{ LOG_LEVEL: 'loud' }, { LOG_FORMAT: 'xml' }]) {
      const r = spawnSync(BIN, ['--port', '0'], { env: { ...process.env, ...env }, encoding: 'utf8', timeout: TIMEOUT });
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr, /LOG_(LEVEL|FORMAT)/);
    }
  });
});

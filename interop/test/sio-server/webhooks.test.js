// sio-server's backend bridge (docs/sio-server.md, "Backend bridge"): a fake
// backend (a node http server in this process, on a free loopback port)
// receives the webhooks and checks every signature (X-Signature:
// t=<unix>,v1=HMAC-SHA256(secret, "<t>.<body>")); its answers reach real
// socket.io-client clients as acknowledgements, emits, broadcasts and room
// joins. Covered: the connect hook (accept with data and rooms, refuse with
// a connect_error), message:send answered by the backend (the ack to the
// sender, message:new to the room except the sender), the disconnect hook
// (and its retry after a 503), a backend that is down (error ack at once,
// then the circuit breaker fails fast), slow (timeout error ack), and
// answering garbage or a 500; the typing relay without a backend (room
// template, enrichment from the token, except the sender, membership, rate
// limit); the per-hook metrics.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  clientFactory, collect, freePort, http, now, sign, startServer, waitFor, TIMEOUT,
} from '../../lib/sio-server-app.js';

const JWT_SECRET = 'webhooks-test-jwt-secret-0123456789abcdef';
const HOOK_SECRET = 'webhooks-test-hmac-secret-abcdef';
const token = (sub) => sign({ sub, iat: now(), exp: now() + 600 }, JWT_SECRET);

/** The backend's check of a request: the scheme docs/sio-server.md documents. */
function verify(header, body) {
  const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header || '');
  if (!m) return false;
  if (Math.abs(Number(m[1]) - now()) > 300) return false;
  const want = createHmac('sha256', HOOK_SECRET).update(`${m[1]}.${body}`).digest();
  return timingSafeEqual(want, Buffer.from(m[2], 'hex'));
}

/** A fake backend: records every request; answer(hook) decides the reply. */
async function startBackend(answer) {
  const b = { requests: [], bad: 0, waiters: [] };
  b.server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', async () => {
      const raw = Buffer.concat(chunks).toString();
      if (!verify(req.headers['x-signature'], raw)) b.bad++;
      const hook = JSON.parse(raw);
      hook.headers = req.headers;
      b.requests.push(hook);
      for (const w of b.waiters.splice(0)) w();
      const r = (await answer(hook, req, res)) ?? {};
      if (r.destroy) { req.socket.destroy(); return; }
      res.statusCode = r.status ?? 200;
      res.setHeader('content-type', 'application/json');
      res.end(r.text ?? JSON.stringify(r.json ?? {}));
    });
  });
  b.server.listen(0, '127.0.0.1');
  await once(b.server, 'listening');
  b.url = `http://127.0.0.1:${b.server.address().port}/hooks`;
  /** The next request matching pred (already received or to come). */
  b.next = async (pred, ms = TIMEOUT) => {
    const end = Date.now() + ms;
    for (;;) {
      const i = b.requests.findIndex(pred);
      if (i >= 0) return b.requests.splice(i, 1)[0];
      if (Date.now() > end) throw new Error('no such webhook request');
      await new Promise((resolve) => { b.waiters.push(resolve); setTimeout(resolve, 50); });
    }
  };
  b.close = async () => { b.server.closeAllConnections(); b.server.close(); };
  return b;
}

const emitAck = (c, ev, ...args) => c.timeout(TIMEOUT).emitWithAck(ev, ...args);
const delay = (ms) => new Promise((r) => setTimeout(r, ms));

function writeConfig(dir, name, webhooks) {
  const path = join(dir, `${name}.json`);
  writeFileSync(path, JSON.stringify({
    auth: { required: true, algorithm: 'HS256', tokenSources: ['auth'] },
    rooms: {
      auto: ['user:{userId}'],
      joinEvents: [{ join: 'conversation:join', room: 'conversation:{id}',
        idField: 'conversationId', authorize: 'none', ack: true }],
    },
    webhooks,
    relay: [{ event: 'typing', emit: 'status:typing', room: 'conversation:{conversationId}',
      enrich: { userId: '{userId}' }, rateLimitPerMinute: 4 }],
  }));
  return path;
}

describe('sio-server: webhooks to a backend and relay rules', () => {
  let dir, backend, server;
  const client = clientFactory(() => server.url);
  const connect = (sub) => client.connected({ auth: { token: token(sub) } });

  // What the fake backend answers, by hook.
  const answer = async (hook) => {
    const ev = hook.event;
    if (ev === 'connect') {
      if (hook.userId === 'banned') {
        return { json: { allow: false, message: 'you are banned', data: { code: 'BANNED' } } };
      }
      return { json: { allow: true, data: { plan: 'pro' }, join: ['conversation:c1'] } };
    }
    if (ev === 'disconnect') {
      if (hook.userId === 'flaky' && !backend.flakyFailed) {
        backend.flakyFailed = true;
        return { status: 503, json: { error: 'try later' } };
      }
      return { json: {} };
    }
    if (ev === 'message:send') {
      const [msg] = hook.args;
      const stored = { id: 'm1', conversationId: msg.conversationId, text: msg.text,
        from: hook.userId, ts: 1700000000 };
      return { json: {
        ack: { ok: true, message: stored },
        broadcast: [{ room: `conversation:${msg.conversationId}`, except: true,
          event: 'message:new', data: stored }],
      } };
    }
    if (ev === 'slow:op') { await delay(1500); return { json: { ack: 'late' } }; }
    if (ev === 'garbage') return { text: '<html>oops' };
    if (ev === 'fail') return { status: 500, text: 'internal error' };
    if (ev === 'conversation:create') {
      return { json: { ack: { id: 'c7' }, join: ['conversation:c7'], leave: 'conversation:c1' } };
    }
    if (ev === 'kick') return { json: { ack: 'bye', emit: [{ event: 'kicked', data: { why: 'test' } }], disconnect: true } };
    return { json: {} };
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sio-webhooks-'));
    backend = await startBackend(answer);
    const config = writeConfig(dir, 'chat', {
      url: backend.url,
      timeoutMs: 2000,
      circuitBreaker: { failures: 50, cooldownMs: 1000 },
      events: {
        'message:send': { ack: true },
        'slow:op': { ack: true, timeoutMs: 300 },
        garbage: true,
        fail: true,
        kick: true,
        'conversation:create': true,
      },
      connect: true,
      disconnect: { retries: 2, backoffMs: 50 },
    });
    server = await startServer({ config,
      env: { JWT_ACCESS_SECRET: JWT_SECRET, WEBHOOK_SECRET: HOOK_SECRET } });
  });

  after(async () => {
    client.closeAll();
    await server?.stop();
    await backend?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('connect hook: the backend sees the user and attaches data and rooms', async () => {
    const alice = await connect('alice');
    const hook = await backend.next((h) => h.event === 'connect' && h.userId === 'alice');
    assert.equal(hook.socketId, alice.id);
    assert.equal(hook.claims.sub, 'alice');
    assert.equal(hook.namespace, '/');
    assert.equal(hook.auth.token.length > 0, true);
    assert.equal(hook.headers['x-socketio-event'], 'connect');
    assert.equal(hook.headers['content-type'], 'application/json');
    // the data and room reach the next hook
    await emitAck(alice, 'message:send', { conversationId: 'c1', text: 'x' });
    const sent = await backend.next((h) => h.event === 'message:send' && h.socketId === alice.id);
    assert.deepEqual(sent.data, { plan: 'pro' });
    assert.ok(sent.rooms.includes('conversation:c1'));
    assert.ok(sent.rooms.includes('user:alice'));
    assert.ok(!sent.rooms.includes(alice.id));
    alice.close();
  });

  it('connect hook: a refusal is the client\'s connect_error', async () => {
    const err = await client.refused({ auth: { token: token('banned') } });
    assert.equal(err.message, 'you are banned');
    assert.deepEqual(err.data, { code: 'BANNED' });
  });

  it('message:send: the backend answers the ack and broadcasts to the room except the sender',
    async () => {
      const alice = await connect('alice');
      const bob = await connect('bob');
      const aliceNew = collect(alice, 'message:new');
      const bobNew = waitFor(bob, 'message:new');
      const ack = await emitAck(alice, 'message:send', { conversationId: 'c1', text: 'hello' });
      assert.deepEqual(ack, { ok: true, message: { id: 'm1', conversationId: 'c1', text: 'hello',
        from: 'alice', ts: 1700000000 } });
      const [msg] = await bobNew;
      assert.equal(msg.text, 'hello');
      assert.equal(msg.from, 'alice');
      const hook = await backend.next((h) => h.event === 'message:send' && h.userId === 'alice');
      assert.deepEqual(hook.args, [{ conversationId: 'c1', text: 'hello' }]);
      // a round trip later, the sender still has not heard its own broadcast
      await emitAck(alice, 'conversation:join', { conversationId: 'c1' });
      assert.deepEqual(aliceNew, []);
      alice.close();
      bob.close();
    });

  it('emit and disconnect in an answer reach the sender, in order', async () => {
    const c = await connect('dave');
    const kicked = waitFor(c, 'kicked');
    const gone = waitFor(c, 'disconnect');
    assert.equal(await emitAck(c, 'kick'), 'bye');
    assert.deepEqual((await kicked)[0], { why: 'test' });
    assert.equal((await gone)[0], 'io server disconnect');
  });

  it('join and leave in an answer move the sender between rooms', async () => {
    const ivy = await connect('ivy');
    const bob = await connect('bob');
    assert.deepEqual(await emitAck(ivy, 'conversation:create', { members: ['bob'] }),
      { id: 'c7' });
    // ivy is in c7 now (the relay requires membership) and no longer in c1
    const got = waitFor(bob, 'status:typing');
    await emitAck(bob, 'conversation:join', { conversationId: 'c7' });
    assert.equal(await emitAck(ivy, 'typing', { conversationId: 'c7' }), undefined);
    assert.deepEqual((await got)[0], { conversationId: 'c7', userId: 'ivy' });
    assert.deepEqual(await emitAck(ivy, 'typing', { conversationId: 'c1' }),
      { error: 'not in this room', code: 'NOT_IN_ROOM' });
    ivy.close();
    bob.close();
  });

  it('a slow backend: the ack is a timeout error, never a hang', async () => {
    const c = await connect('erin');
    const t0 = Date.now();
    const ack = await emitAck(c, 'slow:op', 1);
    assert.deepEqual(ack, { error: 'backend timeout', code: 'BACKEND_TIMEOUT' });
    assert.ok(Date.now() - t0 < 1400, `took ${Date.now() - t0} ms`);
    c.close();
  });

  it('garbage or an error status: an error ack', async () => {
    const c = await connect('frank');
    assert.deepEqual(await emitAck(c, 'garbage'),
      { error: 'invalid backend response', code: 'BACKEND_INVALID_RESPONSE' });
    assert.deepEqual(await emitAck(c, 'fail'),
      { error: 'backend error (HTTP 500)', code: 'BACKEND_ERROR' });
    c.close();
  });

  it('disconnect hook: reason and rooms; retried after a 503', async () => {
    const c = await connect('flaky');
    const id = c.id;
    c.disconnect();
    const first = await backend.next((h) => h.event === 'disconnect' && h.socketId === id);
    assert.equal(first.reason, 'client namespace disconnect');
    assert.ok(first.rooms.includes('conversation:c1'));
    assert.equal(first.userId, 'flaky');
    const retry = await backend.next((h) => h.event === 'disconnect' && h.socketId === id);
    assert.equal(retry.reason, 'client namespace disconnect');
  });

  it('typing relay: to the room except the sender, enriched from the token', async () => {
    const alice = await connect('alice');
    const bob = await connect('bob');
    const aliceTyping = collect(alice, 'status:typing');
    const got = waitFor(bob, 'status:typing');
    // a forged userId is replaced by the token's
    assert.equal(await emitAck(alice, 'typing', { conversationId: 'c1', userId: 'mallory' }),
      undefined);
    assert.deepEqual((await got)[0], { conversationId: 'c1', userId: 'alice' });
    // not a member of c2: refused
    assert.deepEqual(await emitAck(alice, 'typing', { conversationId: 'c2' }),
      { error: 'not in this room', code: 'NOT_IN_ROOM' });
    assert.deepEqual(await emitAck(alice, 'typing', 'c1'),
      { error: 'expected an object with the room\'s fields', code: 'INVALID_PAYLOAD' });
    // 4 per minute, refusals included: the three above count; the fourth passes, the fifth
    // is refused
    assert.equal(await emitAck(alice, 'typing', { conversationId: 'c1' }), undefined);
    assert.deepEqual(await emitAck(alice, 'typing', { conversationId: 'c1' }),
      { error: 'Rate limit exceeded', code: 'RATE_LIMIT_EXCEEDED' });
    await emitAck(alice, 'conversation:join', { conversationId: 'c1' });
    assert.deepEqual(aliceTyping, []);
    alice.close();
    bob.close();
  });

  it('per-hook metrics', async () => {
    const res = await http(server.url, { path: '/metrics' });
    assert.match(res.text,
      /sio_webhook_requests_total\{hook="message:send",outcome="ok"\} [1-9]/);
    assert.match(res.text, /sio_webhook_requests_total\{hook="slow:op",outcome="timeout"\} 1/);
    assert.match(res.text,
      /sio_webhook_requests_total\{hook="garbage",outcome="invalid_response"\} 1/);
    assert.match(res.text, /sio_webhook_duration_seconds_count\{hook="connect"\} [1-9]/);
    assert.match(res.text, /sio_webhook_circuit_open 0/);
  });

  it('every request was signed', () => {
    assert.equal(backend.bad, 0);
  });
});

describe('sio-server: webhooks to a backend that is down', () => {
  let dir, open, closed;
  const openClient = clientFactory(() => open.url);
  const closedClient = clientFactory(() => closed.url);

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sio-webhooks-down-'));
    const port = await freePort(); // nobody listens there
    const hooks = {
      url: `http://127.0.0.1:${port}/hooks`,
      secret: HOOK_SECRET,
      timeoutMs: 3000,
      circuitBreaker: { failures: 3, cooldownMs: 60000 },
      events: { 'message:send': { ack: true } },
    };
    const env = { JWT_ACCESS_SECRET: JWT_SECRET };
    open = await startServer({ env,
      config: writeConfig(dir, 'open', { ...hooks, connect: { onError: 'accept' } }) });
    closed = await startServer({ env, config: writeConfig(dir, 'closed', { ...hooks, connect: true }) });
  });

  after(async () => {
    openClient.closeAll();
    closedClient.closeAll();
    await open?.stop();
    await closed?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('connect hook, onError "refuse" (the default): a connect_error', async () => {
    const err = await closedClient.refused({ auth: { token: token('gina') } });
    assert.equal(err.message, 'backend unavailable');
    assert.deepEqual(err.data, { code: 'BACKEND_UNAVAILABLE' });
  });

  it('connect hook, onError "accept"; an error ack at once, then the open circuit fails fast',
    async () => {
      const c = await openClient.connected({ auth: { token: token('gina') } });
      for (let i = 0; i < 5; i++) {
        const t0 = Date.now();
        const ack = await emitAck(c, 'message:send', { conversationId: 'c1', text: 'x' });
        assert.deepEqual(ack, { error: 'backend unavailable', code: 'BACKEND_UNAVAILABLE' });
        assert.ok(Date.now() - t0 < 1000, `took ${Date.now() - t0} ms`);
      }
      const res = await http(open.url, { path: '/metrics' });
      // the connect hook's failure and two sends open the circuit (3 failures)
      assert.match(res.text, /sio_webhook_requests_total\{hook="connect",outcome="unreachable"\} 1/);
      assert.match(res.text,
        /sio_webhook_requests_total\{hook="message:send",outcome="unreachable"\} 2/);
      assert.match(res.text,
        /sio_webhook_requests_total\{hook="message:send",outcome="circuit_open"\} 3/);
      assert.match(res.text, /sio_webhook_circuit_open 1/);
      c.close();
    });
});

describe('sio-server: webhooks pending at shutdown', () => {
  let dir, backend, server;
  const client = clientFactory(() => server.url);

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sio-webhooks-stop-'));
    backend = await startBackend(() => new Promise(() => {})); // never answers
    const config = writeConfig(dir, 'stop', {
      url: backend.url, secret: HOOK_SECRET, timeoutMs: 20000,
      events: { 'message:send': { ack: true } },
    });
    server = await startServer({ config, env: { JWT_ACCESS_SECRET: JWT_SECRET } });
  });

  after(async () => {
    client.closeAll();
    await server?.stop();
    await backend?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('a client waiting for the backend gets SERVER_SHUTDOWN, and the server stops', async () => {
    const c = await client.connected({ auth: { token: token('hank') } });
    const ack = emitAck(c, 'message:send', { conversationId: 'c1', text: 'x' });
    await backend.next((h) => h.event === 'message:send');
    const stopped = server.stop();
    assert.deepEqual(await ack, { error: 'server shutting down', code: 'SERVER_SHUTDOWN' });
    await stopped;
  });
});

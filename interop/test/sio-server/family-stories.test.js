// sio-server with apps/sio-server/examples/family-stories.json, driven by real
// socket.io-client 4.8 clients: JWT in auth.token (HS256 from JWT_ACCESS_SECRET),
// join_project/leave_project authorized by the token's "projects" claim and
// confirmed by joined_project/left_project {projectId}, refusals as "error"
// {code: "PROJECT_ACCESS_DENIED"}, ping -> pong, and server_shutdown to every
// client on SIGTERM before a clean exit (status 0).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { io } from 'socket.io-client';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const BIN = `${ROOT}build/sio-server`;
const CONFIG = `${ROOT}apps/sio-server/examples/family-stories.json`;
const SECRET = 'family-stories-test-secret-0123456789abcdef';
const TIMEOUT = 5000;

const b64url = (v) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');

/** An HS256 JWT signed with secret (node's crypto; jsonwebtoken is not installed). */
function sign(payload, secret = SECRET) {
  const head = `${b64url({ alg: 'HS256', typ: 'JWT' })}.${b64url(payload)}`;
  return `${head}.${createHmac('sha256', secret).update(head).digest('base64url')}`;
}

const now = () => Math.floor(Date.now() / 1000);
const userToken = (extra = {}) =>
  sign({ sub: 'user-1', role: 'member', projects: ['p1', 'p2'], iat: now(), exp: now() + 600, ...extra });

async function freePort() {
  const s = createServer();
  s.listen(0, '127.0.0.1');
  await once(s, 'listening');
  const { port } = s.address();
  s.close();
  await once(s, 'close');
  return port;
}

/** Resolves with the args of the first `event` on emitter, rejects after ms. */
function waitFor(emitter, event, ms = TIMEOUT) {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => {
      emitter.off(event, on);
      reject(new Error(`timed out waiting for "${event}"`));
    }, ms);
    const on = (...args) => { clearTimeout(t); resolve(args); };
    emitter.once(event, on);
  });
}

describe('sio-server: family-stories', () => {
  let proc;
  let url;
  let exited;
  const clients = new Set();

  function client(auth, opts = {}) {
    const c = io(url, { auth, reconnection: false, forceNew: true, timeout: TIMEOUT, ...opts });
    clients.add(c);
    return c;
  }

  async function connected(token, opts) {
    const c = client({ token }, opts);
    await waitFor(c, 'connect');
    return c;
  }

  async function refusal(auth) {
    const c = client(auth);
    const [err] = await waitFor(c, 'connect_error');
    c.close();
    return err;
  }

  before(async () => {
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    proc = spawn(BIN, ['--config', CONFIG, '--port', String(port), '--host', '127.0.0.1'], {
      env: { ...process.env, JWT_ACCESS_SECRET: SECRET },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    exited = once(proc, 'exit');
    await new Promise((resolve, reject) => {
      let out = '';
      const t = setTimeout(() => reject(new Error(`no "listening" line: ${out}`)), TIMEOUT);
      proc.stdout.on('data', (d) => {
        out += d;
        if (/listening/.test(out)) { clearTimeout(t); resolve(); }
      });
      proc.once('exit', (code) => { clearTimeout(t); reject(new Error(`exited ${code}: ${out}`)); });
    });
  });

  after(async () => {
    for (const c of clients) c.close();
    if (proc && proc.exitCode === null && proc.signalCode === null) {
      proc.kill('SIGKILL');
      await exited;
    }
  });

  it('refuses a connection without a token', async () => {
    const err = await refusal({});
    assert.equal(err.data?.code, 'UNAUTHORIZED');
    assert.ok(err.message.length > 0);
  });

  it('refuses a token with a bad signature', async () => {
    const err = await refusal({ token: sign({ sub: 'u', exp: now() + 600 }, 'not-the-secret-000000000000000000') });
    assert.equal(err.message, 'invalid signature');
    assert.equal(err.data?.code, 'UNAUTHORIZED');
  });

  it('refuses an expired token', async () => {
    const err = await refusal({ token: userToken({ iat: now() - 7200, exp: now() - 3600 }) });
    assert.equal(err.message, 'token expired');
    assert.equal(err.data?.code, 'TOKEN_EXPIRED');
  });

  it('accepts a valid token (polling then websocket, and websocket only)', async () => {
    const a = await connected(userToken());
    assert.ok(a.connected);
    const b = await connected(userToken(), { transports: ['websocket'] });
    assert.ok(b.connected);
    a.close();
    b.close();
  });

  it('join_project for a project of the token: joined_project {projectId}', async () => {
    const c = await connected(userToken());
    const joined = waitFor(c, 'joined_project');
    c.emit('join_project', { projectId: 'p1' });
    assert.deepEqual((await joined)[0], { projectId: 'p1' });
    const joined2 = waitFor(c, 'joined_project');
    c.emit('join_project', 'p2');
    assert.deepEqual((await joined2)[0], { projectId: 'p2' });
    c.close();
  });

  it('join_project for another project: error PROJECT_ACCESS_DENIED', async () => {
    const c = await connected(userToken());
    const error = waitFor(c, 'error');
    let joined = false;
    c.on('joined_project', () => { joined = true; });
    c.emit('join_project', { projectId: 'p9' });
    const [e] = await error;
    assert.equal(e.code, 'PROJECT_ACCESS_DENIED');
    assert.equal(typeof e.message, 'string');
    assert.equal(joined, false);
    c.close();
  });

  it('leave_project: left_project {projectId}', async () => {
    const c = await connected(userToken());
    const joined = waitFor(c, 'joined_project');
    c.emit('join_project', { projectId: 'p2' });
    await joined;
    const left = waitFor(c, 'left_project');
    c.emit('leave_project', { projectId: 'p2' });
    assert.deepEqual((await left)[0], { projectId: 'p2' });
    c.close();
  });

  it('ping is answered by pong', async () => {
    const c = await connected(userToken());
    const pong = waitFor(c, 'pong');
    c.emit('ping');
    await pong;
    c.close();
  });

  it('SIGTERM: every client gets server_shutdown, then the process exits 0', async () => {
    const cs = await Promise.all([
      connected(userToken()),
      connected(userToken({ sub: 'user-2' }), { transports: ['websocket'] }),
      connected(userToken({ sub: 'user-3' }), { transports: ['polling'] }),
    ]);
    const got = cs.map((c) => waitFor(c, 'server_shutdown'));
    const gone = cs.map((c) => waitFor(c, 'disconnect'));
    proc.kill('SIGTERM');
    await Promise.all(got);
    await Promise.all(gone);
    const [code, signal] = await Promise.race([
      exited,
      new Promise((_, reject) => setTimeout(() => reject(new Error('no exit')), TIMEOUT)),
    ]);
    assert.equal(signal, null);
    assert.equal(code, 0);
  });
});

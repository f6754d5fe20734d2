// sio-server with apps/sio-server/examples/family-stories.json, driven by real
// socket.io-client 4.8 clients: JWT in auth.token (HS256 from JWT_ACCESS_SECRET),
// join_project/leave_project authorized by the token's "projects" claim and
// confirmed by joined_project/left_project {projectId}, refusals as "error"
// {code: "PROJECT_ACCESS_DENIED"}, ping -> pong, and server_shutdown to every
// client on SIGTERM before a clean exit (status 0).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  clientFactory, exampleConfig, now, sign as signWith, startServer, waitFor, TIMEOUT,
} from '../../lib/sio-server-app.js';

const SECRET = 'family-stories-test-secret-0123456789abcdef';
const sign = (payload, secret = SECRET) => signWith(payload, secret);
const userToken = (extra = {}) =>
  sign({ sub: 'user-1', role: 'member', projects: ['p1', 'p2'], iat: now(), exp: now() + 600, ...extra });

describe('sio-server: family-stories', () => {
  let server;
  let proc;
  let exited;
  const client = clientFactory(() => server.url);
  const connected = (token, opts) => client.connected({ auth: { token }, ...opts });
  const refusal = (auth) => client.refused({ auth });

  before(async () => {
    server = await startServer({ config: exampleConfig('family-stories'),
      env: { JWT_ACCESS_SECRET: SECRET } });
    ({ proc, exited } = server);
  });

  after(async () => {
    client.closeAll();
    await server?.stop();
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

// Request-shape aliases (api.routes): an old node server's endpoints and field names served
// by sio-server's HTTP API operations. For each example system (apps/sio-server/examples/),
// the example configuration plus the routes of fixtures/old-routes.json (the old endpoints
// docs/sio-server.md assumes, "Request-shape aliases"), a real socket.io-client per role,
// and requests in the old shape: the events reach the clients the old server reached (rooms
// with fan-in, a user's tabs, everyone, except the sender's socket), members join and
// leave, a logout disconnects. Also: a missing field is a 400 naming where it was looked
// for, credentials are required as on every operation, and a bad route list stops the
// server before it listens, naming the key, line and column.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  BIN, clientFactory, collect, exampleConfig, http, now, sign, startServer, waitFor,
} from '../../lib/sio-server-app.js';

const SECRET = 'api-routes-test-secret-0123456789abcdef';
const API_KEY = 'api-routes-test-api-key-0123456789';
const KEY = { 'x-api-key': API_KEY };
const ROUTES = JSON.parse(readFileSync(new URL('./fixtures/old-routes.json', import.meta.url), 'utf8'));
const QUIET_MS = 300;
const quiet = () => new Promise((r) => setTimeout(r, QUIET_MS));
const token = (sub, extra = {}) => sign({ sub, iat: now(), exp: now() + 600, ...extra }, SECRET);

let dir;
before(() => { dir = mkdtempSync(path.join(tmpdir(), 'sio-api-routes-')); });
after(() => rmSync(dir, { recursive: true, force: true }));

/** The example `name` with its old routes, started; clients closed and stopped after. */
function system(name, patch = () => {}) {
  const f = {};
  f.client = clientFactory(() => f.server.url);
  f.post = (p, body, method = 'POST') => http(f.server.url, { method, path: p, headers: KEY, body });
  before(async () => {
    const cfg = JSON.parse(readFileSync(exampleConfig(name), 'utf8'));
    cfg.api = { ...cfg.api, routes: ROUTES[name] };
    patch(cfg);
    const file = path.join(dir, `${name}.json`);
    writeFileSync(file, JSON.stringify(cfg));
    f.server = await startServer({ config: file,
      env: { JWT_ACCESS_SECRET: SECRET, WEBSOCKET_API_KEY: API_KEY } });
  });
  after(async () => { f.client.closeAll(); await f.server?.stop(); });
  return f;
}

describe('api.routes: the job dashboard\'s old endpoints', () => {
  const f = system('job-dashboard');
  const job = '65a1b2c3d4e5f60718293a4b';

  it('POST /api/jobs/:jobId/progress: the body to job:<id> and all-jobs', async () => {
    const one = await f.client.connected({ query: { jobId: job } });
    const all = await f.client.connected({ query: { jobId: 'all' } });
    const got = [waitFor(one, 'job:progress'), waitFor(all, 'job:progress')];
    const res = await f.post(`/api/jobs/${job}/progress`, { percent: 40, stage: 'resize' });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.data.room, `job:${job}`);
    for (const [p] of await Promise.all(got)) assert.deepEqual(p, { percent: 40, stage: 'resize' });
  });

  it('POST /api/servers/:serverId/events: {type, payload} as event and data', async () => {
    const s = await f.client.connected({ query: { serverId: 'worker-7' } });
    const got = waitFor(s, 'server:status');
    const res = await f.post('/api/servers/worker-7/events', { type: 'server:status', payload: { up: true } });
    assert.equal(res.json.data.recipientCount, 1);
    assert.deepEqual((await got)[0], { up: true });
    // the field the event comes from is missing: a 400 that says where it was looked for
    const bad = await f.post('/api/servers/worker-7/events', { payload: 1 });
    assert.equal(bad.status, 400);
    assert.match(bad.json.error.message, /"event" \(from body\.type\) is missing/);
  });

  it('needs the API key like every operation; the wrong method is a 405', async () => {
    const res = await http(f.server.url, { method: 'POST', path: `/api/jobs/${job}/progress`, body: {} });
    assert.equal(res.status, 401);
    const get = await http(f.server.url, { path: `/api/jobs/${job}/progress`, headers: KEY });
    assert.equal(get.status, 405);
  });
});

describe('api.routes: the family-story platform\'s old endpoints', () => {
  const f = system('family-stories');

  it('a project\'s members and everyone', async () => {
    const member = await f.client.connected({ auth: { token: token('u1', { projects: ['p1'] }) } });
    const other = await f.client.connected({ auth: { token: token('u2', { projects: [] }) } });
    const joined = waitFor(member, 'joined_project');
    member.emit('join_project', { projectId: 'p1' });
    await joined;
    const otherGot = collect(other, 'story:updated');
    const got = waitFor(member, 'story:updated');
    const res = await f.post('/api/notifications/projects/p1', { type: 'story:updated', payload: { storyId: 's9' } });
    assert.equal(res.json.data.recipientCount, 1);
    assert.deepEqual((await got)[0], { storyId: 's9' });
    const all = [waitFor(member, 'announcement'), waitFor(other, 'announcement')];
    await f.post('/api/notifications/all', { type: 'announcement', payload: 'maintenance at 22:00' });
    for (const [p] of await Promise.all(all)) assert.equal(p, 'maintenance at 22:00');
    await quiet();
    assert.deepEqual(otherGot, []);
  });
});

describe('api.routes: the image hub\'s old endpoints', () => {
  const f = system('image-hub');

  it('a user\'s tabs, and a project\'s room', async () => {
    const tab1 = await f.client.connected({ auth: { token: token('u1') } });
    const tab2 = await f.client.connected({ auth: { token: token('u1') }, transports: ['polling'] });
    const tabs = [waitFor(tab1, 'image:ready'), waitFor(tab2, 'image:ready')];
    const res = await f.post('/internal/notify', { userId: 'u1', event: 'image:ready', data: { id: 7 } });
    assert.equal(res.json.data.room, 'user:u1');
    for (const [p] of await Promise.all(tabs)) assert.deepEqual(p, { id: 7 });
    assert.deepEqual(await tab1.timeout(5000).emitWithAck('join-project', { projectId: 'p2' }),
      { success: true, projectId: 'p2' });
    const got = waitFor(tab1, 'image:processed');
    await f.post('/internal/projects/p2/images', { imageId: 3, sizes: [320, 640] });
    assert.deepEqual((await got)[0], { imageId: 3, sizes: [320, 640] });
  });
});

describe('api.routes: the chat\'s old endpoints', () => {
  // the chat without its backend: the old endpoints are the backend's own calls
  const f = system('chat', (cfg) => { delete cfg.webhooks; });

  it('members join, a message to the others, a member leaves, a logout', async () => {
    const alice = await f.client.connected({ auth: { token: token('alice') } });
    const bob = await f.client.connected({ auth: { token: token('bob') } });
    const joined = await f.post('/internal/conversations/c5/members', { userIds: ['alice', 'bob'] });
    assert.equal(joined.status, 200, joined.text);
    assert.equal(joined.json.data.socketCount, 2);

    const aliceGot = collect(alice, 'message:new');
    const got = waitFor(bob, 'message:new');
    const sent = await f.post('/internal/conversations/c5/messages',
      { message: { id: 'm1', text: 'hi' }, senderSocketId: alice.id });
    assert.equal(sent.json.data.recipientCount, 1);
    assert.deepEqual((await got)[0], { id: 'm1', text: 'hi' });

    const left = await f.post('/internal/conversations/c5/members/bob', undefined, 'DELETE');
    assert.equal(left.json.data.socketCount, 1);
    const bobGot = collect(bob, 'message:new');
    const toAlice = waitFor(alice, 'message:new');
    await f.post('/internal/conversations/c5/messages', { message: { id: 'm2', text: 'still here?' } });
    assert.deepEqual((await toAlice)[0], { id: 'm2', text: 'still here?' });
    await quiet();
    assert.deepEqual(bobGot, []);
    assert.deepEqual(aliceGot, [{ id: 'm2', text: 'still here?' }],
      'the sender\'s socket was left out of m1, not of m2');

    const gone = waitFor(bob, 'disconnect');
    const out = await f.post('/internal/users/bob/logout', {});
    assert.equal(out.json.data.socketCount, 1);
    assert.equal((await gone)[0], 'io server disconnect');
    assert.ok(alice.connected);
  });
});

describe('api.routes: a bad route list stops the server before it listens', () => {
  for (const [routes, want] of [
    [[{ method: 'POST', path: '/x/:id', action: 'emit', map: { event: 'e', room: 'r:{:jobId}' } }],
      /"api\.routes\[0\]\.map\.room": line 3, column \d+: template "r:\{:jobId\}" names no parameter/],
    [[{ method: 'POST', path: '/x', action: 'shout', map: {} }],
      /"api\.routes\[0\]\.action": line 3, column \d+: expected one of broadcast, emit, join, leave, disconnect/],
    [[{ method: 'POST', path: '/x', action: 'join', map: { room: 'r' } }],
      /"api\.routes\[0\]\.map": line 3, column \d+: name the sockets/],
  ]) {
    it(want.source.slice(0, 60), async () => {
      const file = path.join(dir, 'bad.json');
      // one key per line, so the line of the error is known
      writeFileSync(file, `{\n"api": {"routes": [\n${JSON.stringify(routes[0])}\n]}}\n`);
      const proc = spawn(BIN, ['--config', file, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let err = '';
      proc.stderr.on('data', (d) => { err += d; });
      const [code] = await once(proc, 'exit');
      assert.equal(code, 2, err);
      assert.match(err, want);
    });
  }
});

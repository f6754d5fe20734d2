// sio-server's HTTP API socket operations (docs/sio-server.md, "Socket
// operations"): a backend makes live sockets join and leave rooms, emits to
// rooms, socket ids and users at once with exceptions, disconnects a user's
// sockets (a logout, a ban), and sends many operations in one batch applied
// in order; bodies are checked strictly (400), and the API key is required.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  clientFactory, collect, http, now, sign, startServer, waitFor,
} from '../../lib/sio-server-app.js';

const SECRET = 'api-sockets-test-jwt-secret-0123456789abcdef';
const API_KEY = 'api-sockets-test-key-0123456789';
const API = '/api/v1/websocket';
const token = (sub) => sign({ sub, iat: now(), exp: now() + 600 }, SECRET);

describe('sio-server: HTTP API socket operations', () => {
  let dir, server;
  const client = clientFactory(() => server.url);
  const connect = (sub) => client.connected({ auth: { token: token(sub) } });
  const post = (path, body, headers = { 'x-api-key': API_KEY }) =>
    http(server.url, { method: 'POST', path: `${API}${path}`, headers, body });
  const ok = (res) => {
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.success, true);
    return res.json.data;
  };
  const bad = (res, status = 400) => {
    assert.equal(res.status, status, res.text);
    assert.equal(res.json.success, false);
    return res.json.error;
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sio-api-sockets-'));
    const config = join(dir, 'api.json');
    writeFileSync(config, JSON.stringify({
      auth: { required: true, algorithm: 'HS256' },
      rooms: { auto: ['user:{userId}'] },
      replies: { ping: 'pong' },
    }));
    server = await startServer({ config,
      env: { JWT_ACCESS_SECRET: SECRET, WEBSOCKET_API_KEY: API_KEY } });
  });

  after(async () => {
    client.closeAll();
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** A round trip on c: everything sent to it before has arrived. */
  const sync = async (c) => { const p = waitFor(c, 'pong'); c.emit('ping'); await p; };

  it('join users\' live sockets to a room, emit to it except one socket, leave, logout',
    async () => {
      const bob1 = await connect('bob');
      const bob2 = await connect('bob');
      const carl = await connect('carl');
      assert.deepEqual(ok(await post('/sockets/join',
        { to: { userIds: ['bob', 'carl'] }, room: 'conversation:c7' })), { socketCount: 3 });
      const bob1Got = collect(bob1, 'message:new');
      const got = [waitFor(bob2, 'message:new'), waitFor(carl, 'message:new')];
      assert.deepEqual(ok(await post('/emit', {
        to: { rooms: ['conversation:c7'] }, except: { socketIds: [bob1.id] },
        event: 'message:new', data: { id: 'm1', text: 'hi' },
      })), { recipientCount: 2 });
      for (const [m] of await Promise.all(got)) assert.deepEqual(m, { id: 'm1', text: 'hi' });
      await sync(bob1);
      assert.deepEqual(bob1Got, []);

      // a membership change: carl leaves
      assert.deepEqual(ok(await post('/sockets/leave',
        { to: { userIds: ['carl'] }, rooms: ['conversation:c7'] })), { socketCount: 1 });
      assert.deepEqual(ok(await post('/emit',
        { to: { rooms: ['conversation:c7'] }, event: 'ping:room' })), { recipientCount: 2 });

      // a logout: every socket of bob disconnects now
      const gone = [waitFor(bob1, 'disconnect'), waitFor(bob2, 'disconnect')];
      assert.deepEqual(ok(await post('/sockets/disconnect', { to: { userIds: ['bob'] } })),
        { socketCount: 2 });
      for (const [reason] of await Promise.all(gone)) assert.equal(reason, 'io server disconnect');
      assert.ok(carl.connected);
      carl.close();
    });

  it('emit to socket ids and users at once, each socket once', async () => {
    const dan = await connect('dan');
    const eve = await connect('eve');
    const danGot = collect(dan, 'notice');
    const eveGot = waitFor(eve, 'notice');
    assert.deepEqual(ok(await post('/emit', {
      to: { socketIds: [dan.id, eve.id], userIds: ['dan'] }, event: 'notice', data: 1,
    })), { recipientCount: 2 });
    assert.deepEqual(await eveGot, [1]);
    await sync(dan);
    assert.deepEqual(danGot, [1]);
    dan.close();
    eve.close();
  });

  it('a batch is applied in order', async () => {
    const fay = await connect('fay');
    const hello = waitFor(fay, 'hello');
    const data = ok(await post('/batch', { operations: [
      { op: 'join', to: { userIds: ['fay'] }, room: 'r1' },
      { op: 'emit', to: { rooms: ['r1'] }, event: 'hello', data: { n: 1 } },
      { op: 'leave', to: { rooms: ['r1'] }, room: 'r1' },
      { op: 'emit', to: { rooms: ['r1'] }, event: 'hello', data: { n: 2 } },
    ] }));
    assert.deepEqual(data, { results: [
      { op: 'join', socketCount: 1 }, { op: 'emit', recipientCount: 1 },
      { op: 'leave', socketCount: 1 }, { op: 'emit', recipientCount: 0 },
    ] });
    assert.deepEqual(await hello, [{ n: 1 }]);
    fay.close();
  });

  it('bodies are checked strictly, before anything is done', async () => {
    const cases = [
      ['/emit', { event: 'x' }, /"to" is required/],
      ['/emit', { to: {}, event: 'x' }, /names no socket/],
      ['/emit', { to: { rooms: ['a'] }, event: 'disconnect' }, /reserved/],
      ['/emit', { to: { rooms: ['a'] }, event: 'x', extra: 1 }, /Unknown key/],
      ['/emit', { to: { rooms: 'a' }, event: 'x' }, /lists of at most 100/],
      ['/emit', { to: { rooms: [''] }, event: 'x' }, /non-empty strings/],
      ['/emit', { to: { groups: ['a'] }, event: 'x' }, /Unknown key/],
      ['/sockets/join', { to: { rooms: ['a'] } }, /"room"/],
      ['/sockets/join', { to: { rooms: ['a'] }, room: 'b', rooms: ['c'] }, /not both/],
      ['/sockets/disconnect', { to: { rooms: ['a'] }, close: 'yes' }, /boolean/],
      ['/batch', { operations: [] }, /1 to 100/],
      ['/batch', { operations: [{ op: 'explode', to: { rooms: ['a'] } }] }, /"op"/],
      ['/batch', { operations: Array(101).fill({ op: 'emit', to: { rooms: ['a'] }, event: 'e' }) },
        /1 to 100/],
    ];
    for (const [path, body, want] of cases) {
      const e = bad(await post(path, body));
      assert.equal(e.code, 'BAD_REQUEST');
      assert.match(e.message, want, `${path} ${JSON.stringify(body).slice(0, 80)}`);
    }
    // a batch with one bad operation does nothing
    const gil = await connect('gil');
    bad(await post('/batch', { operations: [
      { op: 'disconnect', to: { userIds: ['gil'] } }, { op: 'emit', to: {}, event: 'e' }] }));
    await sync(gil);
    assert.ok(gil.connected);
    gil.close();
    assert.equal(bad(await post('/emit', '{"to":', {
      'x-api-key': API_KEY })).code, 'INVALID_JSON');
    assert.equal(bad(await post('/emit', { to: { rooms: ['a'] }, event: 'e' }, {}), 401).code,
      'UNAUTHORIZED');
  });
});

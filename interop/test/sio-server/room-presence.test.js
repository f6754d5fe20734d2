// Room presence in the HTTP API: GET <prefix>/rooms/:room lists the users in the room with
// their socket counts (several tabs of one user are one user with several sockets) and
// counts anonymous sockets apart, fleet-wide: two sio-server instances on one real
// redis-server (interop/lib/redis.js), the chat configuration with auth made optional so
// anonymous clients can join a conversation too. Asked of either member, the answer is the
// same: this member's sockets by their token's user id, the other member's by the user room
// they are in (api.userRoom).
import { describe, it, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import {
  clientFactory, exampleConfig, http, now, sign, startServer, TIMEOUT, until,
} from '../../lib/sio-server-app.js';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startRedis } from '../../lib/redis.js';

const SECRET = 'room-presence-test-secret-0123456789abcdef';
const API_KEY = 'room-presence-test-api-key-0123456789';
const PREFIX = '/api/v1/websocket';

const token = (sub) => sign({ sub, exp: now() + 3600 }, SECRET);

async function api(server, p) {
  const res = await http(server.url, { path: `${PREFIX}${p}`, headers: { 'x-api-key': API_KEY } });
  assert.ok(res.json?.success, `GET ${p}: ${res.status} ${res.text}`);
  return res.json.data;
}

/** Emit the chat's join event and wait for its ack. */
const join = (c, conversationId) => new Promise((resolve) => {
  c.emit('conversation:join', { conversationId }, resolve);
});

describe('sio-server: room presence through the HTTP API, across two instances', () => {
  let redis, dir;
  const members = [];
  const clients = [];
  const on = (i) => {
    const make = clientFactory(() => members[i].url);
    clients.push(make);
    return (sub) => make.connected(sub ? { auth: { token: token(sub) } } : {});
  };

  before(async () => {
    redis = await startRedis();
    dir = mkdtempSync(path.join(tmpdir(), 'sio-room-presence-'));
    const chat = JSON.parse(readFileSync(exampleConfig('chat'), 'utf8'));
    delete chat.webhooks; // no backend here: chat.test.js runs the example with one
    const config = path.join(dir, 'chat.json');
    // joins acked so the test knows when a socket is in the room
    chat.rooms.joinEvents = chat.rooms.joinEvents.map((j) => ({ ...j, authorize: 'none', ack: true }));
    writeFileSync(config, JSON.stringify({ ...chat, auth: { ...chat.auth, required: false } }));
    const env = { REDIS_URL: redis.url, JWT_ACCESS_SECRET: SECRET, WEBSOCKET_API_KEY: API_KEY };
    for (let i = 0; i < 2; i++) members.push(await startServer({ config, env }));
    for (const m of members) {
      await until(async () => (await api(m, '/stats')).members === 2, `${m.url} counts 2 members`);
    }
  });
  afterEach(() => { for (const c of clients) c.closeAll(); });
  after(async () => {
    for (const c of clients) c.closeAll();
    for (const m of members) await m.stop();
    await redis?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('users with their tabs and anonymous sockets, the same from either member', async () => {
    const tabs = [await on(0)('alice'), await on(0)('alice'), await on(1)('alice')];
    const bob = await on(1)('bob');
    const anon = [await on(0)(), await on(1)()];
    const carol = await on(0)('carol'); // connected, not in the room
    for (const c of [...tabs, bob, ...anon]) await join(c, 'p1');
    await join(carol, 'other');

    for (const m of members) {
      const room = await api(m, '/rooms/conversation%3Ap1');
      assert.equal(room.memberCount, 6);
      assert.deepEqual(room.users, [{ userId: 'alice', sockets: 3 }, { userId: 'bob', sockets: 1 }]);
      assert.equal(room.userCount, 2);
      assert.equal(room.anonymousSockets, 2);
      assert.equal(room.members, 2);
      assert.equal(room.partial, false);
    }

    // a tab closes on the other member: alice is still there, with two sockets
    tabs[2].close();
    await until(async () => (await api(members[0], '/rooms/conversation%3Ap1')).memberCount === 5,
      'the closed tab gone');
    const after1 = await api(members[0], '/rooms/conversation%3Ap1');
    assert.deepEqual(after1.users, [{ userId: 'alice', sockets: 2 }, { userId: 'bob', sockets: 1 }]);

    // a user's own room: one user, every tab
    const mine = await api(members[1], '/rooms/user%3Aalice');
    assert.deepEqual(mine.users, [{ userId: 'alice', sockets: 2 }]);
    assert.equal(mine.anonymousSockets, 0);
  });

  it('an empty room: no users, no sockets', async () => {
    const room = await api(members[1], '/rooms/conversation%3Anobody');
    assert.equal(room.memberCount, 0);
    assert.deepEqual(room.users, []);
    assert.equal(room.userCount, 0);
    assert.equal(room.anonymousSockets, 0);
  });
});

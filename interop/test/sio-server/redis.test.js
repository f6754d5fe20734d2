// sio-server as a fleet on a real redis-server (started by the test on a free loopback
// port, interop/lib/redis.js): two instances of the chat configuration
// (apps/sio-server/examples/chat.json) with REDIS_URL, real socket.io-client clients on
// each. Checked: an API broadcast made on one member reaches the clients of both (to
// everyone, to a room, to a user's tabs); /stats and /rooms/:room sum every member's
// sockets and rooms ("members": 2), and a member that never answers (a bare subscriber
// to the request channel) makes them wait requestsTimeout and say "partial"; presence is announced once for the fleet (a user's
// first socket anywhere, their last socket gone everywhere), whichever member the tabs are
// on; Redis restarted under the running fleet: /health says degraded and /metrics shows
// it, each member still delivers to its own clients, and both reconnect and deliver
// across the fleet again (the connection count in /metrics says they reconnected); a
// member that stops sends its shutdown event to its own clients only.
// Redis absent at startup is redis-down.test.js.
import { describe, it, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import {
  clientFactory, collect, exampleConfig, http, now, sign, startServer, waitFor, TIMEOUT,
  UNDER_VALGRIND, until,
} from '../../lib/sio-server-app.js';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { redisClient, startRedis } from '../../lib/redis.js';

const SECRET = 'redis-fleet-test-secret-0123456789abcdef0123';
const API_KEY = 'redis-fleet-test-api-key-0123456789';
const PREFIX = '/api/v1/websocket';
const KEY = { 'x-api-key': API_KEY };

const token = (sub) => sign({ sub, exp: now() + 3600 }, SECRET);
// short for the silent member's test; under valgrind the members answer slowly, and an
// answer later than this counts as missing (presence would then announce twice)
const REQUESTS_TIMEOUT = UNDER_VALGRIND ? 10000 : 1000;

/** Resolves with the first `event` payload whose userId is `userId`. */
function waitForUser(emitter, event, userId) {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => {
      emitter.off(event, on);
      reject(new Error(`timed out waiting for "${event}" of ${userId}`));
    }, TIMEOUT);
    function on(e) {
      if (e?.userId !== userId) return;
      clearTimeout(t);
      emitter.off(event, on);
      resolve(e);
    }
    emitter.on(event, on);
  });
}

/** The data of a successful API answer. */
async function api(server, path, { method = 'GET', body } = {}) {
  const res = await http(server.url, { method, path: `${PREFIX}${path}`, headers: KEY, body });
  assert.ok(res.json?.success, `${method} ${path}: ${res.status} ${res.text}`);
  return res.json.data;
}

const health = async (server) => (await http(server.url, { path: `${PREFIX}/health` })).json.data;

/** A Prometheus sample's value. */
async function metric(server, name) {
  const { text } = await http(server.url, { path: '/metrics' });
  const m = text.match(new RegExp(`^${name} (\\S+)$`, 'm'));
  assert.ok(m, `${name} in /metrics`);
  return Number(m[1]);
}

/** Both members connected to Redis and counted by it (serverCount 2). */
async function fleetReady(members) {
  for (const m of members) {
    await until(async () => (await health(m)).redis?.connected, `${m.url} connected to Redis`);
    await until(async () => (await api(m, '/stats')).members === members.length,
      `${m.url} counts ${members.length} members`);
  }
}

describe('sio-server fleet: two instances on one Redis', () => {
  let redis;
  const members = [];
  const clients = [];
  const on = (i) => {
    const make = clientFactory(() => members[i].url);
    clients.push(make);
    return (sub, opts = {}) => make.connected({ auth: { token: token(sub) }, ...opts });
  };

  let dir;
  before(async () => {
    redis = await startRedis();
    // the chat configuration, with a short requestsTimeout for the silent member below
    dir = mkdtempSync(path.join(tmpdir(), 'sio-redis-'));
    const config = path.join(dir, 'chat.json');
    // (its backend bridge left out: chat.test.js runs it with a backend)
    writeFileSync(config, JSON.stringify({ ...JSON.parse(readFileSync(exampleConfig('chat'), 'utf8')),
      webhooks: undefined, redis: { requestsTimeout: REQUESTS_TIMEOUT } }));
    const env = { REDIS_URL: redis.url, JWT_ACCESS_SECRET: SECRET, WEBSOCKET_API_KEY: API_KEY };
    for (let i = 0; i < 2; i++) members.push(await startServer({ config, env }));
    await fleetReady(members);
  });
  afterEach(() => { for (const c of clients) c.closeAll(); });
  after(async () => {
    for (const c of clients) c.closeAll();
    for (const m of members) await m.stop();
    await redis?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('says Redis is on at startup, without credentials', async () => {
    for (const m of members) {
      const h = await health(m);
      assert.equal(h.status, 'ok');
      assert.deepEqual(h.redis, { connected: true, address: redis.url });
      assert.equal(await metric(m, 'sio_redis_connected'), 1);
    }
  });

  it('an API broadcast on one member reaches the clients of both', async () => {
    const a = await on(0)('bc-a');
    const b = await on(1)('bc-b', { transports: ['polling'] });
    a.emit('conversation:join', { conversationId: 'c1' });
    b.emit('conversation:join', { conversationId: 'c1' });
    // the room as the fleet sees it: one socket on each member
    await until(async () => (await api(members[1], '/rooms/conversation%3Ac1')).memberCount === 2,
      'both sockets in conversation:c1');

    const inRoom = [waitFor(a, 'msg'), waitFor(b, 'msg')];
    const res = await api(members[0], '/broadcast/room/conversation:c1',
      { method: 'POST', body: { event: 'msg', data: { text: 'to the room' } } });
    assert.equal(res.recipientCount, 1, 'recipientCount counts this member\'s recipients');
    for (const args of await Promise.all(inRoom)) assert.deepEqual(args, [{ text: 'to the room' }]);

    // to a user's room from the member the user is not on
    const toUser = waitFor(a, 'note');
    await api(members[1], '/broadcast/user/bc-a', { method: 'POST', body: { event: 'note', data: 1 } });
    assert.deepEqual(await toUser, [1]);

    // to everyone
    const all = [waitFor(a, 'all'), waitFor(b, 'all')];
    await api(members[1], '/broadcast', { method: 'POST', body: { event: 'all', data: 'x' } });
    for (const args of await Promise.all(all)) assert.deepEqual(args, ['x']);
    a.close();
    b.close();
  });

  it('/stats and /rooms/:room sum every member\'s sockets and rooms', async () => {
    await until(async () => (await api(members[0], '/stats')).connections === 0, 'an empty fleet');
    const s1 = [await on(0)('st-1'), await on(0)('st-1'), await on(0)('st-2')];
    const s2 = [await on(1)('st-1'), await on(1)('st-3')];
    for (const m of members) {
      const st = await api(m, '/stats');
      assert.equal(st.members, 2);
      assert.equal(st.partial, false);
      assert.equal(st.connections, 5);
      const root = st.namespaces['/'];
      assert.equal(root.connections, 5);
      assert.equal(root.rooms['all-users'], 5);
      assert.equal(root.rooms['user:st-1'], 3);
      assert.equal(root.rooms['user:st-2'], 1);
      assert.equal(root.rooms['user:st-3'], 1);
      assert.equal(st.local.connections, m === members[0] ? 3 : 2);
      const room = await api(m, '/rooms/user%3Ast-1');
      assert.equal(room.memberCount, 3);
      assert.deepEqual([...room.sockets].sort(), [s1[0].id, s1[1].id, s2[0].id].sort());
      assert.equal(room.members, 2);
    }
    for (const c of [...s1, ...s2]) c.close();
  });

  it('a member that never answers: stats come after requestsTimeout, partial, with the others\' sockets', async () => {
    const a = await on(0)('silent-a');
    const b = await on(1)('silent-b');
    // a third "member": subscribed to the request channel (so Redis counts it), never answers
    const silent = await redisClient(redis);
    const sub = silent.duplicate();
    sub.on('error', () => {});
    await sub.connect();
    await sub.subscribe('socket.io-request#/#', () => {});
    try {
      const missing = await metric(members[0], 'sio_redis_answers_missing_total');
      const asked = await metric(members[0], 'sio_redis_requests_total');
      const t0 = Date.now();
      // two dashboards at once: one question to the fleet answers both
      const [st, again] = await Promise.all([api(members[0], '/stats'), api(members[0], '/stats')]);
      const took = Date.now() - t0;
      assert.deepEqual(again, st);
      assert.equal(await metric(members[0], 'sio_redis_requests_total'), asked + 1);
      assert.equal(st.members, 3);
      assert.equal(st.partial, true);
      assert.equal(st.connections, 2, 'both real members answered');
      assert.equal(st.namespaces['/'].rooms['all-users'], 2);
      assert.ok(took >= REQUESTS_TIMEOUT * 0.9 && took < REQUESTS_TIMEOUT + TIMEOUT,
        `answered after ${took} ms`);
      // the adapter counts the missing answer at its own deadline, just after
      await until(async () => await metric(members[0], 'sio_redis_answers_missing_total') > missing,
        'the missing answer counted');
    } finally {
      await sub.quit();
      await silent.closeQuietly();
    }
    await until(async () => (await api(members[0], '/stats')).members === 2, 'the silent member gone');
    a.close();
    b.close();
  });

  it('presence: online when a user\'s first socket anywhere connects, offline when the last one anywhere goes, once each', async () => {
    const watchers = [await on(0)('watch-0'), await on(1)('watch-1')];
    const seen = watchers.map((w) => ({
      online: collect(w, 'status:online'), offline: collect(w, 'status:offline'),
    }));
    const mine = (list) => list.filter((e) => e.userId === 'pr-u');

    // the first tab, on member 1: everyone hears it once
    const first = watchers.map((w) => waitForUser(w, 'status:online', 'pr-u'));
    const t1 = await on(1)('pr-u');
    for (const e of await Promise.all(first)) assert.deepEqual(e, { userId: 'pr-u' });
    // a second tab on member 0, then the first tab goes: still online, no event. The first
    // tab goes once member 0 has its answer about the second: t2's connect comes before
    // member 0 hears back, and a tab on member 1 leaving in between is the hand-over window
    // (docs/sio-server.md, "Presence": member 0 then finds no older tab and announces
    // again). A fetch on the user's room asked by member 0 after t2's question completes
    // after it (Redis delivers member 0's requests, and member 1's answers, in order).
    const t2 = await on(0)('pr-u');
    await until(async () => (await api(members[0], '/rooms/user%3Apr-u')).memberCount === 2,
      'both tabs in the fleet');
    t1.close();
    await until(async () => (await api(members[0], '/rooms/user%3Apr-u')).memberCount === 1,
      'one tab left');
    // the last tab goes: offline, once
    const gone = watchers.map((w) => waitForUser(w, 'status:offline', 'pr-u'));
    t2.close();
    for (const e of await Promise.all(gone)) assert.deepEqual(e, { userId: 'pr-u' });
    // a marker from each member arrives after anything either member published before
    const marks = watchers.map((w) => Promise.all([waitFor(w, 'mark0'), waitFor(w, 'mark1')]));
    await api(members[0], '/broadcast', { method: 'POST', body: { event: 'mark0' } });
    await api(members[1], '/broadcast', { method: 'POST', body: { event: 'mark1' } });
    await Promise.all(marks);
    for (const s of seen) {
      assert.equal(mine(s.online).length, 1, 'one online for the fleet');
      assert.equal(mine(s.offline).length, 1, 'one offline for the fleet');
    }
    for (const w of watchers) w.close();
  });

  it('presence race: first tabs at once on both members, last tabs at once: never missed, at most one duplicate', async () => {
    const w = await on(0)('race-watch');
    const online = collect(w, 'status:online');
    const offline = collect(w, 'status:offline');
    const mine = (list) => list.filter((e) => e.userId === 'race-u').length;
    for (let round = 0; round < 3; round++) {
      const before = [mine(online), mine(offline)];
      const came = waitForUser(w, 'status:online', 'race-u');
      const tabs = await Promise.all([on(0)('race-u'), on(1)('race-u')]);
      await came;
      await until(async () => (await api(members[0], '/rooms/user%3Arace-u')).memberCount === 2,
        'both tabs in the fleet');
      const went = waitForUser(w, 'status:offline', 'race-u');
      for (const t of tabs) t.close();
      await went;
      // markers from both members: whatever either published came before them
      const marks = Promise.all([waitFor(w, 'rm0'), waitFor(w, 'rm1')]);
      await api(members[0], '/broadcast', { method: 'POST', body: { event: 'rm0' } });
      await api(members[1], '/broadcast', { method: 'POST', body: { event: 'rm1' } });
      await marks;
      const got = [mine(online) - before[0], mine(offline) - before[1]];
      assert.ok(got[0] >= 1 && got[0] <= 2, `online ${got[0]} times`);
      assert.ok(got[1] >= 1 && got[1] <= 2, `offline ${got[1]} times`);
    }
    w.close();
  });

  it('Redis restarted: degraded and local delivery while away; both reconnect and deliver across the fleet again', async () => {
    const a = await on(0)('rs-a');
    const b = await on(1)('rs-b');
    const connects = await Promise.all(members.map((m) => metric(m, 'sio_redis_connects_total')));

    await redis.stop();
    for (const m of members) {
      const h = await until(async () => {
        const x = await health(m);
        return x.status === 'degraded' && x;
      }, `${m.url} degraded`);
      assert.equal(h.redis.connected, false);
      assert.ok(h.redis.reason.length > 0, 'a reason');
      assert.equal(await metric(m, 'sio_redis_connected'), 0);
    }
    // each member still delivers its own broadcasts to its own clients
    const local = waitFor(a, 'local');
    const res = await api(members[0], '/broadcast', { method: 'POST', body: { event: 'local', data: 0 } });
    assert.ok(res.recipientCount >= 1);
    assert.deepEqual(await local, [0]);
    // the fleet's questions complete with this member's own sockets
    const alone = await api(members[1], '/stats');
    assert.equal(alone.connections, alone.local.connections, JSON.stringify(alone));

    await redis.start();
    await fleetReady(members);
    for (let i = 0; i < 2; i++) {
      assert.ok(await metric(members[i], 'sio_redis_connects_total') > connects[i], 'reconnected');
      assert.equal((await health(members[i])).status, 'ok');
    }
    const both = [waitFor(a, 'back'), waitFor(b, 'back')];
    await api(members[1], '/broadcast', { method: 'POST', body: { event: 'back', data: 1 } });
    for (const args of await Promise.all(both)) assert.deepEqual(args, [1]);
    a.close();
    b.close();
  });

  it('a member that stops tells its own clients only; both stop cleanly (exit 0)', async () => {
    const a = await on(0)('sd-a');
    const b = await on(1)('sd-b');
    const told = collect(a, 'server_shutdown');
    const bye = waitFor(b, 'server_shutdown');
    await members[1].stop();
    await bye;
    // a marker sent after member 1 is gone: anything member 1 published came before it
    const mark = waitFor(a, 'after');
    await api(members[0], '/broadcast', { method: 'POST', body: { event: 'after' } });
    await mark;
    assert.equal(told.length, 0, 'the other member\'s clients stay connected, untold');
    assert.ok(a.connected);
    for (const c of clients) c.closeAll();
    await members[0].stop();
    members.splice(0);
  });
});

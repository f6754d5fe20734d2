// sio-server with apps/sio-server/examples/chat.json, driven by real
// socket.io-client 4.8 clients: JWT in auth.token; automatic rooms
// user:<userId>, all-users, and admin-room for role admin; presence
// (status:online when a user's first socket connects, status:offline when the
// last one leaves, to all-users, not to the socket that connected);
// conversation:join/leave; and token expiry during the connection
// (auth-expired {message}, then a server disconnect).
//
// Rooms are observed through presence: a variant of the config sends the
// presence events to admin-room or to user:alice instead of all-users, and
// who receives bob's status:online shows who is in that room.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  collect, exampleConfig, now, sign, waitFor, UNDER_VALGRIND,
  serverFixture as fixture,
} from '../../lib/sio-server-app.js';
import { variant } from '../../lib/sio-server-variant.js';

const SECRET = 'chat-test-secret-0123456789abcdef0123';
const env = { JWT_ACCESS_SECRET: SECRET };
const token = (sub, extra = {}) =>
  sign({ sub, role: 'member', iat: now(), exp: now() + 600, ...extra }, SECRET);
const EXPIRED_MESSAGE = 'Your session has expired, please sign in again';
// a short window, only to assert that something does NOT arrive
const QUIET_MS = 300;
const quiet = () => new Promise((r) => setTimeout(r, QUIET_MS));

const serverFixture = (config) => fixture(config, { env, token });

describe('sio-server: chat (example config)', () => {
  const f = serverFixture(() => exampleConfig('chat'));

  it('refuses a connection without a token', async () => {
    const err = await f.client.refused({ auth: {} });
    assert.equal(err.data?.code, 'UNAUTHORIZED');
  });

  it('presence: online on the first tab only, offline when the last tab closes', async () => {
    const bob = await f.connect('bob');
    const online = collect(bob, 'status:online');
    const offline = collect(bob, 'status:offline');

    const gotOnline = waitFor(bob, 'status:online');
    // listen before the CONNECT reply: an own online would follow it at once
    const alice1 = f.client({ auth: { token: token('alice') } });
    const aliceOwn = collect(alice1, 'status:online');
    await waitFor(alice1, 'connect');
    assert.deepEqual((await gotOnline)[0], { userId: 'alice' });

    const alice2 = await f.connect('alice', {}, { transports: ['websocket'] });
    alice1.close();
    await quiet();
    assert.deepEqual(online, [{ userId: 'alice' }], 'a second tab is not news');
    assert.deepEqual(offline, [], 'one tab of alice is still open');
    assert.deepEqual(aliceOwn, [], 'the connecting socket does not get its own online');

    const gotOffline = waitFor(bob, 'status:offline');
    alice2.close();
    assert.deepEqual((await gotOffline)[0], { userId: 'alice' });

    // and alice coming back is online again
    const again = waitFor(bob, 'status:online');
    const alice3 = await f.connect('alice');
    assert.deepEqual((await again)[0], { userId: 'alice' });
    alice3.close();
    bob.close();
  });

  it('presence: every user in all-users hears it; a numeric user id stays a number', async () => {
    const bob = await f.connect('bob');
    const carolOnline = waitFor(bob, 'status:online');
    const carol = await f.connect('carol', { role: 'admin' });
    assert.deepEqual((await carolOnline)[0], { userId: 'carol' });   // before 42's
    const toBob = waitFor(bob, 'status:online');
    const toCarol = waitFor(carol, 'status:online');
    const n = await f.connect(42);
    assert.deepEqual((await toBob)[0], { userId: 42 });
    assert.deepEqual((await toCarol)[0], { userId: 42 });
    const off = waitFor(carol, 'status:offline');
    n.close();
    assert.deepEqual((await off)[0], { userId: 42 });
    bob.close();
    carol.close();
  });

  it('conversation:join with an invalid id: error INVALID_ID, still connected', async () => {
    const c = await f.connect('dave');
    const err = waitFor(c, 'error');
    c.emit('conversation:join', { conversationId: 'no spaces allowed' });
    assert.equal((await err)[0].code, 'INVALID_ID');
    const err2 = waitFor(c, 'error');
    c.emit('conversation:join', { conversationId: 'x'.repeat(65) });
    assert.equal((await err2)[0].code, 'INVALID_ID');
    assert.ok(c.connected);
    c.close();
  });

  it('a token inside the leeway (30 s) is not cut off at once', async () => {
    // exp 5 s ago: accepted with the 30 s leeway, so it expires 25 s from
    // now, the moment the server would stop accepting it
    const c = await f.connect('erin', { iat: now() - 600, exp: now() - 5 });
    const expired = collect(c, 'auth-expired');
    await quiet();
    assert.deepEqual(expired, []);
    assert.ok(c.connected);
    c.close();
  });
});

describe('sio-server: chat automatic rooms', () => {
  describe('admin-room holds the admins only', () => {
    const f = serverFixture(() => variant('chat', (c) => { c.presence.room = 'admin-room'; }));

    it('bob online reaches the admin, not the member', async () => {
      const admin = await f.connect('carol', { role: 'admin' });
      const aliceOnline = waitFor(admin, 'status:online');
      const member = await f.connect('alice');
      assert.deepEqual((await aliceOnline)[0], { userId: 'alice' });   // before bob's
      const toMember = collect(member, 'status:online');
      const toAdmin = waitFor(admin, 'status:online');
      const bob = await f.connect('bob');
      assert.deepEqual((await toAdmin)[0], { userId: 'bob' });
      await quiet();
      assert.deepEqual(toMember, []);
      bob.close();
    });
  });

  describe('user:<userId> holds that user\'s sockets', () => {
    const f = serverFixture(() => variant('chat', (c) => { c.presence.room = 'user:alice'; }));

    it('bob online reaches both of alice\'s tabs, not carol', async () => {
      const alice1 = await f.connect('alice');
      const alice2 = await f.connect('alice', {}, { transports: ['websocket'] });
      const carolOnline = [alice1, alice2].map((c) => waitFor(c, 'status:online'));
      const carol = await f.connect('carol', { role: 'admin' });
      for (const [o] of await Promise.all(carolOnline)) assert.deepEqual(o, { userId: 'carol' });
      const toCarol = collect(carol, 'status:online');
      const to1 = waitFor(alice1, 'status:online');
      const to2 = waitFor(alice2, 'status:online');
      const bob = await f.connect('bob');
      assert.deepEqual((await to1)[0], { userId: 'bob' });
      assert.deepEqual((await to2)[0], { userId: 'bob' });
      await quiet();
      assert.deepEqual(toCarol, []);
      bob.close();
    });
  });
});

// Seconds from connecting to a token's exp: the connection must be made before then
// (leeway 0), which takes longer when the server runs under valgrind.
const LEAD = UNDER_VALGRIND ? 8 : 2;

describe('sio-server: chat token expiry (leewaySeconds 0)', () => {
  const f = serverFixture(() => variant('chat', (c) => { c.auth.leewaySeconds = 0; }));

  /** Resolves with [auth-expired payload, disconnect reason, order]. */
  const expiry = (c) => new Promise((resolve, reject) => {
    const order = [];
    let payload;
    c.on('auth-expired', (p) => { order.push('auth-expired'); payload = p; });
    c.on('disconnect', (reason) => { order.push('disconnect'); resolve([payload, reason, order]); });
    setTimeout(() => reject(new Error('not disconnected')), (LEAD + 6) * 1000);
  });

  it('auth-expired {message}, then a server disconnect, when exp passes', async () => {
    const t0 = Date.now();
    const exp = now() + LEAD;
    const c = await f.connect('alice', { exp });
    const [payload, reason, order] = await expiry(c);
    assert.deepEqual(payload, { message: EXPIRED_MESSAGE });
    assert.equal(reason, 'io server disconnect');
    assert.deepEqual(order, ['auth-expired', 'disconnect']);
    assert.ok(Date.now() >= exp * 1000 - 50, `not before exp (${Date.now() - t0} ms)`);
  });

  it('each socket at its own exp; one gone early is forgotten; others stay', async () => {
    const watcher = await f.connect('watcher');   // exp in 10 minutes
    const later = await f.connect('later', { exp: now() + LEAD + 1 });
    const sooner = await f.connect('sooner', { exp: now() + LEAD });
    const gone = await f.connect('gone', { exp: now() + LEAD });
    const tab2 = await f.connect('later', { exp: now() + 600 });
    gone.close();    // disconnects first: removed from the deadlines

    const offline = collect(watcher, 'status:offline');
    const [a, b] = await Promise.all([expiry(sooner), expiry(later)]);
    assert.equal(a[1], 'io server disconnect');
    assert.equal(b[1], 'io server disconnect');
    await quiet();
    assert.ok(watcher.connected);
    assert.ok(tab2.connected, 'a second tab with a fresh token stays');
    // presence follows: sooner and gone are offline; later still has tab2
    assert.deepEqual(offline.map((o) => o.userId).sort(), ['gone', 'sooner']);
  });
});

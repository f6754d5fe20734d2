// sio-server with apps/sio-server/examples/chat.json, the chat server with its backend,
// driven by real socket.io-client 4.8 clients against a small chat backend in this process
// (a node http server that checks every webhook's signature, keeps conversations in memory
// and drives live sockets through sio-server's HTTP API, as a real backend would; its URL
// reaches the example through WEBHOOK_URL, its secret through WEBHOOK_SECRET).
//
// What the chat server does alone: JWT in auth.token; automatic rooms user:<userId>,
// all-users, and admin-room for role admin; presence (status:online when a user's first
// socket connects, status:offline when the last one leaves, to all-users, not to the socket
// that connected); conversation:join/leave; token expiry during the connection
// (auth-expired {message}, then a server disconnect). Rooms are observed through presence:
// a variant of the config sends the presence events to admin-room or to user:alice instead
// of all-users, and who receives bob's status:online shows who is in that room.
//
// The chat flow of issue 13 end to end, with the backend:
//   - connect: the backend joins the user to their conversations' rooms;
//   - conversation:create {members}: the backend makes every member's live sockets join
//     the new room (POST /sockets/join) and acks its id;
//   - message:send {conversationId, text}: membership checked, the message stored, the ack
//     is the stored message, message:new goes to the room except the sender; a non-member
//     gets the backend's own error ack; message:edit and message:delete likewise;
//   - typing: relayed as status:typing {conversationId, userId} without the backend, to
//     the room except the sender;
//   - the token refreshed without reconnecting (auth:refresh);
//   - logout: the backend disconnects the user's sockets (POST /sockets/disconnect) and
//     receives the disconnect hook;
//   - the backend down: clients still connect (connect.onError "accept") with their rooms
//     and presence, and a message gets the BACKEND_UNAVAILABLE error ack at once.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import { EventEmitter, once } from 'node:events';
import {
  collect, exampleConfig, freePort, http, now, sign, waitFor, TIMEOUT, UNDER_VALGRIND,
  serverFixture as fixture,
} from '../../lib/sio-server-app.js';
import { variant } from '../../lib/sio-server-variant.js';

const SECRET = 'chat-test-secret-0123456789abcdef0123';
const HOOK_SECRET = 'chat-test-hook-secret-0123456789';
const API_KEY = 'chat-test-api-key-0123456789abcdef';
const API = '/api/v1/websocket';
// WEBHOOK_URL is set once the backend listens (before any server starts)
const env = { JWT_ACCESS_SECRET: SECRET, WEBHOOK_SECRET: HOOK_SECRET, WEBSOCKET_API_KEY: API_KEY };
const token = (sub, extra = {}) =>
  sign({ sub, role: 'member', iat: now(), exp: now() + 600, ...extra }, SECRET);
const EXPIRED_MESSAGE = 'Your session has expired, please sign in again';
// a short window, only to assert that something does NOT arrive
const QUIET_MS = 300;
const quiet = () => new Promise((r) => setTimeout(r, QUIET_MS));
const emitAck = (c, ev, ...args) => c.timeout(TIMEOUT).emitWithAck(ev, ...args);

const serverFixture = (config, extraEnv = env) => fixture(config, { env: extraEnv, token });

/** A webhook's X-Signature checked as docs/sio-server.md shows a backend doing it. */
function verified(header, body) {
  const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header || '');
  if (!m || Math.abs(Number(m[1]) - now()) > 300) return false;
  const want = createHmac('sha256', HOOK_SECRET).update(`${m[1]}.${body}`).digest();
  return timingSafeEqual(want, Buffer.from(m[2], 'hex'));
}

/** The chat backend: conversations, messages, and calls to sio-server's API
 * (b.serverUrl: the server it drives). */
function chatBackend() {
  const b = { conversations: new Map(), messages: new Map(), disconnects: [], unsigned: 0,
    seq: 0, events: new EventEmitter(), serverUrl: null };
  /** Resolves once n disconnect hooks of userId arrived. */
  b.disconnectsOf = (userId, n) => new Promise((resolve) => {
    const check = () => {
      const got = b.disconnects.filter((d) => d.userId === userId);
      if (got.length >= n) { b.events.off('disconnect', check); resolve(got); }
    };
    b.events.on('disconnect', check);
    check();
  });
  const api = (path, body) => http(b.serverUrl,
    { method: 'POST', path: `${API}${path}`, headers: { 'x-api-key': API_KEY }, body });
  const member = (conversationId, userId) =>
    b.conversations.get(conversationId)?.members.includes(userId);
  const toRoom = (conversationId, event, data) =>
    [{ room: `conversation:${conversationId}`, except: true, event, data }];
  const handle = async (hook) => {
    const { event, userId } = hook;
    if (event === 'connect') {
      const rooms = [...b.conversations].filter(([, c]) => c.members.includes(userId))
        .map(([id]) => `conversation:${id}`);
      return { allow: true, join: rooms };
    }
    if (event === 'disconnect') {
      b.disconnects.push(hook);
      b.events.emit('disconnect');
      return {};
    }
    if (event === 'conversation:create') {
      const id = `c${++b.seq}`;
      const members = [...new Set([userId, ...hook.args[0].members])];
      b.conversations.set(id, { members });
      const res = await api('/sockets/join', { to: { userIds: members }, room: `conversation:${id}` });
      return { ack: { id, members, joined: res.json.data.socketCount } };
    }
    if (event === 'message:send') {
      const { conversationId, text } = hook.args[0];
      if (!member(conversationId, userId)) return { ack: { error: 'not a member' } };
      const message = { id: `m${b.messages.size + 1}`, conversationId, text, from: userId };
      b.messages.set(message.id, message);
      return { ack: { message }, broadcast: toRoom(conversationId, 'message:new', message) };
    }
    if (event === 'message:edit' || event === 'message:delete') {
      const { messageId, text } = hook.args[0];
      const m = b.messages.get(messageId);
      if (!m || m.from !== userId) return { ack: { error: 'not your message' } };
      if (event === 'message:delete') {
        b.messages.delete(messageId);
        const gone = { id: messageId, conversationId: m.conversationId };
        return { ack: { deleted: messageId }, broadcast: toRoom(m.conversationId, 'message:deleted', gone) };
      }
      m.text = text;
      return { ack: { message: m }, broadcast: toRoom(m.conversationId, 'message:updated', m) };
    }
    return { ack: { error: 'unknown event' } };
  };
  b.server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', async () => {
      const raw = Buffer.concat(chunks).toString();
      if (!verified(req.headers['x-signature'], raw)) {
        b.unsigned++;
        res.statusCode = 401;
        res.end('{}');
        return;
      }
      const answer = await handle(JSON.parse(raw));
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(answer));
    });
  });
  b.logout = (userId) => api('/sockets/disconnect', { to: { userIds: [userId] }, close: true });
  return b;
}

const backend = chatBackend();
const downEnv = {}; // the same, with a WEBHOOK_URL nothing listens on
before(async () => {
  backend.server.listen(0, '127.0.0.1');
  await once(backend.server, 'listening');
  env.WEBHOOK_URL = `http://127.0.0.1:${backend.server.address().port}/socket-hooks`;
  Object.assign(downEnv, env, { WEBHOOK_URL: `http://127.0.0.1:${await freePort()}/socket-hooks` });
});
after(() => {
  backend.server.closeAllConnections();
  backend.server.close();
});

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

  it('the chat flow with the backend: create, send, edit, delete, typing, refresh, logout', async () => {
    backend.serverUrl = f.server.url;
    const alice = await f.connect('amy');
    const bob = await f.connect('ben');
    const bobTab2 = await f.connect('ben');
    const carol = await f.connect('cal');

    // conversation:create: every member's live sockets join, now
    const created = await emitAck(alice, 'conversation:create', { members: ['ben'] });
    assert.equal(created.id, 'c1');
    assert.deepEqual(created.members, ['amy', 'ben']);
    assert.equal(created.joined, 3); // alice and bob's two tabs

    // message:send: the ack is the stored message; the room hears of it, not the sender
    const aliceNew = collect(alice, 'message:new');
    const heard = [waitFor(bob, 'message:new'), waitFor(bobTab2, 'message:new')];
    const ack = await emitAck(alice, 'message:send', { conversationId: 'c1', text: 'hi bob' });
    const stored = { id: 'm1', conversationId: 'c1', text: 'hi bob', from: 'amy' };
    assert.deepEqual(ack, { message: stored });
    for (const [m] of await Promise.all(heard)) assert.deepEqual(m, stored);

    // a non-member is refused by the backend, in its own words
    assert.deepEqual(await emitAck(carol, 'message:send', { conversationId: 'c1', text: 'x' }),
      { error: 'not a member' });

    // message:edit and message:delete: acked, the room told, the sender not
    const updated = waitFor(bob, 'message:updated');
    assert.deepEqual(await emitAck(alice, 'message:edit', { messageId: 'm1', text: 'hi, bob' }),
      { message: { ...stored, text: 'hi, bob' } });
    assert.deepEqual((await updated)[0], { ...stored, text: 'hi, bob' });
    assert.deepEqual(await emitAck(bob, 'message:delete', { messageId: 'm1' }),
      { error: 'not your message' });
    const deleted = waitFor(bobTab2, 'message:deleted');
    assert.deepEqual(await emitAck(alice, 'message:delete', { messageId: 'm1' }), { deleted: 'm1' });
    assert.deepEqual((await deleted)[0], { id: 'm1', conversationId: 'c1' });

    // typing: relayed without the backend, enriched with the sender's id
    const typing = waitFor(alice, 'status:typing');
    assert.equal(await emitAck(bob, 'typing', { conversationId: 'c1' }), undefined);
    assert.deepEqual((await typing)[0], { conversationId: 'c1', userId: 'ben' });
    assert.deepEqual(await emitAck(carol, 'typing', { conversationId: 'c1' }),
      { error: 'not in this room', code: 'NOT_IN_ROOM' });
    assert.deepEqual(aliceNew, []);

    // who is in the conversation: alice, and bob with two tabs
    const room = await http(f.server.url, { path: `${API}/rooms/conversation%3Ac1`,
      headers: { 'x-api-key': API_KEY } });
    assert.deepEqual(room.json.data.users,
      [{ userId: 'ben', sockets: 2 }, { userId: 'amy', sockets: 1 }]);

    // a token refreshed during the session
    const fresh = now() + 3600;
    const refreshed = await emitAck(alice, 'auth:refresh', { token: token('amy', { exp: fresh }) });
    assert.deepEqual(refreshed, { success: true, exp: fresh });

    // a reconnecting member is joined to the conversation by the connect hook
    const bobTab3 = await f.connect('ben');
    const again = waitFor(bobTab3, 'message:new');
    await emitAck(alice, 'message:send', { conversationId: 'c1', text: 'welcome back' });
    assert.equal((await again)[0].text, 'welcome back');

    // logout: the backend disconnects every socket of bob, and hears of each
    const gone = [bob, bobTab2, bobTab3].map((c) => waitFor(c, 'disconnect'));
    const res = await backend.logout('ben');
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.data.socketCount, 3);
    for (const [reason] of await Promise.all(gone)) assert.equal(reason, 'io server disconnect');
    const byeBob = await backend.disconnectsOf('ben', 3);
    assert.equal(byeBob.length, 3);
    assert.ok(byeBob.every((d) => d.rooms.includes('conversation:c1')));
    assert.equal(backend.unsigned, 0);
    alice.close();
    carol.close();
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

describe('sio-server: chat with its backend down', () => {
  const f = serverFixture(() => exampleConfig('chat'), downEnv);

  it('clients still connect with their rooms and presence; a message gets an error ack', async () => {
    const bob = await f.connect('bob');
    const online = waitFor(bob, 'status:online');
    const alice = await f.connect('alice');
    assert.deepEqual((await online)[0], { userId: 'alice' });
    assert.deepEqual(await emitAck(alice, 'conversation:join', { conversationId: 'c1' }),
      { success: true, conversationId: 'c1' });
    const t0 = Date.now();
    assert.deepEqual(await emitAck(alice, 'message:send', { conversationId: 'c1', text: 'hi' }),
      { error: 'backend unavailable', code: 'BACKEND_UNAVAILABLE' });
    assert.ok(Date.now() - t0 < TIMEOUT, 'at once, not after the timeout');
    // the relay needs no backend
    await emitAck(bob, 'conversation:join', { conversationId: 'c1' });
    const typing = waitFor(bob, 'status:typing');
    alice.emit('typing', { conversationId: 'c1' });
    assert.deepEqual((await typing)[0], { conversationId: 'c1', userId: 'alice' });
    alice.close();
    bob.close();
  });
});

// The chat flow of issue 13 end to end, with apps/sio-server/examples/
// chat-backend.json (its webhooks URL pointed at this test's backend) and a
// small chat backend in this process: a node http server that checks every
// webhook's signature, keeps conversations in memory and drives live
// sockets through sio-server's HTTP API, as a real backend would.
//   - connect: the backend joins the user to their conversations' rooms;
//   - conversation:create {members}: the backend makes every member's live
//     sockets join the new room (POST /sockets/join) and acks its id;
//   - message:send {conversationId, text}: membership checked, the message
//     stored, the ack is the stored message, message:new goes to the room
//     except the sender; a non-member gets the backend's own error ack;
//   - typing: relayed as status:typing {conversationId, userId} without the
//     backend, to the room except the sender;
//   - the token refreshed without reconnecting (auth:refresh);
//   - logout: the backend disconnects the user's sockets (POST
//     /sockets/disconnect) and receives the disconnect hook.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import { EventEmitter, once } from 'node:events';
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  clientFactory, collect, exampleConfig, http, now, sign, startServer, waitFor, TIMEOUT,
} from '../../lib/sio-server-app.js';

const JWT_SECRET = 'chat-backend-test-jwt-secret-0123456789abcdef';
const HOOK_SECRET = 'chat-backend-test-hook-secret';
const API_KEY = 'chat-backend-test-api-key-0123456789';
const API = '/api/v1/websocket';
const token = (sub, ttl = 600) => sign({ sub, iat: now(), exp: now() + ttl }, JWT_SECRET);
const emitAck = (c, ev, ...args) => c.timeout(TIMEOUT).emitWithAck(ev, ...args);

function verified(header, body) {
  const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header || '');
  if (!m || Math.abs(Number(m[1]) - now()) > 300) return false;
  const want = createHmac('sha256', HOOK_SECRET).update(`${m[1]}.${body}`).digest();
  return timingSafeEqual(want, Buffer.from(m[2], 'hex'));
}

/** The chat backend: conversations, messages, and calls to sio-server's API. */
function chatBackend(getServerUrl) {
  const b = { conversations: new Map(), messages: [], disconnects: [], unsigned: 0, seq: 0,
    events: new EventEmitter() };
  /** Resolves once n disconnect hooks of userId arrived. */
  b.disconnectsOf = (userId, n) => new Promise((resolve) => {
    const check = () => {
      const got = b.disconnects.filter((d) => d.userId === userId);
      if (got.length >= n) { b.events.off('disconnect', check); resolve(got); }
    };
    b.events.on('disconnect', check);
    check();
  });
  const api = (path, body) => http(getServerUrl(),
    { method: 'POST', path: `${API}${path}`, headers: { 'x-api-key': API_KEY }, body });
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
      const conv = b.conversations.get(conversationId);
      if (!conv || !conv.members.includes(userId)) return { ack: { error: 'not a member' } };
      const message = { id: `m${b.messages.length + 1}`, conversationId, text, from: userId };
      b.messages.push(message);
      return { ack: { message }, broadcast: [{ room: `conversation:${conversationId}`,
        except: true, event: 'message:new', data: message }] };
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

describe('chat flow end to end: examples/chat-backend.json and a backend', () => {
  let dir, server, backend;
  const client = clientFactory(() => server.url);
  const connect = (sub) => client.connected({ auth: { token: token(sub) } });

  before(async () => {
    backend = chatBackend(() => server.url);
    backend.server.listen(0, '127.0.0.1');
    await once(backend.server, 'listening');
    const cfg = JSON.parse(readFileSync(exampleConfig('chat-backend'), 'utf8'));
    cfg.webhooks.url = `http://127.0.0.1:${backend.server.address().port}/socket-hooks`;
    dir = mkdtempSync(join(tmpdir(), 'sio-chat-backend-'));
    const config = join(dir, 'chat-backend.json');
    writeFileSync(config, JSON.stringify(cfg));
    server = await startServer({ config, env: {
      JWT_ACCESS_SECRET: JWT_SECRET, WEBHOOK_SECRET: HOOK_SECRET, WEBSOCKET_API_KEY: API_KEY } });
  });

  after(async () => {
    client.closeAll();
    await server?.stop();
    backend?.server.closeAllConnections();
    backend?.server.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('create a conversation, send with ack, typing, refresh, logout', async () => {
    const alice = await connect('alice');
    const bob = await connect('bob');
    const bobTab2 = await connect('bob');
    const carol = await connect('carol');

    // conversation:create: every member's live sockets join, now
    const created = await emitAck(alice, 'conversation:create', { members: ['bob'] });
    assert.equal(created.id, 'c1');
    assert.deepEqual(created.members, ['alice', 'bob']);
    assert.equal(created.joined, 3); // alice and bob's two tabs

    // message:send: the ack is the stored message; the room hears of it, not the sender
    const aliceNew = collect(alice, 'message:new');
    const heard = [waitFor(bob, 'message:new'), waitFor(bobTab2, 'message:new')];
    const ack = await emitAck(alice, 'message:send', { conversationId: 'c1', text: 'hi bob' });
    const stored = { id: 'm1', conversationId: 'c1', text: 'hi bob', from: 'alice' };
    assert.deepEqual(ack, { message: stored });
    for (const [m] of await Promise.all(heard)) assert.deepEqual(m, stored);

    // a non-member is refused by the backend, in its own words
    assert.deepEqual(await emitAck(carol, 'message:send', { conversationId: 'c1', text: 'x' }),
      { error: 'not a member' });

    // typing: relayed without the backend, enriched with the sender's id
    const typing = waitFor(alice, 'status:typing');
    assert.equal(await emitAck(bob, 'typing', { conversationId: 'c1' }), undefined);
    assert.deepEqual((await typing)[0], { conversationId: 'c1', userId: 'bob' });
    assert.deepEqual(await emitAck(carol, 'typing', { conversationId: 'c1' }),
      { error: 'not in this room', code: 'NOT_IN_ROOM' });
    assert.deepEqual(aliceNew, []);

    // a token refreshed during the session
    const fresh = now() + 3600;
    const refreshed = await emitAck(alice, 'auth:refresh',
      { token: sign({ sub: 'alice', iat: now(), exp: fresh }, JWT_SECRET) });
    assert.deepEqual(refreshed, { success: true, exp: fresh });

    // a reconnecting member is joined to the conversation by the connect hook
    const bobTab3 = await connect('bob');
    const again = waitFor(bobTab3, 'message:new');
    await emitAck(alice, 'message:send', { conversationId: 'c1', text: 'welcome back' });
    assert.equal((await again)[0].text, 'welcome back');

    // logout: the backend disconnects every socket of bob, and hears of each
    const gone = [bob, bobTab2, bobTab3].map((c) => waitFor(c, 'disconnect'));
    const res = await backend.logout('bob');
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.data.socketCount, 3);
    for (const [reason] of await Promise.all(gone)) assert.equal(reason, 'io server disconnect');
    const byeBob = await backend.disconnectsOf('bob', 3);
    assert.equal(byeBob.length, 3);
    assert.ok(byeBob.every((d) => d.rooms.includes('conversation:c1')));
    assert.equal(backend.unsigned, 0);
    alice.close();
    carol.close();
  });
});

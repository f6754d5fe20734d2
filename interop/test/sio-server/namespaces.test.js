// sio-server's configured namespaces (docs/sio-server.md, "Namespaces"),
// with real socket.io-client 4.8 clients: a namespace has its own replies,
// room rules, limits and auth requirement (required claims too), "/" keeps
// the top level's, a namespace given by a regular expression takes every
// matching name, and a namespace that is not configured gets node's
// connect_error "Invalid namespace". Broadcasts of the HTTP API go to "/"
// only: a room of "/chat" is another room.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { io } from 'socket.io-client';
import {
  collect, now, serverFixture, sign, waitFor, TIMEOUT,
} from '../../lib/sio-server-app.js';

const SECRET = 'namespaces-test-secret-0123456789abcdef';
const token = (sub, extra = {}) =>
  sign({ sub, role: 'guest', iat: now(), exp: now() + 600, ...extra }, SECRET);
const QUIET_MS = 300; // only to assert that something does NOT arrive
const quiet = () => new Promise((r) => setTimeout(r, QUIET_MS));

const dir = mkdtempSync(join(tmpdir(), 'sio-server-ns-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const file = join(dir, 'ns.json');
writeFileSync(file, JSON.stringify({
  auth: { required: false, algorithm: 'HS256', secret: SECRET },
  replies: { ping: 'pong' },
  namespaces: {
    '/chat': {
      auth: { required: true },
      replies: { hello: 'world' },
      limits: { eventsPerMinute: 3 },
      rooms: {
        joinEvents: [{ join: 'join', room: 'chat:{id}', authorize: 'none', ack: true }],
      },
    },
    '/members': { auth: { required: true, ifClaim: { role: 'member' } } },
    '/open': {},
    '^/tenant-[0-9]+$': { replies: { who: 'tenant' } },
  },
}));

describe('sio-server namespaces', () => {
  const f = serverFixture(() => file);
  const sockets = [];
  const connect = (nsp, opts = {}) => {
    const c = io(`${f.server.url}${nsp}`, { reconnection: false, forceNew: true, timeout: TIMEOUT, ...opts });
    sockets.push(c);
    return c;
  };
  const connected = async (nsp, opts) => {
    const c = connect(nsp, opts);
    await waitFor(c, 'connect');
    return c;
  };
  const refused = async (nsp, opts) => {
    const c = connect(nsp, opts);
    const [e] = await waitFor(c, 'connect_error');
    c.close();
    return e;
  };
  const closeAll = () => { for (const c of sockets) c.close(); };

  it('a namespace that is not configured: connect_error "Invalid namespace"', async () => {
    const e = await refused('/nope');
    assert.equal(e.message, 'Invalid namespace');
  });

  it('"/" keeps the top level: anonymous clients, its replies only', async () => {
    const c = await connected('/');
    const pong = waitFor(c, 'pong');
    c.emit('ping');
    await pong;
    const worlds = collect(c, 'world');
    c.emit('hello');
    await quiet();
    assert.deepEqual(worlds, []);
    c.close();
  });

  it('/chat requires a token, has its own replies and room rule', async () => {
    const e = await refused('/chat');
    assert.equal(e.message, 'authentication required');
    assert.equal(e.data.code, 'UNAUTHORIZED');
    const c = await connected('/chat', { auth: { token: token('alice') } });
    const world = waitFor(c, 'world');
    c.emit('hello');
    await world;
    const pongs = collect(c, 'pong');
    c.emit('ping'); // "/"'s reply, not this namespace's
    const ack = await c.timeout(TIMEOUT).emitWithAck('join', 'r1');
    assert.equal(ack.success, true);
    await quiet();
    assert.deepEqual(pongs, []);
    c.close();
  });

  it('/chat has its own limits: the 4th event in a minute is refused', async () => {
    const c = await connected('/chat', { auth: { token: token('bob') } });
    const worlds = collect(c, 'world');
    const err = waitFor(c, 'error');
    for (let i = 0; i < 4; i++) c.emit('hello');
    assert.equal((await err)[0].code, 'RATE_LIMIT_EXCEEDED');
    await quiet();
    assert.equal(worlds.length, 3);
    // "/" of the same client is not limited by /chat's count
    const root = await connected('/', { auth: { token: token('bob') } });
    const pong = waitFor(root, 'pong');
    root.emit('ping');
    await pong;
    c.close();
    root.close();
  });

  it('/members requires the claim role=member', async () => {
    const e = await refused('/members', { auth: { token: token('carol') } });
    assert.equal(e.message, 'forbidden');
    assert.equal(e.data.code, 'FORBIDDEN');
    const c = await connected('/members', { auth: { token: token('dave', { role: 'member' }) } });
    assert.ok(c.connected);
    c.close();
  });

  it('/open takes anonymous clients; a bad token is still refused', async () => {
    const c = await connected('/open');
    assert.ok(c.connected);
    const e = await refused('/open', { auth: { token: 'not.a.token' } });
    assert.equal(e.data.code, 'UNAUTHORIZED');
    c.close();
    closeAll();
  });

  it('a dynamic namespace (a regular expression, node\'s io.of(/regex/)): each matching name', async () => {
    const a = await connected('/tenant-42');
    const b = await connected('/tenant-7');
    const got = waitFor(a, 'tenant');
    a.emit('who');
    await got;
    const got2 = waitFor(b, 'tenant');
    b.emit('who');
    await got2;
    for (const name of ['/tenant-x', '/tenant-', '/xtenant-1']) {
      assert.equal((await refused(name)).message, 'Invalid namespace', name);
    }
    a.close();
    b.close();
  });

  it('the startup summary lists the configured namespaces', () => {
    assert.match(f.server.stderr(), /info startup .* namespaces=\/chat,\/members,\/open,\^\/tenant-\[0-9\]\+\$ /);
  });

  it('the log names the namespace of each connection', async () => {
    const c = await connected('/open');
    const id = c.id;
    c.close();
    assert.ok(await new Promise((resolve) => {
      const t = setTimeout(() => resolve(false), TIMEOUT);
      const look = () => {
        if (new RegExp(`connection socketId=${id} namespace=/open`).test(f.server.stderr())) {
          clearTimeout(t); resolve(true);
        }
      };
      f.server.proc.stderr.on('data', look);
      look();
    }), f.server.stderr());
  });
});

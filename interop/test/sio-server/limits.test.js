// sio-server's protections, driven by real socket.io-client 4.8 clients:
// events per user per minute (family-stories: 100, the 101st gets "error"
// {code: "RATE_LIMIT_EXCEEDED"}), join/leave events per minute
// (job-dashboard's subscribe:job, 30), connection attempts per IP (refused
// before authentication with connect_error "Too many connection attempts"),
// rooms per socket and room name length. Windows are a minute long, so
// each limit is exhausted inside one test; limits are shrunk through config
// variants where the example's value would need too many connections.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  collect, exampleConfig, now, sign, waitFor,
  serverFixture as fixture,
} from '../../lib/sio-server-app.js';
import { variant } from '../../lib/sio-server-variant.js';

const SECRET = 'limits-test-secret-0123456789abcdef012';
const env = { JWT_ACCESS_SECRET: SECRET };
const token = (sub, extra = {}) =>
  sign({ sub, role: 'member', projects: ['p1', 'p2', 'p3'], iat: now(), exp: now() + 600, ...extra },
    SECRET);
const QUIET_MS = 300;   // only to assert that something does NOT arrive
const quiet = () => new Promise((r) => setTimeout(r, QUIET_MS));
const JOB = (i) => i.toString(16).padStart(24, '0');

const serverFixture = (config) => fixture(config, { env, token });

/** Emit ping n times and wait for the n pongs. */
async function pings(c, n) {
  let got = 0;
  const all = new Promise((resolve) => {
    const on = () => { if (++got === n) { c.off('pong', on); resolve(); } };
    c.on('pong', on);
  });
  for (let i = 0; i < n; i++) c.emit('ping');
  await all;
}

describe('sio-server limits: events per user (family-stories, 100/min)', () => {
  const f = serverFixture(() => exampleConfig('family-stories'));

  it('100 events pass, the 101st is dropped with error RATE_LIMIT_EXCEEDED', async () => {
    const c = await f.connect('alice');
    await pings(c, 100);
    const pongs = collect(c, 'pong');
    const err = waitFor(c, 'error');
    c.emit('ping');
    assert.deepEqual((await err)[0], { code: 'RATE_LIMIT_EXCEEDED', message: 'Too many events, slow down' });
    // every dropped event is answered; join events are dropped too (nothing joined)
    const err2 = waitFor(c, 'error');
    const joined = collect(c, 'joined_project');
    c.emit('join_project', { projectId: 'p1' });
    assert.equal((await err2)[0].code, 'RATE_LIMIT_EXCEEDED');
    await quiet();
    assert.deepEqual(pongs, []);
    assert.deepEqual(joined, []);
    assert.ok(c.connected, 'the connection stays up');
    c.close();
  });

  it('the count is per user: another tab shares it, another user does not', async () => {
    const a1 = await f.connect('bob');
    await pings(a1, 100);
    const a2 = await f.connect('bob', {}, { transports: ['websocket'] });
    const err = waitFor(a2, 'error');
    a2.emit('ping');
    assert.equal((await err)[0].code, 'RATE_LIMIT_EXCEEDED');
    const other = await f.connect('carol');
    await pings(other, 1);
    a1.close();
    a2.close();
    other.close();
  });

  it('an acknowledgement of a dropped event is not answered', async () => {
    const c = await f.connect('dave');
    await pings(c, 100);
    const err = waitFor(c, 'error');
    await assert.rejects(c.timeout(QUIET_MS).emitWithAck('join_project', { projectId: 'p1' }),
      /operation has timed out/);
    assert.equal((await err)[0].code, 'RATE_LIMIT_EXCEEDED');
    c.close();
  });
});

describe('sio-server limits: subscribe:job (job-dashboard, 30/min)', () => {
  const f = serverFixture(() => exampleConfig('job-dashboard'));

  it('30 subscribe/unsubscribe events pass, the 31st is refused and not processed', async () => {
    const c = await f.client.connected();
    const errors = collect(c, 'error');
    const roomErrors = collect(c, 'room:error');
    for (let i = 0; i < 28; i++) c.emit(i % 2 ? 'unsubscribe:job' : 'subscribe:job', { jobId: JOB(i) });
    c.emit('unsubscribe:job', 'not-a-job-id');     // 29th: processed (room:error)
    const processed = waitFor(c, 'room:error');
    c.emit('subscribe:job', 'still-not-a-job');    // 30th: processed (room:error)
    await processed;
    const refused = waitFor(c, 'error');
    c.emit('subscribe:job', 'bad-again');          // 31st: refused, not processed
    assert.deepEqual((await refused)[0], { code: 'RATE_LIMIT_EXCEEDED', message: 'Rate limit exceeded' });
    await quiet();
    assert.equal(roomErrors.length, 2);
    assert.equal(roomErrors[1].jobId, 'still-not-a-job');
    assert.equal(roomErrors[1].message, 'Invalid job ID format');
    assert.equal(errors.length, 1);
    c.close();
  });

  it('anonymous clients are counted per socket: a second socket still subscribes', async () => {
    const c1 = await f.client.connected();
    for (let i = 0; i < 30; i++) c1.emit('subscribe:job', { jobId: JOB(i) });
    const refused = waitFor(c1, 'error');
    c1.emit('subscribe:job', { jobId: JOB(99) });
    assert.equal((await refused)[0].code, 'RATE_LIMIT_EXCEEDED');
    const c2 = await f.client.connected();
    const processed = waitFor(c2, 'room:error');
    c2.emit('subscribe:job', { jobId: 'xyz' });
    assert.equal((await processed)[0].jobId, 'xyz');
    c1.close();
    c2.close();
  });
});

describe('sio-server limits: connection attempts per IP', () => {
  const f = serverFixture(() => variant('family-stories', (c) => {
    c.limits.connectionsPerMinutePerIp = 3;
    c.trustProxy = true;   // X-Forwarded-For names the client (as behind nginx)
  }));
  const from = (ip, tok) => ({
    auth: { token: tok }, transports: ['websocket'], extraHeaders: { 'x-forwarded-for': ip },
  });

  it('the 4th attempt in a minute is refused before authentication', async () => {
    const ip = '203.0.113.7';
    const bad = await f.client.refused(from(ip, 'not-a-token'));   // 1: counts too
    assert.equal(bad.data?.code, 'UNAUTHORIZED');
    (await f.client.connected(from(ip, token('alice')))).close();  // 2
    (await f.client.connected(from(ip, token('alice')))).close();  // 3
    const err = await f.client.refused(from(ip, token('alice')));  // 4: a valid token, refused
    assert.equal(err.message, 'Too many connection attempts');
    assert.deepEqual(err.data, { code: 'RATE_LIMIT_EXCEEDED' });
    const err2 = await f.client.refused(from(ip, 'not-a-token'));
    assert.equal(err2.message, 'Too many connection attempts', 'no token check when over the limit');
  });

  it('another IP has its own count', async () => {
    for (let i = 0; i < 3; i++) (await f.client.connected(from('198.51.100.1', token('bob')))).close();
    const err = await f.client.refused(from('198.51.100.1', token('bob')));
    assert.equal(err.data?.code, 'RATE_LIMIT_EXCEEDED');
    (await f.client.connected(from('198.51.100.2', token('bob')))).close();
  });
});

describe('sio-server limits: rooms per socket and room name length', () => {
  const f = serverFixture(() => variant('family-stories', (c) => { c.limits.maxRoomsPerSocket = 2; }));
  const long = (n) => 'x'.repeat(n);

  /** Emit join/leave and resolve with [event name, payload] of the answer. */
  const answer = (c, ev, projectId) => new Promise((resolve) => {
    const ok = ev === 'join_project' ? 'joined_project' : 'left_project';
    const done = (name) => (p) => { c.off(ok, onOk); c.off('error', onErr); resolve([name, p]); };
    const onOk = done(ok);
    const onErr = done('error');
    c.once(ok, onOk);
    c.once('error', onErr);
    c.emit(ev, { projectId });
  });

  it('a join beyond maxRoomsPerSocket is refused with ROOM_LIMIT_EXCEEDED', async () => {
    const c = await f.connect('alice');
    assert.deepEqual(await answer(c, 'join_project', 'p1'), ['joined_project', { projectId: 'p1' }]);
    assert.deepEqual(await answer(c, 'join_project', 'p2'), ['joined_project', { projectId: 'p2' }]);
    const [ev, p] = await answer(c, 'join_project', 'p3');
    assert.equal(ev, 'error');
    assert.equal(p.code, 'ROOM_LIMIT_EXCEEDED');
    assert.match(p.message, /at most 2/);
    // a room already joined is not a new one; leaving makes space
    assert.deepEqual(await answer(c, 'join_project', 'p1'), ['joined_project', { projectId: 'p1' }]);
    assert.deepEqual(await answer(c, 'leave_project', 'p1'), ['left_project', { projectId: 'p1' }]);
    assert.deepEqual(await answer(c, 'join_project', 'p3'), ['joined_project', { projectId: 'p3' }]);
    assert.ok(c.connected);
    c.close();
  });

  it('a room name longer than maxRoomNameLength (128) is invalid', async () => {
    // "project:" + 120 = 128 characters: allowed; one more is not
    const c = await f.connect('bob', { projects: [long(120), long(121)] });
    assert.deepEqual(await answer(c, 'join_project', long(120)), ['joined_project', { projectId: long(120) }]);
    const [ev, p] = await answer(c, 'join_project', long(121));
    assert.equal(ev, 'error');
    assert.equal(p.code, 'INVALID_ID');
    c.close();
  });
});

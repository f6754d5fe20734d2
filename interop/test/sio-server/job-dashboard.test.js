// sio-server with apps/sio-server/examples/job-dashboard.json, driven by real
// socket.io-client 4.8 clients: rooms from the handshake query (jobId: a
// 24-hex ObjectId -> job:<id>, "all" -> all-jobs; serverId -> server:<id>),
// an invalid jobId answered with room:error {message, jobId} while the
// connection stays up, the legacy subscribe:job/unsubscribe:job events, and
// job progress posted to POST <api>/broadcast/room/job:<id> reaching job:<id>
// and (fan-in) all-jobs, each client once, throttled to one event per 200 ms
// per job with the latest payload winning. (The subscribe rate limit has its
// own test.)
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  clientFactory, collect, exampleConfig, http, startServer, waitFor, TIMEOUT,
} from '../../lib/sio-server-app.js';

const API_KEY = 'job-dashboard-test-key';
const API = '/api/v1/websocket';
const PROGRESS = 'job:progress';

let seq = 0;
/** A fresh 24-hex job id per test, so throttle intervals never overlap tests. */
const jobId = () => `507f1f77bcf86cd7994${(0x10000 + seq++).toString(16).slice(-5)}`;

describe('sio-server: job-dashboard', () => {
  let server;
  const client = clientFactory(() => server.url);

  const api = (method, path, body) => http(server.url, {
    method, path: `${API}${path}`, body, headers: { 'x-api-key': API_KEY },
  });
  const progress = (id, data, event = PROGRESS) =>
    api('POST', `/broadcast/room/${encodeURIComponent(`job:${id}`)}`, { event, data });
  const members = async (room) =>
    (await api('GET', `/rooms/${encodeURIComponent(room)}`)).json.data.memberCount;
  /** Polls the API until the room has n members (a join is asynchronous to HTTP). */
  const untilMembers = async (room, n) => {
    const end = Date.now() + TIMEOUT;
    while (await members(room) !== n) {
      if (Date.now() > end) throw new Error(`room ${room} never had ${n} members`);
      await new Promise((r) => setTimeout(r, 10));
    }
  };

  before(async () => {
    server = await startServer({ config: exampleConfig('job-dashboard'),
      env: { WEBSOCKET_API_KEY: API_KEY } });
  });

  after(async () => {
    client.closeAll();
    await server?.stop();
  });

  it('jobId=<ObjectId> joins job:<id>; progress reaches it, not other jobs', async () => {
    const id = jobId();
    const other = jobId();
    const c = await client.connected({ query: { jobId: id } });
    const d = await client.connected({ query: { jobId: other } });
    assert.equal(await members(`job:${id}`), 1);
    const gotD = collect(d, PROGRESS);
    const got = waitFor(c, PROGRESS);
    const res = await progress(id, { jobId: id, percent: 10 });
    assert.equal(res.status, 200);
    assert.equal(res.json.data.recipientCount, 1);
    assert.deepEqual((await got)[0], { jobId: id, percent: 10 });
    assert.deepEqual(gotD, []);
    c.close();
    d.close();
  });

  it('jobId=all joins all-jobs; serverId joins server:<id>', async () => {
    const c = await client.connected({ query: { jobId: 'all' } });
    const s = await client.connected({ query: { serverId: 'worker-7' } });
    assert.equal(await members('all-jobs'), 1);
    assert.equal(await members('server:worker-7'), 1);
    const got = waitFor(s, 'server:status');
    const res = await api('POST', '/broadcast/room/server%3Aworker-7',
      { event: 'server:status', data: { load: 0.5 } });
    assert.equal(res.json.data.recipientCount, 1);
    assert.deepEqual((await got)[0], { load: 0.5 });
    c.close();
    s.close();
  });

  it('an invalid jobId gets room:error and the connection stays up', async () => {
    const c = client({ query: { jobId: 'not-an-object-id' } });
    const [err] = await waitFor(c, 'room:error');
    assert.deepEqual(err, { message: 'Invalid job ID format', jobId: 'not-an-object-id' });
    if (!c.connected) await waitFor(c, 'connect');
    assert.equal(c.connected, true);
    // still served: a broadcast to everyone arrives
    const got = waitFor(c, 'maintenance');
    await api('POST', '/broadcast', { event: 'maintenance', data: 'soon' });
    assert.deepEqual(await got, ['soon']);
    assert.equal(c.connected, true);
    c.close();
  });

  it('subscribe:job joins job:<id>, unsubscribe:job leaves it', async () => {
    const id = jobId();
    const c = await client.connected();
    c.emit('subscribe:job', { jobId: id });
    await untilMembers(`job:${id}`, 1);
    const got = waitFor(c, PROGRESS);
    assert.equal((await progress(id, { percent: 1 })).json.data.recipientCount, 1);
    assert.deepEqual((await got)[0], { percent: 1 });
    c.emit('unsubscribe:job', { jobId: id });
    await untilMembers(`job:${id}`, 0);
    c.close();
  });

  it('subscribe:job with an invalid id: room:error, not joined, still connected', async () => {
    const c = await client.connected();
    const err = waitFor(c, 'room:error');
    c.emit('subscribe:job', { jobId: '12345' });
    const [e] = await err;
    assert.equal(e.message, 'Invalid job ID format');
    assert.equal(e.jobId, '12345');
    assert.equal(await members('job:12345'), 0);
    assert.equal(c.connected, true);
    c.close();
  });

  it('progress for job:<id> reaches job:<id> and all-jobs clients, each once', async () => {
    const id = jobId();
    const job = await client.connected({ query: { jobId: id } });
    const all = await client.connected({ query: { jobId: 'all' } });
    // in both rooms: all-jobs by query, job:<id> by subscribe
    const both = await client.connected({ query: { jobId: 'all' }, transports: ['websocket'] });
    both.emit('subscribe:job', { jobId: id });
    await untilMembers(`job:${id}`, 2);
    const other = await client.connected({ query: { jobId: jobId() } });
    const seen = [job, all, both, other].map((c) => collect(c, PROGRESS));
    const arrived = Promise.all([job, all, both].map((c) => waitFor(c, PROGRESS)));
    const res = await progress(id, { jobId: id, percent: 50 });
    assert.equal(res.status, 200);
    assert.equal(res.json.success, true);
    assert.deepEqual(res.json.data,
      { event: PROGRESS, room: `job:${id}`, recipientCount: 3 });
    await arrived;
    // a later event on every socket proves nothing else was queued before it
    const flushed = Promise.all([job, all, both, other].map((c) => waitFor(c, 'flush')));
    await api('POST', '/broadcast', { event: 'flush' });
    await flushed;
    assert.deepEqual(seen.map((s) => s.length), [1, 1, 1, 0]);
    assert.deepEqual(seen[2][0], { jobId: id, percent: 50 });
    for (const c of [job, all, both, other]) c.close();
  });

  it('progress is throttled to one per 200 ms per job, the latest wins', async () => {
    const id = jobId();
    const c = await client.connected({ query: { jobId: id } });
    const all = await client.connected({ query: { jobId: 'all' } });
    const seen = collect(c, PROGRESS);
    const seenAll = collect(all, PROGRESS);
    const first = waitFor(c, PROGRESS);
    const t0 = Date.now();
    const r1 = await progress(id, { percent: 1 });
    assert.equal(r1.status, 200);
    assert.equal(r1.json.data.recipientCount, 2);
    await first;
    const second = waitFor(c, PROGRESS);
    const r2 = await progress(id, { percent: 2 });
    const r3 = await progress(id, { percent: 3 });
    for (const r of [r2, r3]) {
      assert.equal(r.status, 202);
      assert.equal(r.json.data.throttled, true);
      assert.equal(r.json.data.recipientCount, 0);
    }
    // another job is not held back by this one's interval
    const id2 = jobId();
    const r4 = await progress(id2, { percent: 9 });
    assert.equal(r4.status, 200);
    assert.deepEqual((await second)[0], { percent: 3 });
    assert.ok(Date.now() - t0 >= 180, `deferred event came after ${Date.now() - t0} ms`);
    // nothing else for this job (a short window: asserting an absence)
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(seen, [{ percent: 1 }, { percent: 3 }]);
    assert.deepEqual(seenAll, [{ percent: 1 }, { percent: 9 }, { percent: 3 }]);
    c.close();
    all.close();
  });
});

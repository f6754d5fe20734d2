// sio-server's ingest from Redis (docs/sio-server.md, "Ingest from Redis") on a real
// redis-server the test starts on a free loopback port (interop/lib/redis.js), with
// socket.io-client clients joined to their tenant's room through the configuration's join
// event (fixtures/ingest-jobs.json). The test plays the job service's workers with the
// node `redis` client: plain PUBLISH and XADD of JSON, no socket.io library.
//
// Checked: `PUBLISH job_updates {tenantId, jobId, status}` arrives as JOB_UPDATE {jobId,
// status, error} in room tenant:<tenantId> only; the generic form {room, event, data,
// except}; two instances on one Redis each deliver a channel message to their own clients,
// once; a Stream entry added while one instance is stopped is delivered once, by the
// other; with both running an entry is taken by one member and reaches the clients of
// both, once; an entry a consumer read and never acknowledged (a fake dead consumer) is
// claimed after claimMinIdleMs and delivered once; malformed messages (not JSON, wrong
// shapes, bad rooms, a reserved event, an entry without its field) are counted in
// /metrics, warned about, acknowledged, and the next good message still flows; ingest
// without Redis is a configuration error.
//
// The job-update service of issue 14 whole: the job-updates example (its /ws endpoint for
// plain WebSocket browsers) with the job_updates ingest and REDIS_URL, two instances; a
// worker's `redis-cli PUBLISH job_updates '{...}'` reaches, as the same update, a plain
// `ws` client ({"type":"JOB_UPDATE",...}) and a socket.io-client (event JOB_UPDATE) of
// tenant-1 on both instances, and no client of tenant-2; UNSUBSCRIBE stops it. The same
// with a browser page's `new WebSocket` (headless Chromium, the page on another origin that
// the example's CORS setting lets in): CONNECTED, SUBSCRIBE, the PUBLISH as JOB_UPDATE next
// to a socket.io-client of the room on the other instance, the ERROR replies with the
// connection kept, UNSUBSCRIBE stops it.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once as onceEvent } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import {
  BIN, ROOT, clientFactory, collect, exampleConfig, http, startServer, waitFor, TIMEOUT, until,
} from '../../lib/sio-server-app.js';
import { redisClient, startRedis } from '../../lib/redis.js';
import { startStaticServer } from '../../lib/browser-static.js';
import {
  chromiumMissingReason, launchChromium, openPagePlainWs, watchPage,
} from '../../lib/browser-chromium.js';

const CONFIG = `${ROOT}interop/test/sio-server/fixtures/ingest-jobs.json`;
const GROUP = 'sio-server';

/** Resolves with the first `event` payload for which pred is true. */
function waitMatch(c, event, pred, what) {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => { c.off(event, on); reject(new Error(`timed out: ${what}`)); },
      TIMEOUT);
    function on(d) {
      if (!pred(d)) return;
      clearTimeout(t);
      c.off(event, on);
      resolve(d);
    }
    c.on(event, on);
  });
}

async function errorsTotal(server, kind) {
  const { text } = await http(server.url, { path: '/metrics' });
  const m = text.match(new RegExp(`^sio_errors_total\\{kind="${kind}"\\} (\\d+)$`, 'm'));
  return m ? Number(m[1]) : 0;
}

/** Both of the ingest's connections up (its stderr says so). */
async function ingestReady(server) {
  await until(() => /ingest: channels connected/.test(server.stderr()) &&
    /ingest: streams connected/.test(server.stderr()), `${server.url} ingest connected`);
}

describe('sio-server ingest from Redis', () => {
  let redis;
  let pub;
  const members = [];
  const factories = [];
  const client = (i) => {
    const make = clientFactory(() => members[i].url);
    factories.push(make);
    return make;
  };
  /** A connected client of member i, in room tenant:<tenantId>. */
  async function tenantClient(i, tenantId) {
    const c = await client(i).connected();
    const ack = await c.timeout(TIMEOUT).emitWithAck('subscribe', { tenantId });
    assert.equal(ack.success, true, JSON.stringify(ack));
    return c;
  }
  const env = () => ({ REDIS_URL: redis.url });
  const job = (tenantId, jobId, status, extra = {}) =>
    JSON.stringify({ tenantId, jobId, status, ...extra });
  const pending = async () => Number((await pub.sendCommand(['XPENDING', 'job_stream', GROUP]))[0]);

  before(async () => {
    redis = await startRedis();
    pub = await redisClient(redis);
    for (let i = 0; i < 2; i++) members.push(await startServer({ config: CONFIG, env: env() }));
    for (const m of members) await ingestReady(m);
  });
  after(async () => {
    for (const f of factories) f.closeAll();
    for (const m of members) await m?.stop();
    await pub?.closeQuietly();
    await redis?.stop();
  });

  it('PUBLISH job_updates reaches room tenant:<tenantId> as JOB_UPDATE, not other tenants', async () => {
    const t1 = await tenantClient(0, 'tenant-1');
    const t2 = await tenantClient(0, 'tenant-2');
    const got1 = collect(t1, 'JOB_UPDATE');
    const got2 = collect(t2, 'JOB_UPDATE');
    const first = waitFor(t1, 'JOB_UPDATE');
    await pub.publish('job_updates', job('tenant-1', 'job-1', 'RUNNING'));
    const [update] = await first;
    assert.deepEqual(update, { jobId: 'job-1', status: 'RUNNING', error: null });
    // a failure carries its error; then a marker for tenant-2, published after
    await pub.publish('job_updates', job('tenant-1', 'job-1', 'FAILED', { error: 'disk full' }));
    await pub.publish('job_updates', job('tenant-2', 'marker', 'COMPLETED'));
    await waitMatch(t2, 'JOB_UPDATE', (d) => d.jobId === 'marker', 'tenant-2 marker');
    await until(() => got1.length === 2, 'the failure on tenant-1');
    assert.deepEqual(got1[1], { jobId: 'job-1', status: 'FAILED', error: 'disk full' });
    assert.deepEqual(got2, [{ jobId: 'marker', status: 'COMPLETED', error: null }]);
  });

  it('the generic form: {room, event, data, except}', async () => {
    const a = await tenantClient(0, 'tenant-1');
    const b = await tenantClient(0, 'tenant-3');
    const gotA = collect(a, 'notice');
    const got = waitFor(b, 'notice');
    await pub.publish('sio_events', JSON.stringify({ rooms: ['tenant:tenant-1', 'tenant:tenant-3'],
      except: 'tenant:tenant-1', event: 'notice', data: { n: 1 } }));
    assert.deepEqual((await got)[0], { n: 1 });
    const marker = waitFor(a, 'notice');
    await pub.publish('sio_events', JSON.stringify({ room: 'tenant:tenant-1', event: 'notice',
      data: ['m'] }));
    await marker;
    assert.deepEqual(gotA, [['m']]);
  });

  it('two instances on one Redis: each delivers a channel message to its own clients, once', async () => {
    const a = await tenantClient(0, 'tenant-4');
    const b = await tenantClient(1, 'tenant-4');
    const gotA = collect(a, 'JOB_UPDATE');
    const gotB = collect(b, 'JOB_UPDATE');
    await pub.publish('job_updates', job('tenant-4', 'j4', 'PENDING'));
    await pub.publish('job_updates', job('tenant-4', 'marker', 'PENDING'));
    for (const got of [gotA, gotB]) {
      await until(() => got.some((d) => d.jobId === 'marker'), 'the marker on both members');
      assert.deepEqual(got.map((d) => d.jobId), ['j4', 'marker']);
    }
  });

  it('a Stream entry reaches the clients of both members once, through the member that took it', async () => {
    const a = await tenantClient(0, 'tenant-5');
    const b = await tenantClient(1, 'tenant-5');
    const gotA = collect(a, 'JOB_UPDATE');
    const gotB = collect(b, 'JOB_UPDATE');
    for (let i = 0; i < 10; i++) {
      await pub.xAdd('job_stream', '*', { data: job('tenant-5', `s${i}`, 'RUNNING') });
    }
    for (const got of [gotA, gotB]) {
      await until(() => got.length >= 10, 'ten entries on both members');
    }
    await until(async () => (await pending()) === 0, 'every entry acknowledged');
    for (const got of [gotA, gotB]) {
      assert.deepEqual(got.map((d) => d.jobId).sort(), [...Array(10).keys()].map((i) => `s${i}`).sort());
    }
  });

  it('a Stream entry added while one instance is stopped is delivered once, by the other', async () => {
    const b = await tenantClient(1, 'tenant-6');
    const gotB = collect(b, 'JOB_UPDATE');
    await members[0].stop();
    members[0] = null;
    await pub.xAdd('job_stream', '*', { data: job('tenant-6', 'while-stopped', 'COMPLETED') });
    await until(() => gotB.length === 1, 'the entry on the running member');
    assert.equal(gotB[0].jobId, 'while-stopped');
    await until(async () => (await pending()) === 0, 'the entry acknowledged');
    // the stopped member comes back: it does not deliver the entry again
    members[0] = await startServer({ config: CONFIG, env: env() });
    await ingestReady(members[0]);
    const a = await tenantClient(0, 'tenant-6');
    const gotA = collect(a, 'JOB_UPDATE');
    await pub.xAdd('job_stream', '*', { data: job('tenant-6', 'after', 'COMPLETED') });
    await until(() => gotA.length >= 1 && gotB.length >= 2, 'the next entry on both');
    assert.deepEqual(gotA.map((d) => d.jobId), ['after']);
    assert.deepEqual(gotB.map((d) => d.jobId), ['while-stopped', 'after']);
  });

  it('an entry a dead consumer left pending is claimed after claimMinIdleMs and delivered once', async () => {
    const a = await tenantClient(0, 'tenant-7');
    const b = await tenantClient(1, 'tenant-7');
    const gotA = collect(a, 'JOB_UPDATE');
    const gotB = collect(b, 'JOB_UPDATE');
    // XADD and the fake consumer's read in one transaction: the members, blocked in
    // XREADGROUP, are served only after it, and find nothing new
    const [, read] = await pub.multi()
      .addCommand(['XADD', 'job_stream', '*', 'data', job('tenant-7', 'orphan', 'RUNNING')])
      .addCommand(['XREADGROUP', 'GROUP', GROUP, 'dead-consumer', 'COUNT', '1',
        'STREAMS', 'job_stream', '>'])
      .exec();
    assert.equal(read.length, 1, 'the fake consumer read the entry');
    assert.equal(await pending(), 1);
    const started = Date.now();
    for (const got of [gotA, gotB]) await until(() => got.length === 1, 'the claimed entry');
    assert.ok(Date.now() - started >= 900, 'claimed only after the min-idle time');
    await until(async () => (await pending()) === 0, 'the claimed entry acknowledged');
    // a later entry proves nothing else was queued behind it
    await pub.xAdd('job_stream', '*', { data: job('tenant-7', 'next', 'RUNNING') });
    for (const got of [gotA, gotB]) {
      await until(() => got.length >= 2, 'the next entry');
      assert.deepEqual(got.map((d) => d.jobId), ['orphan', 'next']);
    }
  });

  it('malformed messages are counted, acknowledged and never fatal', async () => {
    const c = await tenantClient(0, 'tenant-8');
    const got = collect(c, 'JOB_UPDATE');
    const before0 = await errorsTotal(members[0], 'ingest_malformed');
    const before1 = await errorsTotal(members[1], 'ingest_malformed');
    const bad = [
      'not json',
      '[1,2]',
      '{"tenantId":"tenant-8"}', // required fields missing
      '{"tenantId":"","jobId":"j","status":"RUNNING"}', // empty room part
      job({ nested: 1 }, 'j', 'RUNNING'), // a room field that is not a string
      job('x'.repeat(200), 'j', 'RUNNING'), // room longer than maxRoomNameLength
      '{"tenantId":"tenant-8","jobId":"j","status":"RUNNING"', // cut short
      Buffer.from([0xff, 0xfe, 0x7b]),
    ];
    for (const m of bad) await pub.publish('job_updates', m);
    const generic = [
      '{"event":"x","data":1}', // no target
      '{"room":"a","rooms":["b"],"event":"x"}', // two targets
      '{"room":"tenant:tenant-8","event":"connect"}', // reserved event
      '{"room":"tenant:tenant-8","event":""}',
      '{"room":"tenant:tenant-8","event":"x","except":[]}',
    ];
    for (const m of generic) await pub.publish('sio_events', m);
    // stream entries: without the data field, and not JSON
    await pub.xAdd('job_stream', '*', { other: 'x' });
    await pub.xAdd('job_stream', '*', { data: 'nope' });
    await pub.publish('job_updates', job('tenant-8', 'good', 'COMPLETED'));
    await pub.xAdd('job_stream', '*', { data: job('tenant-8', 'good-entry', 'COMPLETED') });
    await until(() => got.length === 2, 'the good message and entry');
    assert.deepEqual(got.map((d) => d.jobId).sort(), ['good', 'good-entry']);
    const n = bad.length + generic.length;
    // every member counts the channel messages; the two bad entries are counted once in all
    await until(async () => {
      const a = (await errorsTotal(members[0], 'ingest_malformed')) - before0;
      const b = (await errorsTotal(members[1], 'ingest_malformed')) - before1;
      return a >= n && b >= n && a + b === 2 * n + 2;
    }, 'the malformed messages counted');
    await until(async () => (await pending()) === 0, 'the bad entries acknowledged');
    assert.match(members[0].stderr(), /ingest: malformed message on channel "job_updates"/);
    for (const m of members) assert.equal(m.proc.exitCode, null, 'still running');
  });
});

describe('sio-server ingest configuration', () => {
  it('ingest without Redis is a configuration error (exit 2)', async () => {
    const proc = spawn(BIN, ['--config', CONFIG, '--port', '1'], {
      env: { ...process.env, REDIS_URL: '' }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    proc.stderr.on('data', (d) => { err += d; });
    const [code] = await onceEvent(proc, 'exit');
    assert.equal(code, 2);
    assert.match(err, /"ingest": needs Redis/);
  });
});

/** A `ws` client of the /ws endpoint whose JSON messages are collected in `got`. */
async function plainClient(server) {
  const ws = new WebSocket(`${server.url.replace('http', 'ws')}/ws`, ['job-updates']);
  ws.got = [];
  ws.on('message', (d) => ws.got.push(JSON.parse(d.toString())));
  await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
  await until(() => ws.got.length === 1, 'the greeting');
  assert.equal(ws.got.shift().type, 'CONNECTED');
  return ws;
}

describe('the job-update service: plain WebSocket and socket.io clients, redis-cli PUBLISH', () => {
  const API_KEY = 'ingest-test-api-key';
  let redis;
  let dir;
  const members = [];
  const sockets = [];
  const make = [];

  /** The fleet-wide member count of a room (the API sums the members through Redis). */
  const roomSize = async (room) => {
    const r = await http(members[0].url, { path: `/api/v1/websocket/rooms/${encodeURIComponent(room)}`,
      headers: { 'x-api-key': API_KEY } });
    return r.json?.data?.memberCount ?? 0;
  };
  const publish = (payload) => {
    const r = spawnSync('redis-cli', ['-p', String(redis.port), 'PUBLISH', 'job_updates', payload],
      { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    return Number(r.stdout.trim());
  };

  before(async () => {
    redis = await startRedis();
    // The example as it is, with REDIS_URL: its ingest maps job_updates to tenant:{tenantId}.
    const file = exampleConfig('job-updates');
    for (let i = 0; i < 2; i++) {
      members.push(await startServer({ config: file,
        env: { REDIS_URL: redis.url, WEBSOCKET_API_KEY: API_KEY, NODE_ENV: 'development' } }));
      await until(() => /ingest: channels connected/.test(members[i].stderr()), 'ingest up');
      make.push(clientFactory(() => members[i].url));
    }
  });
  after(async () => {
    for (const ws of sockets) ws.terminate();
    for (const f of make) f.closeAll();
    for (const m of members) await m.stop();
    await redis?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('a plain ws client and a socket.io-client of the room get the same message, on both instances', async () => {
    const plain = [];
    const sio = [];
    for (let i = 0; i < 2; i++) {
      const ws = await plainClient(members[i]);
      sockets.push(ws);
      ws.send(JSON.stringify({ type: 'SUBSCRIBE', tenantId: 'tenant-1' }));
      plain.push(ws);
      const c = await make[i].connected({ query: { tenantId: 'tenant-1' } });
      sio.push(collect(c, 'JOB_UPDATE'));
    }
    const other = await plainClient(members[1]);
    sockets.push(other);
    other.send(JSON.stringify({ type: 'SUBSCRIBE', tenantId: 'tenant-2' }));
    await until(async () => (await roomSize('tenant:tenant-1')) === 4, 'four clients in tenant-1');
    await until(async () => (await roomSize('tenant:tenant-2')) === 1, 'one client in tenant-2');

    assert.equal(publish(JSON.stringify({ tenantId: 'tenant-1', jobId: 'job-7', status: 'RUNNING' })), 2,
      'both instances subscribed to job_updates');
    const update = { jobId: 'job-7', status: 'RUNNING', error: null };
    for (let i = 0; i < 2; i++) {
      await until(() => plain[i].got.length === 1 && sio[i].length === 1, `the update on instance ${i}`);
      assert.deepEqual(plain[i].got[0], { type: 'JOB_UPDATE', ...update });
      assert.deepEqual(sio[i][0], update);
    }
    publish(JSON.stringify({ tenantId: 'tenant-2', jobId: 'job-8', status: 'FAILED', error: 'oom' }));
    await until(() => other.got.length === 1, 'the tenant-2 update');
    assert.deepEqual(other.got[0], { type: 'JOB_UPDATE', jobId: 'job-8', status: 'FAILED', error: 'oom' });

    // UNSUBSCRIBE on instance 0 stops that client only; a bad message keeps the connection
    plain[0].send(JSON.stringify({ type: 'UNSUBSCRIBE', tenantId: 'tenant-1' }));
    await until(async () => (await roomSize('tenant:tenant-1')) === 3, 'the unsubscribe');
    publish('{"tenantId":"tenant-1"'); // a worker's bad message: counted, nothing sent
    publish(JSON.stringify({ tenantId: 'tenant-1', jobId: 'job-9', status: 'COMPLETED' }));
    await until(() => plain[1].got.length === 2 && sio[0].length === 2 && sio[1].length === 2,
      'the next update');
    assert.equal(plain[0].got.length, 1, 'nothing after UNSUBSCRIBE');
    assert.equal(other.got.length, 1, 'tenant-2 got only its own');
    assert.equal(plain[0].readyState, WebSocket.OPEN);
  });

  it('a browser page\'s new WebSocket gets the PUBLISH as JOB_UPDATE with a socket.io-client of the room',
    { skip: chromiumMissingReason() ?? false }, async () => {
      // The example as it is: the page's origin is http://127.0.0.1:<port>, which the
      // example's "developmentLocalhost" lets in with NODE_ENV=development.
      const stat = await startStaticServer();
      const browser = await launchChromium();
      try {
        const page = await browser.context.newPage();
        watchPage(page);
        await page.goto(`${stat.origin}/`, { waitUntil: 'load' });
        const got = await openPagePlainWs(page, `${members[0].url.replace('http', 'ws')}/ws`,
          'job-updates');
        const pageGot = async (n, what) => {
          await until(async () => (await got()).length >= n, what);
          return got();
        };
        assert.deepEqual((await pageGot(1, 'the greeting'))[0],
          { type: 'CONNECTED', message: 'Connected to job updates' });
        const before = await roomSize('tenant:tenant-web');
        await page.evaluate(() => {
          window.plain.ws.send(JSON.stringify({ type: 'SUBSCRIBE', tenantId: 'tenant-web' }));
        });
        const c = await make[1].connected({ query: { tenantId: 'tenant-web' } });
        const sio = collect(c, 'JOB_UPDATE');
        await until(async () => (await roomSize('tenant:tenant-web')) === before + 2,
          'the page and the socket.io-client in tenant-web');

        publish(JSON.stringify({ tenantId: 'tenant-web', jobId: 'web-1', status: 'PENDING' }));
        const update = { jobId: 'web-1', status: 'PENDING', error: null };
        assert.deepEqual((await pageGot(2, 'the update in the page'))[1], { type: 'JOB_UPDATE', ...update });
        await until(() => sio.length === 1, 'the update at the socket.io-client');
        assert.deepEqual(sio[0], update);

        await page.evaluate(() => {
          window.plain.ws.send('not json');
          window.plain.ws.send('{"type":"SUBSCRIBE"}');
          window.plain.ws.send(JSON.stringify({ type: 'UNSUBSCRIBE', tenantId: 'tenant-web' }));
        });
        assert.deepEqual((await pageGot(4, 'the error replies')).slice(2), [
          { type: 'ERROR', message: 'Failed to parse' },
          { type: 'ERROR', message: 'Invalid message format' },
        ]);
        await until(async () => (await roomSize('tenant:tenant-web')) === before + 1, 'the page\'s unsubscribe');
        publish(JSON.stringify({ tenantId: 'tenant-web', jobId: 'web-2', status: 'COMPLETED' }));
        await until(() => sio.length === 2, 'the second update at the socket.io-client');
        assert.equal((await got()).length, 4, 'nothing reaches the page after UNSUBSCRIBE');
        assert.equal(await page.evaluate(() => window.plain.ws.readyState), 1, 'the page\'s WebSocket stays open');
        c.close();
      } finally {
        await browser.close();
        await stat.close();
      }
    });
});

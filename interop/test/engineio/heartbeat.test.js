// Heartbeat (v4: the server pings) with pingInterval 300 / pingTimeout 200: clients that
// answer stay connected; raw clients that never answer are closed after ~500 ms; ping
// timing is accurate; the open packet carries exactly the configured values.
import { describe, it, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { startEioServer, itShutsDownCleanly } from '../../lib/eio-server.js';
import { connectClient, closeAll, assertEcho } from '../../lib/clients.js';
import { handshake, wsHandshake, startPoll, post, assertSessionGone, splitPayload } from '../../lib/raw.js';
import { delay, TIME_SCALE } from '../../lib/util.js';

const PING_INTERVAL = 300;
const PING_TIMEOUT = 200;
// Window for "closed for not answering": nominally pingInterval + pingTimeout = 500 ms.
const CLOSE_MIN = 400;
const CLOSE_MAX = 1500 * TIME_SCALE;

describe('heartbeat', () => {
  let server;
  const clients = new Set();
  before(async () => {
    server = await startEioServer({ pingInterval: PING_INTERVAL, pingTimeout: PING_TIMEOUT });
  });
  afterEach(() => closeAll(clients));
  after(async () => { closeAll(clients); await server?.stop(); });

  it('the open packet carries exactly the configured pingInterval/pingTimeout/maxPayload', async () => {
    const { open } = await handshake(server);
    assert.strictEqual(open.pingInterval, PING_INTERVAL);
    assert.strictEqual(open.pingTimeout, PING_TIMEOUT);
    assert.strictEqual(open.maxPayload, 1000000);
    const w = await wsHandshake(server);
    w.ws.terminate();
    assert.strictEqual(w.open.pingInterval, PING_INTERVAL);
    assert.strictEqual(w.open.pingTimeout, PING_TIMEOUT);
    assert.strictEqual(w.open.maxPayload, 1000000);
  });

  it('engine.io-clients (polling, websocket, default/upgrade) answer pings and stay connected for 1.6 s', async () => {
    const modes = [
      ['polling', { transports: ['polling'] }],
      ['websocket', { transports: ['websocket'] }],
      ['default (upgrade)', {}],
    ];
    const cs = await Promise.all(modes.map(([, opts]) => connectClient(server, opts, clients)));
    const pings = cs.map(() => 0);
    cs.forEach((c, i) => c.socket.on('ping', () => { pings[i]++; }));
    // The only sleep here measures that nothing bad happens over several ping cycles.
    await delay(1600);
    for (let i = 0; i < cs.length; i++) {
      const [label] = modes[i];
      const c = cs[i];
      assert.equal(c.closes.size, 0, `${label}: client closed: ${JSON.stringify(c.closes.items[0]?.reason)}`);
      assert.equal(c.socket.readyState, 'open', label);
      assert.ok(pings[i] >= 4, `${label}: expected >= 4 pings in 1.6 s at pingInterval ${PING_INTERVAL}, got ${pings[i]}`);
      assert.ok(pings[i] <= 6, `${label}: too many pings: ${pings[i]} in 1.6 s`);
      await assertEcho(c, `still alive ${label}`);
    }
    assert.equal(cs[2].socket.transport.name, 'websocket', 'the default client upgraded');
  });

  it('pings are sent pingInterval after the open packet and after each pong (websocket)', async () => {
    const { ws } = await wsHandshake(server);
    try {
      const t0 = Date.now();
      assert.equal(await ws.next(), '2');
      const first = Date.now() - t0;
      assert.ok(first >= PING_INTERVAL - 20 && first <= PING_INTERVAL + 150 * TIME_SCALE,
        `first ping after ${first} ms, expected ~${PING_INTERVAL}`);
      ws.send('3');
      const t1 = Date.now();
      assert.equal(await ws.next(), '2');
      const second = Date.now() - t1;
      assert.ok(second >= PING_INTERVAL - 20 && second <= PING_INTERVAL + 150 * TIME_SCALE,
        `second ping ${second} ms after the pong, expected ~${PING_INTERVAL}`);
      ws.send('3');
      assert.equal(await ws.next(), '2');
      ws.send('3');
      assert.ok(ws.isOpen);
    } finally {
      ws.terminate();
    }
  });

  it('a raw websocket client that never answers pings is closed after ~pingInterval+pingTimeout', async () => {
    const { ws } = await wsHandshake(server);
    const t0 = Date.now();
    assert.equal(await ws.next(), '2');
    const closed = await ws.waitClose(CLOSE_MAX + 1000);
    const elapsed = closed.at - t0;
    assert.ok(elapsed >= CLOSE_MIN && elapsed <= CLOSE_MAX,
      `server closed the silent websocket after ${elapsed} ms, expected ${CLOSE_MIN}..${CLOSE_MAX}`);
    // nothing but pings (and possibly a close packet) was sent meanwhile
    for (const m of ws.messages.items) assert.ok(m === '2' || m === '1', `unexpected packet ${m}`);
  });

  it('a raw polling client that never answers pings is closed after ~pingInterval+pingTimeout', async () => {
    const { sid } = await handshake(server);
    const t0 = Date.now();
    // Keep a GET parked at all times, like a real client, but never POST a pong.
    const seen = [];
    let closedAt = null;
    while (closedAt === null) {
      const res = await startPoll(server, sid, { timeoutMs: CLOSE_MAX + 2000 }).response;
      if (res.status !== 200) {
        // the session vanished between two GETs
        assert.equal(res.status, 400);
        closedAt = Date.now();
        break;
      }
      const packets = splitPayload(res.body);
      seen.push(...packets);
      if (packets.includes('1')) closedAt = Date.now();
      assert.ok(Date.now() - t0 <= CLOSE_MAX + 1000, `still open after ${Date.now() - t0} ms; got ${seen}`);
    }
    const elapsed = closedAt - t0;
    assert.ok(seen.includes('2'), `a ping was sent first (got ${JSON.stringify(seen)})`);
    assert.ok(elapsed >= CLOSE_MIN && elapsed <= CLOSE_MAX,
      `silent polling session closed after ${elapsed} ms, expected ${CLOSE_MIN}..${CLOSE_MAX}`);
    await assertSessionGone(server, sid);
  });

  it('a pong sent by POST keeps a polling session alive across several intervals', async () => {
    const { sid } = await handshake(server);
    const t0 = Date.now();
    let pings = 0;
    while (Date.now() - t0 < 1300) {
      const res = await startPoll(server, sid).response;
      assert.equal(res.status, 200, `GET failed after ${Date.now() - t0} ms: ${res.body}`);
      const packets = splitPayload(res.body);
      assert.ok(!packets.includes('1'), `session closed after ${Date.now() - t0} ms`);
      for (const p of packets) {
        if (p === '2') {
          pings++;
          const r = await post(server, sid, '3');
          assert.equal(r.status, 200);
        }
      }
    }
    assert.ok(pings >= 3, `expected >= 3 pings in 1.3 s, got ${pings}`);
    const r = await post(server, sid, '4bye');
    assert.equal(r.status, 200);
  });
  itShutsDownCleanly(() => server, () => closeAll(clients));
});

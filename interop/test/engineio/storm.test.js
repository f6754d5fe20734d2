// A reconnect storm against admission control (docs/sio-server.md, "Admission control";
// figures in docs/performance.md, "Admission control under a reconnect storm"): 10,000
// reconnects (polling handshake, CONNECT, close) from four loopback addresses, 200 at a time,
// each refused attempt retried at once, against maxPendingHandshakes 50, while 20
// established clients keep asking for an acknowledgement every 20 ms. Their round trip's p99
// stays bounded, every reconnect completes, and the refusals are counted in /metrics.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { io } from 'socket.io-client';
import { startServer } from '../../lib/sio-server-app.js';

const RECONNECTS = 10000;
const WORKERS = 200;
const ADDRESSES = ['127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.5'];

function configFile(config) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sio-storm-'));
  const file = path.join(dir, 'config.json');
  fs.writeFileSync(file, JSON.stringify(config));
  return file;
}

function req(port, agent, method, query, body) {
  return new Promise((resolve, reject) => {
    const r = http.request({ host: '127.0.0.1', port, method, agent, path: `/socket.io/?${query}`,
      headers: body ? { 'Content-Type': 'text/plain' } : {} }, (res) => {
      let data = '';
      res.on('data', (d) => { data += d; });
      res.on('end', () => resolve({ status: res.statusCode, body: data }));
    });
    r.on('error', reject);
    r.end(body);
  });
}

const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];

describe('admission control under a reconnect storm', () => {
  let server;
  before(async () => {
    server = await startServer({ config: configFile({
      auth: { required: false },
      replies: { ping: 'pong' },
      limits: { connectionsPerMinutePerIp: 0, eventsPerMinute: 0 },
      // STORM_PENDING=0 runs the same storm without the bound, for comparison.
      admission: { maxPendingHandshakes: Number(process.env.STORM_PENDING ?? 50),
        maxConnectionsPerAddress: 1000 },
    }) });
  });
  after(async () => { await server?.stop(); });

  it('10,000 reconnects from four addresses; established clients keep their latency', async () => {
    const port = server.port;
    const established = [];
    for (let i = 0; i < 20; i++) {
      const s = io(`http://127.0.0.1:${port}`, { forceNew: true, reconnection: false,
        transports: ['websocket'] });
      await new Promise((resolve, reject) => { s.on('connect', resolve); s.on('connect_error', reject); });
      established.push(s);
    }
    const rtts = [];
    const quiet = [];
    let storming = false;
    let measuring = true;
    const pinger = (async () => {
      while (measuring) {
        await Promise.all(established.map(async (s) => {
          const t = process.hrtime.bigint();
          await s.timeout(5000).emitWithAck('ping');
          (storming ? rtts : quiet).push(Number(process.hrtime.bigint() - t) / 1e6);
        }));
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    await new Promise((r) => setTimeout(r, 1000)); // the quiet baseline
    storming = true;

    const agents = ADDRESSES.map((a) => new http.Agent({ keepAlive: true, maxSockets: 64, localAddress: a }));
    let done = 0;
    let refused = 0;
    const t0 = Date.now();
    const worker = async (w) => {
      const agent = agents[w % agents.length];
      while (done < RECONNECTS) {
        const hs = await req(port, agent, 'GET', 'EIO=4&transport=polling');
        if (hs.status === 503) { refused++; continue; }
        assert.equal(hs.status, 200, hs.body);
        const sid = JSON.parse(hs.body.slice(1)).sid;
        const q = `EIO=4&transport=polling&sid=${sid}`;
        assert.equal((await req(port, agent, 'POST', q, '40')).status, 200);
        assert.match((await req(port, agent, 'GET', q)).body, /^40\{"sid"/);
        await req(port, agent, 'POST', q, '1');
        done++;
      }
    };
    await Promise.all(Array.from({ length: WORKERS }, (_, w) => worker(w)));
    const elapsed = (Date.now() - t0) / 1000;
    storming = false;
    measuring = false;
    await pinger;
    agents.forEach((a) => a.destroy());
    established.forEach((s) => s.close());

    rtts.sort((a, b) => a - b);
    quiet.sort((a, b) => a - b);
    const metrics = await new Promise((resolve) => {
      http.get({ host: '127.0.0.1', port, path: '/metrics' }, (r) => {
        let d = '';
        r.on('data', (c) => { d += c; });
        r.on('end', () => resolve(d));
      });
    });
    const counted = Number(/sio_engine_handshakes_refused_total\{reason="pending"\} (\d+)/.exec(metrics)[1]);
    console.log(`storm: ${done} reconnects in ${elapsed.toFixed(1)} s (${(done / elapsed).toFixed(0)}/s), ` +
      `${refused} refused (503), counted ${counted}; established clients' ack round trip: ` +
      `quiet p50 ${pct(quiet, 0.5).toFixed(1)} ms p99 ${pct(quiet, 0.99).toFixed(1)} ms; ` +
      `storm p50 ${pct(rtts, 0.5).toFixed(1)} ms p99 ${pct(rtts, 0.99).toFixed(1)} ms ` +
      `max ${rtts[rtts.length - 1].toFixed(1)} ms (${rtts.length} samples)`);
    assert.ok(done >= RECONNECTS);
    assert.equal(counted, refused);
    // Measured 84-166 ms on the shared 2-core machine (docs/performance.md); the bound has room.
    assert.ok(pct(rtts, 0.99) < 500, `p99 ${pct(rtts, 0.99)} ms`);
  });
});

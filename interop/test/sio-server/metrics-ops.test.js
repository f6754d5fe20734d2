// sio-server's operations metrics on GET /metrics (apps/sio-server/srv_metrics_ops.c), with
// default.json and real clients:
//   1. the ack answer histogram counts each client event that asked for an ack (and only
//      those), with cumulative buckets ending at +Inf = count; the HTTP API histogram
//      counts each API call; sio_namespace_sockets follows connections per namespace.
//   2. a slow consumer: a WebSocket client that stops reading while large broadcasts keep
//      coming is cut off once its send queue passes the engine's bound (16 MiB), and
//      sio_slow_consumer_disconnects_total{reason="send_queue_full"} and
//      sio_disconnections_total{reason="send queue full"} say so; a client that reads
//      gets every broadcast and stays connected. sio_send_queue_drops_total{reason=
//      "volatile"} is exposed (sio-server sends no volatile packets: 0).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import {
  clientFactory, exampleConfig, http, startServer, waitFor, TIMEOUT,
} from '../../lib/sio-server-app.js';

const API_KEY = 'metrics-ops-key-0123456789';
const KEY = { 'x-api-key': API_KEY };

/** The value of the sample `line` (a regexp source without the value) in the text. */
function sample(text, line) {
  const m = text.match(new RegExp(`^${line} ([0-9.e+-]+)$`, 'm'));
  assert.ok(m, `no sample ${line} in:\n${text}`);
  return Number(m[1]);
}

const esc = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('sio-server: operations metrics', () => {
  let server;
  const client = clientFactory(() => server.url);
  const scrape = async () => {
    const res = await http(server.url, { path: '/metrics' });
    assert.equal(res.status, 200);
    return res.text;
  };

  before(async () => {
    server = await startServer({
      config: exampleConfig('default'),
      env: { NODE_ENV: '', JWT_ACCESS_SECRET: '', WEBSOCKET_API_KEY: API_KEY },
    });
  });
  after(async () => {
    client.closeAll();
    await server?.stop();
  });

  it('ack answers, API calls and sockets per namespace', async () => {
    const m0 = await scrape();
    const acks0 = sample(m0, 'sio_ack_answer_duration_seconds_count');
    const http0 = sample(m0, 'sio_http_request_duration_seconds_count');
    const ns0 = sample(m0, esc('sio_namespace_sockets{namespace="/"}'));

    const a = await client.connected();
    const b = await client.connected({ transports: ['websocket'] });
    for (const room of ['r1', 'r2', 'r3']) {
      assert.deepEqual(await a.timeout(TIMEOUT).emitWithAck('join', { room }),
        { success: true, room });
    }
    // without an ack: not counted (the pong proves it was handled)
    const pong = waitFor(b, 'pong');
    b.emit('ping');
    await pong;
    for (let i = 0; i < 2; i++) {
      const res = await http(server.url, { path: '/api/v1/websocket/stats', headers: KEY });
      assert.equal(res.status, 200);
    }

    const m1 = await scrape();
    assert.equal(sample(m1, 'sio_ack_answer_duration_seconds_count') - acks0, 3);
    assert.equal(sample(m1, esc('sio_ack_answer_duration_seconds_bucket{le="+Inf"}')),
      sample(m1, 'sio_ack_answer_duration_seconds_count'));
    assert.ok(sample(m1, esc('sio_ack_answer_duration_seconds_bucket{le="5"}')) >=
      sample(m1, esc('sio_ack_answer_duration_seconds_bucket{le="0.0001"}')));
    assert.ok(sample(m1, 'sio_ack_answer_duration_seconds_sum') >= 0);
    assert.equal(sample(m1, 'sio_http_request_duration_seconds_count') - http0, 2);
    assert.equal(sample(m1, esc('sio_namespace_sockets{namespace="/"}')) - ns0, 2);
    assert.match(m1, /^# TYPE sio_ack_answer_duration_seconds histogram$/m);
    assert.match(m1, /^# TYPE sio_namespace_sockets gauge$/m);
    assert.equal(sample(m1, esc('sio_send_queue_drops_total{reason="volatile"}')), 0);

    // the gauge follows b's disconnection (read until it does, within TIMEOUT)
    b.close();
    const deadline = Date.now() + TIMEOUT;
    let n = 2;
    while (n !== 1 && Date.now() < deadline) {
      n = sample(await scrape(), esc('sio_namespace_sockets{namespace="/"}')) - ns0;
    }
    assert.equal(n, 1);
  });

  it('a client that stops reading is cut off, counted by reason', async () => {
    const m0 = await scrape();
    const cut0 = sample(m0, esc('sio_slow_consumer_disconnects_total{reason="send_queue_full"}'));

    // A raw Engine.IO WebSocket client of "/", which then stops reading its socket.
    const ws = new WebSocket(`${server.url.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`);
    const closed = new Promise((resolve) => ws.once('close', resolve));
    await new Promise((resolve, reject) => {
      ws.once('error', reject);
      ws.on('message', (d) => {
        const t = d.toString();
        if (t.startsWith('0')) ws.send('40');
        if (t.startsWith('40')) resolve();
      });
    });
    ws._socket.pause();
    // A client that reads, on the other transport.
    const reader = await client.connected();
    let got = 0;
    reader.on('big', () => { got++; });

    const data = 'x'.repeat(900000);
    let sent = 0;
    let cut = cut0;
    for (; sent < 80 && cut === cut0; sent++) {
      const res = await http(server.url, {
        method: 'POST', path: '/api/v1/websocket/broadcast', headers: KEY,
        body: { event: 'big', data },
      });
      assert.equal(res.status, 200);
      cut = sample(await scrape(), esc('sio_slow_consumer_disconnects_total{reason="send_queue_full"}'));
    }
    assert.equal(cut - cut0, 1, `cut off after ${sent} broadcasts of 900 kB`);
    assert.ok(sent > 16, `not before 16 MiB were queued (${sent} broadcasts)`);
    const m1 = await scrape();
    assert.ok(sample(m1, esc('sio_disconnections_total{reason="send queue full"}')) >= 1);
    ws._socket.resume();
    await closed;
    // the reading client got everything and is still connected
    const last = waitFor(reader, 'pong');
    reader.emit('ping');
    await last;
    assert.equal(got, sent);
    assert.equal(reader.connected, true);
  });
});

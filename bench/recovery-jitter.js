#!/usr/bin/env node
// recovery-jitter.js - make bench's "recovery-jitter" scenario (issue 17): connection state
// recovery under churn. N socket.io-client 4.8 clients join one room (handshake query
// `room`) of a server running with connection state recovery (sio-bench-server --recovery,
// node-server.js --recovery); one more client asks the server to broadcast a numbered
// packet to the room RATE times a second (broadcast(room, {s}), the bench servers' event);
// every second DROP of the connected clients have their transport cut (engine.close(),
// the client side of a network drop) and reconnect by themselves after 100-400 ms. After
// SECONDS the broadcasts stop; once every client is connected again and quiet, each
// client's sequence is checked: every packet 0..sent-1 exactly once, in order. With
// --port2 (a fleet), a client cut from one member comes back on the other.
//
//   node bench/recovery-jitter.js --port P [--port2 P2] [-n 1000] [--drop 0.1]
//        [--seconds 30] [--rate 20] [--timeout S] [--json]
//
// Prints one JSON object (--json) or a summary; exits 0 when every packet was delivered
// once and in order to every client, 1 otherwise.
'use strict';
const path = require('node:path');
const { createRequire } = require('node:module');
const req = createRequire(path.join(__dirname, '..', 'interop', 'package.json'));
const { io } = req('socket.io-client');

const o = { port: 3000, port2: 0, n: 1000, drop: 0.1, seconds: 30, rate: 20, timeout: 120,
  json: false };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const f = argv[i];
  if (f === '--json') { o.json = true; continue; }
  const v = Number(argv[++i]);
  if (!Number.isFinite(v) || v < 0) {
    console.error(`recovery-jitter: bad value for ${f}`);
    process.exit(2);
  }
  switch (f) {
    case '--port': o.port = v; break;
    case '--port2': o.port2 = v; break;
    case '-n': o.n = v; break;
    case '--drop': o.drop = v; break;
    case '--seconds': o.seconds = v; break;
    case '--rate': o.rate = v; break;
    case '--timeout': o.timeout = v; break;
    default: console.error(`recovery-jitter: unknown option ${f}`); process.exit(2);
  }
}

const ROOM = 'jitter';
const url = (port) => `http://127.0.0.1:${port}`;
const delay = (ms) => new Promise((r) => setTimeout(r, ms));
const started = Date.now();
const deadline = started + o.timeout * 1000;

/** One receiver: what it got, in order, and how its reconnections went. */
function receiver(i) {
  const home = o.port2 && i % 2 ? o.port2 : o.port;
  const socket = io(url(home), {
    forceNew: true, transports: ['websocket'], query: { room: ROOM },
    reconnection: true, reconnectionDelay: 100, reconnectionDelayMax: 400,
    randomizationFactor: 0.5,
  });
  const r = { socket, seqs: [], connects: 0, recovered: 0, fresh: 0, drops: 0, last: -1 };
  socket.on('connect', () => {
    r.connects++;
    if (r.connects > 1) {
      if (socket.recovered) r.recovered++;
      else r.fresh++;
    }
  });
  socket.on('broadcast', (data) => {
    r.seqs.push(data.s);
    r.last = data.s;
  });
  return r;
}

async function waitFor(pred, what) {
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(20);
  }
}

async function main() {
  const rs = [];
  for (let i = 0; i < o.n; i++) {
    rs.push(receiver(i));
    if (i % 100 === 99) await waitFor(() => rs.every((r) => r.socket.connected), 'the ramp-up');
  }
  await waitFor(() => rs.every((r) => r.socket.connected), 'the ramp-up');
  const sender = io(url(o.port), { forceNew: true, transports: ['websocket'] });
  await waitFor(() => sender.connected, 'the sender');

  let sent = 0;
  let drops = 0;
  const every = 1000 / o.rate;
  const t0 = Date.now();
  const sendTimer = setInterval(() => {
    // as many as the time says, so a late timer does not lower the rate
    const due = Math.min(Math.floor((Date.now() - t0) / every) + 1, o.rate * o.seconds);
    while (sent < due) sender.emit('broadcast', ROOM, { s: sent++ });
  }, Math.max(1, Math.floor(every / 2)));
  const dropTimer = setInterval(() => {
    const up = rs.filter((r) => r.socket.connected);
    const k = Math.round(up.length * o.drop);
    for (let j = 0; j < k; j++) {
      const pick = up.splice(Math.floor(Math.random() * up.length), 1)[0];
      pick.drops++;
      drops++;
      if (o.port2) {
        // back on the other member of the fleet
        const m = pick.socket.io;
        m.uri = m.uri === url(o.port) ? url(o.port2) : url(o.port);
      }
      pick.socket.io.engine.close();
    }
  }, 1000);
  await waitFor(() => sent >= o.rate * o.seconds, 'the broadcasts');
  clearInterval(sendTimer);
  clearInterval(dropTimer);
  const runS = (Date.now() - t0) / 1000;
  await waitFor(() => rs.every((r) => r.socket.connected), 'every client back');
  await waitFor(() => rs.every((r) => r.last >= sent - 1), 'the last packet everywhere');
  await delay(300); // anything late (a duplicate) arrives now

  let missing = 0;
  let dup = 0;
  let disorder = 0;
  let delivered = 0;
  let perfect = 0;
  for (const r of rs) {
    const seen = new Set();
    let prev = -1;
    let bad = false;
    for (const s of r.seqs) {
      delivered++;
      if (seen.has(s)) { dup++; bad = true; }
      seen.add(s);
      if (s < prev) { disorder++; bad = true; }
      prev = s;
    }
    const miss = sent - seen.size;
    missing += miss;
    if (!bad && miss === 0) perfect++;
  }
  const res = {
    scenario: 'recovery-jitter',
    complete: missing === 0 && dup === 0 && disorder === 0,
    clients: o.n, seconds: o.seconds, rate: o.rate, drop: o.drop, fleet: !!o.port2,
    run_s: runS, sent, expected: sent * o.n, delivered, missing, duplicates: dup,
    out_of_order: disorder, clients_complete: perfect, drops,
    reconnects_recovered: rs.reduce((a, r) => a + r.recovered, 0),
    reconnects_fresh: rs.reduce((a, r) => a + r.fresh, 0),
    delivered_pct: Math.round((10000 * (sent * o.n - missing)) / (sent * o.n)) / 100,
  };
  for (const r of rs) r.socket.disconnect();
  sender.disconnect();
  if (o.json) console.log(JSON.stringify(res));
  else console.log(res);
  process.exit(missing === 0 && dup === 0 && disorder === 0 ? 0 : 1);
}

main().catch((e) => {
  console.error(`recovery-jitter: ${e.message}`);
  process.exit(1);
});

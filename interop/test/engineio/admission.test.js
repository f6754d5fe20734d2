// Admission control (docs/engineio.md, "Admission control"), through sio-server's
// "admission" settings: a bound on handshakes in flight (sessions whose client has sent
// nothing yet, or was refused at CONNECT with no namespace joined) and on sessions per
// client address, with trusted proxies whose X-Forwarded-For names the client. Past a bound
// a polling handshake gets 503 with Retry-After, a WebSocket the same 503 before its 101;
// both are counted in /metrics. Clients bind 127.0.0.x source addresses to be different
// addresses.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer } from '../../lib/sio-server-app.js';

function req(server, { method = 'GET', query = 'EIO=4&transport=polling', body, from = '127.0.0.1',
  headers = {} } = {}) {
  return new Promise((resolve, reject) => {
    const r = http.request({ host: '127.0.0.1', port: server.port, method, localAddress: from,
      path: `/socket.io/?${query}`, headers, agent: false }, (res) => {
      let data = '';
      res.on('data', (d) => { data += d; });
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: data }));
    });
    r.on('error', reject);
    r.end(body);
  });
}

async function open(server, opts = {}) {
  const res = await req(server, opts);
  if (res.status !== 200) return res;
  return { ...res, sid: JSON.parse(res.body.slice(1)).sid };
}

/** A WebSocket handshake without sid: the status line of the answer. */
function upgradeStatus(server, from = '127.0.0.1') {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: '127.0.0.1', port: server.port, localAddress: from });
    let buf = '';
    s.on('data', (d) => {
      buf += d;
      const m = /^HTTP\/1\.\d (\d+)[^]*?\r\n\r\n/.exec(buf);
      if (m) { s.destroy(); resolve({ status: Number(m[1]), head: buf }); }
    });
    s.on('error', reject);
    s.write('GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: x\r\n' +
      'Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n' +
      'Sec-WebSocket-Version: 13\r\n\r\n');
  });
}

async function metrics(server) {
  const res = await new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port: server.port, path: '/metrics' }, (r) => {
      let d = '';
      r.on('data', (c) => { d += c; });
      r.on('end', () => resolve(d));
    }).on('error', reject);
  });
  const get = (name) => Number(new RegExp(`^${name.replace(/[{}"]/g, '\\$&')} (\\d+)$`, 'm').exec(res)?.[1]);
  return {
    pending: get('sio_engine_handshakes_pending'),
    refusedPending: get('sio_engine_handshakes_refused_total{reason="pending"}'),
    refusedAddress: get('sio_engine_handshakes_refused_total{reason="address"}'),
  };
}

function assertRefused(res, message) {
  assert.equal(res.status, 503);
  assert.equal(res.headers['retry-after'], '7');
  assert.deepEqual(JSON.parse(res.body), { code: 6, message });
}

/** A session's Socket.IO CONNECT, by POST; then the GET that takes the answer. */
async function connect(server, sid, nsp = '', from = '127.0.0.1') {
  const q = `EIO=4&transport=polling&sid=${sid}`;
  assert.equal((await req(server, { method: 'POST', query: q, body: nsp ? `40${nsp},` : '40', from })).status, 200);
  return (await req(server, { query: q, from })).body;
}

function configFile(admission) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sio-admission-'));
  const file = path.join(dir, 'config.json');
  fs.writeFileSync(file, JSON.stringify({ auth: { required: false }, admission }));
  return file;
}

describe('admission: handshakes in flight', () => {
  let server;
  before(async () => {
    server = await startServer({ config: configFile({ maxPendingHandshakes: 3,
      maxConnectionsPerAddress: 0, retryAfterSeconds: 7 }) });
  });
  after(async () => { await server?.stop(); });

  it('past the bound: 503 with Retry-After for polling and for a WebSocket, counted', async () => {
    const a = await open(server);
    const b = await open(server);
    const c = await open(server);
    assert.ok(a.sid && b.sid && c.sid);
    assertRefused(await open(server), 'Server busy');
    const ws = await upgradeStatus(server);
    assert.equal(ws.status, 503);
    assert.match(ws.head, /retry-after: 7/i);
    assert.deepEqual(await metrics(server), { pending: 3, refusedPending: 2, refusedAddress: 0 });

    // A client that connects is no longer in flight: a new handshake is admitted.
    assert.match(await connect(server, a.sid), /^40\{"sid"/);
    const d = await open(server);
    assert.ok(d.sid);
    assertRefused(await open(server), 'Server busy');

    // A client refused at CONNECT (an unknown namespace) with no namespace joined is in
    // flight again; its session stays open, as in node.
    assert.match(await connect(server, b.sid, '/nope'), /^44\/nope,/);
    assertRefused(await open(server), 'Server busy'); // b, c, d
    assert.match(await connect(server, c.sid), /^40\{"sid"/);
    assert.equal((await metrics(server)).pending, 2); // b, d
    const e = await open(server);
    assert.ok(e.sid);
    assertRefused(await open(server), 'Server busy');
    // Closing sessions frees their places.
    for (const sid of [b.sid, d.sid]) {
      await req(server, { method: 'POST', query: `EIO=4&transport=polling&sid=${sid}`, body: '1' });
    }
    assert.equal((await metrics(server)).pending, 1); // e
    assert.ok((await open(server)).sid);
  });
});

describe('admission: sessions per address, trusted proxies', () => {
  let server;
  before(async () => {
    server = await startServer({ config: configFile({ maxPendingHandshakes: 0,
      maxConnectionsPerAddress: 2, retryAfterSeconds: 7, trustedProxies: '127.0.0.4, 127.0.0.6/31' }) });
  });
  after(async () => { await server?.stop(); });

  it('an address past its bound is refused; other addresses are not', async () => {
    const first = await open(server, { from: '127.0.0.2' });
    assert.ok(first.sid);
    assert.ok((await open(server, { from: '127.0.0.2' })).sid);
    assertRefused(await open(server, { from: '127.0.0.2' }), 'Too many connections');
    assert.equal((await upgradeStatus(server, '127.0.0.2')).status, 503);
    assert.ok((await open(server, { from: '127.0.0.3' })).sid);
    // A connected session still counts; a closed one does not.
    assert.match(await connect(server, first.sid, '', '127.0.0.2'), /^40/);
    assertRefused(await open(server, { from: '127.0.0.2' }), 'Too many connections');
    await req(server, { method: 'POST', query: `EIO=4&transport=polling&sid=${first.sid}`, body: '1', from: '127.0.0.2' });
    assert.ok((await open(server, { from: '127.0.0.2' })).sid);
    assert.equal((await metrics(server)).refusedAddress, 3);
  });

  it('behind a trusted proxy the X-Forwarded-For client is counted, the proxy never', async () => {
    const viaProxy = (xff, from = '127.0.0.4') => open(server, { from,
      headers: xff ? { 'X-Forwarded-For': xff } : {} });
    // The proxy's own requests (no X-Forwarded-For) are not capped.
    for (let i = 0; i < 4; i++) assert.ok((await viaProxy(null)).sid);
    // A client named by the proxy: the right-most untrusted entry (a forged left part ignored).
    assert.ok((await viaProxy('10.9.9.9, 10.0.0.1')).sid);
    assert.ok((await viaProxy('10.0.0.1')).sid);
    assertRefused(await viaProxy('1.2.3.4, 10.0.0.1'), 'Too many connections');
    // Through two trusted proxies (127.0.0.7 in 127.0.0.6/31 named by 127.0.0.4).
    assertRefused(await viaProxy('10.0.0.1, 127.0.0.7'), 'Too many connections');
    assert.ok((await viaProxy('10.0.0.2')).sid);
    // An untrusted peer's X-Forwarded-For is not believed: it is counted under its own address.
    assert.ok((await viaProxy('10.0.0.3', '127.0.0.5')).sid);
    assert.ok((await viaProxy('10.0.0.4', '127.0.0.5')).sid);
    assertRefused(await viaProxy('10.0.0.5', '127.0.0.5'), 'Too many connections');
  });
});

describe('admission: a trustedProxies entry that does not parse', () => {
  it('stops the server at start, naming the key', async () => {
    await assert.rejects(startServer({ config: configFile({ trustedProxies: '10.0.0.0/33' }) }),
      /admission\.trustedProxies/);
  });
});

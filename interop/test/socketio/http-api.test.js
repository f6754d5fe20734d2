// Plain HTTP requests on the Socket.IO port (a health check, an API) reach the
// application's handler, while Engine.IO keeps its own path: GET /health reports the
// open sessions, POST /echo returns its body (up to 1 MiB, then 413), unknown paths get
// 404, and a keep-alive connection can mix API calls and long-polling.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startSioServer, itShutsDownCleanly } from '../../lib/sio-server.js';
import { connectSioClient, closeAll, ownClients } from '../../lib/sio-clients.js';

function request(server, { method = 'GET', path, headers = {}, body, agent }) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: server.port, method, path, headers, agent },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode, headers: res.headers,
          body: Buffer.concat(chunks).toString('utf8') }));
      });
    req.on('error', reject);
    if (body !== undefined) req.end(body); else req.end();
  });
}

describe('plain HTTP beside Socket.IO', ownClients(), () => {
  let server;
  const clients = new Set();
  before(async () => { server = await startSioServer(); });
  after(async () => { closeAll(clients); await server?.stop(); });

  it('GET /health answers JSON with the number of open sessions', async () => {
    const before = JSON.parse((await request(server, { path: '/health' })).body).sessions;
    await connectSioClient(server, '/', { transports: ['websocket'] }, clients);
    const res = await request(server, { path: '/health?verbose=1' });
    assert.equal(res.status, 200);
    assert.match(res.headers['content-type'], /^application\/json/);
    const body = JSON.parse(res.body);
    assert.equal(body.status, 'ok');
    assert.equal(body.sessions, before + 1);
  });

  it('POST /echo returns the body, and request headers reach the handler', async () => {
    const payload = JSON.stringify({ hello: 'wörld', n: [1, 2, 3] });
    const res = await request(server, { method: 'POST', path: '/echo', body: payload,
      headers: { 'Content-Type': 'application/json', 'X-Echo-Tag': 'json' } });
    assert.equal(res.status, 200);
    assert.match(res.headers['content-type'], /^application\/json/);
    assert.equal(res.body, payload);
    const plain = await request(server, { method: 'POST', path: '/echo', body: 'abc' });
    assert.match(plain.headers['content-type'], /^text\/plain/);
    assert.equal(plain.body, 'abc');
    const big = 'x'.repeat(300000);
    assert.equal((await request(server, { method: 'POST', path: '/echo', body: big })).body, big);
  });

  // Refused by its Content-Length before it is read; the close lingers while the client
  // still sends it, so the answer is not lost to a reset (docs/engineio.md, "Request framing").
  it('a body over 1 MiB gets 413', async () => {
    const res = await request(server, { method: 'POST', path: '/echo', body: 'y'.repeat(1100000) });
    assert.equal(res.status, 413);
  });

  it('unknown paths get 404', async () => {
    assert.equal((await request(server, { path: '/nope' })).status, 404);
    assert.equal((await request(server, { method: 'POST', path: '/health', body: 'x' })).status, 404);
  });

  it('one keep-alive connection mixes API calls and Engine.IO polling', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const h1 = await request(server, { path: '/health', agent });
      const open = await request(server, { path: '/socket.io/?EIO=4&transport=polling', agent });
      assert.equal(open.status, 200);
      assert.equal(open.body[0], '0');
      const h2 = await request(server, { path: '/health', agent });
      assert.equal(h1.status, 200);
      assert.equal(h2.status, 200);
    } finally {
      agent.destroy();
    }
  });

  itShutsDownCleanly(() => server, () => closeAll(clients));
});

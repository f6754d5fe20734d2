// CORS with --cors-origin http://example.test (credentials on): allowed origin gets the
// exact origin + credentials on GET/POST, preflight answers 204 with methods and the
// requested headers, a foreign origin gets no Access-Control-Allow-Origin; without the
// flag CORS stays off.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startEioServer, itShutsDownCleanly } from '../../lib/eio-server.js';
import { request, eioPath, handshake, post } from '../../lib/raw.js';

const ORIGIN = 'http://example.test';

function listHeader(v) {
  return (v || '').split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
}

describe('CORS enabled for one origin', () => {
  let server;
  before(async () => { server = await startEioServer({ cors: ORIGIN }); });
  after(async () => { await server?.stop(); });

  it('polling handshake GET with the allowed Origin gets ACAO = origin and credentials', async () => {
    const res = await request(server, { path: eioPath(), headers: { Origin: ORIGIN } });
    assert.equal(res.status, 200);
    assert.equal(res.headers['access-control-allow-origin'], ORIGIN);
    assert.equal(res.headers['access-control-allow-credentials'], 'true');
  });

  it('session GET and POST with the allowed Origin get the CORS headers too', async () => {
    const { sid } = await handshake(server, {}, { Origin: ORIGIN });
    const p = await post(server, sid, '4cors', { headers: { Origin: ORIGIN, 'Content-Type': 'text/plain;charset=UTF-8' } });
    assert.equal(p.status, 200);
    assert.equal(p.headers['access-control-allow-origin'], ORIGIN);
    assert.equal(p.headers['access-control-allow-credentials'], 'true');
    const g = await request(server, { path: eioPath({ sid }), headers: { Origin: ORIGIN } });
    assert.equal(g.status, 200);
    assert.equal(g.body, '4cors');
    assert.equal(g.headers['access-control-allow-origin'], ORIGIN);
    assert.equal(g.headers['access-control-allow-credentials'], 'true');
  });

  it('OPTIONS preflight answers 204 with GET and POST allowed and the requested headers', async () => {
    const res = await request(server, {
      method: 'OPTIONS',
      path: eioPath(),
      headers: {
        Origin: ORIGIN,
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'content-type, x-custom-header',
      },
    });
    assert.equal(res.status, 204);
    assert.equal(res.headers['access-control-allow-origin'], ORIGIN);
    assert.equal(res.headers['access-control-allow-credentials'], 'true');
    const methods = listHeader(res.headers['access-control-allow-methods']);
    assert.ok(methods.includes('get') && methods.includes('post'), `allow-methods: ${methods}`);
    const allowed = listHeader(res.headers['access-control-allow-headers']);
    assert.ok(allowed.includes('content-type') && allowed.includes('x-custom-header'),
      `allow-headers: ${res.headers['access-control-allow-headers']}`);
  });

  it('a preflight does not create a session', async () => {
    const res = await request(server, {
      method: 'OPTIONS', path: eioPath(),
      headers: { Origin: ORIGIN, 'Access-Control-Request-Method': 'GET' },
    });
    assert.equal(res.status, 204);
    assert.ok(!res.body.startsWith('0{'), 'no open packet in a preflight answer');
  });

  it('a disallowed origin gets no Access-Control-Allow-Origin', async () => {
    const res = await request(server, { path: eioPath(), headers: { Origin: 'http://evil.test' } });
    assert.equal(res.headers['access-control-allow-origin'], undefined);
    const pre = await request(server, {
      method: 'OPTIONS', path: eioPath(),
      headers: { Origin: 'http://evil.test', 'Access-Control-Request-Method': 'POST' },
    });
    assert.equal(pre.headers['access-control-allow-origin'], undefined);
  });

  it('error answers carry CORS headers for the allowed origin', async () => {
    const res = await request(server, { path: eioPath({ transport: 'foo' }), headers: { Origin: ORIGIN } });
    assert.equal(res.status, 400);
    assert.equal(res.headers['access-control-allow-origin'], ORIGIN);
  });
  itShutsDownCleanly(() => server);
});

describe('CORS not configured', () => {
  let server;
  before(async () => { server = await startEioServer({}); });
  after(async () => { await server?.stop(); });

  it('no Access-Control-Allow-Origin is sent, whatever the Origin', async () => {
    const res = await request(server, { path: eioPath(), headers: { Origin: ORIGIN } });
    assert.equal(res.status, 200);
    assert.equal(res.headers['access-control-allow-origin'], undefined);
    assert.equal(res.headers['access-control-allow-credentials'], undefined);
  });
  itShutsDownCleanly(() => server);
});

describe('CORS with origin "*"', () => {
  let server;
  before(async () => { server = await startEioServer({ cors: '*' }); });
  after(async () => { await server?.stop(); });

  it('any origin is allowed and reflected (a literal "*" is invalid with credentials)', async () => {
    for (const origin of [ORIGIN, 'http://other.test:8080']) {
      const res = await request(server, { path: eioPath(), headers: { Origin: origin } });
      assert.equal(res.status, 200);
      assert.equal(res.headers['access-control-allow-origin'], origin);
      assert.equal(res.headers['access-control-allow-credentials'], 'true');
    }
  });
  itShutsDownCleanly(() => server);
});

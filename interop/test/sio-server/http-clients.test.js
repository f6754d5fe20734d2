// sio-server's HTTP API and metrics through the HTTP clients backends call it with
// (lib/http-clients.js: node's fetch, node's http with a keep-alive agent, with and without
// `Connection: close`, node-fetch 2, axios with and without an agent of its own, curl and
// curl --http1.0), each through: health, an authorised broadcast, a body-less POST
// (answered at once with the API's error, never held), a chunked POST, a 405, metrics, and
// 20 sequential requests on the client's own connection handling. The HTTP semantics are
// the net layer's (docs/engineio.md, "HTTP connections" and "Request framing").
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { exampleConfig, startServer } from '../../lib/sio-server-app.js';
import { HTTP_CLIENTS } from '../../lib/http-clients.js';

const SECRET = 'http-clients-test-secret-0123456789abcdef';
const API_KEY = 'http-clients-key-0123456789';
const API = '/api/v1/websocket';
const KEY = { 'X-Api-Key': API_KEY };
const JSON_KEY = { ...KEY, 'Content-Type': 'application/json' };

function json(res, status) {
  assert.equal(res.status, status, res.body);
  return JSON.parse(res.body);
}

describe('sio-server HTTP API through each HTTP client', () => {
  let server;
  before(async () => {
    server = await startServer({ config: exampleConfig('image-hub'),
      env: { JWT_ACCESS_SECRET: SECRET, WEBSOCKET_API_KEY: API_KEY } });
  });
  after(async () => { await server?.stop(); });

  for (const make of HTTP_CLIENTS) {
    const probe = make({ port: 0 });
    describe(probe.name, () => {
      let client;
      const closes = probe.name === 'http-close' || probe.name === 'curl-1.0';
      before(() => { client = make(server); });
      after(() => client?.close());

      it('GET /health', async () => {
        const res = await client.send({ path: `${API}/health` });
        assert.equal(json(res, 200).data.status, 'ok');
        if (closes) assert.equal(res.headers.connection, 'close');
      });

      it('POST /broadcast with a JSON body', async () => {
        const res = await client.send({ method: 'POST', path: `${API}/broadcast`,
          headers: JSON_KEY, body: JSON.stringify({ event: 'hello', data: 1 }) });
        assert.equal(json(res, 200).data.event, 'hello');
      });

      it('a POST without a body is answered at once with the API\'s error', async () => {
        const t0 = Date.now();
        const res = await client.send({ method: 'POST', path: `${API}/broadcast`, headers: KEY });
        // axios labels a body-less POST `Content-Type: application/x-www-form-urlencoded`;
        // every client, axios too, gets the empty body's 400 (checked before the type).
        assert.equal(json(res, 400).error.code, 'BAD_REQUEST');
        assert.ok(Date.now() - t0 < 1000, `answered after ${Date.now() - t0} ms`);
      });

      if (probe.name !== 'curl-1.0') {
        it('a chunked POST /broadcast', async () => {
          const res = await client.send({ method: 'POST', path: `${API}/broadcast`,
            headers: JSON_KEY, body: JSON.stringify({ event: 'chunked' }), chunked: true });
          assert.equal(json(res, 200).data.event, 'chunked');
        });
      }

      it('405 with Allow for a wrong method, GET /metrics', async () => {
        const e = await client.send({ path: `${API}/broadcast`, headers: KEY });
        assert.equal(json(e, 405).error.code, 'METHOD_NOT_ALLOWED');
        assert.equal(e.headers.allow, 'POST'); // RFC 9110 section 15.5.6
        const s = await client.send({ method: 'POST', path: `${API}/stats`, headers: JSON_KEY,
          body: '{"event":"x"}' });
        assert.equal(json(s, 405).error.code, 'METHOD_NOT_ALLOWED');
        assert.equal(s.headers.allow, 'GET, HEAD');
        const m = await client.send({ path: '/metrics' });
        assert.equal(m.status, 200);
        assert.match(m.body, /^# (HELP|TYPE) /m);
      });

      it('20 sequential requests, every one answered', async () => {
        for (let i = 0; i < 10; i++) {
          const s = await client.send({ path: `${API}/stats`, headers: KEY });
          assert.equal(json(s, 200).success, true, `stats ${i}`);
          const b = await client.send({ method: 'POST', path: `${API}/broadcast`,
            headers: JSON_KEY, body: JSON.stringify({ event: `e${i}` }) });
          assert.equal(json(b, 200).data.event, `e${i}`, `broadcast ${i}`);
        }
      });
    });
  }

  it('sio-server shuts down cleanly on SIGTERM (exit 0)', async () => { await server.stop(); });
});

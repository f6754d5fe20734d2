// Hostile catalog: HTTP-level attacks on the shared port (polling transport and the HTTP API).
// The answers (docs/engineio.md "Request framing", "Polling", "CORS", "Origin check";
// docs/sio-server.md "HTTP API", "CORS and the Origin check"): a head past lws's header
// table 431 (414 for the request line alone), a sid made unreadable by length 400 code 1,
// a body past maxPayload 413 (the polling session closed), Content-Length with
// Transfer-Encoding or two different Content-Lengths refused and the connection closed, a
// transfer coding other than chunked 501, a body-less POST answered at once, a second
// concurrent poll 400 (the session closed), CORS headers only for a listed origin, a
// WebSocket from a foreign Origin 403 code 4, a wrong API key 401 (compared in constant
// time; no lockout, so brute force is bounded by the key's entropy, see docs/sio-server.md).
import assert from 'node:assert/strict';
import {
  hostileSuite, rawExchange, statuses, req, pollSession, pollPost, pollGet, expectSessionGone,
  MAX_PAYLOAD, API_KEY, POLL_PATH, WireWs, token, sleep,
} from '../../lib/hostile.js';

const API = '/api/v1/websocket';
const head = (ctx, lines) => `${lines.join('\r\n')}\r\nHost: 127.0.0.1:${ctx.port}\r\nX-Forwarded-For: ${ctx.addr}\r\n\r\n`;

/** Raw request(s) whose answer statuses must be `want`, connection closed when `closed`. */
const raw = (name, build, want, { closed = true, ms } = {}) => ({
  name: `${name}: ${want.join(', ')}${closed ? ', connection closed' : ''}`,
  async run(ctx) {
    const r = await rawExchange(ctx.port, build(ctx), { ms: ms ?? 5000,
      stopWhen: closed ? undefined : (d) => statuses(d.toString('latin1')).length >= want.length });
    assert.deepEqual(statuses(r.text()).slice(0, want.length), want, r.text().slice(0, 300));
    if (closed) assert.ok(r.closed, 'the connection stayed open');
  },
});

const bigHeaders = (n, size) => Array.from({ length: n }, (_, i) => `X-Pad-${i}: ${'a'.repeat(size)}`);
const broadcastBody = JSON.stringify({ event: 'nothing', data: 1 });
const apiPost = (extra, body = broadcastBody) => (ctx) => [head(ctx, [`POST ${API}/broadcast HTTP/1.1`,
  `X-Api-Key: ${API_KEY}`, 'Content-Type: application/json', ...extra]) + body];

// A 100 MB body is refused once maxPayload is passed (with a Content-Length, at the head).
// What the client still sends of it is read and dropped for up to 3 s before the close (a
// lingering close, net/net_response.c): a close with unread input would be a TCP reset,
// which can destroy the 413 in the client's receive buffer.
const pastLimit = (c, limit = MAX_PAYLOAD) => [...Array.from({ length: Math.floor(limit / 100000) },
  () => `${(100000).toString(16)}\r\n${c.repeat(100000)}\r\n`),
`${(limit % 100000 + 100).toString(16)}\r\n${c.repeat(limit % 100000 + 100)}\r\n`];
/** A request the API refuses as too large: 413 with its envelope, the connection closed. */
const apiTooLarge = (name, build) => ({
  name: `${name}: 413 PAYLOAD_TOO_LARGE (the API's envelope), connection closed`,
  async run(ctx) {
    const r = await rawExchange(ctx.port, build(ctx), { ms: 10000 });
    assert.deepEqual(statuses(r.text()), [413], r.text().slice(0, 300));
    assert.match(r.text(), /"success":false,"error":\{"code":"PAYLOAD_TOO_LARGE"/);
    assert.ok(r.closed, 'the connection stayed open');
  },
});
const cases = [
  // oversized heads and URIs
  raw('one 9 KiB header', (ctx) => [head(ctx, [`GET ${API}/health HTTP/1.1`, ...bigHeaders(1, 9000)])], [431]),
  raw('100 headers of 10 bytes', (ctx) => [head(ctx, [`GET ${API}/health HTTP/1.1`, ...bigHeaders(100, 10)])], [431]),
  raw('64 KiB of headers', (ctx) => [head(ctx, [`GET ${API}/health HTTP/1.1`, ...bigHeaders(64, 1000)])], [431]),
  raw('a 9 KiB URI', (ctx) => [head(ctx, [`GET ${API}/health?x=${'a'.repeat(9000)} HTTP/1.1`])], [414]),
  raw('a 100 KiB URI', (ctx) => [head(ctx, [`GET /${'a'.repeat(100000)} HTTP/1.1`])], [414]),
  raw('a polling GET whose sid is pushed out by a long query', (ctx) => [head(ctx,
    [`GET ${POLL_PATH}&sid=${'s'.repeat(20)}&pad=${'p'.repeat(7000)} HTTP/1.1`])], [400], { closed: false }),
  raw('a polling GET with a 64-byte sid', (ctx) => [head(ctx, [`GET ${POLL_PATH}&sid=${'s'.repeat(64)} HTTP/1.1`])],
    [400], { closed: false }),
  // lws 4.1 misreads these (docs/engineio.md, pitfall 20): the head guard answers them
  raw('a header line without a colon', (ctx) => [head(ctx, [`GET ${API}/health HTTP/1.1`, 'NoColonHere'])], [400]),
  raw('a header line without a colon, last', (ctx) => [`GET ${API}/health HTTP/1.1\r\nHost: 127.0.0.1\r\n` +
    `X-Forwarded-For: ${ctx.addr}\r\nNoColonHere\r\n\r\n`], [400]),
  raw('an obsolete line folding', (ctx) => [head(ctx, [`GET ${API}/health HTTP/1.1`, 'X-A: 1', ' 2'])], [400]),
  raw('an empty line before the request line', (ctx) => [`\r\n${head(ctx, [`GET ${API}/health HTTP/1.1`])}`], [400]),
  raw('HTTP/2 preface on the HTTP/1 port', () => ['PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'], [], { ms: 2000 }),
  raw('a NUL byte in the request line', (ctx) => [head(ctx, [`GET ${API}/hea\u0000lth HTTP/1.1`])], [], { ms: 2000 }),
  // request smuggling shapes and framing
  raw('Content-Length with Transfer-Encoding', apiPost(['Content-Length: 5', 'Transfer-Encoding: chunked'],
    '0\r\n\r\n'), [400]),
  raw('two different Content-Lengths', apiPost([`Content-Length: ${broadcastBody.length}`, 'Content-Length: 3']), [400]),
  raw('a Content-Length list "5, 6"', apiPost(['Content-Length: 5, 6']), [400]),
  raw('a negative Content-Length', apiPost(['Content-Length: -1']), [400]),
  raw('Transfer-Encoding gzip', apiPost(['Transfer-Encoding: gzip']), [501]),
  raw('Transfer-Encoding "chunked, chunked"', apiPost(['Transfer-Encoding: chunked, chunked'], '0\r\n\r\n'), [501]),
  raw('a malformed chunk size', apiPost(['Transfer-Encoding: chunked'], 'zz\r\nabc\r\n0\r\n\r\n'), [400]),
  raw('a chunk longer than its size', apiPost(['Transfer-Encoding: chunked'], '2\r\nabcdef\r\n0\r\n\r\n'), [400]),
  raw('equal repeated Content-Lengths (one value)', apiPost([`Content-Length: ${broadcastBody.length}`,
    `Content-Length: ${broadcastBody.length}`]), [200], { closed: false }),
  raw('a smuggled request in a body after CL+TE', apiPost(['Content-Length: 40', 'Transfer-Encoding: chunked'],
    `0\r\n\r\nGET ${API}/stats HTTP/1.1\r\nHost: x\r\n\r\n`), [400]),
  // body-less and huge bodies
  raw('a POST to the API without a body or a length', apiPost([], ''), [400]),
  raw('a POST to the API with Content-Length: 0', apiPost(['Content-Length: 0'], ''), [400], { closed: false }),
  // An API body is read up to maxHttpBufferSize (MAX_PAYLOAD here) and never past it
  // (net/net_app.c, apps/sio-server/srv_api.c): a Content-Length over it is refused at the
  // head (these clients send no body: only the head can be answered), a chunked body as soon
  // as it passes the limit (its last chunk never comes: only the limit can end it).
  apiTooLarge('a 100 MB POST to the API (Content-Length), head only', (ctx) =>
    [apiPost(['Content-Length: 100000000'], '')(ctx)[0]]),
  apiTooLarge('a POST to the API one byte past maxHttpBufferSize (Content-Length), head only', (ctx) =>
    [apiPost([`Content-Length: ${MAX_PAYLOAD + 1}`], '')(ctx)[0]]),
  apiTooLarge('a 100 MB POST to the API (Content-Length), 4 MB of it sent with the head', (ctx) =>
    [apiPost(['Content-Length: 100000000'], '')(ctx)[0], Buffer.alloc(4 * MAX_PAYLOAD, 0x20)]),
  apiTooLarge('a chunked POST to the API past maxHttpBufferSize, never ended', (ctx) =>
    [apiPost(['Transfer-Encoding: chunked'], '')(ctx)[0], ...pastLimit(' ')]),
  raw('a POST to the API of exactly maxHttpBufferSize bytes: read whole (INVALID_JSON, not 413)', (ctx) =>
    [apiPost([`Content-Length: ${MAX_PAYLOAD}`], '')(ctx)[0], Buffer.alloc(MAX_PAYLOAD, 0x20)], [400],
  { closed: false, ms: 10000 }),
  {
    name: 'a 100 MB POST to a polling session (Content-Length): 413, session closed',
    async run(ctx) {
      const sid = await pollSession(ctx);
      const r = await rawExchange(ctx.port, [head(ctx, [`POST ${POLL_PATH}&sid=${sid} HTTP/1.1`,
        'Content-Type: text/plain', 'Content-Length: 100000000']), Buffer.alloc(65536, 0x34)], { ms: 10000 });
      assert.deepEqual(statuses(r.text()), [413]);
      await expectSessionGone(ctx, sid);
    },
  },
  {
    name: 'a 100 MB chunked POST to a polling session: 413, session closed',
    async run(ctx) {
      const sid = await pollSession(ctx);
      const r = await rawExchange(ctx.port, [head(ctx, [`POST ${POLL_PATH}&sid=${sid} HTTP/1.1`,
        'Content-Type: text/plain', 'Transfer-Encoding: chunked']),
      ...pastLimit('4')], { ms: 10000 });
      assert.deepEqual(statuses(r.text()), [413]);
      await expectSessionGone(ctx, sid);
    },
  },
  {
    name: 'a polling POST exactly at maxPayload: ok, session kept',
    async run(ctx) {
      const sid = await pollSession(ctx);
      const pre = '42["nothing","';
      const body = `${pre}${'a'.repeat(MAX_PAYLOAD - pre.length - 2)}"]`;
      assert.equal(Buffer.byteLength(body), MAX_PAYLOAD);
      assert.equal((await pollPost(ctx, sid, body)).status, 200);
      assert.equal((await pollPost(ctx, sid, '42["ping"]')).status, 200);
      assert.match((await pollGet(ctx, sid)).text, /42\["pong"\]/);
    },
  },
  {
    name: 'a polling POST one byte past maxPayload: 413, session closed',
    async run(ctx) {
      const sid = await pollSession(ctx);
      const r = await pollPost(ctx, sid, '4'.repeat(MAX_PAYLOAD + 1));
      assert.equal(r.status, 413);
      await expectSessionGone(ctx, sid);
    },
  },
  {
    name: 'a body-less polling POST: ok at once, session ended (node\'s answer)',
    async run(ctx) {
      const sid = await pollSession(ctx);
      const r = await req(ctx, { method: 'POST', path: `${POLL_PATH}&sid=${sid}`,
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': '0' } });
      assert.equal(r.status, 200);
      await expectSessionGone(ctx, sid);
    },
  },
  // duplicate polls
  {
    name: 'two concurrent polling GETs: the second 400, the session closed',
    async run(ctx) {
      const sid = await pollSession(ctx);
      const first = pollGet(ctx, sid);
      await sleep(100);
      const second = await pollGet(ctx, sid);
      assert.equal(second.status, 400);
      const r1 = await first;
      assert.equal(r1.status, 200);
      await until2(ctx, sid);
    },
  },
  {
    name: 'two concurrent polling POSTs (the first trickling): the second 400, the session closed',
    async run(ctx) {
      const sid = await pollSession(ctx);
      const slow = rawExchange(ctx.port, [head(ctx, [`POST ${POLL_PATH}&sid=${sid} HTTP/1.1`,
        'Content-Type: text/plain', 'Content-Length: 10']), '42', 400, '["x"]'], { ms: 3000 });
      await sleep(150);
      const second = await pollPost(ctx, sid, '3');
      assert.equal(second.status, 400);
      await slow;
      await until2(ctx, sid);
    },
  },
  {
    name: '50 GETs at once on one session: every extra one 400, no crash',
    async run(ctx) {
      const sid = await pollSession(ctx);
      const all = await Promise.allSettled(Array.from({ length: 50 }, () => pollGet(ctx, sid)));
      const st = all.filter((a) => a.status === 'fulfilled').map((a) => a.value.status);
      assert.ok(st.filter((s) => s === 400).length >= 48, `statuses ${st.join(',')}`);
    },
  },
  // pipelined floods
  raw('1,000 pipelined health GETs', (ctx) => [Array.from({ length: 1000 },
    () => `GET ${API}/health HTTP/1.1\r\nHost: x\r\n\r\n`).join('')], Array(1000).fill(200), { closed: false, ms: 15000 }),
  raw('1,000 pipelined handshakes', (ctx) => [Array.from({ length: 1000 },
    () => `GET ${POLL_PATH} HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: ${ctx.addr}\r\n\r\n`).join('')], [200, 200, 200],
  { closed: false, ms: 15000 }),
  raw('200 pipelined unauthenticated broadcasts (the first answer closes the connection: its body is unread)', () => [Array.from({ length: 200 },
    () => `POST ${API}/broadcast HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}`).join('')],
  [401], { ms: 15000 }),
  // slowloris bodies and heads (one connection here; h1's tests hold 2,000)
  raw('a POST trickling its body 1 byte per 100 ms (3 s)', (ctx) => [apiPost([`Content-Length: ${broadcastBody.length}`], '')(ctx)[0],
    ...[...broadcastBody.slice(0, 30)].flatMap((c) => [c, 100]), broadcastBody.slice(30)], [200], { closed: false, ms: 8000 }),
  // (found here: one trickled head stalled every new connection for 2.4 s; fixed in 78b257a)
  raw('a head trickled 1 byte per 50 ms', (ctx) => [...[...`GET ${API}/health HTTP/1.1\r\nHost: x\r\n\r\n`].flatMap((c) => [c, 50])],
    [200], { closed: false, ms: 8000 }),
  {
    name: 'a POST that stops half-way through its body: the connection is dropped cleanly by the client',
    async run(ctx) {
      const r = await rawExchange(ctx.port, [apiPost(['Content-Length: 1000'], '{"event":')(ctx)[0]], { ms: 500 });
      assert.deepEqual(statuses(r.text()), []);
    },
  },
  // CORS
  ...[
    ['https://app.example.com', true],
    ['https://APP.EXAMPLE.COM', true],
    ['https://evil.example.com', false],
    ['https://app.example.com.evil.com', false],
    ['http://app.example.com', false],
    ['null', false],
    ['https://app.example.com:443@evil.com', false],
  ].map(([origin, allowed]) => ({
    name: `polling handshake with Origin ${origin}: CORS headers ${allowed ? 'given' : 'withheld'}`,
    async run(ctx) {
      const r = await req(ctx, { path: POLL_PATH, headers: { Origin: origin } });
      assert.equal(r.status, 200);
      if (allowed) assert.equal(r.headers['access-control-allow-origin']?.toLowerCase(), origin.toLowerCase());
      else assert.equal(r.headers['access-control-allow-origin'], undefined);
    },
  })),
  {
    name: 'preflight from a foreign origin: no CORS grant',
    async run(ctx) {
      const r = await req(ctx, { method: 'OPTIONS', path: POLL_PATH, headers: { Origin: 'https://evil.example.com',
        'Access-Control-Request-Method': 'POST' } });
      assert.equal(r.headers['access-control-allow-origin'], undefined);
    },
  },
  ...[
    ['https://evil.example.com', 403],
    ['null', 403],
    ['https://app.example.com', 101],
  ].map(([origin, status]) => ({
    name: `WebSocket from Origin ${origin}: ${status}`,
    async run(ctx) {
      const ws = new WireWs(ctx.port, { headers: { Origin: origin, 'X-Forwarded-For': ctx.addr } });
      await ws.waitFor(() => ws.head, 5000, 'the answer');
      assert.equal(ws.status, status);
      if (status === 403) assert.match(ws.buf.toString(), /"code":4/);
      ws.destroy();
    },
  })),
  // API key brute force
  {
    name: '300 wrong API keys: each 401, the right key still works (no lockout)',
    async run(ctx) {
      for (let i = 0; i < 300; i++) {
        const r = await req(ctx, { path: `${API}/stats`, headers: { 'X-Api-Key': `${API_KEY.slice(0, i % API_KEY.length)}x` } });
        assert.equal(r.status, 401);
      }
      assert.equal((await req(ctx, { path: `${API}/stats`, headers: { 'X-Api-Key': API_KEY } })).status, 200);
    },
  },
  ...[
    ['the key with one more byte', { 'X-Api-Key': `${API_KEY}a` }],
    ['the key less its last byte', { 'X-Api-Key': API_KEY.slice(0, -1) }],
    ['the key in upper case', { 'X-Api-Key': API_KEY.toUpperCase() }],
    ['a 1 MB key', { 'X-Api-Key': 'k'.repeat(7000) }],
    ['the key as a Basic credential', { Authorization: `Basic ${Buffer.from(`x:${API_KEY}`).toString('base64')}` }],
    ['a user (not admin) token as Bearer', { Authorization: `Bearer ${token()}` }],
  ].map(([n, headers]) => ({
    name: `API with ${n}: refused`,
    async run(ctx) {
      const r = await req(ctx, { path: `${API}/stats`, headers });
      assert.ok(r.status === 401 || r.status === 403 || r.status === 431, `status ${r.status}`);
    },
  })),
  {
    name: 'API key in the query string: not a credential (401)',
    async run(ctx) {
      const r = await req(ctx, { path: `${API}/stats?apiKey=${API_KEY}&api_key=${API_KEY}` });
      assert.equal(r.status, 401);
    },
  },
];

/** After a duplicate poll: the session is closed (its next request gets 400 code 1). */
async function until2(ctx, sid) {
  await expectSessionGone(ctx, sid).catch(async () => {
    const r = await pollPost(ctx, sid, '3');
    assert.equal(r.json?.code, 1, `session still alive: ${r.status} ${r.text}`);
  });
}

hostileSuite('hostile: HTTP', cases);
export const count = cases.length;

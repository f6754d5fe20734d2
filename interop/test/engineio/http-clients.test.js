// HTTP/1.1 connection semantics with the clients users have (lib/http-clients.js: node's
// fetch, node's http with a keep-alive agent, with and without `Connection: close`,
// node-fetch 2, axios with and without an agent of its own, curl and curl --http1.0), each
// through the Engine.IO polling scenarios: the handshake, every error code, POST then GET,
// the client's close, and 20 sequential requests on the client's own connection handling.
// Then raw sockets for what the clients do not show: the server closes a connection after a
// response that says `Connection: close` (RFC 9112 section 9.6), and answers an HTTP/1.0
// request as 1.0 allows (kept alive only when asked: nginx's default proxy_http_version is
// 1.0); request framing (RFC 9112 section 6): chunked bodies in one packet or split
// anywhere, a POST without a body answered at once, and the request-smuggling shapes
// refused.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startEioServer, itShutsDownCleanly } from '../../lib/eio-server.js';
import { eioPath, request, assertErrorResponse, RawWs, rawPieces } from '../../lib/raw.js';
import { HTTP_CLIENTS } from '../../lib/http-clients.js';

const DENY = 'x-eio-deny';
const TEXT = { 'Content-Type': 'text/plain;charset=UTF-8' };

function assertError(res, code, message, status = 400) {
  assert.equal(res.status, status, `status (body ${res.body})`);
  assert.equal(res.body, JSON.stringify({ code, message }));
}

/** The response says how the connection goes on, as its request asked. */
function assertConnectionHeader(client, res) {
  if (client.name === 'http-close' || client.name === 'curl-1.0')
    assert.equal(res.headers.connection, 'close', `${client.name}: Connection header`);
  if (client.name === 'curl-1.0')
    assert.equal(res.version, '1.0', 'an HTTP/1.0 request is answered as 1.0');
}

async function handshake(client) {
  const res = await client.send({ path: eioPath() });
  assert.equal(res.status, 200, `handshake (body ${res.body})`);
  assertConnectionHeader(client, res);
  return JSON.parse(res.body.slice(1)).sid;
}

describe('HTTP clients through the polling scenarios', () => {
  let server;
  before(async () => { server = await startEioServer({ extraArgs: ['--deny-header', DENY] }); });
  after(async () => { await server?.stop(); });

  for (const make of HTTP_CLIENTS) {
    const probe = make({ port: 0 });
    describe(probe.name, () => {
      let client;
      before(() => { client = make(server); });
      after(() => client?.close());

      it('handshake', async () => {
        const res = await client.send({ path: eioPath() });
        assert.equal(res.status, 200);
        assert.match(res.body, /^0\{"sid":"[\w-]{20}"/);
        assertConnectionHeader(client, res);
      });

      it('error answers, codes 0 to 5', async () => {
        const sid = await handshake(client);
        const cases = [
          [{ path: eioPath({ transport: 'foo' }) }, 0, 'Transport unknown'],
          [{ path: eioPath({ sid: 'bad' }) }, 1, 'Session ID unknown'],
          [{ method: 'POST', path: eioPath({ sid: 'bad' }), headers: TEXT, body: '4x' }, 1,
            'Session ID unknown'],
          [{ method: 'PUT', path: eioPath(), headers: TEXT, body: '4x' }, 2, 'Bad handshake method'],
          [{ path: eioPath({ transport: 'websocket' }) }, 3, 'Bad request'],
          [{ path: eioPath({ sid, transport: 'websocket' }) }, 3, 'Bad request'],
          [{ path: eioPath(), headers: { [DENY]: '1' } }, 4, 'Forbidden', 403],
          [{ path: eioPath({ EIO: '3' }) }, 5, 'Unsupported protocol version'],
        ];
        for (const [req, code, message, status] of cases) {
          const res = await client.send(req);
          assertError(res, code, message, status);
          assertConnectionHeader(client, res);
        }
      });

      it('POST a message, GET its echo', async () => {
        const sid = await handshake(client);
        const p = await client.send({ method: 'POST', path: eioPath({ sid }), headers: TEXT,
          body: '4hello\x1e4world' });
        assert.equal(p.status, 200);
        assert.equal(p.body, 'ok');
        assertConnectionHeader(client, p);
        const g = await client.send({ path: eioPath({ sid }) });
        assert.equal(g.status, 200);
        assert.equal(g.body, '4hello\x1e4world');
        assertConnectionHeader(client, g);
      });

      it('a 300 kB message there and back (the answer leaves in several writes)', async () => {
        const sid = await handshake(client);
        const big = `4${'x'.repeat(300000)}`;
        const p = await client.send({ method: 'POST', path: eioPath({ sid }), headers: TEXT,
          body: big });
        assert.equal(p.body, 'ok');
        const g = await client.send({ path: eioPath({ sid }) });
        assert.equal(g.body.length, big.length);
        assert.equal(g.body, big);
        assertConnectionHeader(client, g);
      });

      if (probe.name !== 'curl-1.0') {
        it('a chunked POST (Transfer-Encoding: chunked) is read and answered', async () => {
          const sid = await handshake(client);
          const p = await client.send({ method: 'POST', path: eioPath({ sid }), headers: TEXT,
            body: '4chunked\x1e4body', chunked: true });
          assert.equal(p.status, 200, p.body);
          assert.equal(p.body, 'ok');
          const g = await client.send({ path: eioPath({ sid }) });
          assert.equal(g.body, '4chunked\x1e4body');
        });
      }

      it('a POST without a body: "ok" at once, as node answers it; the session ends', async () => {
        // axios labels it `Content-Type: application/x-www-form-urlencoded` with
        // `Content-Length: 0`; curl -X POST sends neither; node's engine.io reads the empty
        // body, answers "ok" and closes the session on the empty payload ("parse error").
        const sid = await handshake(client);
        const t0 = Date.now();
        const p = await client.send({ method: 'POST', path: eioPath({ sid }) });
        assert.ok(Date.now() - t0 < 1000, `answered after ${Date.now() - t0} ms`);
        assert.equal(p.status, 200, p.body);
        assert.equal(p.body, 'ok');
        assertConnectionHeader(client, p);
        const g = await client.send({ path: eioPath({ sid }) });
        assertError(g, 1, 'Session ID unknown');
      });

      it('close: the client\'s "1" ends the session', async () => {
        const sid = await handshake(client);
        const p = await client.send({ method: 'POST', path: eioPath({ sid }), headers: TEXT,
          body: '1' });
        assert.equal(p.body, 'ok');
        const g = await client.send({ path: eioPath({ sid }) });
        assertError(g, 1, 'Session ID unknown');
      });

      it('20 sequential polling requests, every one answered', async () => {
        const sid = await handshake(client);
        for (let i = 0; i < 10; i++) {
          const p = await client.send({ method: 'POST', path: eioPath({ sid }), headers: TEXT,
            body: `4m${i}` });
          assert.equal(p.body, 'ok', `POST ${i}`);
          const g = await client.send({ path: eioPath({ sid }) });
          assert.equal(g.body, `4m${i}`, `GET ${i}`);
        }
      });
    });
  }

  itShutsDownCleanly(() => server);
});

/**
 * Send `text` on a fresh connection; collect what comes back until the server closes the
 * connection (closed: true) or `untilCount` complete responses came and `waitClose` is false.
 */
function rawExchange(port, text, opts) {
  return rawPieces(port, [text], opts);
}


const get = (path, version = '1.1', extra = '') =>
  `GET ${path} HTTP/${version}\r\nHost: 127.0.0.1\r\n${extra}\r\n`;

describe('Connection: close and HTTP/1.0 on raw sockets', () => {
  let server;
  before(async () => { server = await startEioServer(); });
  after(async () => { await server?.stop(); });

  it('HTTP/1.1 with Connection: close: the handshake says close, then the server closes', async () => {
    const r = await rawExchange(server.port, get(eioPath(), '1.1', 'Connection: close\r\n'));
    assert.equal(r.responses.length, 1);
    assert.match(r.responses[0].body, /^0\{"sid"/);
    assert.equal(r.responses[0].headers.connection, 'close');
    assert.ok(r.closed);
  });

  it('HTTP/1.1 with Connection: close on an error answer and on a POST', async () => {
    const e = await rawExchange(server.port,
      get(eioPath({ transport: 'foo' }), '1.1', 'Connection: close\r\n'));
    assert.equal(e.responses[0].status, 400);
    assert.equal(e.responses[0].headers.connection, 'close');
    const hs = await rawExchange(server.port, get(eioPath()), { waitClose: false });
    const sid = JSON.parse(hs.responses[0].body.slice(1)).sid;
    const p = await rawExchange(server.port, `POST ${eioPath({ sid })} HTTP/1.1\r\n` +
      'Host: 127.0.0.1\r\nConnection: close\r\nContent-Length: 6\r\n\r\n4hello');
    assert.equal(p.responses[0].body, 'ok');
    assert.equal(p.responses[0].headers.connection, 'close');
  });

  it('a Connection header listing close among other tokens closes too', async () => {
    const r = await rawExchange(server.port, get(eioPath(), '1.1', 'Connection: TE, close\r\n'));
    assert.equal(r.responses[0].headers.connection, 'close');
  });

  it('close among other tokens on an answer too big for one write: sent whole, then closed', async () => {
    const hs = await rawExchange(server.port, get(eioPath()), { waitClose: false });
    const sid = JSON.parse(hs.responses[0].body.slice(1)).sid;
    // 3.2 MB queued (four POSTs under maxHttpBufferSize): more than the kernel takes at once
    const part = `4${'x'.repeat(800000)}`;
    const post = `POST ${eioPath({ sid })} HTTP/1.1\r\nHost: 127.0.0.1\r\n` +
      `Content-Length: ${part.length}\r\n\r\n${part}`;
    for (const conn of ['keep-alive, close', 'Upgrade, CLOSE']) {
      for (let i = 0; i < 4; i++) {
        const p = await rawExchange(server.port, post, { waitClose: false });
        assert.equal(p.responses[0].body, 'ok');
      }
      const r = await rawExchange(server.port, get(eioPath({ sid }), '1.1', `Connection: ${conn}\r\n`));
      assert.equal(r.responses.length, 1, conn);
      assert.equal(r.responses[0].body, Array(4).fill(part).join('\x1e'), `${conn}: the whole payload`);
      assert.equal(r.responses[0].headers.connection, 'close', conn);
      assert.ok(r.closed, `${conn}: the server closes the connection`);
    }
  });

  it('HTTP/1.1 without Connection: close stays open for the next request', async () => {
    const r = await rawExchange(server.port, get(eioPath()) + get(eioPath()),
      { untilCount: 2, waitClose: false });
    assert.equal(r.responses.length, 2);
    assert.equal(r.responses[0].headers.connection, undefined);
  });

  it('HTTP/1.0 without Connection: answered as 1.0 with Connection: close, then closed', async () => {
    const r = await rawExchange(server.port, get(eioPath(), '1.0'));
    assert.match(r.responses[0].statusLine, /^HTTP\/1\.0 200/);
    assert.equal(r.responses[0].headers.connection, 'close');
    assert.ok(r.closed);
  });

  it('HTTP/1.0 with Connection: keep-alive: says keep-alive and serves the next request', async () => {
    const ka = 'Connection: keep-alive\r\n';
    const r = await rawExchange(server.port, get(eioPath(), '1.0', ka) + get(eioPath(), '1.0', ka),
      { untilCount: 2, waitClose: false });
    assert.equal(r.responses.length, 2);
    for (const res of r.responses) {
      assert.match(res.statusLine, /^HTTP\/1\.0 200/);
      assert.equal(res.headers.connection, 'keep-alive');
    }
  });

  itShutsDownCleanly(() => server);
});

describe('Request framing on raw sockets (RFC 9112 section 6)', () => {
  let server;
  before(async () => { server = await startEioServer(); });
  after(async () => { await server?.stop(); });

  const sidOf = async () => {
    const hs = await rawExchange(server.port, get(eioPath()), { waitClose: false });
    return JSON.parse(hs.responses[0].body.slice(1)).sid;
  };
  const postHead = (sid, headers) =>
    `POST ${eioPath({ sid })} HTTP/1.1\r\nHost: 127.0.0.1\r\n${headers}\r\n`;
  const echoOf = async (sid) =>
    (await rawExchange(server.port, get(eioPath({ sid })), { waitClose: false })).responses[0].body;
  const CHUNKED = 'Transfer-Encoding: chunked\r\n';
  const chunkedBody = '5\r\n4hell\r\n3;name=value\r\no\x1e4\r\n5\r\nworld\r\n0\r\nX-Trailer: 1\r\n\r\n';

  it('a chunked POST in one packet: "ok", then the packets are delivered', async () => {
    const sid = await sidOf();
    const r = await rawExchange(server.port, postHead(sid, CHUNKED) + chunkedBody);
    assert.equal(r.responses.length, 1);
    assert.equal(r.responses[0].body, 'ok');
    assert.equal(await echoOf(sid), '4hello\x1e4world');
  });

  it('a chunked POST split anywhere (sizes, CRLFs, data, one byte at a time)', async () => {
    const sid = await sidOf();
    const head = postHead(sid, CHUNKED);
    const pieces = [head.slice(0, 30), head.slice(30) + chunkedBody.slice(0, 1),
      ...chunkedBody.slice(1).split('')];
    const r = await rawPieces(server.port, pieces);
    assert.equal(r.responses[0].body, 'ok');
    assert.equal(await echoOf(sid), '4hello\x1e4world');
  });

  it('a malformed chunked body: 400 and the connection closed', async () => {
    const sid = await sidOf();
    for (const bad of ['5\r\n4hello\r\n0\r\n\r\n', 'zz\r\n4hi\r\n0\r\n\r\n', '2\n4h\r\n0\r\n\r\n']) {
      const r = await rawExchange(server.port, postHead(sid, CHUNKED) + bad);
      assert.equal(r.responses.length, 1, JSON.stringify(bad));
      assert.equal(r.responses[0].status, 400, JSON.stringify(bad));
      assert.ok(r.closed);
    }
  });

  it('a POST without Content-Length or a body is answered at once, as an empty body', async () => {
    const sid = await sidOf();
    const t0 = Date.now();
    const r = await rawExchange(server.port, postHead(sid, ''));
    // Answered "ok" at once, as node's engine.io does; the empty payload is a parse error
    // that closes the session.
    assert.equal(r.responses[0].status, 200);
    assert.equal(r.responses[0].body, 'ok');
    assert.ok(Date.now() - t0 < 1000, `answered after ${Date.now() - t0} ms`);
    const e = await rawExchange(server.port, postHead('AAAAAAAAAAAAAAAAAAAA', ''));
    assert.equal(e.responses[0].body, JSON.stringify({ code: 1, message: 'Session ID unknown' }));
  });

  it('Content-Length with Transfer-Encoding: 400, closed, the rest never served as a request', async () => {
    const sid = await sidOf();
    const smuggled = get(eioPath());
    const r = await rawExchange(server.port,
      postHead(sid, `Content-Length: 5\r\n${CHUNKED}`) + `0\r\n\r\n${smuggled}`);
    assert.equal(r.responses.length, 1);
    assert.equal(r.responses[0].status, 400);
    assert.equal(r.responses[0].headers.connection, 'close');
    assert.ok(r.closed);
  });

  it('two different Content-Length headers: 400 and closed; two equal ones are one', async () => {
    const sid = await sidOf();
    const r = await rawExchange(server.port,
      postHead(sid, 'Content-Length: 6\r\nContent-Length: 2\r\n') + '4hello' + get(eioPath()));
    assert.equal(r.responses.length, 1);
    assert.equal(r.responses[0].status, 400);
    assert.ok(r.closed);
    const ok = await rawExchange(server.port,
      postHead(sid, 'Content-Length: 6\r\nContent-Length: 6\r\n') + '4hello', { waitClose: false });
    assert.equal(ok.responses[0].body, 'ok');
  });

  it('a transfer coding other than chunked: 501 and closed', async () => {
    const sid = await sidOf();
    const r = await rawExchange(server.port,
      postHead(sid, 'Transfer-Encoding: gzip, chunked\r\n') + '0\r\n\r\n');
    assert.equal(r.responses[0].status, 501);
    assert.ok(r.closed);
  });

  it('a POST answered before its body came closes the connection (the body is never a request)', async () => {
    // Only the head is sent: the answer (unknown sid) cannot wait for the body.
    const r = await rawExchange(server.port, postHead('AAAAAAAAAAAAAAAAAAAA', 'Content-Length: 200\r\n'));
    assert.equal(r.responses.length, 1);
    assert.equal(r.responses[0].status, 400);
    assert.equal(r.responses[0].headers.connection, 'close');
    assert.ok(r.closed);
  });

  itShutsDownCleanly(() => server);
});

describe('Over-long query values are never a new handshake', () => {
  let server;
  before(async () => { server = await startEioServer(); });
  after(async () => { await server?.stop(); });

  it('a polling GET or POST whose sid is too long for any session: 400 code 1', async () => {
    for (const n of [64, 600, 3000]) {
      const sid = 'a'.repeat(n);
      const g = await request(server, { path: eioPath({ sid }) });
      assertErrorResponse(g, 400, 1, 'Session ID unknown');
      const p = await request(server, { method: 'POST', path: eioPath({ sid }), body: '4x' });
      assertErrorResponse(p, 400, 1, 'Session ID unknown');
    }
  });

  it('a long argument before the sid does not hide it', async () => {
    const g = await request(server, { path: `${eioPath({ x: 'b'.repeat(3000) })}&sid=bad` });
    assertErrorResponse(g, 400, 1, 'Session ID unknown');
  });

  it('a WebSocket whose sid is too long is refused, not opened as a new session', async () => {
    const ws = new RawWs(server, { sid: 'a'.repeat(600) });
    await assert.rejects(ws.open(), (e) => e.statusCode === 400);
  });

  itShutsDownCleanly(() => server);
});

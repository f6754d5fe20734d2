// HTTP/1.1 pipelining on one keep-alive connection: several requests sent in one write.
// RFC 9112 section 9.3.2 lets a client pipeline; the server must answer them in order, or
// answer the first and close the connection. Either way it must not hang, and must go on
// serving everyone else: each case ends by asserting that a fresh client still gets a
// handshake at once. Covers Engine.IO polling POST/GET in every order, a POST behind a
// parked GET, a request behind an error answer whose body was never read, and the
// application's plain HTTP handler (sio-echo's POST /echo).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startSioServer } from '../../lib/sio-server.js';
import { withTimeout, EVENT_TIMEOUT, TIME_SCALE } from '../../lib/util.js';
import { parseResponses } from '../../lib/raw.js';

const PATH = '/socket.io/';
const q = (sid) => `${PATH}?EIO=4&transport=polling${sid ? `&sid=${sid}` : ''}`;

/** One raw request's bytes. */
function reqText(method, path, body = null) {
  const len = body === null ? '' : `Content-Length: ${Buffer.byteLength(body)}\r\n`;
  const ct = body === null ? '' : 'Content-Type: text/plain;charset=UTF-8\r\n';
  return `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${ct}${len}\r\n${body ?? ''}`;
}


/**
 * Send `requests` in one write on a fresh connection; resolve when `count` responses came
 * or the server closed the connection: { responses, closed }. Rejects when neither happens.
 */
function pipeline(port, requests, count = requests.length) {
  return withTimeout(new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1');
    let buf = Buffer.alloc(0);
    const done = (closed) => { sock.destroy(); resolve({ responses: parseResponses(buf), closed }); };
    sock.on('connect', () => sock.write(requests.join('')));
    sock.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      if (parseResponses(buf).length >= count) done(false);
    });
    sock.on('end', () => done(true));
    sock.on('error', (e) => (e.code === 'ECONNRESET' ? done(true) : reject(e)));
  }), EVENT_TIMEOUT, 'pipelined responses or a close');
}

/**
 * Every response that came must be the expected one in order; if some are missing, the
 * server must have closed the connection after answering at least the first.
 */
function assertInOrderOrClosed({ responses, closed }, expected) {
  assert.ok(responses.length >= 1, 'the first pipelined request is answered');
  if (responses.length < expected.length)
    assert.ok(closed, `only ${responses.length} of ${expected.length} answered, and the connection stayed open`);
  responses.forEach((r, i) => expected[i](r, i));
}

const okAnswer = (r, i) => {
  assert.equal(r.status, 200, `response ${i}: ${r.status} ${r.body}`);
  assert.equal(r.body, 'ok', `response ${i}`);
};

async function handshakeSid(port) {
  const { responses } = await pipeline(port, [reqText('GET', q())], 1);
  assert.equal(responses[0].status, 200);
  return JSON.parse(responses[0].body.slice(1)).sid;
}

/** A fresh client still gets a handshake, quickly: the server is not stuck. */
async function assertServerServes(port) {
  const t0 = Date.now();
  const { responses } = await withTimeout(pipeline(port, [reqText('GET', q())], 1),
    1000 * TIME_SCALE, 'a fresh handshake after the pipelined requests');
  assert.equal(responses[0].status, 200);
  assert.match(responses[0].body, /^0\{"sid":"/);
  assert.ok(Date.now() - t0 < 1000 * TIME_SCALE);
}

/** A connected session (Socket.IO CONNECT sent, its answer read): its sid. */
async function connectedSid(port) {
  const sid = await handshakeSid(port);
  const p = await pipeline(port, [reqText('POST', q(sid), '40')], 1);
  okAnswer(p.responses[0], 0);
  const g = await pipeline(port, [reqText('GET', q(sid))], 1);
  assert.match(g.responses[0].body, /^40\{"sid":"/);
  return sid;
}

/**
 * One case on its own server (a server stuck by one case must not fail the others): run
 * it, check that a fresh client is still served, then a clean SIGTERM exit (under
 * VALGRIND=1 also no memory errors or leaks).
 */
function pipelineCase(name, fn) {
  it(name, async () => {
    const server = await startSioServer({ pingInterval: 300 * TIME_SCALE });
    try {
      await fn(server);
      } catch (e) {
      await server.kill('SIGKILL');
      throw e;
    }
    await server.stop();
  });
}

describe('HTTP pipelining on one keep-alive connection', () => {

  pipelineCase('two handshake GETs: both answered in order', async (server) => {
    const r = await pipeline(server.port, [reqText('GET', q()), reqText('GET', q())]);
    const hs = (x, i) => assert.match(x.body, /^0\{"sid":"/, `response ${i}`);
    assertInOrderOrClosed(r, [hs, hs]);
  });

  pipelineCase('two polling POSTs: "ok", then "ok" or a close; the session keeps working', async (server) => {
    const sid = await connectedSid(server.port);
    const r = await pipeline(server.port,
      [reqText('POST', q(sid), '6'), reqText('POST', q(sid), '6')]);
    assertInOrderOrClosed(r, [okAnswer, okAnswer]);
    // The session was not broken by it: a ping-free round trip still works.
    const p = await pipeline(server.port, [reqText('POST', q(sid), '6')], 1);
    okAnswer(p.responses[0], 0);
  });

  pipelineCase('three polling POSTs carrying messages: each message delivered once, in order', async (server) => {
    const sid = await connectedSid(server.port);
    const msg = (n) => `42["message","m${n}"]`;
    const back = (n) => `42["message-back","m${n}"]`;
    const r = await pipeline(server.port,
      [1, 2, 3].map((n) => reqText('POST', q(sid), msg(n))));
    assertInOrderOrClosed(r, [okAnswer, okAnswer, okAnswer]);
    // What was answered "ok" must have been delivered: read the echoes back.
    const got = [];
    while (got.length < r.responses.length) {
      const g = await pipeline(server.port, [reqText('GET', q(sid))], 1);
      assert.equal(g.responses[0].status, 200);
      for (const pkt of g.responses[0].body.split('\x1e'))
        if (pkt.startsWith('42')) got.push(pkt);
    }
    assert.deepEqual(got, [1, 2, 3].slice(0, r.responses.length).map(back));
  });

  pipelineCase('a polling POST then a GET', async (server) => {
    const sid = await handshakeSid(server.port);
    const r = await pipeline(server.port, [reqText('POST', q(sid), '40'), reqText('GET', q(sid))]);
    assertInOrderOrClosed(r, [okAnswer, (x) => assert.match(x.body, /^40\{"sid":"/)]);
  });

  pipelineCase('a polling GET answered at once, then a POST', async (server) => {
    const sid = await handshakeSid(server.port);
    const p = await pipeline(server.port, [reqText('POST', q(sid), '40')], 1);
    okAnswer(p.responses[0], 0);
    const r = await pipeline(server.port, [reqText('GET', q(sid)), reqText('POST', q(sid), '6')]);
    assertInOrderOrClosed(r, [(x) => assert.match(x.body, /^40\{"sid":"/), okAnswer]);
  });

  pipelineCase('a POST pipelined behind a parked GET (answered by the next ping)', async (server) => {
    const sid = await connectedSid(server.port);
    const r = await pipeline(server.port, [reqText('GET', q(sid)), reqText('POST', q(sid), '3')]);
    assertInOrderOrClosed(r, [(x) => assert.equal(x.body, '2'), okAnswer]);
  });

  pipelineCase('an error answer to a POST whose body was not read, then a handshake', async (server) => {
    const r = await pipeline(server.port,
      [reqText('POST', q('AAAAAAAAAAAAAAAAAAAA'), '4hello'), reqText('GET', q())]);
    assertInOrderOrClosed(r, [
      (x) => assert.equal(x.body, JSON.stringify({ code: 1, message: 'Session ID unknown' })),
      (x) => assert.match(x.body, /^0\{"sid":"/),
    ]);
  });

  pipelineCase('an error answer to a GET, then a polling POST', async (server) => {
    const sid = await connectedSid(server.port);
    const r = await pipeline(server.port,
      [reqText('GET', `${PATH}?EIO=4&transport=bogus`), reqText('POST', q(sid), '6')]);
    assertInOrderOrClosed(r, [(x) => assert.equal(x.status, 400), okAnswer]);
  });

  pipelineCase('application HTTP: two POST /echo', async (server) => {
    const r = await pipeline(server.port,
      [reqText('POST', '/echo', 'first'), reqText('POST', '/echo', 'second')]);
    assertInOrderOrClosed(r, [
      (x) => assert.equal(x.body, 'first'), (x) => assert.equal(x.body, 'second'),
    ]);
  });

  pipelineCase('application HTTP: POST /echo, then GET /health, then a handshake', async (server) => {
    const r = await pipeline(server.port,
      [reqText('POST', '/echo', 'x'), reqText('GET', '/health'), reqText('GET', q())]);
    assertInOrderOrClosed(r, [
      (x) => assert.equal(x.body, 'x'),
      (x) => assert.match(x.body, /"status":"ok"/),
      (x) => assert.match(x.body, /^0\{"sid":"/),
    ]);
  });

  pipelineCase('application HTTP: a 404 POST with a body, then POST /echo', async (server) => {
    const r = await pipeline(server.port,
      [reqText('POST', '/nope', 'zzz'), reqText('POST', '/echo', 'y')]);
    assertInOrderOrClosed(r, [(x) => assert.equal(x.status, 404), (x) => assert.equal(x.body, 'y')]);
  });
});

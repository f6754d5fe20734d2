// Raw Engine.IO v4 access without engine.io-client: HTTP long-polling requests over the
// node http module (one connection per request, so a request can be parked or aborted on
// its own) and raw WebSocket connections over `ws`.
import http from 'node:http';
import net from 'node:net';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { Queue, withTimeout, EVENT_TIMEOUT, TIME_SCALE } from './util.js';

export const RS = '\x1e';
export const EIO_PATH = '/engine.io/';

/** Build `/engine.io/?EIO=4&transport=polling&...`; a null value drops the key. */
export function eioPath(query = {}) {
  const q = { EIO: '4', transport: 'polling', ...query };
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== null && v !== undefined) params.append(k, String(v));
  const s = params.toString();
  return s ? `${EIO_PATH}?${s}` : EIO_PATH;
}

/**
 * Start one HTTP request. Returns { req, response } where `response` resolves to
 * { status, headers, body } (body as a UTF-8 string) and rejects on a socket error or after
 * timeoutMs. `body` may be a string/Buffer (sent whole) or null; set `endBody: false` to
 * leave the request body open (write more with req.write/req.end).
 */
export function startRequest(server, { method = 'GET', path = eioPath(), headers = {}, body = null,
  endBody = true, timeoutMs = EVENT_TIMEOUT } = {}) {
  const req = http.request({
    host: '127.0.0.1', port: server.port, method, path, headers, agent: false,
  });
  const response = new Promise((resolve, reject) => {
    req.on('response', (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({
        status: res.statusCode,
        headers: res.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      }));
      res.on('error', reject);
      res.on('aborted', () => reject(new Error('response aborted')));
    });
    req.on('error', reject);
  });
  if (body !== null && body !== undefined) {
    if (endBody) req.end(body);
    else req.write(body);
  } else if (endBody) {
    req.end();
  }
  const timed = withTimeout(response, timeoutMs, `${method} ${path} response`);
  timed.catch(() => req.destroy());
  return { req, response: timed };
}

/** One request, awaited. See startRequest. */
export function request(server, opts) {
  return startRequest(server, opts).response;
}

/** GET with a sid (long-poll). Returns { req, response } so the caller may park or abort it. */
export function startPoll(server, sid, opts = {}) {
  return startRequest(server, { path: eioPath({ sid }), ...opts });
}

/**
 * Start a GET that is parked on the server when this resolves: wait until the request is
 * fully written, then complete one unrelated round trip (an invalid handshake). The server
 * has read the GET by the time it answers a request that reached it later.
 */
export async function parkPoll(server, sid, opts = {}) {
  const p = startPoll(server, sid, opts);
  await withTimeout(new Promise((resolve, reject) => {
    p.req.once('finish', resolve);
    p.req.once('error', reject);
  }), EVENT_TIMEOUT, 'parked GET to be written');
  await syncRoundTrip(server);
  return p;
}

/** One harmless request/answer (400 for an unknown transport) used as a barrier. */
export async function syncRoundTrip(server) {
  const res = await request(server, { path: eioPath({ transport: 'sync-barrier' }) });
  assert.equal(res.status, 400);
}

export function poll(server, sid, opts = {}) {
  return startPoll(server, sid, opts).response;
}

/** POST a payload (string) to a session. */
export function post(server, sid, body, opts = {}) {
  return request(server, {
    method: 'POST',
    path: eioPath({ sid }),
    headers: { 'Content-Type': 'text/plain;charset=UTF-8' },
    body,
    ...opts,
  });
}

/** Decode a v4 polling payload into packet strings. */
export function splitPayload(body) {
  return body.split(RS);
}

/** Parse `0{...}` into the handshake object, asserting the packet type. */
export function parseOpenPacket(text) {
  assert.equal(typeof text, 'string', 'open packet must be text');
  assert.equal(text[0], '0', `expected an open packet, got ${JSON.stringify(text.slice(0, 40))}`);
  return JSON.parse(text.slice(1));
}

/** Polling handshake; asserts 200 and returns { sid, open, res }. */
export async function handshake(server, query = {}, headers = {}) {
  const res = await request(server, { path: eioPath(query), headers });
  assert.equal(res.status, 200, `handshake status (body ${res.body})`);
  const open = parseOpenPacket(res.body);
  return { sid: open.sid, open, res };
}

/** Assert an Engine.IO JSON error response. */
export function assertErrorResponse(res, status, code, message) {
  assert.equal(res.status, status, `status (body ${JSON.stringify(res.body)})`);
  const ct = res.headers['content-type'] || '';
  assert.equal(ct.split(';')[0].trim().toLowerCase(), 'application/json', `Content-Type was "${ct}"`);
  assert.equal(res.body, JSON.stringify({ code, message }));
}

/** Assert the polling `sid` is unknown to the server right now (400 code 1 on GET). */
export async function assertSessionGone(server, sid) {
  const res = await poll(server, sid);
  assertErrorResponse(res, 400, 1, 'Session ID unknown');
}

/**
 * Wait until the server forgets `sid`: probe with POSTs of a harmless message (a GET would
 * park on a live session) back to back, each awaiting the previous answer, until one gets
 * 400 code 1 or the deadline passes. Then confirm with a GET: 400 code 1. Returns the elapsed ms.
 */
export async function waitSessionGone(server, sid, withinMs = 1000 * TIME_SCALE) {
  const t0 = Date.now();
  for (;;) {
    const res = await post(server, sid, '4probe-alive');
    if (res.status === 400 && res.body === JSON.stringify({ code: 1, message: 'Session ID unknown' })) break;
    // 200: alive on polling; 400 code 3: alive on websocket (polling refused)
    assert.ok(res.status === 200 || (res.status === 400 && res.body.includes('"code":3')),
      `probe POST status ${res.status} (body ${res.body})`);
    if (Date.now() - t0 > withinMs) {
      assert.fail(`session ${sid} still alive ${Date.now() - t0} ms later`);
    }
  }
  const elapsed = Date.now() - t0;
  await assertSessionGone(server, sid);
  return elapsed;
}

/** A raw ws connection with a message queue. Text frames arrive as strings, binary as Buffers. */
export class RawWs {
  constructor(server, query = {}, wsOpts = {}) {
    const path = eioPath({ transport: 'websocket', ...query });
    this.url = `ws://127.0.0.1:${server.port}${path}`;
    this.ws = new WebSocket(this.url, { perMessageDeflate: false, ...wsOpts });
    this.messages = new Queue('ws messages');
    this.ws.on('message', (data, isBinary) => {
      this.messages.push(isBinary ? Buffer.from(data) : data.toString('utf8'));
    });
    this.ws.on('error', () => {}); // surfaced through opened/closed
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', resolve);
      this.ws.once('unexpected-response', (req, res) => {
        const err = new Error(`websocket refused with HTTP ${res.statusCode}`);
        err.statusCode = res.statusCode;
        res.resume();
        reject(err);
      });
      this.ws.once('error', reject);
      this.ws.once('close', () => reject(new Error('websocket closed before open')));
    });
    this.opened.catch(() => {});
    this.closed = new Promise((resolve) => {
      this.ws.once('close', (code, reason) => resolve({ code, reason: reason.toString(), at: Date.now() }));
    });
  }

  open(ms = EVENT_TIMEOUT) {
    return withTimeout(this.opened, ms, 'websocket open');
  }

  next(ms) {
    return this.messages.next(ms);
  }

  send(data) {
    this.ws.send(data);
  }

  waitClose(ms = EVENT_TIMEOUT) {
    return withTimeout(this.closed, ms, 'websocket close');
  }

  get isOpen() {
    return this.ws.readyState === WebSocket.OPEN;
  }

  terminate() {
    this.ws.terminate();
  }
}

/** Open a websocket-only session; returns { ws, open } after reading the open packet. */
export async function wsHandshake(server, query = {}) {
  const ws = new RawWs(server, query);
  await ws.open();
  const first = await ws.next();
  const open = parseOpenPacket(first);
  return { ws, open, sid: open.sid };
}

/**
 * Upgrade a polling session to websocket by hand: open ws with sid, 2probe -> 3probe, the
 * parked GET is answered with 6, then send 5. Returns { ws, parkedBody }.
 */
export async function upgradeByHand(server, sid) {
  const parked = await parkPoll(server, sid);
  const ws = new RawWs(server, { sid });
  await ws.open();
  ws.send('2probe');
  assert.equal(await ws.next(), '3probe');
  const res = await parked.response;
  assert.equal(res.status, 200);
  ws.send('5');
  return { ws, parkedBody: res.body };
}

/** The complete HTTP responses (Content-Length framed) in the bytes `buf` read from a raw
 * socket: [{ statusLine, status, headers (lower-case names), body }]. */
export function parseResponses(buf) {
  const out = [];
  let rest = buf;
  for (;;) {
    const end = rest.indexOf('\r\n\r\n');
    if (end < 0) break;
    const lines = rest.subarray(0, end).toString('latin1').split('\r\n');
    const headers = {};
    for (const l of lines.slice(1)) {
      const i = l.indexOf(':');
      headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
    }
    const cl = Number(headers['content-length'] ?? 0);
    if (rest.length < end + 4 + cl) break;
    out.push({ statusLine: lines[0], status: Number(lines[0].split(' ')[1]), headers,
      body: rest.subarray(end + 4, end + 4 + cl).toString('utf8') });
    rest = rest.subarray(end + 4 + cl);
  }
  return out;
}

/** Send pieces with a loop turn of the client between them (or, with `oneByOne`, each piece
 * once the answers to those before it came: requests in turn on one connection); collect what
 * comes back until the server closes the connection or `untilCount` responses came and
 * `waitClose` is false. */
export function rawPieces(port, pieces, { untilCount = 1, waitClose = true, oneByOne = false } = {}) {
  return withTimeout(new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1');
    sock.setNoDelay(true);
    let buf = Buffer.alloc(0);
    let next = 0;
    const done = (closed) => { sock.destroy(); resolve({ responses: parseResponses(buf), closed }); };
    const writeFrom = (i) => {
      if (i >= pieces.length || sock.destroyed) return;
      next = i + 1;
      // the next piece once the previous one left (its own segment, mostly)
      sock.write(pieces[i], () => { if (!oneByOne) setImmediate(() => writeFrom(i + 1)); });
    };
    sock.on('connect', () => writeFrom(0));
    sock.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      const answered = parseResponses(buf).length;
      if (oneByOne && answered >= next) writeFrom(next);
      if (!waitClose && answered >= untilCount) done(false);
    });
    sock.on('end', () => done(true));
    sock.on('error', (e) => (e.code === 'ECONNRESET' ? done(true) : reject(e)));
  }), EVENT_TIMEOUT, waitClose ? 'the server to close the connection' : 'the responses');
}

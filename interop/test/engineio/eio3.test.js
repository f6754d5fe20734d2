// Engine.IO v3 (EIO=3) on the raw wire, against eio-echo --allow-eio3 (node: allowEIO3):
// the text payload framing with UTF-16 lengths, binary as "b4<base64>" when the client
// asked for b64=1, the binary payload form (application/octet-stream) both ways otherwise,
// the reversed heartbeat ("2" answered "3") on polling and WebSocket, binary WebSocket
// frames with the type byte 4, the upgrade, and the v3 noop ("1:6") that releases a
// parked GET during it.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { startEioServer, itShutsDownCleanly } from '../../lib/eio-server.js';
import { Queue, withTimeout, EVENT_TIMEOUT } from '../../lib/util.js';

describe('Engine.IO v3 (--allow-eio3)', () => {
  let server;
  const url = (q) => `${server.url}/engine.io/?EIO=3&${q}`;

  before(async () => { server = await startEioServer({ extraArgs: ['--allow-eio3'] }); });
  after(async () => { await server?.stop(); });

  async function handshake(extra = '') {
    const body = await (await fetch(url(`transport=polling${extra}`))).text();
    const m = /^(\d+):0(\{.*\})$/s.exec(body);
    assert.ok(m, body);
    assert.equal(Number(m[1]), m[2].length + 1);
    return JSON.parse(m[2]);
  }
  const post = (sid, body, type = 'text/plain;charset=UTF-8', extra = '') =>
    fetch(url(`transport=polling&sid=${sid}${extra}`), { method: 'POST', body,
      headers: { 'content-type': type } });
  const get = (sid, extra = '') => fetch(url(`transport=polling&sid=${sid}${extra}`));

  it('the open packet has the v4 keys; text echoes with UTF-16 lengths; "2" gets "3"', async () => {
    const info = await handshake();
    assert.deepEqual(Object.keys(info), ['sid', 'upgrades', 'pingInterval', 'pingTimeout', 'maxPayload']);
    const msg = '4h\u00e9llo \u{1F600}'; // 9 UTF-16 units, 12 bytes
    assert.equal(await (await post(info.sid, `${msg.length}:${msg}1:2`)).text(), 'ok');
    const res = await get(info.sid);
    assert.match(res.headers.get('content-type'), /^text\/plain/);
    assert.equal(await res.text(), `9:${msg}1:3`);
  });

  it('binary with b64=1: "b4<base64>" records both ways', async () => {
    const info = await handshake('&b64=1');
    assert.equal(await (await post(info.sid, '6:b4AQID', undefined, '&b64=1')).text(), 'ok');
    assert.equal(await (await get(info.sid, '&b64=1')).text(), '6:b4AQID');
  });

  it('binary without b64: the binary payload form both ways', async () => {
    const info = await handshake();
    const body = Buffer.from([0, 3, 0xff, 0x34, 0x68, 0x69, 1, 4, 0xff, 4, 1, 2, 0xff]);
    assert.equal(await (await post(info.sid, body, 'application/octet-stream')).text(), 'ok');
    const res = await get(info.sid);
    assert.equal(res.headers.get('content-type'), 'application/octet-stream');
    assert.deepEqual([...Buffer.from(await res.arrayBuffer())], [...body]);
  });

  it('a malformed v3 payload closes the session', async () => {
    const info = await handshake();
    const res = await post(info.sid, '5:4ab');
    // The POST itself is answered "ok", as node answers it; the session is gone.
    assert.equal(res.status, 200);
    assert.equal((await get(info.sid)).status, 400); // the session is gone
  });

  // JSONP polling (j=<index>), as socket.io-client 2.x sends it where XHR is missing: every
  // GET answer is `___eio[<index>]("<payload>");`, a POST is a form body `d=<payload>` with
  // the client's newline escapes (engine.io-client 3.x polling-jsonp.js: backslash-n first
  // becomes backslash-newline, then every newline backslash-n).
  const JSONP_Q = 'transport=polling&j=0a5&b64=1';
  const jsonpCall = /^___eio\[05\]\("(.*)"\);$/s;
  async function jsonpGet(q) {
    const res = await fetch(url(q));
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/plain; charset=UTF-8');
    const text = await res.text();
    const m = jsonpCall.exec(text);
    assert.ok(m, text);
    return { raw: m[1], payload: JSON.parse(`"${m[1]}"`) };
  }
  const clientEscape = (payload) => payload.replace(/\\n/g, '\\\n').replace(/\n/g, '\\n');
  const jsonpPost = (sid, form) => fetch(url(`${JSONP_Q}&sid=${sid}`), { method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form });

  it('JSONP polling: the handshake, a form POST with newlines, the echo as a script call', async () => {
    const open = await jsonpGet(JSONP_Q);
    const m = /^(\d+):0(\{.*\})$/s.exec(open.payload);
    assert.ok(m, open.payload);
    const { sid } = JSON.parse(m[2]);
    const msg = '4line one\nline two \\n literal \u2028 "quoted" \u00e9';
    const payload = `${msg.length}:${msg}`;
    const post = await jsonpPost(sid, `d=${encodeURIComponent(clientEscape(payload))}`);
    assert.equal(post.status, 200);
    assert.equal(await post.text(), 'ok');
    const echo = await jsonpGet(`${JSONP_Q}&sid=${sid}`);
    assert.equal(echo.payload, payload);
    // JSON is not JavaScript: U+2028 goes escaped in a script.
    assert.ok(echo.raw.includes('\\u2028') && !echo.raw.includes('\u2028'), echo.raw);
  });

  it('JSONP polling: binary as base64 records; a form without d is no payload', async () => {
    const open = await jsonpGet(JSONP_Q);
    const { sid } = JSON.parse(open.payload.slice(open.payload.indexOf(':') + 2));
    assert.equal(await (await jsonpPost(sid, 'x=1')).text(), 'ok');
    assert.equal(await (await jsonpPost(sid, `d=${encodeURIComponent('6:b4AQID1:2')}`)).text(), 'ok');
    assert.equal((await jsonpGet(`${JSONP_Q}&sid=${sid}`)).payload, '6:b4AQID1:3');
  });

  function openWs(q) {
    const ws = new WebSocket(url(q).replace(/^http/, 'ws'));
    const frames = new Queue('frames');
    ws.on('message', (d, isBinary) => frames.push(isBinary ? [...d] : d.toString()));
    const opened = withTimeout(new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    }), EVENT_TIMEOUT, 'ws open');
    return { ws, frames, opened };
  }

  it('WebSocket: "2" gets "3", binary frames carry the type byte 4', async () => {
    const { ws, frames, opened } = openWs('transport=websocket');
    await opened;
    assert.match(await frames.next(EVENT_TIMEOUT), /^0\{/);
    ws.send('2');
    assert.equal(await frames.next(EVENT_TIMEOUT), '3');
    ws.send(Buffer.from([4, 9, 8]));
    assert.deepEqual(await frames.next(EVENT_TIMEOUT), [4, 9, 8]);
    ws.send('4text');
    assert.equal(await frames.next(EVENT_TIMEOUT), '4text');
    ws.close();
  });

  it('upgrade: a parked GET is released with "1:6", then the WebSocket carries on', async () => {
    const info = await handshake();
    const parked = get(info.sid);
    const { ws, frames, opened } = openWs(`transport=websocket&sid=${info.sid}`);
    await opened;
    ws.send('2probe');
    assert.equal(await frames.next(EVENT_TIMEOUT), '3probe');
    assert.equal(await (await parked).text(), '1:6');
    ws.send('5');
    ws.send('4after');
    assert.equal(await frames.next(EVENT_TIMEOUT), '4after');
    ws.close();
  });

  itShutsDownCleanly(() => server);
});

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
    // The POST itself: 400 here (as for v4 payloads), "ok" in node.
    assert.ok([200, 400].includes(res.status), String(res.status));
    assert.equal((await get(info.sid)).status, 400); // the session is gone
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

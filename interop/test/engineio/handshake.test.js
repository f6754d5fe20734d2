// Raw handshake: the polling open packet (status, Content-Type, exact keys and values,
// sid format) and the websocket-only open packet (first frame, upgrades []).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startEioServer, itShutsDownCleanly } from '../../lib/eio-server.js';
import { request, eioPath, parseOpenPacket, wsHandshake, poll, post, RawWs } from '../../lib/raw.js';

const CONFIG = { pingInterval: 300, pingTimeout: 200, maxPayload: 123456 };
const SID_RE = /^[A-Za-z0-9_-]{20}$/;

function normalizeCt(ct) {
  return (ct || '').replace(/\s+/g, '').toLowerCase();
}

describe('handshake', () => {
  let server;
  before(async () => { server = await startEioServer(CONFIG); });
  after(async () => { await server?.stop(); });

  it('polling GET returns 200 text/plain; charset=UTF-8 with exactly the five open keys', async () => {
    const res = await request(server, { path: eioPath() });
    assert.equal(res.status, 200);
    assert.equal(normalizeCt(res.headers['content-type']), 'text/plain;charset=utf-8');
    assert.equal(res.body[0], '0');
    assert.ok(!res.body.includes('\x1e'), 'the handshake answer is the open packet alone');
    const open = parseOpenPacket(res.body);
    assert.deepEqual(Object.keys(open).sort(),
      ['maxPayload', 'pingInterval', 'pingTimeout', 'sid', 'upgrades']);
    assert.match(open.sid, SID_RE);
    assert.deepEqual(open.upgrades, ['websocket']);
    assert.strictEqual(open.pingInterval, CONFIG.pingInterval);
    assert.strictEqual(open.pingTimeout, CONFIG.pingTimeout);
    assert.strictEqual(open.maxPayload, CONFIG.maxPayload);
  });

  it('polling responses forbid caching', async () => {
    const res = await request(server, { path: eioPath() });
    assert.equal(res.status, 200);
    assert.match(res.headers['cache-control'] || '', /no-store|no-cache/);
  });

  it('every handshake gets a fresh sid', async () => {
    const sids = new Set();
    for (let i = 0; i < 50; i++) {
      const res = await request(server, { path: eioPath() });
      const { sid } = parseOpenPacket(res.body);
      assert.match(sid, SID_RE);
      sids.add(sid);
    }
    assert.equal(sids.size, 50);
  });

  it('ignores unknown query parameters (cache buster t, others)', async () => {
    const res = await request(server, { path: eioPath({ t: 'PzX1a2b', foo: 'bar', b64: '1' }) });
    assert.equal(res.status, 200);
    const { sid } = parseOpenPacket(res.body);
    assert.match(sid, SID_RE);
    // the session works: a message posted with extra params comes back on a GET
    const p = await post(server, sid, '4hi', { path: eioPath({ sid, t: 'x1' }) });
    assert.equal(p.status, 200);
    assert.equal(p.body, 'ok');
    const g = await poll(server, sid, { path: eioPath({ sid, t: 'x2' }) });
    assert.equal(g.body, '4hi');
  });

  it('websocket without sid: the first frame is the open packet with upgrades []', async () => {
    const { ws, open } = await wsHandshake(server);
    try {
      assert.deepEqual(Object.keys(open).sort(),
        ['maxPayload', 'pingInterval', 'pingTimeout', 'sid', 'upgrades']);
      assert.match(open.sid, SID_RE);
      assert.deepEqual(open.upgrades, []);
      assert.strictEqual(open.pingInterval, CONFIG.pingInterval);
      assert.strictEqual(open.pingTimeout, CONFIG.pingTimeout);
      assert.strictEqual(open.maxPayload, CONFIG.maxPayload);
      // echo over the raw socket: text frame "4..." and a binary frame of raw bytes
      ws.send('4héllo 🎉');
      assert.equal(await ws.next(), '4héllo 🎉');
      ws.send(Buffer.from([0, 1, 2, 255]));
      const bin = await ws.next();
      assert.ok(Buffer.isBuffer(bin), 'binary comes back as a binary frame');
      assert.deepEqual([...bin], [0, 1, 2, 255]);
    } finally {
      ws.terminate();
    }
  });

  it('websocket sessions get distinct sids from each other', async () => {
    const a = await wsHandshake(server);
    const b = await wsHandshake(server);
    try {
      assert.notEqual(a.sid, b.sid);
    } finally {
      a.ws.terminate();
      b.ws.terminate();
    }
  });

  it('a websocket handshake with an unknown sid is refused or closed without an open packet', async () => {
    const ws = new RawWs(server, { sid: 'AAAAAAAAAAAAAAAAAAAA' });
    let opened = false;
    try {
      await ws.open();
      opened = true;
    } catch (e) {
      if (e.statusCode !== undefined) assert.equal(e.statusCode, 400);
    }
    if (opened) {
      await ws.waitClose(1000);
      assert.equal(ws.messages.size, 0, 'no packet may be sent on a refused socket');
    }
  });
  itShutsDownCleanly(() => server);
});

// maxPayload (10000 bytes here): a websocket message over the limit closes the connection
// with 1009; a polling POST body over the limit gets HTTP 413. Messages up to the limit
// pass, and other clients are unaffected.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startEioServer, IS_NODE_REFERENCE, itShutsDownCleanly } from '../../lib/eio-server.js';
import { connectClient, assertEcho } from '../../lib/clients.js';
import {
  handshake, wsHandshake, post, poll, waitSessionGone, request, eioPath,
} from '../../lib/raw.js';

const MAX = 10000;

describe('maxPayload', () => {
  let server;
  let bystander;
  before(async () => {
    server = await startEioServer({ maxPayload: MAX });
    bystander = await connectClient(server, { transports: ['websocket'] });
  });
  after(async () => {
    bystander?.socket.close();
    await server?.stop();
  });

  it('the open packet advertises maxPayload', async () => {
    const { open } = await handshake(server);
    assert.strictEqual(open.maxPayload, MAX);
  });

  it('websocket: a text frame of exactly maxPayload bytes is accepted', async () => {
    const { ws } = await wsHandshake(server);
    try {
      const msg = '4' + 'a'.repeat(MAX - 1);
      ws.send(msg);
      assert.equal(await ws.next(), msg);
    } finally {
      ws.terminate();
    }
  });

  for (const kind of ['text', 'binary']) {
    it(`websocket: a ${kind} message over maxPayload closes the connection with 1009`, async () => {
      const { ws, sid } = await wsHandshake(server);
      const big = kind === 'text' ? '4' + 'a'.repeat(MAX + 100) : Buffer.alloc(MAX + 100, 7);
      ws.send(big);
      const { code } = await ws.waitClose();
      assert.equal(code, 1009);
      // no echo of the oversized message
      for (const m of ws.messages.items) assert.ok(typeof m === 'string' && m.length < 10, `unexpected ${String(m).slice(0, 20)}`);
      await waitSessionGone(server, sid);
      await assertEcho(bystander, `bystander after ${kind} 1009`);
    });
  }

  it('polling: a POST body of maxPayload bytes is accepted', async () => {
    const { sid } = await handshake(server);
    const body = '4' + 'b'.repeat(MAX - 1);
    const r = await post(server, sid, body);
    assert.equal(r.status, 200);
    assert.equal(r.body, 'ok');
    const g = await poll(server, sid);
    assert.equal(g.body, body);
  });

  it('polling: a POST body over maxPayload gets HTTP 413', async () => {
    const { sid } = await handshake(server);
    const r = await post(server, sid, '4' + 'c'.repeat(MAX + 100));
    assert.equal(r.status, 413);
    if (IS_NODE_REFERENCE) {
      // Known node deviation: engine.io answers 413 but keeps the session open. Assert
      // that documented behaviour so the reference run still checks something real.
      const r2 = await post(server, sid, '4after');
      assert.equal(r2.status, 200);
    } else {
      // checklist: "A body over maxHttpBufferSize: 413 and the session closes"
      await waitSessionGone(server, sid);
    }
    await assertEcho(bystander, 'bystander after 413');
  });

  it('polling: a large POST body (1 MB) over maxPayload gets 413 without hanging', async () => {
    const { sid } = await handshake(server);
    let res;
    try {
      res = await request(server, {
        method: 'POST', path: eioPath({ sid }), body: '4' + 'd'.repeat(1 << 20),
        headers: { 'Content-Type': 'text/plain;charset=UTF-8' },
      });
    } catch (e) {
      // The server may answer 413 and close while the body is still being sent; the
      // client then sees a reset instead of the answer. That still is a refusal.
      assert.match(e.code || e.message, /ECONNRESET|EPIPE|socket hang up/);
      res = null;
    }
    if (res) assert.equal(res.status, 413);
    await assertEcho(bystander, 'bystander after 1 MB POST');
  });
  itShutsDownCleanly(() => server, () => bystander?.socket.close());
});

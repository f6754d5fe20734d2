// Raw HTTP error answers: status, Content-Type application/json and the exact body
// {"code":N,"message":"..."} for codes 0..5 (code 4 via the --deny-header hook).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startEioServer, itShutsDownCleanly } from '../../lib/eio-server.js';
import {
  request, eioPath, handshake, assertErrorResponse, upgradeByHand, RawWs, post,
} from '../../lib/raw.js';

const DENY = 'x-eio-deny';

describe('HTTP error responses', () => {
  let server;
  before(async () => { server = await startEioServer({ extraArgs: ['--deny-header', DENY] }); });
  after(async () => { await server?.stop(); });

  it('code 0 "Transport unknown" for transport=foo', async () => {
    const res = await request(server, { path: eioPath({ transport: 'foo' }) });
    assertErrorResponse(res, 400, 0, 'Transport unknown');
  });

  it('code 0 "Transport unknown" when transport is missing', async () => {
    const res = await request(server, { path: eioPath({ transport: null }) });
    assertErrorResponse(res, 400, 0, 'Transport unknown');
  });

  it('code 0 "Transport unknown" for transport=foo with a sid', async () => {
    const { sid } = await handshake(server);
    const res = await request(server, { path: eioPath({ transport: 'foo', sid }) });
    assertErrorResponse(res, 400, 0, 'Transport unknown');
  });

  it('code 1 "Session ID unknown" for GET and POST with sid=bad', async () => {
    const g = await request(server, { path: eioPath({ sid: 'bad' }) });
    assertErrorResponse(g, 400, 1, 'Session ID unknown');
    const p = await post(server, 'bad', '4hello');
    assertErrorResponse(p, 400, 1, 'Session ID unknown');
    // a well-formed but unknown sid too
    const g2 = await request(server, { path: eioPath({ sid: 'AAAAAAAAAAAAAAAAAAAA' }) });
    assertErrorResponse(g2, 400, 1, 'Session ID unknown');
  });

  it('code 2 "Bad handshake method" for a POST without sid', async () => {
    const res = await request(server, {
      method: 'POST', path: eioPath(), body: '4hello',
      headers: { 'Content-Type': 'text/plain;charset=UTF-8' },
    });
    assertErrorResponse(res, 400, 2, 'Bad handshake method');
  });

  it('code 3 "Bad request" for transport=websocket by plain GET (no upgrade)', async () => {
    const res = await request(server, { path: eioPath({ transport: 'websocket' }) });
    assertErrorResponse(res, 400, 3, 'Bad request');
  });

  it('code 3 "Bad request" for a polling request on a session that upgraded to websocket', async () => {
    const { sid } = await handshake(server);
    const { ws } = await upgradeByHand(server, sid);
    try {
      ws.send('4still here');
      assert.equal(await ws.next(), '4still here');
      const g = await request(server, { path: eioPath({ sid }) });
      assertErrorResponse(g, 400, 3, 'Bad request');
      const p = await post(server, sid, '4x');
      assertErrorResponse(p, 400, 3, 'Bad request');
    } finally {
      ws.terminate();
    }
  });

  for (const [label, eio] of [['missing', null], ['EIO=5', '5'], ['EIO=abc', 'abc'], ['EIO= (empty)', '']]) {
    it(`code 5 "Unsupported protocol version" when EIO is ${label}`, async () => {
      const res = await request(server, { path: eioPath({ EIO: eio }) });
      assertErrorResponse(res, 400, 5, 'Unsupported protocol version');
    });
  }

  it(`code 4 "Forbidden" (403) for a handshake carrying the denied header ${DENY}`, async () => {
    const res = await request(server, { path: eioPath(), headers: { [DENY]: '1' } });
    assertErrorResponse(res, 403, 4, 'Forbidden');
    // the same request without the header is accepted
    const ok = await request(server, { path: eioPath() });
    assert.equal(ok.status, 200);
    assert.equal(ok.body[0], '0');
  });

  it('a denied websocket handshake is refused before any Engine.IO packet', async () => {
    const ws = new RawWs(server, {}, { headers: { [DENY]: '1' } });
    await assert.rejects(ws.open(), (e) => {
      assert.ok(e.statusCode === 400 || e.statusCode === 403, `refusal status ${e.statusCode ?? e.message}`);
      return true;
    });
  });

  it('the server still serves handshakes after all these errors', async () => {
    const { sid, open } = await handshake(server);
    assert.equal(open.sid, sid);
  });
  itShutsDownCleanly(() => server);
});

// Long-polling payload encoding: several packets joined by \x1e in one POST (text,
// multibyte UTF-8, b+base64 binary, empty message) come back in order on the next GET,
// binary as b+base64; POST answers 200 "ok"; GET is text/plain; charset=UTF-8.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startEioServer, itShutsDownCleanly } from '../../lib/eio-server.js';
import { handshake, post, poll, parkPoll, RS, splitPayload } from '../../lib/raw.js';

describe('polling payloads', () => {
  let server;
  before(async () => { server = await startEioServer({}); });
  after(async () => { await server?.stop(); });

  it('a POST of several packets is echoed in order on the next GET', async () => {
    const { sid } = await handshake(server);
    const bin = Buffer.from([0, 1, 2, 3, 250, 251, 252, 253, 254, 255]);
    const packets = ['4hello', '4wörld ✓ 日本 🎉', `b${bin.toString('base64')}`, '4', '4last'];
    const r = await post(server, sid, packets.join(RS));
    assert.equal(r.status, 200);
    assert.equal(r.body, 'ok');
    const g = await poll(server, sid);
    assert.equal(g.status, 200);
    assert.equal((g.headers['content-type'] || '').replace(/\s+/g, '').toLowerCase(), 'text/plain;charset=utf-8');
    assert.deepEqual(splitPayload(g.body), packets);
  });

  it('binary comes back as b+base64 with the same bytes (all 256 values)', async () => {
    const { sid } = await handshake(server);
    const bin = Buffer.alloc(256);
    for (let i = 0; i < 256; i++) bin[i] = 255 - i;
    const r = await post(server, sid, `b${bin.toString('base64')}`);
    assert.equal(r.status, 200);
    const g = await poll(server, sid);
    assert.equal(g.body[0], 'b');
    assert.ok(Buffer.from(g.body.slice(1), 'base64').equals(bin));
    assert.equal(g.body, `b${bin.toString('base64')}`);
  });

  it('one GET returns every queued packet', async () => {
    const { sid } = await handshake(server);
    for (let i = 0; i < 5; i++) {
      const r = await post(server, sid, `4m${i}`);
      assert.equal(r.status, 200);
    }
    const g = await poll(server, sid);
    assert.deepEqual(splitPayload(g.body), ['4m0', '4m1', '4m2', '4m3', '4m4']);
  });

  it('a parked GET is answered when a message arrives', async () => {
    const { sid } = await handshake(server);
    const parked = await parkPoll(server, sid);
    const r = await post(server, sid, '4wake up');
    assert.equal(r.status, 200);
    const g = await parked.response;
    assert.equal(g.status, 200);
    assert.equal(g.body, '4wake up');
  });

  it('many POSTs in sequence keep their order across GETs', async () => {
    const { sid } = await handshake(server);
    const got = [];
    for (let i = 0; i < 30; i++) {
      const r = await post(server, sid, [`4a${i}`, `4b${i}`].join(RS));
      assert.equal(r.status, 200);
      if (i % 7 === 6) got.push(...splitPayload((await poll(server, sid)).body));
    }
    got.push(...splitPayload((await poll(server, sid)).body));
    const want = [];
    for (let i = 0; i < 30; i++) want.push(`4a${i}`, `4b${i}`);
    assert.deepEqual(got, want);
  });
  itShutsDownCleanly(() => server);
});

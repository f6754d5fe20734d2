// The polling -> websocket upgrade done by hand over raw HTTP + ws: 2probe/3probe, the
// parked GET drained with "6", "5" switches the session, queued packets are flushed over
// the websocket, polling is then refused (400 code 3) and a second websocket for the same
// sid is refused or closed (of two opened at once, whichever the server takes first is the
// probe). A bystander keeps working throughout.
import { describe, it, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { startEioServer, itShutsDownCleanly } from '../../lib/eio-server.js';
import { connectClient, assertEcho } from '../../lib/clients.js';
import {
  handshake, parkPoll, poll, post, RawWs, upgradeByHand, assertErrorResponse, splitPayload,
  waitSessionGone,
} from '../../lib/raw.js';
import { EVENT_TIMEOUT, TIME_SCALE, withTimeout } from '../../lib/util.js';

describe('upgrade by hand', () => {
  let server;
  let bystander;
  before(async () => {
    server = await startEioServer({});
    bystander = await connectClient(server, { transports: ['polling'] });
  });
  afterEach(async () => {
    if (server.stopping) return;
    await assertEcho(bystander, 'bystander still echoes');
  });
  after(async () => {
    bystander?.socket.close();
    await server?.stop();
  });

  it('2probe -> 3probe, parked GET gets "6", then "5"; messages go over ws; polling gets 400 code 3', async () => {
    const { sid } = await handshake(server);
    const parked = await parkPoll(server, sid);
    const ws = new RawWs(server, { sid });
    try {
      await ws.open();
      // no open packet on an upgrading websocket: the first thing we get is our probe answer
      ws.send('2probe');
      assert.equal(await ws.next(), '3probe');
      const drained = await parked.response;
      assert.equal(drained.status, 200);
      assert.equal(drained.body, '6');
      ws.send('5');
      ws.send('4over websocket ✓');
      assert.equal(await ws.next(), '4over websocket ✓');
      ws.send(Buffer.from([9, 8, 7]));
      const bin = await ws.next();
      assert.ok(Buffer.isBuffer(bin));
      assert.deepEqual([...bin], [9, 8, 7]);
      const g = await poll(server, sid);
      assertErrorResponse(g, 400, 3, 'Bad request');
      const p = await post(server, sid, '4via polling');
      assertErrorResponse(p, 400, 3, 'Bad request');
      // the websocket session survived those refused requests
      ws.send('4still upgraded');
      assert.equal(await ws.next(), '4still upgraded');
    } finally {
      ws.terminate();
    }
  });

  it('a GET arriving after the probe is answered with "6" (not parked until timeout)', async () => {
    const { sid } = await handshake(server);
    const ws = new RawWs(server, { sid });
    try {
      await ws.open();
      ws.send('2probe');
      assert.equal(await ws.next(), '3probe');
      const t0 = Date.now();
      const g = await poll(server, sid);
      assert.equal(g.status, 200);
      assert.deepEqual(splitPayload(g.body).filter((x) => x !== '6'), [], `expected only noops, got ${JSON.stringify(g.body)}`);
      assert.ok(Date.now() - t0 < 1000 * TIME_SCALE, 'the GET was answered promptly');
      ws.send('5');
      ws.send('4done');
      assert.equal(await ws.next(), '4done');
    } finally {
      ws.terminate();
    }
  });

  it('messages queued during the upgrade are flushed over the websocket after "5"', async () => {
    const { sid } = await handshake(server);
    const parked = await parkPoll(server, sid);
    const ws = new RawWs(server, { sid });
    try {
      await ws.open();
      ws.send('2probe');
      assert.equal(await ws.next(), '3probe');
      assert.equal((await parked.response).body, '6');
      // polling is paused on the client side; a POST still delivers these, whose echoes
      // must wait for the websocket
      const r = await post(server, sid, ['4queued-1', '4queued-2'].join('\x1e'));
      assert.equal(r.status, 200);
      ws.send('5');
      assert.equal(await ws.next(), '4queued-1');
      assert.equal(await ws.next(), '4queued-2');
      ws.send('4after');
      assert.equal(await ws.next(), '4after');
    } finally {
      ws.terminate();
    }
  });

  it('a second websocket with the same sid after the upgrade is refused or closed promptly', async () => {
    const { sid } = await handshake(server);
    const { ws } = await upgradeByHand(server, sid);
    const second = new RawWs(server, { sid });
    try {
      ws.send('4first');
      assert.equal(await ws.next(), '4first');
      let opened = false;
      try {
        await second.open();
        opened = true;
      } catch (e) {
        // refused at the HTTP level (checklist: a rejected upgrade may get a 400)
        assert.equal(e.statusCode, 400, `refusal: ${e.message}`);
      }
      if (opened) {
        // node accepts the handshake and closes right away; it must not be served
        await second.waitClose(1000 * TIME_SCALE);
        assert.equal(second.messages.size, 0, `no packet on the duplicate socket: ${second.messages.items}`);
      }
      // the original websocket is unaffected
      ws.send('4first again');
      assert.equal(await ws.next(), '4first again');
    } finally {
      second.terminate();
      ws.terminate();
    }
  });

  // The duplicate connects only once the probe has answered: the server sees two TCP
  // connections in no defined order (each is read when the kernel reports it readable, and a
  // head still arriving waits in net/net_head.c), so one opened together with the probe may
  // be taken as the probe itself; that case is the next test's.
  it('a second websocket with the same sid during the upgrade is refused or closed', async () => {
    const { sid } = await handshake(server);
    const first = new RawWs(server, { sid });
    let second;
    try {
      await first.open();
      first.send('2probe');
      assert.equal(await first.next(), '3probe');
      second = new RawWs(server, { sid });
      let opened = false;
      try {
        await second.open();
        opened = true;
      } catch (e) {
        assert.equal(e.statusCode, 400, `refusal: ${e.message}`);
      }
      if (opened) {
        second.send('2probe');
        await second.waitClose(1000 * TIME_SCALE);
        assert.ok(!second.messages.items.includes('3probe'), 'the duplicate must not get a probe answer');
      }
      first.send('5');
      first.send('4ok');
      assert.equal(await first.next(), '4ok');
    } finally {
      first.terminate();
      second?.terminate();
    }
  });

  it('two websockets with the same sid at once: one becomes the probe, the other is refused or closed', async () => {
    const { sid } = await handshake(server);
    const both = [new RawWs(server, { sid }), new RawWs(server, { sid })];
    try {
      // Which one the server takes first is not defined: each is judged by what it got.
      const outcome = (ws) => withTimeout(new Promise((resolve) => {
        ws.ws.on('message', (d) => { if (d.toString() === '3probe') resolve('probed'); });
        ws.closed.then(() => resolve('closed'));
        ws.opened.then(() => ws.send('2probe'),
          (e) => resolve(e.statusCode === 400 ? 'refused' : `failed: ${e.message}`));
      }), EVENT_TIMEOUT, 'a probe answer, a close or a refusal');
      const got = await Promise.all(both.map(outcome));
      // exactly one probe answer; the other connection closed or refused
      assert.ok(got.includes('probed') && got.some((o) => o === 'closed' || o === 'refused'),
        `outcomes ${got}`);
      const probe = both[got.indexOf('probed')];
      const other = both[1 - got.indexOf('probed')];
      assert.ok(!other.messages.items.includes('3probe'), 'the duplicate must not get a probe answer');
      assert.equal(await probe.next(), '3probe'); // the answer seen above, still queued
      probe.send('5');
      probe.send('4ok');
      assert.equal(await probe.next(), '4ok');
    } finally {
      both.forEach((ws) => ws.terminate());
    }
  });

  it('an upgrade abandoned before "5" leaves the polling session usable', async () => {
    const { sid } = await handshake(server);
    const ws = new RawWs(server, { sid });
    await ws.open();
    ws.send('2probe');
    assert.equal(await ws.next(), '3probe');
    ws.terminate();
    await ws.waitClose();
    const r = await post(server, sid, '4still polling');
    assert.equal(r.status, 200);
    // skip any noops sent to drain polling during the aborted upgrade
    let got = [];
    while (!got.includes('4still polling')) {
      const g = await poll(server, sid);
      assert.equal(g.status, 200, `GET after abandoned upgrade: ${g.status} ${g.body}`);
      got = got.concat(splitPayload(g.body));
      assert.ok(got.every((x) => x === '6' || x === '4still polling'), `unexpected packets ${JSON.stringify(got)}`);
    }
    const bye = await post(server, sid, '1');
    assert.equal(bye.status, 200);
    await waitSessionGone(server, sid);
  });
  itShutsDownCleanly(() => server, () => bystander?.socket.close());
});

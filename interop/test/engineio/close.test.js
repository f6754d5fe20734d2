// Session close: server-initiated (the "close-me" test hook) and client-initiated, over
// each transport; the server keeps serving other clients; raw polling close semantics.
import { describe, it, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { startEioServer, itShutsDownCleanly } from '../../lib/eio-server.js';
import { connectClient, closeAll, assertEcho } from '../../lib/clients.js';
import {
  handshake, startPoll, parkPoll, post, assertSessionGone, assertErrorResponse, waitSessionGone, wsHandshake, splitPayload, RS,
} from '../../lib/raw.js';
import { once } from '../../lib/util.js';

const MODES = [
  ['polling', { transports: ['polling'] }, 'polling'],
  ['websocket', { transports: ['websocket'] }, 'websocket'],
  ['default (upgraded)', {}, 'websocket'],
];

describe('close', () => {
  let server;
  const clients = new Set();
  let bystander;

  async function ready(opts, transport) {
    const c = await connectClient(server, opts, clients);
    if (c.socket.transport.name !== transport) await once(c.socket, 'upgrade');
    assert.equal(c.socket.transport.name, transport);
    return c;
  }

  before(async () => {
    server = await startEioServer({});
    bystander = await connectClient(server, { transports: ['polling'] });
  });
  afterEach(async () => {
    closeAll(clients);
    if (server.stopping) return;
    // the bystander is unaffected by whatever the test closed
    await assertEcho(bystander, 'bystander still here');
  });
  after(async () => {
    closeAll(clients);
    bystander?.socket.close();
    await server?.stop();
  });

  for (const [label, opts, transport] of MODES) {
    it(`server-initiated close (${label}): the client gets "close" with reason "transport close"`, async () => {
      const c = await ready(opts, transport);
      const sid = c.socket.id;
      await assertEcho(c, 'before');
      c.socket.send('close-me');
      const { reason } = await c.closes.next();
      assert.equal(reason, 'transport close');
      assert.equal(c.socket.readyState, 'closed');
      await waitSessionGone(server, sid);
    });

    it(`client-initiated close (${label}): the session ends, other clients keep working`, async () => {
      const other = await ready(opts, transport);
      const c = await ready(opts, transport);
      const sid = c.socket.id;
      await assertEcho(c, 'before close');
      c.socket.close();
      const { reason } = await c.closes.next();
      assert.equal(reason, 'forced close');
      await waitSessionGone(server, sid);
      await assertEcho(other, 'other still echoes');
      // and new sessions are still accepted
      const fresh = await ready(opts, transport);
      await assertEcho(fresh, 'fresh');
    });
  }

  it('raw polling: server close with no GET parked: the next GET gets "1" or the session is gone', async () => {
    const { sid } = await handshake(server);
    const r = await post(server, sid, '4close-me');
    assert.equal(r.status, 200);
    assert.equal(r.body, 'ok');
    // node buffers the close packet for the next GET; dropping the session at once is
    // equally valid when no GET is parked.
    const res = await startPoll(server, sid).response;
    if (res.status === 200) {
      const packets = splitPayload(res.body);
      assert.equal(packets[packets.length - 1], '1', `expected a close packet, got ${JSON.stringify(res.body)}`);
      assert.ok(packets.slice(0, -1).every((p) => p === '6'), `only noops may precede it: ${JSON.stringify(res.body)}`);
    } else {
      assertErrorResponse(res, 400, 1, 'Session ID unknown');
    }
    await assertSessionGone(server, sid);
  });

  it('raw polling: server close while a GET is parked answers it with "1"', async () => {
    const { sid } = await handshake(server);
    const parked = await parkPoll(server, sid);
    // another request delivers the hook while the GET is parked
    const r = await post(server, sid, '4close-me');
    assert.equal(r.status, 200);
    const res = await parked.response;
    assert.equal(res.status, 200);
    assert.equal(res.body, '1');
    await assertSessionGone(server, sid);
  });

  // socket.io-client 4.8 hands the messages of a payload to its sockets a tick after the
  // payload was read (Manager#ondecoded), so a message sharing a payload with "1" reaches a
  // socket that has already disconnected, and recovery replays it a second time. node never
  // puts them together: its Socket#close waits for "drain", then "close" rides the next poll.
  it('raw polling: server close with packets queued sends them first, then "1" in a later payload', async () => {
    const { sid } = await handshake(server);
    // one payload: an echo is queued, then the close; no GET is parked
    const r = await post(server, sid, `4queued${RS}4close-me`);
    assert.equal(r.status, 200);
    const first = await startPoll(server, sid).response;
    assert.equal(first.status, 200);
    assert.deepEqual(splitPayload(first.body), ['4queued'], 'the queued packet, alone');
    const second = await startPoll(server, sid).response;
    assert.equal(second.status, 200);
    const packets = splitPayload(second.body);
    assert.equal(packets.at(-1), '1', `expected a close packet, got ${JSON.stringify(second.body)}`);
    assert.ok(packets.slice(0, -1).every((p) => p === '6'), `only noops may precede it: ${JSON.stringify(second.body)}`);
    await assertSessionGone(server, sid);
  });

  it('raw polling: a client close packet "1" makes the parked GET answer "6" and ends the session', async () => {
    const { sid } = await handshake(server);
    const parked = await parkPoll(server, sid);
    const r = await post(server, sid, '1');
    assert.equal(r.status, 200);
    assert.equal(r.body, 'ok');
    const res = await parked.response;
    assert.equal(res.status, 200, `parked GET answered ${res.status} ${res.body}`);
    assert.equal(res.body, '6');
    await assertSessionGone(server, sid);
  });

  it('raw websocket: closing the TCP connection ends the session', async () => {
    const { ws, sid } = await wsHandshake(server);
    ws.terminate();
    await waitSessionGone(server, sid);
  });
  itShutsDownCleanly(() => server, () => { closeAll(clients); bystander?.socket.close(); });
});

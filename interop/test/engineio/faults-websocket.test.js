// WebSocket protocol faults on a websocket-only session: each closes only the offending
// connection; a bystander keeps working.
import { describe, it, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { startEioServer, itShutsDownCleanly, IS_NODE_REFERENCE } from '../../lib/eio-server.js';
import { connectClient, assertEcho } from '../../lib/clients.js';
import { wsHandshake, waitSessionGone } from '../../lib/raw.js';

describe('websocket faults', () => {
  let server;
  let bystander;
  before(async () => {
    server = await startEioServer({});
    bystander = await connectClient(server, { transports: ['websocket'] });
  });
  afterEach(async () => {
    if (server.stopping) return;
    await assertEcho(bystander, 'bystander still echoes');
  });
  after(async () => {
    bystander?.socket.close();
    await server?.stop();
  });

  // Each a protocol error: a close frame with 1002 and why (node's has no code: the ws
  // client reads 1005).
  for (const [label, frame, reason] of [
    ['an unknown packet type "9"', '9x', 'parse error'],
    ['an empty text frame', '', 'parse error'],
    ['a ping "2" from the client (wrong heartbeat direction)', '2', 'invalid heartbeat direction'],
  ]) {
    it(`${label} closes the connection with 1002 "${reason}"`, async () => {
      const { ws, sid } = await wsHandshake(server);
      ws.send('4before');
      assert.equal(await ws.next(), '4before');
      ws.send(frame);
      const { code, reason: got } = await ws.waitClose();
      assert.deepEqual({ code, reason: got }, IS_NODE_REFERENCE ? { code: 1005, reason: '' }
        : { code: 1002, reason });
      await waitSessionGone(server, sid);
    });
  }

  it('an abrupt TCP reset mid-session does not disturb others', async () => {
    const { ws, sid } = await wsHandshake(server);
    ws.ws._socket.resetAndDestroy();
    await waitSessionGone(server, sid);
  });
  itShutsDownCleanly(() => server, () => bystander?.socket.close());
});

// WebSocket protocol faults on a websocket-only session: each closes only the offending
// connection; a bystander keeps working.
import { describe, it, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { startEioServer, itShutsDownCleanly } from '../../lib/eio-server.js';
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

  for (const [label, frame] of [
    ['an unknown packet type "9"', '9x'],
    ['an empty text frame', ''],
    ['a ping "2" from the client (wrong heartbeat direction)', '2'],
  ]) {
    it(`${label} closes the connection`, async () => {
      const { ws, sid } = await wsHandshake(server);
      ws.send('4before');
      assert.equal(await ws.next(), '4before');
      ws.send(frame);
      await ws.waitClose();
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

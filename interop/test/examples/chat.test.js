// The chat example (apps/examples/chat, build/examples/chat) driven by socket.io-client:
// the name middleware, join/say/leave with their acks and "system" notices, and that only
// members can talk in a room. There is no node twin: this always runs the C binary. The
// example has no signal handler (no clean shutdown to check), so it is killed with SIGKILL.
import { describe, it, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { freePort, serverCommand, launchServer } from '../../lib/eio-server.js';
import {
  createSioClient, connectSioClient, closeAll, SIO_EVENT_TIMEOUT, QUIET_MS,
} from '../../lib/sio-clients.js';
import { withTimeout, delay } from '../../lib/util.js';

function acked(c, event, ...args) {
  return withTimeout(new Promise((resolve) => c.socket.emit(event, ...args, (...r) => resolve(r))),
    SIO_EVENT_TIMEOUT, `ack of ${event}`);
}

describe('examples/chat', () => {
  let server;
  const clients = new Set();
  const named = (name, transport = 'websocket') =>
    connectSioClient(server, '/', { transports: [transport], auth: { name } }, clients);

  before(async () => {
    const port = await freePort();
    const command = serverCommand({ args: ['--port', String(port)], binName: 'examples/chat' });
    server = await launchServer({ ...command, port, verboseEnv: 'SIO_VERBOSE',
      readyPattern: 'chat: listening' });
  });
  afterEach(() => closeAll(clients));
  after(async () => { closeAll(clients); await server?.kill('SIGKILL'); });

  for (const [label, auth] of [['no auth', undefined], ['auth without a name', { nick: 'x' }]]) {
    it(`connecting with ${label} gets connect_error "a name is required"`, async () => {
      const c = createSioClient(server, '/', { transports: ['websocket'], auth }, clients);
      const [err] = await c.next('connect_error');
      assert.ok(err instanceof Error);
      assert.equal(err.message, 'a name is required');
      assert.equal(c.socket.connected, false);
      await c.quiet('connect');
    });
  }

  it('join, say, leave: acks, system notices and messages reach the room', async () => {
    const ada = await named('ada', 'websocket');
    const bob = await named('bob', 'polling');

    assert.deepEqual(await acked(ada, 'join', 'lobby'), ['lobby']);
    assert.deepEqual(await ada.next('system'), ['ada joined']);
    assert.deepEqual(await acked(bob, 'join', 'lobby'), ['lobby']);
    assert.deepEqual(await ada.next('system'), ['bob joined']);
    assert.deepEqual(await bob.next('system'), ['bob joined']);

    // say is acked (no arguments) and reaches everyone in the room, the sender included
    assert.deepEqual(await acked(bob, 'say', 'lobby', 'hi ada'), []);
    assert.deepEqual(await ada.next('message'), [{ from: 'bob', text: 'hi ada' }]);
    assert.deepEqual(await bob.next('message'), [{ from: 'bob', text: 'hi ada' }]);
    assert.deepEqual(await acked(ada, 'say', 'lobby', 'héllo 🎉'), []);
    assert.deepEqual(await bob.next('message'), [{ from: 'ada', text: 'héllo 🎉' }]);
    assert.deepEqual(await ada.next('message'), [{ from: 'ada', text: 'héllo 🎉' }]);

    bob.socket.emit('leave', 'lobby');
    assert.deepEqual(await ada.next('system'), ['bob left']);
    // bob had left before the notice went out
    await bob.quiet('system');

    // bob is out: ada's messages no longer reach him
    assert.deepEqual(await acked(ada, 'say', 'lobby', 'bob?'), []);
    assert.deepEqual(await ada.next('message'), [{ from: 'ada', text: 'bob?' }]);
    await bob.quiet('message');
  });

  it('a client not in the room cannot say into it', async () => {
    const ada = await named('ada');
    const eve = await named('eve', 'polling');
    assert.deepEqual(await acked(ada, 'join', 'lobby'), ['lobby']);
    assert.deepEqual(await ada.next('system'), ['ada joined']);

    let eveAcked = false;
    eve.socket.emit('say', 'lobby', 'let me in', () => { eveAcked = true; });
    // leaving a room one is not in is ignored too (no "eve left")
    eve.socket.emit('leave', 'lobby');
    await delay(QUIET_MS);
    assert.equal(ada.count('message'), 0, 'no message from a non-member');
    assert.equal(ada.count('system'), 0, 'no notice for a non-member');
    assert.equal(eve.count('message'), 0);
    assert.equal(eveAcked, false, 'the refused say is not acked');

    // the room still works
    assert.deepEqual(await acked(ada, 'say', 'lobby', 'alone'), []);
    assert.deepEqual(await ada.next('message'), [{ from: 'ada', text: 'alone' }]);
    await eve.quiet('message');
  });

  it('rooms are separate', async () => {
    const ada = await named('ada');
    const bob = await named('bob');
    assert.deepEqual(await acked(ada, 'join', 'red'), ['red']);
    assert.deepEqual(await acked(bob, 'join', 'blue'), ['blue']);
    assert.deepEqual(await ada.next('system'), ['ada joined']);
    assert.deepEqual(await bob.next('system'), ['bob joined']);
    assert.deepEqual(await acked(ada, 'say', 'red', 'in red'), []);
    assert.deepEqual(await ada.next('message'), [{ from: 'ada', text: 'in red' }]);
    await Promise.all([bob.quiet('message'), ada.quiet('system')]);
  });
});

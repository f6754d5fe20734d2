// sio-server in a mixed fleet: one sio-server instance (default configuration, REDIS_URL)
// and one node socket.io 4.8 server with @socket.io/redis-adapter 8.x (the reference
// sio-echo.js --redis, interop/lib/fleet.js) on one redis-server started by the test. A
// team replacing node servers one at a time depends on this: the HTTP API of the C
// instance reaches the node server's clients, and its /stats and /rooms count the node
// server's sockets (node answers the same fetchSockets request).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { io } from 'socket.io-client';
import {
  clientFactory, exampleConfig, http, startServer, waitFor, TIMEOUT,
} from '../../lib/sio-server-app.js';
import { startMember } from '../../lib/fleet.js';
import { redisClient, startRedis, waitNumsub } from '../../lib/redis.js';

const API_KEY = 'redis-mixed-test-api-key-0123456789';
const PREFIX = '/api/v1/websocket';
const KEY = { 'x-api-key': API_KEY };

async function api(server, path, { method = 'GET', body } = {}) {
  const res = await http(server.url, { method, path: `${PREFIX}${path}`, headers: KEY, body });
  assert.ok(res.json?.success, `${method} ${path}: ${res.status} ${res.text}`);
  return res.json.data;
}

describe('sio-server and a node socket.io server in one fleet', () => {
  let redis;
  let c;
  let node;
  let watcher;
  const nodeClients = [];
  const shared = {};
  const client = clientFactory(() => c.url);

  before(async () => {
    redis = await startRedis();
    c = await startServer({ config: exampleConfig('default'),
      env: { REDIS_URL: redis.url, WEBSOCKET_API_KEY: API_KEY } });
    node = await startMember(redis, { kind: 'node' });
    watcher = await redisClient(redis);
    await waitNumsub(watcher, 'socket.io-request#/#', 2);
  });
  after(async () => {
    client.closeAll();
    for (const n of nodeClients) n.close();
    await watcher?.closeQuietly();
    await node?.stop();
    await c?.stop();
    await redis?.stop();
  });

  async function nodeClient() {
    const n = io(node.url, { reconnection: false, forceNew: true, timeout: TIMEOUT });
    nodeClients.push(n);
    await waitFor(n, 'connect');
    return n;
  }

  it('the C instance\'s API broadcast reaches the node server\'s clients, in a room and everywhere', async () => {
    const s = await client.connected();
    const n = await nodeClient();
    Object.assign(shared, { s, n });
    assert.deepEqual(await s.timeout(TIMEOUT).emitWithAck('join', { room: 'mix' }), { success: true, room: 'mix' });
    // node's socketsJoin on its own socket (the fleet hook of the reference server)
    await n.timeout(TIMEOUT).emitWithAck('fleet-join', { rooms: [n.id] }, 'room:mix');
    const inRoom = [waitFor(s, 'news'), waitFor(n, 'news')];
    await api(c, '/broadcast/room/room:mix', { method: 'POST', body: { event: 'news', data: { n: 1 } } });
    for (const args of await Promise.all(inRoom)) assert.deepEqual(args, [{ n: 1 }]);
    const all = [waitFor(s, 'all'), waitFor(n, 'all')];
    await api(c, '/broadcast', { method: 'POST', body: { event: 'all', data: [1, 'two'] } });
    for (const args of await Promise.all(all)) assert.deepEqual(args, [[1, 'two']]);
  });

  it('/stats and /rooms/:room of the C instance count the node server\'s sockets', async () => {
    const st = await api(c, '/stats');
    assert.equal(st.members, 2);
    assert.equal(st.partial, false);
    assert.equal(st.connections, 2);
    assert.equal(st.local.connections, 1);
    assert.equal(st.namespaces['/'].rooms['room:mix'], 2);
    const room = await api(c, '/rooms/room%3Amix');
    assert.equal(room.memberCount, 2);
    assert.deepEqual([...room.sockets].sort(), [shared.s.id, shared.n.id].sort());
  });
});

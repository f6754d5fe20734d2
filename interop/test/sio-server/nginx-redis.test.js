// The deployment of docs/deploy.md section 4, run for real: two sio-server instances on one
// host sharing a redis-server (started by the test on a loopback port), behind a real
// nginx running the documented site (docs/nginx/sio-server.conf, interop/lib/nginx.js)
// whose upstream lists both instances with ip_hash.
//
// ip_hash pins a client address (its first three octets) to one instance, so clients bind
// to different loopback networks (127.0.K.1, through an http.Agent's localAddress) until
// one lands on each instance (each instance's own /stats says how many clients are its
// own: "local"). Checked: polling-only clients keep their session across many round trips
// (every request of a session reaches the instance that made it), a client on each
// instance gets the other's broadcasts (an API broadcast through nginx, and one made on
// each instance directly), and /stats through nginx counts the whole fleet.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Agent } from 'node:http';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { io } from 'socket.io-client';
import { http, ROOT, startServer, waitFor, TIMEOUT, until } from '../../lib/sio-server-app.js';
import { NGINX, nginxDir, startNginx } from '../../lib/nginx.js';
import { startRedis } from '../../lib/redis.js';

const DEFAULT_CONFIG = `${ROOT}apps/sio-server/examples/default.json`;
const API_KEY = 'nginx-redis-test-api-key-0123456789';
const PREFIX = '/api/v1/websocket';
const KEY = { 'x-api-key': API_KEY };

const stats = async (url) => (await http(url, { path: `${PREFIX}/stats`, headers: KEY })).json.data;

describe('two sio-server instances sharing Redis behind nginx (docs/deploy.md, section 4)',
  { skip: NGINX ? false : 'nginx is not installed (scripts/install-deps.sh installs it)' }, () => {
    let redis;
    let nginx;
    const servers = [];
    const clients = [];
    const agents = [];

    /** A connected client through nginx from 127.0.<net>.1. */
    async function connectFrom(net, opts = {}) {
      const agent = new Agent({ localAddress: `127.0.${net}.1` });
      agents.push(agent);
      const c = io(nginx.url, { reconnection: false, forceNew: true, timeout: TIMEOUT, agent, ...opts });
      clients.push(c);
      await waitFor(c, 'connect');
      return c;
    }

    /** One polling-only client on each instance: [on servers[0], on servers[1]]. */
    async function oneOnEach() {
      const found = [null, null];
      for (let net = 0; net < 32 && !(found[0] && found[1]); net++) {
        const before = (await Promise.all(servers.map((s) => stats(s.url)))).map((s) => s.local.connections);
        const c = await connectFrom(net, { transports: ['polling'] });
        const now = (await Promise.all(servers.map((s) => stats(s.url)))).map((s) => s.local.connections);
        const i = now[0] > before[0] ? 0 : 1;
        assert.ok(now[i] > before[i], 'the client is on one of the instances');
        if (!found[i]) found[i] = c;
        else c.close();
      }
      assert.ok(found[0] && found[1], 'ip_hash put clients of some loopback networks on each instance');
      return found;
    }

    before(async () => {
      redis = await startRedis();
      const dir = nginxDir();
      const config = path.join(dir, 'sio-server.json');
      writeFileSync(config, JSON.stringify({
        ...JSON.parse(readFileSync(DEFAULT_CONFIG, 'utf8')), trustProxy: true }));
      for (let i = 0; i < 2; i++) {
        servers.push(await startServer({ config,
          env: { REDIS_URL: redis.url, WEBSOCKET_API_KEY: API_KEY, NODE_ENV: 'production' } }));
      }
      for (const s of servers) {
        await until(async () => (await stats(s.url)).members === 2, 'both members counted by Redis');
      }
      nginx = await startNginx(dir, servers.map((s) => s.port));
    });

    after(async () => {
      for (const c of clients) c.close();
      for (const a of agents) a.destroy();
      await nginx?.stop();
      for (const s of servers) await s.stop();
      await redis?.stop();
    });

    it('polling clients on both instances keep their sessions and get each other\'s broadcasts', async () => {
      const [a, b] = await oneOnEach();
      const w = await connectFrom(200);  // polling, then the WebSocket upgrade
      for (const c of [a, b, w]) {
        assert.deepEqual(await c.timeout(TIMEOUT).emitWithAck('join', { room: 'lobby' }),
          { success: true, room: 'lobby' });
      }
      // sticky: many round trips of each polling session, each through nginx
      for (let round = 0; round < 5; round++) {
        for (const c of [a, b]) {
          const pong = waitFor(c, 'pong');
          c.emit('ping');
          await pong;
        }
      }
      assert.ok([a, b].every((c) => c.connected && c.io.engine.transport.name === 'polling'));

      // through nginx: whichever instance takes the API call, every client hears it
      const viaNginx = [a, b, w].map((c) => waitFor(c, 'news'));
      const res = await http(nginx.url, { method: 'POST', path: `${PREFIX}/broadcast/room/room:lobby`,
        headers: KEY, body: { event: 'news', data: { text: 'through nginx' } } });
      assert.equal(res.status, 200, res.text);
      for (const [d] of await Promise.all(viaNginx)) assert.deepEqual(d, { text: 'through nginx' });
      // on each instance directly: the other instance's client hears it too
      for (const s of servers) {
        const got = [a, b].map((c) => waitFor(c, 'direct'));
        await http(s.url, { method: 'POST', path: `${PREFIX}/broadcast`, headers: KEY,
          body: { event: 'direct', data: s.port } });
        for (const [d] of await Promise.all(got)) assert.equal(d, s.port);
      }
    });

    it('/stats through nginx counts the whole fleet', async () => {
      const open = clients.filter((c) => c.connected).length;
      // the extra clients closed by oneOnEach() leave as their instance notices
      const st = await until(async () => {
        const x = await stats(nginx.url);
        return x.connections === open && x;
      }, `${open} connections in the fleet`);
      assert.equal(st.members, 2);
      assert.equal(st.partial, false);
      assert.equal(st.namespaces['/'].rooms['room:lobby'], 3);
      assert.ok(st.local.connections < st.connections, 'each instance holds a share');
    });

    it('nginx logged no error for these requests', () => {
      assert.deepEqual(nginx.errors(), [], nginx.log());
    });
  });

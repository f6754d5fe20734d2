// Harness: a real redis-server for the fleet tests (interop/test/redis/) and the fleet
// benchmark, and a small client to look at it.
//
// startRedis() runs Debian's /usr/bin/redis-server (REDIS_SERVER overrides the path) on a
// free loopback port, without persistence (--save '' --appendonly no: a restart starts
// empty, as a fleet's pub/sub needs nothing stored), and resolves once it answers PING
// (polled over a raw TCP connection, no fixed sleep). stop() ends it by its PID with
// SIGTERM and waits for the exit; start() runs it again on the same port, which is how the
// fault tests take Redis away from a running fleet and give it back. Port 6379 and any
// system service are never touched.
//
// redisClient() is a node `redis` 4.x client on that server, for the tests' own looks:
// PUBSUB NUMSUB (who is subscribed to a request channel), a raw subscriber that plays a
// fleet member that never answers, MONITOR-free publish counting.
import { spawn } from 'node:child_process';
import net from 'node:net';
import { createClient } from 'redis';
import { freePort } from './eio-server.js';
import { withTimeout } from './util.js';

const REDIS_SERVER = process.env.REDIS_SERVER || '/usr/bin/redis-server';

/** Resolve true when a PING on 127.0.0.1:port is answered +PONG, false otherwise. */
function pingOnce(port) {
  return new Promise((resolve) => {
    const sock = net.connect({ host: '127.0.0.1', port });
    let buf = '';
    const done = (ok) => { sock.destroy(); resolve(ok); };
    sock.setTimeout(500, () => done(false));
    sock.on('error', () => done(false));
    sock.on('connect', () => sock.write('PING\r\n'));
    sock.on('data', (d) => {
      buf += d.toString('latin1');
      if (buf.includes('\r\n')) done(buf.startsWith('+PONG'));
    });
  });
}

/** Poll PING every 20 ms until it is answered (or `ms` pass, or the process exits). */
async function waitPing(port, proc, ms) {
  const deadline = Date.now() + ms;
  for (;;) {
    if (proc.exitCode !== null || proc.signalCode !== null) {
      throw new Error(`redis-server exited before answering PING (code ${proc.exitCode})`);
    }
    if (await pingOnce(port)) return;
    if (Date.now() > deadline) throw new Error(`redis-server on ${port} did not answer PING in ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Start a redis-server on a free loopback port.
 * @returns {Promise<{port:number, url:string, pid:()=>number, running:()=>boolean,
 *   start:()=>Promise<void>, stop:()=>Promise<void>, log:()=>string}>}
 */
export async function startRedis({ port } = {}) {
  if (port === undefined) port = await freePort();
  let proc = null;
  let exited = null;
  let log = '';
  const handle = {
    port,
    url: `redis://127.0.0.1:${port}`,
    pid: () => proc?.pid,
    running: () => proc !== null,
    log: () => log,
    async start() {
      if (proc) return;
      const p = spawn(REDIS_SERVER, ['--port', String(port), '--bind', '127.0.0.1',
        '--save', '', '--appendonly', 'no', '--daemonize', 'no'],
      { stdio: ['ignore', 'pipe', 'pipe'] });
      p.stdout.setEncoding('utf8');
      p.stderr.setEncoding('utf8');
      p.stdout.on('data', (d) => { log += d; });
      p.stderr.on('data', (d) => { log += d; });
      exited = new Promise((resolve) => p.once('exit', resolve));
      p.once('error', (e) => { log += `spawn error: ${e.message}\n`; });
      proc = p;
      try {
        await waitPing(port, p, 10000);
      } catch (e) {
        p.kill('SIGKILL');
        await exited;
        proc = null;
        throw new Error(`${e.message}\n${log.slice(-2000)}`);
      }
    },
    async stop() {
      if (!proc) return;
      const p = proc;
      proc = null;
      p.kill('SIGTERM');
      const timer = setTimeout(() => p.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
  await handle.start();
  return handle;
}

/**
 * A connected node `redis` client on the server (no reconnection noise: errors are kept,
 * not thrown at the process). close() is idempotent.
 */
export async function redisClient(redis) {
  const c = createClient({ url: redis.url, socket: { reconnectStrategy: false } });
  c.on('error', () => {});
  await withTimeout(c.connect(), 5000, `redis client connect to ${redis.url}`);
  let closed = false;
  c.closeQuietly = async () => {
    if (closed) return;
    closed = true;
    try { await c.quit(); } catch { try { await c.disconnect(); } catch { /* gone */ } }
  };
  return c;
}

/** PUBSUB NUMSUB channel -> the number of subscribers. */
export async function numsub(client, channel) {
  const r = await client.pubSubNumSub(channel);
  return Number(r[channel] ?? 0);
}

/**
 * Wait until `channel` has `n` subscribers (polled every 20 ms): how a test knows every
 * member of a fleet has subscribed (to its request channel) before it asks them.
 */
export async function waitNumsub(client, channel, n, ms = 10000) {
  const deadline = Date.now() + ms;
  let got;
  for (;;) {
    got = await numsub(client, channel);
    if (got === n) return;
    if (Date.now() > deadline) throw new Error(`${channel}: ${got} subscribers, expected ${n}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** PUBSUB NUMPAT -> the number of pattern subscriptions on the server. */
export async function numpat(client) {
  return Number(await client.sendCommand(['PUBSUB', 'NUMPAT']));
}

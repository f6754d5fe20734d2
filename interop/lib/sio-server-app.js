// Shared by the sio-server system tests (interop/test/sio-server/*.test.js):
// start build/sio-server with one of apps/sio-server/examples/*.json on a free
// loopback port, sign JWTs (node's crypto; no jsonwebtoken dependency), wait
// for events, make HTTP requests to the API, and track clients for cleanup.
import { spawn } from 'node:child_process';
import { after, before } from 'node:test';
import { createHmac } from 'node:crypto';
import { once } from 'node:events';
import { request as httpRequest } from 'node:http';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { io } from 'socket.io-client';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const BIN = `${ROOT}build/sio-server`;
/** VALGRIND=1: the server runs under valgrind (memcheck; leaks fail its exit status). */
export const UNDER_VALGRIND = process.env.VALGRIND === '1';
/** Wait for an expected event (longer under valgrind). */
export const TIMEOUT = UNDER_VALGRIND ? 30000 : 5000;

export const exampleConfig = (name) => `${ROOT}apps/sio-server/examples/${name}.json`;

export const b64url = (v) =>
  Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');

/** A JWT signed with HMAC (HS256 by default); header fields may be overridden. */
export function sign(payload, secret, header = {}) {
  const alg = header.alg || 'HS256';
  const hash = { HS256: 'sha256', HS384: 'sha384', HS512: 'sha512' }[alg] || 'sha256';
  const head = `${b64url({ alg, typ: 'JWT', ...header })}.${b64url(payload)}`;
  return `${head}.${createHmac(hash, secret).update(head).digest('base64url')}`;
}

export const now = () => Math.floor(Date.now() / 1000);

export async function freePort() {
  const s = createServer();
  s.listen(0, '127.0.0.1');
  await once(s, 'listening');
  const { port } = s.address();
  s.close();
  await once(s, 'close');
  return port;
}

/** Resolves with the args of the first `event` on emitter, rejects after ms. */
export function waitFor(emitter, event, ms = TIMEOUT) {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => {
      emitter.off(event, on);
      reject(new Error(`timed out waiting for "${event}"`));
    }, ms);
    const on = (...args) => { clearTimeout(t); resolve(args); };
    emitter.once(event, on);
  });
}

/** Polls fn every 20 ms until it returns a truthy value, resolving with it (fails after ms):
 * for states with no event to await (a member seen through Redis, a metric, a log line). */
export async function until(fn, what, ms = TIMEOUT) {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Collects every `event` on emitter into an array (for "nothing else arrived" checks). */
export function collect(emitter, event) {
  const got = [];
  emitter.on(event, (...args) => got.push(args.length === 1 ? args[0] : args));
  return got;
}

/**
 * Start sio-server on the make-run configuration (examples/default.json) with the keys of
 * extra over it, written to dir/config.json; in development, with env over an environment
 * that sets no JWT secret, no API key and no origin lists.
 */
export async function startDefaultWith(dir, extra, env = {}) {
  const config = join(dir, 'config.json');
  const base = JSON.parse(readFileSync(exampleConfig('default'), 'utf8'));
  writeFileSync(config, JSON.stringify({ ...base, ...extra }));
  return startServer({ config, env: { NODE_ENV: 'development', JWT_ACCESS_SECRET: '',
    WEBSOCKET_API_KEY: '', WS_ALLOWED_ORIGINS: '', WEBSOCKET_CORS_ORIGIN: '', ...env } });
}

/**
 * Start sio-server: { config: path, env: extra environment, args: extra flags, bin: another
 * build of it (build-asan/sio-server), or node with script: a node twin's path, its first
 * argument }.
 * Resolves once it printed its "listening" line with
 * { proc, port, url, exited, stderr() and stdout(): text so far, stop() }.
 */
export async function startServer({ config, env = {}, args = [], bin = BIN, script } = {}) {
  const port = await freePort();
  const argv = [...(script ? [script] : []), ...(config ? ['--config', config] : []),
    '--port', String(port), '--host', '127.0.0.1', ...args];
  const cmd = UNDER_VALGRIND ? 'valgrind' : bin;
  if (UNDER_VALGRIND) {
    argv.unshift('--leak-check=full', '--show-leak-kinds=definite,indirect',
      '--errors-for-leak-kinds=definite,indirect', '--error-exitcode=99', bin);
  }
  const proc = spawn(cmd, argv, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  proc.stderr.on('data', (d) => { err += d; if (process.env.SIO_VERBOSE) process.stderr.write(d); });
  const exited = once(proc, 'exit');
  let out = '';
  await new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no "listening" line: ${out} ${err}`)),
      UNDER_VALGRIND ? 60000 : TIMEOUT);
    proc.stdout.on('data', (d) => {
      out += d;
      if (/listening/.test(out)) { clearTimeout(t); resolve(); }
    });
    proc.once('exit', (code) => { clearTimeout(t); reject(new Error(`exited ${code}: ${out} ${err}`)); });
  });
  const url = `http://127.0.0.1:${port}`;
  return {
    proc, port, url, exited,
    stderr: () => err,
    stdout: () => out,
    /** SIGTERM, then require a clean exit 0 (under valgrind: no memory errors or leaks). */
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      let timer;
      const late = new Promise((resolve) => {
        timer = setTimeout(() => resolve('timeout'), UNDER_VALGRIND ? 60000 : TIMEOUT);
      });
      const res = await Promise.race([exited, late]);
      clearTimeout(timer);
      if (res === 'timeout') {
        proc.kill('SIGKILL');
        await exited;
        throw new Error(`sio-server did not exit after SIGTERM\n${err}`);
      }
      const [code, signal] = res;
      if (code !== 0) {
        throw new Error(`sio-server stopped with ${signal || `exit code ${code}`}` +
          `${code === 99 ? ' (valgrind: memory errors or leaks)' : ''}\n${err}`);
      }
    },
  };
}

/** socket.io-client factory that remembers its sockets; closeAll() in after(). */
export function clientFactory(getUrl) {
  const clients = new Set();
  const make = (opts = {}) => {
    const c = io(getUrl(), { reconnection: false, forceNew: true, timeout: TIMEOUT, ...opts });
    clients.add(c);
    return c;
  };
  make.connected = async (opts = {}) => {
    const c = make(opts);
    await waitFor(c, 'connect');
    return c;
  };
  make.refused = async (opts = {}) => {
    const c = make(opts);
    const [e] = await waitFor(c, 'connect_error');
    c.close();
    return e;
  };
  make.closeAll = () => { for (const c of clients) c.close(); clients.clear(); };
  return make;
}

/**
 * One HTTP request: { method, path, headers, body (object -> JSON) }.
 * Resolves with { status, headers, text, json (or undefined) }.
 */
export function http(url, { method = 'GET', path = '/', headers = {}, body } = {}) {
  const data = body === undefined ? null
    : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
  const h = { ...headers };
  if (data) {
    h['content-type'] ??= 'application/json';
    h['content-length'] = data.length;
  }
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${url}${path}`, { method, headers: h }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        let json;
        try { json = JSON.parse(text); } catch { json = undefined; }
        resolve({ status: res.statusCode, headers: res.headers, text, json });
      });
    });
    req.setTimeout(TIMEOUT, () => req.destroy(new Error(`${method} ${path}: timed out`)));
    req.on('error', reject);
    if (data) req.write(data);
    req.end();
  });
}

/**
 * A describe()-level fixture: sio-server with config() (a path, computed in before()) and
 * env, a client factory for it, and connect(sub, extra, opts) for a client whose auth
 * token is token(sub, extra); clients are closed and the server stopped in after().
 */
export function serverFixture(config, { env = {}, token } = {}) {
  const f = { server: null };
  f.client = clientFactory(() => f.server.url);
  f.connect = (sub, extra, opts = {}) =>
    f.client.connected({ auth: { token: token(sub, extra) }, ...opts });
  before(async () => { f.server = await startServer({ config: config(), env }); });
  after(async () => { f.client.closeAll(); await f.server?.stop(); });
  return f;
}

// sio-server's configuration reload (SIGHUP) and --check-config
// (docs/sio-server.md, "Reload" and "Checking a configuration"):
// clients connected over long-polling and over WebSocket stay connected
// through a reload (no disconnect, they still get answers), the new API key
// works and the old one is refused, changed room rules and replies answer
// the connected clients, tokens signed with the new JWT secret
// are accepted and the old ones refused, the CORS origins change (a newly
// allowed page gets CORS headers and its WebSocket, a removed one is
// refused, the connections open stay); a file that does not load is
// refused and the running configuration stays; a changed setting that
// needs a restart is named in the log. --check-config prints the effective
// configuration (environment applied, secrets masked) and exits 0, or the
// error and 2.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BIN, clientFactory, exampleConfig, http, now, sign, startServer, waitFor, TIMEOUT,
} from '../../lib/sio-server-app.js';

const S1 = 'reload-test-first-secret-0123456789abcdef';
const S2 = 'reload-test-second-secret-0123456789abcdef';
const K1 = 'reload-old-api-key-1111';
const K2 = 'reload-new-api-key-2222';
const token = (sub, secret) =>
  sign({ sub, role: 'member', projects: ['p1'], iat: now(), exp: now() + 600 }, secret);
const dir = mkdtempSync(join(tmpdir(), 'sio-server-reload-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

/** family-stories with the JWT secret and the API key in the file. */
function config(secret, key, patch = () => {}) {
  const c = JSON.parse(readFileSync(exampleConfig('family-stories'), 'utf8'));
  delete c.auth.secretEnv;
  c.auth.secret = secret;
  c.api = { apiKeys: [key] };
  patch(c);
  return JSON.stringify(c);
}

/** Resolve when the server's stderr matches re (checked at each write). */
function logged(server, re) {
  return new Promise((resolve, reject) => {
    const look = () => {
      const m = re.exec(server.stderr());
      if (m) { clearTimeout(t); server.proc.stderr.off('data', look); resolve(m); }
    };
    const t = setTimeout(() => {
      server.proc.stderr.off('data', look);
      reject(new Error(`not logged: ${re}\n${server.stderr()}`));
    }, TIMEOUT);
    server.proc.stderr.on('data', look);
    look();
  });
}

/** Count the log lines matching re. */
const count = (server, re) => server.stderr().split('\n').filter((l) => re.test(l)).length;

const stats = (server, key) =>
  http(server.url, { path: '/api/v1/websocket/stats', headers: { 'x-api-key': key } });

/** A ping answered with a pong: the connection is alive and served. */
async function alive(c, answer = 'pong') {
  const pong = waitFor(c, answer);
  c.emit('ping');
  await pong;
}

describe('sio-server reload (SIGHUP) under live connections', () => {
  const file = join(dir, 'live.json');
  let server;
  const client = clientFactory(() => server.url);
  let polling;
  let ws;
  const drops = [];

  before(async () => {
    writeFileSync(file, config(S1, K1));
    server = await startServer({ config: file });
    polling = await client.connected({ auth: { token: token('alice', S1) }, transports: ['polling'] });
    ws = await client.connected({ auth: { token: token('bob', S1) }, transports: ['websocket'] });
    for (const c of [polling, ws]) c.on('disconnect', (why) => drops.push(why));
  });
  after(async () => { client.closeAll(); await server?.stop(); });

  it('the new API key and JWT secret are in force, the old ones refused, nobody dropped', async () => {
    assert.equal((await stats(server, K1)).status, 200);
    writeFileSync(file, config(S2, K2, (c) => { c.limits.eventsPerMinute = 90; }));
    server.proc.kill('SIGHUP');
    await logged(server, /info reloaded .*apiKeys=1 eventsPerMinute=90/);
    assert.equal((await stats(server, K2)).status, 200);
    assert.equal((await stats(server, K1)).status, 401);
    const fresh = await client.connected({ auth: { token: token('carol', S2) } });
    const err = await client.refused({ auth: { token: token('mallory', S1) } });
    assert.equal(err.data.code, 'UNAUTHORIZED');
    await alive(polling);
    await alive(ws);
    await alive(fresh);
    assert.equal(polling.io.engine.transport.name, 'polling');
    assert.equal(ws.io.engine.transport.name, 'websocket');
    assert.ok(polling.connected && ws.connected);
    assert.deepEqual(drops, []);
  });

  it('room rules and replies change under the connected clients', async () => {
    const before = count(server, /info reloaded /);
    writeFileSync(file, config(S2, K2, (c) => {
      c.limits.eventsPerMinute = 90;
      c.replies.ping = 'pong-reloaded';
      const j = c.rooms.joinEvents[0];
      j.denied.message = 'No access (reloaded)';
      j.authorize = { claimContains: 'teams' };
    }));
    server.proc.kill('SIGHUP');
    await logged(server, new RegExp(`(?:[^]*info reloaded ){${before + 1}}`));
    assert.doesNotMatch(server.stderr().split('info reloaded ').pop().split('\n')[0], /notReloaded/);
    const pong = waitFor(polling, 'pong-reloaded');
    polling.emit('ping');
    await pong;
    // p1 is in the token's "projects", but the rule now reads "teams"
    const denied = waitFor(ws, 'error');
    ws.emit('join_project', { projectId: 'p1' });
    assert.equal((await denied)[0].message, 'No access (reloaded)');
    assert.ok(polling.connected && ws.connected);
    assert.deepEqual(drops, []);
  });

  it('a file that does not load is refused; the running configuration stays', async () => {
    const before = count(server, /reload refused/);
    writeFileSync(file, '{"api": {"apiKeys": [');
    server.proc.kill('SIGHUP');
    await logged(server, new RegExp(`(?:[^]*reload refused){${before + 1}}`));
    assert.match(server.stderr(), /reload refused.*invalid JSON at line 1/);
    // a file that parses but is not valid (an unknown key) is refused too
    writeFileSync(file, config(S1, K1, (c) => { c.limits.eventsPerMinut = 5; }));
    server.proc.kill('SIGHUP');
    await logged(server, new RegExp(`(?:[^]*reload refused){${before + 2}}`));
    assert.match(server.stderr(), /reload refused.*eventsPerMinut.*unknown key/);
    assert.equal((await stats(server, K2)).status, 200);
    assert.equal((await stats(server, K1)).status, 401);
    await client.connected({ auth: { token: token('dave', S2) } });
    await alive(polling, 'pong-reloaded'); // the reply of the last good reload
    await alive(ws, 'pong-reloaded');
    assert.deepEqual(drops, []);
  });

  it('a changed setting that needs a restart is named and kept', async () => {
    writeFileSync(file, config(S2, K2, (c) => {
      c.pingInterval = 1234;
      c.admission = { maxConnectionsPerAddress: 7 };
      c.connectionStateRecovery = { maxDisconnectionDuration: 60000 };
    }));
    server.proc.kill('SIGHUP');
    await logged(server, /warn reload: changed settings that need a restart .*sections=pingInterval,admission,connectionStateRecovery/);
    // the handshake still announces the old interval
    const r = await http(server.url, { path: '/socket.io/?EIO=4&transport=polling' });
    assert.equal(JSON.parse(r.text.slice(1)).pingInterval, 25000);
    assert.equal((await stats(server, K2)).status, 200);
    assert.deepEqual(drops, []);
  });

  it('no secret in the log of the reloads', () => {
    for (const s of [S1, S2, K1, K2]) assert.ok(!server.stderr().includes(s), `${s} logged`);
  });
});

describe('sio-server reload (SIGHUP) of the CORS origins', () => {
  const file = join(dir, 'cors.json');
  const OLD = 'https://old.example';
  const NEW = 'https://new.example';
  const withOrigins = (origins, credentials = false) =>
    config(S1, K1, (c) => { c.cors = { origins, credentials }; });
  let server;
  const client = clientFactory(() => server.url);
  const drops = [];
  let polling;
  let ws;

  /** The Access-Control-Allow-* headers of a polling handshake from origin. */
  async function cors(origin) {
    const r = await http(server.url, {
      path: '/socket.io/?EIO=4&transport=polling', headers: { origin },
    });
    assert.equal(r.status, 200);
    return [r.headers['access-control-allow-origin'], r.headers['access-control-allow-credentials']];
  }
  /** A WebSocket-only client whose page is origin. */
  const page = (origin, sub) => ({
    auth: { token: token(sub, S1) }, transports: ['websocket'], extraHeaders: { Origin: origin },
  });

  before(async () => {
    writeFileSync(file, withOrigins([OLD]));
    server = await startServer({ config: file });
    polling = await client.connected({
      auth: { token: token('alice', S1) }, transports: ['polling'], extraHeaders: { Origin: OLD },
    });
    ws = await client.connected(page(OLD, 'bob'));
    for (const c of [polling, ws]) c.on('disconnect', (why) => drops.push(why));
  });
  after(async () => { client.closeAll(); await server?.stop(); });

  it('a newly allowed origin gets CORS headers and its WebSocket, a removed one is refused, nobody dropped', async () => {
    assert.deepEqual(await cors(OLD), [OLD, undefined]);
    assert.deepEqual(await cors(NEW), [undefined, undefined]);
    assert.equal((await client.refused(page(NEW, 'carol'))).message, 'websocket error');

    writeFileSync(file, withOrigins([NEW], true));
    server.proc.kill('SIGHUP');
    await logged(server, /info reloaded /);
    assert.doesNotMatch(server.stderr(), /notReloaded|need a restart/);

    assert.deepEqual(await cors(NEW), [NEW, 'true']);
    assert.deepEqual(await cors(OLD), [undefined, undefined]);
    const fresh = await client.connected(page(NEW, 'carol'));
    assert.equal((await client.refused(page(OLD, 'dave'))).message, 'websocket error');
    // the connections made before stay and are served
    await alive(polling);
    await alive(ws);
    await alive(fresh);
    assert.equal(ws.io.engine.transport.name, 'websocket');
    assert.deepEqual(drops, []);
  });

  it('"*" and back to no list: any origin, then none but the server\'s own', async () => {
    writeFileSync(file, config(S1, K1, (c) => { c.cors = { origins: '*' }; }));
    const before = count(server, /info reloaded /);
    server.proc.kill('SIGHUP');
    await logged(server, new RegExp(`(?:[^]*info reloaded ){${before + 1}}`));
    assert.deepEqual(await cors('https://any.example'), ['*', undefined]);
    await client.connected(page('https://any.example', 'erin'));

    writeFileSync(file, config(S1, K1, (c) => { delete c.cors; }));
    server.proc.kill('SIGHUP');
    await logged(server, new RegExp(`(?:[^]*info reloaded ){${before + 2}}`));
    assert.deepEqual(await cors(NEW), [undefined, undefined]);
    assert.equal((await client.refused(page(NEW, 'frank'))).message, 'websocket error');
    // a page of the server's own origin (the Host header) is not cross-origin
    await client.connected(page(server.url, 'grace'));
    assert.deepEqual(drops, []);
  });
});

describe('sio-server --check-config', () => {
  const run = (args, env = {}) => spawnSync(BIN, ['--check-config', ...args],
    { env: { ...process.env, ...env }, encoding: 'utf8', timeout: TIMEOUT });

  it('prints the effective configuration, environment applied, secrets masked; exit 0', () => {
    const file = join(dir, 'check.json');
    writeFileSync(file, config(S1, K1, (c) => {
      c.redis = { url: 'redis://:redis-pass-xyz@127.0.0.1:6390/2' };
    }));
    const r = run(['--config', file], { WEBSOCKET_API_KEY: 'env-key-3333', PORT: '4555' });
    assert.equal(r.status, 0, r.stderr);
    const cfg = JSON.parse(r.stdout);
    assert.equal(cfg.port, 4555);
    assert.equal(cfg.auth.required, true);
    assert.equal(cfg.auth.algorithm, 'HS256');
    assert.equal(cfg.auth.secret, '***');
    assert.deepEqual(cfg.api.apiKeys, ['***', '***']);
    assert.equal(cfg.limits.eventsPerMinute, 100);
    assert.equal(cfg.redis.address, 'redis://127.0.0.1:6390/2');
    assert.equal(cfg.redis.password, '***');
    assert.deepEqual(cfg.rooms.joinEvents.map((j) => j.join), ['join_project']);
    for (const s of [S1, K1, 'env-key-3333', 'redis-pass-xyz']) {
      assert.ok(!r.stdout.includes(s) && !r.stderr.includes(s), `${s} printed`);
    }
  });

  it('an invalid configuration: the error and exit 2 (file, environment)', () => {
    const file = join(dir, 'bad.json');
    writeFileSync(file, '{"limits": {"eventsPerMinute": "many"}}');
    let r = run(['--config', file]);
    assert.equal(r.status, 2);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /limits\.eventsPerMinute.*expected/);
    r = run([], { PORT: 'abc' });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /PORT: not a port number/);
  });
});

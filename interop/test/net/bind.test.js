// The listening address (issue 11): `--host` (and sio-server's HOST) binds exactly the
// address asked for, never every interface. Each server is started on a free port with a
// host, and the test checks that a connection to that address is accepted and one to
// another local address of the machine (127.0.0.2: all of 127/8 is loopback on Linux) is
// refused (ECONNREFUSED); that the startup line names the bound address (IPv6 in
// brackets); and that a host that cannot be bound stops the server at startup with one
// error line and a non-zero exit. The C binaries only: the address is the listener's
// business (net/net_bind.c, net/net_listener.c), and eio-echo and sio-server both use it.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import net from 'node:net';
import { once } from 'node:events';
import {
  freePort, serverCommand, launchServer, UNDER_VALGRIND,
} from '../../lib/eio-server.js';
import { withTimeout } from '../../lib/util.js';

const START_MS = UNDER_VALGRIND ? 60000 : 10000;

/** Resolve 'connected' when a TCP connection to host:port opens, else the error code. */
function tryConnect(host, port) {
  return new Promise((resolve) => {
    const s = net.connect({ host, port });
    s.once('connect', () => { s.destroy(); resolve('connected'); });
    s.once('error', (e) => resolve(e.code));
  });
}

/** Can this machine listen on ::1? (false: no IPv6 loopback) */
async function hasIpv6Loopback() {
  const s = net.createServer();
  try {
    s.listen(0, '::1');
    await once(s, 'listening');
    s.close();
    await once(s, 'close');
    return true;
  } catch {
    return false;
  }
}

/** Start a C server with these args (and env), wait for its listening line. */
async function start(bin, args, env = {}) {
  const port = await freePort();
  const command = serverCommand({ args: ['--port', String(port), ...args], binName: bin,
    underValgrind: UNDER_VALGRIND });
  const saved = { ...process.env };
  Object.assign(process.env, env); // launchServer spawns with this process's environment
  try {
    return await launchServer({ ...command, port, underValgrind: UNDER_VALGRIND,
      verboseEnv: 'SIO_VERBOSE' });
  } finally {
    for (const k of Object.keys(env)) {
      if (k in saved) process.env[k] = saved[k]; else delete process.env[k];
    }
  }
}

/**
 * A stderr text without the time and level sio-server's log puts before each line
 * (docs/sio-server.md, "Logs"; eio-echo has none): the message itself.
 */
const message = (err) => err.replace(/^\d{4}-\d\d-\d\dT[\d:.]+Z error /gm, '');

/** Run a server that must fail at startup: its exit code and stderr. */
async function startFails(bin, args) {
  const port = await freePort();
  const command = serverCommand({ args: ['--port', String(port), ...args], binName: bin });
  const proc = spawn(command.cmd, command.args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  proc.stdout.on('data', (d) => { out += d; });
  proc.stderr.on('data', (d) => { err += d; });
  const [code] = await withTimeout(once(proc, 'exit'), START_MS, `${bin} to exit`);
  return { code, out, err: message(err), port };
}

const SERVERS = [
  { bin: 'eio-echo', path: '/engine.io/' },
  { bin: 'sio-server', path: '/socket.io/' },
];

for (const { bin, path } of SERVERS) {
  describe(`${bin} --host`, () => {
    let ipv6 = false;
    before(async () => { ipv6 = await hasIpv6Loopback(); });

    it('127.0.0.1: accepted on 127.0.0.1, refused on 127.0.0.2 and ::1', async () => {
      const s = await start(bin, ['--host', '127.0.0.1']);
      try {
        assert.match(s.stdout(), new RegExp(`listening on http://127\\.0\\.0\\.1:${s.port}${path}`));
        assert.equal(await tryConnect('127.0.0.1', s.port), 'connected');
        assert.equal(await tryConnect('127.0.0.2', s.port), 'ECONNREFUSED');
        if (ipv6) assert.equal(await tryConnect('::1', s.port), 'ECONNREFUSED');
        // It serves on the address it is bound to.
        const r = await fetch(`http://127.0.0.1:${s.port}${path}?EIO=4&transport=polling`);
        assert.equal(r.status, 200);
        await r.text();
      } finally {
        await s.stop();
      }
    });

    it('::1: accepted on ::1, refused on 127.0.0.1; the line has [::1]', async (t) => {
      if (!ipv6) {
        t.skip('this machine has no IPv6 loopback (cannot listen on ::1)');
        return;
      }
      const s = await start(bin, ['--host', '::1']);
      try {
        assert.match(s.stdout(), new RegExp(`listening on http://\\[::1\\]:${s.port}${path}`));
        assert.equal(await tryConnect('::1', s.port), 'connected');
        assert.equal(await tryConnect('127.0.0.1', s.port), 'ECONNREFUSED');
      } finally {
        await s.stop();
      }
    });

    it('localhost: a name is resolved and only its address is bound', async () => {
      const s = await start(bin, ['--host', 'localhost']);
      try {
        const m = s.stdout().match(/listening on http:\/\/(127\.0\.0\.1|\[::1\]):(\d+)\//);
        assert.ok(m, `startup line names a loopback address: ${s.stdout()}`);
        assert.equal(Number(m[2]), s.port);
        const bound = m[1] === '[::1]' ? '::1' : m[1];
        assert.equal(await tryConnect(bound, s.port), 'connected');
        assert.equal(await tryConnect('127.0.0.2', s.port), 'ECONNREFUSED');
      } finally {
        await s.stop();
      }
    });

    it('no host: every interface, as before ([::] in the line)', async () => {
      const s = await start(bin, []);
      try {
        assert.match(s.stdout(), new RegExp(`listening on http://(\\[::\\]|0\\.0\\.0\\.0):${s.port}/`));
        assert.equal(await tryConnect('127.0.0.1', s.port), 'connected');
        assert.equal(await tryConnect('127.0.0.2', s.port), 'connected');
      } finally {
        await s.stop();
      }
    });

    it('a name that does not resolve fails at startup with one line', async () => {
      const r = await startFails(bin, ['--host', 'no-such-host.invalid']);
      assert.notEqual(r.code, 0);
      assert.equal(r.out, '');
      assert.equal(r.err,
        `${bin}: cannot listen on no-such-host.invalid port ${r.port}: unknown host\n`);
    });

    it('an address not on this machine fails at startup with one line', async () => {
      const r = await startFails(bin, ['--host', '192.0.2.1']); // TEST-NET-1, RFC 5737
      assert.notEqual(r.code, 0);
      assert.equal(r.out, '');
      assert.equal(r.err,
        `${bin}: cannot listen on 192.0.2.1 port ${r.port}: the address is not on this machine\n`);
    });

    it('a port taken on that address fails at startup with one line', async () => {
      const other = net.createServer();
      other.listen(0, '127.0.0.1');
      await once(other, 'listening');
      const { port } = other.address();
      try {
        const command = serverCommand({ args: ['--port', String(port), '--host', '127.0.0.1'],
          binName: bin });
        const proc = spawn(command.cmd, command.args, { stdio: ['ignore', 'pipe', 'pipe'] });
        let err = '';
        proc.stderr.on('data', (d) => { err += d; });
        const [code] = await withTimeout(once(proc, 'exit'), START_MS, `${bin} to exit`);
        assert.notEqual(code, 0);
        assert.equal(message(err),
          `${bin}: cannot listen on 127.0.0.1 port ${port}: Address already in use\n`);
      } finally {
        other.close();
      }
    });
  });
}

describe('sio-server HOST', () => {
  let s;
  after(() => s?.stop());

  it('HOST=127.0.0.1 binds 127.0.0.1 only', async () => {
    s = await start('sio-server', [], { HOST: '127.0.0.1' });
    assert.match(s.stdout(), new RegExp(`listening on http://127\\.0\\.0\\.1:${s.port}/`));
    assert.equal(await tryConnect('127.0.0.1', s.port), 'connected');
    assert.equal(await tryConnect('127.0.0.2', s.port), 'ECONNREFUSED');
  });
});

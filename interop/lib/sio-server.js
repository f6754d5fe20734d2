// Harness: start/stop the Socket.IO server under test (sio-echo).
//   SIO_SERVER=node  -> node interop/reference/sio-echo.js (validates the suite itself)
//   otherwise        -> the C binary build/sio-echo (override the path with SIO_ECHO_BIN)
//   VALGRIND=1       -> wrap the C server in valgrind; stop() then requires exit code 0
//   SIO_VERBOSE=1    -> copy the server's stdout/stderr to this process's stderr
// Same shape as eio-server.js (whose freePort it reuses); in addition a server can be
// started on a given port (to restart it on the same port in the reconnection tests).
import { spawn } from 'node:child_process';
import path from 'node:path';
import fs from 'node:fs';
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { freePort, INTEROP_DIR, REPO_ROOT } from './eio-server.js';

export const SIO_SERVER_KIND = process.env.SIO_SERVER === 'node' ? 'node' : 'c';
export const SIO_IS_NODE_REFERENCE = SIO_SERVER_KIND === 'node';
export const SIO_UNDER_VALGRIND = !SIO_IS_NODE_REFERENCE && process.env.VALGRIND === '1';

/** Multiplier for "something should happen" timeouts (never for "nothing happens" windows). */
export const SIO_TIME_SCALE = SIO_UNDER_VALGRIND ? 10 : 1;

function serverCommand(args) {
  if (SIO_IS_NODE_REFERENCE) {
    return { cmd: process.execPath, args: [path.join(INTEROP_DIR, 'reference', 'sio-echo.js'), ...args] };
  }
  const bin = process.env.SIO_ECHO_BIN
    ? path.resolve(REPO_ROOT, process.env.SIO_ECHO_BIN)
    : path.join(REPO_ROOT, 'build', 'sio-echo');
  if (!fs.existsSync(bin)) {
    throw new Error(`C server binary not found: ${bin} (run "make" at the repo root, ` +
      'set SIO_ECHO_BIN, or use SIO_SERVER=node for the reference server)');
  }
  if (SIO_UNDER_VALGRIND) {
    return {
      cmd: 'valgrind',
      args: ['--leak-check=full', '--show-leak-kinds=definite,indirect',
        '--errors-for-leak-kinds=definite,indirect', '--error-exitcode=99', bin, ...args],
    };
  }
  return { cmd: bin, args };
}

/**
 * Start the Socket.IO server under test.
 * @param {object} o
 * @param {number} [o.port]        listen on this port (default: a free one)
 * @param {number} [o.pingInterval=25000]
 * @param {number} [o.pingTimeout=20000]
 * @param {number} [o.maxPayload=1000000]
 * @param {string} [o.cors]        value for --cors-origin (omitted when unset)
 * @param {string[]} [o.extraArgs] further CLI arguments
 * @returns {Promise<{port:number,url:string,proc:import('child_process').ChildProcess,
 *   stop:()=>Promise<void>, stopping:boolean, stdout:()=>string, stderr:()=>string}>}
 */
export async function startSioServer({ port, pingInterval = 25000, pingTimeout = 20000,
  maxPayload = 1000000, cors, extraArgs = [] } = {}) {
  if (port === undefined) port = await freePort();
  const args = ['--port', String(port), '--ping-interval', String(pingInterval),
    '--ping-timeout', String(pingTimeout), '--max-payload', String(maxPayload)];
  if (cors !== undefined && cors !== null) args.push('--cors-origin', String(cors));
  args.push(...extraArgs);

  const { cmd, args: fullArgs } = serverCommand(args);
  const proc = spawn(cmd, fullArgs, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const verbose = process.env.SIO_VERBOSE === '1';
  proc.stdout.setEncoding('utf8');
  proc.stderr.setEncoding('utf8');
  proc.stdout.on('data', (d) => { out += d; if (verbose) process.stderr.write(`[server out] ${d}`); });
  proc.stderr.on('data', (d) => { err += d; if (verbose) process.stderr.write(`[server err] ${d}`); });

  const exited = new Promise((resolve) => {
    proc.once('exit', (code, signal) => resolve({ code, signal }));
  });
  let exitInfo = null;
  exited.then((info) => { exitInfo = info; });

  const startTimeoutMs = SIO_UNDER_VALGRIND ? 60000 : 10000;
  await new Promise((resolve, reject) => {
    let lineBuf = '';
    const cleanup = () => {
      clearTimeout(timer);
      proc.stdout.off('data', onData);
      proc.off('exit', onExit);
      proc.off('error', onError);
    };
    const onData = (d) => {
      lineBuf += d;
      const lines = lineBuf.split('\n');
      lineBuf = lines.pop();
      if (lines.some((l) => l.includes('listening')) || lineBuf.includes('listening')) {
        cleanup();
        resolve();
      }
    };
    const onExit = (code, signal) => {
      cleanup();
      reject(new Error(`server exited before listening (code ${code}, signal ${signal}): ` +
        `${cmd} ${fullArgs.join(' ')}\nstderr:\n${err}\nstdout:\n${out}`));
    };
    const onError = (e) => {
      cleanup();
      reject(new Error(`cannot spawn ${cmd}: ${e.message}`));
    };
    const timer = setTimeout(() => {
      cleanup();
      proc.kill('SIGKILL');
      reject(new Error(`server did not print "listening" within ${startTimeoutMs} ms: ` +
        `${cmd} ${fullArgs.join(' ')}\nstderr:\n${err}\nstdout:\n${out}`));
    }, startTimeoutMs);
    proc.stdout.on('data', onData);
    proc.once('exit', onExit);
    proc.once('error', onError);
  });

  let stopped = null;
  const stop = () => {
    if (stopped) return stopped;
    stopped = (async () => {
      if (exitInfo === null) proc.kill('SIGTERM');
      const stopTimeoutMs = SIO_UNDER_VALGRIND ? 60000 : 5000;
      let timer;
      const timedOut = new Promise((resolve) => {
        timer = setTimeout(() => resolve('timeout'), stopTimeoutMs);
      });
      const res = await Promise.race([exited, timedOut]);
      clearTimeout(timer);
      if (res === 'timeout') {
        proc.kill('SIGKILL');
        await exited;
        throw new Error(`server did not exit within ${stopTimeoutMs} ms of SIGTERM\nstderr:\n${err}`);
      }
      if (res.code !== 0) {
        const why = res.signal ? `killed by ${res.signal}` : `exit code ${res.code}`;
        const hint = res.code === 99 && SIO_UNDER_VALGRIND ? ' (valgrind found errors or leaks)' : '';
        throw new Error(`server ${why}${hint}; expected a clean exit 0 on SIGTERM\nstderr:\n${err}`);
      }
    })();
    return stopped;
  };

  const handle = {
    port,
    url: `http://127.0.0.1:${port}`,
    proc,
    stop: () => { handle.stopping = true; return stop(); },
    stopping: false,
    stdout: () => out,
    stderr: () => err,
  };
  return handle;
}

/**
 * Declare, as the last test of a suite, the clean shutdown of its server: SIGTERM, exit 0
 * (under VALGRIND=1: no memory errors or leaks). `cleanup` closes the suite's clients
 * first. The suite's after() hook should still call stop() (idempotent) for filtered runs.
 */
export function itShutsDownCleanly(getServer, cleanup = () => {}) {
  const what = SIO_UNDER_VALGRIND ? 'exit 0, no valgrind errors or leaks' : 'exit 0';
  it(`server shuts down cleanly on SIGTERM (${what})`, async () => {
    await cleanup();
    const server = getServer();
    assert.ok(server, 'server was started');
    await server.stop();
  });
}

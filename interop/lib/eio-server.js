// Harness: start/stop the Engine.IO echo server under test.
//   EIO_SERVER=node  -> node interop/reference/eio-echo.js (validates the suite itself)
//   otherwise        -> the C binary build/eio-echo (override the path with EIO_ECHO_BIN)
//   VALGRIND=1       -> wrap the C server in valgrind; stop() then requires exit code 0
//   EIO_VERBOSE=1    -> copy the server's stdout/stderr to this process's stderr
// Also the shared machinery of every server harness (sio-server.js, the examples' tests):
// serverCommand (reference script / C binary / valgrind), launchServer (spawn, wait for the
// ready line, stop/kill) and itShutsDownCleanly.
import { spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { it } from 'node:test';
import assert from 'node:assert/strict';

const here = path.dirname(fileURLToPath(import.meta.url));
export const INTEROP_DIR = path.resolve(here, '..');
export const REPO_ROOT = path.resolve(INTEROP_DIR, '..');

export const SERVER_KIND = process.env.EIO_SERVER === 'node' ? 'node' : 'c';
export const IS_NODE_REFERENCE = SERVER_KIND === 'node';
export const UNDER_VALGRIND = !IS_NODE_REFERENCE && process.env.VALGRIND === '1';

/** Pick a free loopback port: listen on port 0, read the port, close. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close((err) => (err ? reject(err) : resolve(port)));
    });
  });
}

/**
 * The command that runs a server under test: the node reference script when `nodeReference`,
 * otherwise the C binary build/<binName> (path overridable by the environment variable
 * `binEnv`, relative to the repo root), wrapped in valgrind when `underValgrind`.
 */
export function serverCommand({ args, nodeReference = false, referenceScript, referenceEnv,
  binName, binEnv, underValgrind = false }) {
  if (nodeReference) {
    return { cmd: process.execPath, args: [path.join(INTEROP_DIR, 'reference', referenceScript), ...args] };
  }
  const bin = binEnv && process.env[binEnv]
    ? path.resolve(REPO_ROOT, process.env[binEnv])
    : path.join(REPO_ROOT, 'build', binName);
  if (!fs.existsSync(bin)) {
    const hints = [binEnv && `set ${binEnv}`,
      referenceEnv && `or use ${referenceEnv}=node for the reference server`];
    throw new Error(`C server binary not found: ${bin} (run "make" at the repo root` +
      `${hints.filter(Boolean).map((h) => `, ${h}`).join('')})`);
  }
  if (underValgrind) {
    return {
      cmd: 'valgrind',
      args: ['--leak-check=full', '--show-leak-kinds=definite,indirect',
        '--errors-for-leak-kinds=definite,indirect', '--error-exitcode=99', bin, ...args],
    };
  }
  return { cmd: bin, args };
}

/**
 * Spawn a server, wait until its stdout has a line containing `readyPattern` (a string or
 * a RegExp), and return its handle. stop() sends SIGTERM and requires a clean exit 0 (under
 * valgrind: also no errors or leaks, exit code 99 otherwise); it is idempotent. kill()
 * sends `signal` (SIGKILL by default) and resolves on exit, whatever the exit status: for
 * servers that have no clean shutdown.
 * @param {object} o
 * @param {string} o.cmd
 * @param {string[]} o.args
 * @param {number} o.port            the port it listens on (for `url`)
 * @param {boolean} [o.underValgrind=false] longer start/stop timeouts, valgrind hint on exit 99
 * @param {string} [o.verboseEnv]     when process.env[verboseEnv] === '1', copy its output to stderr
 * @param {string|RegExp} [o.readyPattern='listening']
 * @returns {Promise<{port:number,url:string,proc:import('child_process').ChildProcess,
 *   stop:()=>Promise<void>, kill:(signal?:string)=>Promise<{code:number|null,signal:string|null}>,
 *   stopping:boolean, stdout:()=>string, stderr:()=>string}>}
 */
export async function launchServer({ cmd, args, port, underValgrind = false, verboseEnv,
  readyPattern = 'listening' }) {
  const proc = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const verbose = verboseEnv !== undefined && process.env[verboseEnv] === '1';
  proc.stdout.setEncoding('utf8');
  proc.stderr.setEncoding('utf8');
  proc.stdout.on('data', (d) => { out += d; if (verbose) process.stderr.write(`[server out] ${d}`); });
  proc.stderr.on('data', (d) => { err += d; if (verbose) process.stderr.write(`[server err] ${d}`); });

  const exited = new Promise((resolve) => {
    proc.once('exit', (code, signal) => resolve({ code, signal }));
  });
  let exitInfo = null;
  exited.then((info) => { exitInfo = info; });

  const ready = typeof readyPattern === 'string'
    ? (line) => line.includes(readyPattern)
    : (line) => readyPattern.test(line);
  const what = `${cmd} ${args.join(' ')}`;
  const startTimeoutMs = underValgrind ? 60000 : 10000;
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
      if (lines.some(ready) || ready(lineBuf)) {
        cleanup();
        resolve();
      }
    };
    const onExit = (code, signal) => {
      cleanup();
      reject(new Error(`server exited before listening (code ${code}, signal ${signal}): ` +
        `${what}\nstderr:\n${err}\nstdout:\n${out}`));
    };
    const onError = (e) => {
      cleanup();
      reject(new Error(`cannot spawn ${cmd}: ${e.message}`));
    };
    const timer = setTimeout(() => {
      cleanup();
      proc.kill('SIGKILL');
      reject(new Error(`server did not print ${JSON.stringify(String(readyPattern))} within ` +
        `${startTimeoutMs} ms: ${what}\nstderr:\n${err}\nstdout:\n${out}`));
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
      const stopTimeoutMs = underValgrind ? 60000 : 5000;
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
        const hint = res.code === 99 && underValgrind ? ' (valgrind found errors or leaks)' : '';
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
    kill: (signal = 'SIGKILL') => {
      handle.stopping = true;
      if (exitInfo === null) proc.kill(signal);
      return exited;
    },
    stopping: false,
    stdout: () => out,
    stderr: () => err,
  };
  return handle;
}

/**
 * Start the server under test.
 * @param {object} o
 * @param {number} [o.pingInterval=25000]
 * @param {number} [o.pingTimeout=20000]
 * @param {number} [o.maxPayload=1000000]
 * @param {string} [o.cors]       value for --cors-origin (omitted when unset)
 * @param {string[]} [o.extraArgs] further CLI arguments (e.g. ['--deny-header', 'x-deny'])
 * @returns {Promise<{port:number,url:string,proc:import('child_process').ChildProcess,
 *   stop:()=>Promise<void>, stdout:()=>string, stderr:()=>string}>}
 */
export async function startEioServer({ pingInterval = 25000, pingTimeout = 20000,
  maxPayload = 1000000, cors, extraArgs = [] } = {}) {
  const port = await freePort();
  const args = ['--port', String(port), '--ping-interval', String(pingInterval),
    '--ping-timeout', String(pingTimeout), '--max-payload', String(maxPayload)];
  if (cors !== undefined && cors !== null) args.push('--cors-origin', String(cors));
  args.push(...extraArgs);
  const command = serverCommand({ args, nodeReference: IS_NODE_REFERENCE,
    referenceScript: 'eio-echo.js', referenceEnv: 'EIO_SERVER', binName: 'eio-echo', binEnv: 'EIO_ECHO_BIN',
    underValgrind: UNDER_VALGRIND });
  return launchServer({ ...command, port, underValgrind: UNDER_VALGRIND, verboseEnv: 'EIO_VERBOSE' });
}

/**
 * Declare, as the last test of a suite, the clean shutdown of its server: SIGTERM, exit 0
 * (under valgrind: no memory errors or leaks). Being a test, a failure shows up in the
 * pass/fail counts (a failing after() hook does not). `cleanup` closes the suite's clients
 * first. The suite's after() hook should still call stop() (idempotent) for filtered runs.
 * `underValgrind` (default: this module's UNDER_VALGRIND) only changes the test's title.
 */
export function itShutsDownCleanly(getServer, cleanup = () => {}, { underValgrind = UNDER_VALGRIND } = {}) {
  const what = underValgrind ? 'exit 0, no valgrind errors or leaks' : 'exit 0';
  it(`server shuts down cleanly on SIGTERM (${what})`, async () => {
    await cleanup();
    const server = getServer();
    assert.ok(server, 'server was started');
    await server.stop();
  });
}

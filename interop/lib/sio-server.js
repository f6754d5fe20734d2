// Harness: start/stop the Socket.IO server under test (sio-echo).
//   SIO_SERVER=node  -> node interop/reference/sio-echo.js (validates the suite itself)
//   otherwise        -> the C binary build/sio-echo (override the path with SIO_ECHO_BIN)
//   VALGRIND=1       -> wrap the C server in valgrind; stop() then requires exit code 0
//   SIO_VERBOSE=1    -> copy the server's stdout/stderr to this process's stderr
//   SIO_CLIENT=json (default) | msgpack | v2 -> the client kind the suite runs with
//                       (interop/lib/sio-clients.js); the server is started to match:
//                       msgpack adds --parser msgpack, v2 (socket.io-client 2.x, Engine.IO
//                       v3) adds --allow-eio3. The node reference takes the same flags.
// Built on eio-server.js (serverCommand, launchServer, itShutsDownCleanly); in addition a
// server can be started on a given port (to restart it on the same port in the
// reconnection tests).
import {
  freePort, serverCommand, launchServer, itShutsDownCleanly as itShutsDownCleanlyWith,
} from './eio-server.js';

export const SIO_SERVER_KIND = process.env.SIO_SERVER === 'node' ? 'node' : 'c';
export const SIO_IS_NODE_REFERENCE = SIO_SERVER_KIND === 'node';
export const SIO_UNDER_VALGRIND = !SIO_IS_NODE_REFERENCE && process.env.VALGRIND === '1';

const CLIENT_KINDS = ['json', 'msgpack', 'v2'];
/** The client kind of this run: SIO_CLIENT, "json" when unset. */
export const SIO_CLIENT_KIND = process.env.SIO_CLIENT || 'json';
if (!CLIENT_KINDS.includes(SIO_CLIENT_KIND)) {
  throw new Error(`SIO_CLIENT=${SIO_CLIENT_KIND}: expected one of ${CLIENT_KINDS.join(', ')}`);
}
/** The server flags the client kind needs. */
const KIND_ARGS = { json: [], msgpack: ['--parser', 'msgpack'], v2: ['--allow-eio3'] };

/** Multiplier for "something should happen" timeouts (never for "nothing happens" windows). */
export const SIO_TIME_SCALE = SIO_UNDER_VALGRIND ? 10 : 1;

/**
 * Start the Socket.IO server under test.
 * @param {object} o
 * @param {number} [o.port]        listen on this port (default: a free one)
 * @param {number} [o.pingInterval=25000]
 * @param {number} [o.pingTimeout=20000]
 * @param {number} [o.maxPayload=1000000]
 * @param {string} [o.cors]        value for --cors-origin (omitted when unset)
 * @param {string[]} [o.extraArgs] further CLI arguments
 * @param {boolean} [o.matchClient=true] add the flags SIO_CLIENT's kind needs (those not in
 *   extraArgs already); false for a suite that picks its parser and protocols itself
 * @returns {Promise<{port:number,url:string,proc:import('child_process').ChildProcess,
 *   stop:()=>Promise<void>, stopping:boolean, stdout:()=>string, stderr:()=>string}>}
 */
export async function startSioServer({ port, pingInterval = 25000, pingTimeout = 20000,
  maxPayload = 1000000, cors, extraArgs = [], matchClient = true } = {}) {
  if (port === undefined) port = await freePort();
  const args = ['--port', String(port), '--ping-interval', String(pingInterval),
    '--ping-timeout', String(pingTimeout), '--max-payload', String(maxPayload)];
  if (cors !== undefined && cors !== null) args.push('--cors-origin', String(cors));
  args.push(...extraArgs);
  if (matchClient) {
    const need = KIND_ARGS[SIO_CLIENT_KIND];
    if (need.length && !extraArgs.includes(need[0])) args.push(...need);
  }
  const command = serverCommand({ args, nodeReference: SIO_IS_NODE_REFERENCE,
    referenceScript: 'sio-echo.js', referenceEnv: 'SIO_SERVER', binName: 'sio-echo',
    binEnv: 'SIO_ECHO_BIN', underValgrind: SIO_UNDER_VALGRIND });
  return launchServer({ ...command, port, underValgrind: SIO_UNDER_VALGRIND, verboseEnv: 'SIO_VERBOSE' });
}

/**
 * Declare, as the last test of a suite, the clean shutdown of its server: SIGTERM, exit 0
 * (under VALGRIND=1: no memory errors or leaks). `cleanup` closes the suite's clients
 * first. The suite's after() hook should still call stop() (idempotent) for filtered runs.
 */
export function itShutsDownCleanly(getServer, cleanup = () => {}) {
  itShutsDownCleanlyWith(getServer, cleanup, { underValgrind: SIO_UNDER_VALGRIND });
}

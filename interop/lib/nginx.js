// Harness: a real Debian nginx in front of sio-server instances, running the site of
// docs/deploy.md (docs/nginx/sio-server.conf) as it is, with only its listen line and its
// upstream server line replaced by loopback ports. nginx runs as a child (-p tmpdir -c conf
// -g 'daemon off;') with its pid, logs and temp paths in a tmp dir that stop() removes.
// Used by interop/test/sio-server/nginx.test.js and nginx-redis.test.js; runNginx, the same
// child with an http block of the test's own, by interop/test/engineio/nginx-http10.test.js.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort, ROOT, TIMEOUT } from './sio-server-app.js';

/** The nginx binary, or undefined when it is not installed. */
export const NGINX = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((p) => existsSync(p));
export const SITE = `${ROOT}docs/nginx/sio-server.conf`;
export const DEPLOY_MD = `${ROOT}docs/deploy.md`;

/** The documented site with loopback ports: only listen and upstream server lines change. */
export function siteForTest(site, listenPort, upstreamPorts) {
  let listens = 0;
  let servers = 0;
  const out = site.split('\n').flatMap((line) => {
    if (/^\s*listen\s+\S+;/.test(line)) {
      listens += 1;
      return listens === 1 ? [line.replace(/listen\s+\S+;/, `listen 127.0.0.1:${listenPort};`)] : [];
    }
    if (/^\s*server\s+127\.0\.0\.1:\d+;/.test(line)) {
      servers += 1;
      const indent = line.match(/^\s*/)[0];
      return upstreamPorts.map((p) => `${indent}server 127.0.0.1:${p};`);
    }
    return [line];
  });
  assert.equal(servers, 1, 'the site has one upstream server line');
  assert.ok(listens >= 1, 'the site has a listen line');
  return out.join('\n');
}

async function waitForPort(port, proc, errLog) {
  const deadline = Date.now() + TIMEOUT;
  for (;;) {
    if (proc.exitCode !== null) {
      throw new Error(`nginx exited ${proc.exitCode}: ${readFileSync(errLog, 'utf8')}`);
    }
    const ok = await new Promise((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => { s.destroy(); resolve(true); });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error('nginx did not listen');
    await new Promise((r) => setTimeout(r, 50));  // polling a port: nothing to await
  }
}

/**
 * A temporary directory for nginx and the test's files (world-readable: as root, nginx's
 * workers run as nobody and create their temp dirs in it).
 */
export function nginxDir() {
  const dir = mkdtempSync(path.join(tmpdir(), 'sio-nginx-'));
  chmodSync(dir, 0o755);
  return dir;
}

/**
 * Run nginx in dir with httpLines inside its http block (after the temp paths and the
 * access log, all in dir), and wait until it listens on every one of ports.
 * @returns {Promise<{log:()=>string, errors:()=>string[], stop:()=>Promise<void>}>}  stop()
 *   ends nginx (SIGTERM: a fast stop; SIGQUIT would wait for open WebSockets) and removes dir.
 */
export async function runNginx(dir, httpLines, ports) {
  let stderr = '';
  writeFileSync(path.join(dir, 'nginx.conf'), [
    'worker_processes 1;',
    `pid ${dir}/nginx.pid;`,
    `error_log ${dir}/error.log;`,
    'events { worker_connections 512; }',
    'http {',
    `  access_log ${dir}/access.log;`,
    ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']
      .map((t) => `  ${t}_temp_path ${dir}/${t}_temp;`),
    ...httpLines,
    '}', ''].join('\n'));
  const errLog = path.join(dir, 'error.log');
  const proc = spawn(NGINX, ['-p', `${dir}/`, '-c', `${dir}/nginx.conf`, '-e', errLog,
    '-g', 'daemon off;'], { stdio: ['ignore', 'ignore', 'pipe'] });
  proc.stderr.on('data', (d) => { stderr += d; });
  const exited = once(proc, 'exit');
  for (const port of ports) await waitForPort(port, proc, errLog);
  return {
    log: () => `${readFileSync(errLog, 'utf8')}\n${stderr}`,
    /** Lines of the error log at level error or worse. */
    errors: () => readFileSync(errLog, 'utf8').split('\n')
      .filter((l) => /\[(error|crit|alert|emerg)\]/.test(l)),
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.kill('SIGTERM');
        const t = setTimeout(() => proc.kill('SIGKILL'), TIMEOUT);
        await exited;
        clearTimeout(t);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Start nginx in dir with the documented site in front of upstreamPorts.
 * @returns {Promise<{url:string, port:number, errors:()=>string[], log:()=>string,
 *   stop:()=>Promise<void>}>}  as runNginx's, with the site's address.
 */
export async function startNginx(dir, upstreamPorts) {
  const port = await freePort();
  writeFileSync(path.join(dir, 'site.conf'),
    siteForTest(readFileSync(SITE, 'utf8'), port, upstreamPorts));
  const nginx = await runNginx(dir, [`  include ${dir}/site.conf;`], [port]);
  return { url: `http://127.0.0.1:${port}`, port, ...nginx };
}

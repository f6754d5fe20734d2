// Shared by the admin dashboard tests (test/sio-server/admin-ui.test.js, the protocol;
// test/browser/admin-ui-browser.test.js, the dashboard's own page in Chromium):
//   adminConfig(...)     a sio-server configuration with "adminUi" on, written to a temp file
//   startAdminServer()   build/sio-server with it, or with SIO_SERVER=node node's socket.io 4.8
//                        + instrument() (reference/admin-ui.js) reading the same file
//   startDashboardStatic()  the dashboard page: @socket.io/admin-ui's ui/dist from
//                        node_modules, served on its own loopback port (no CDN, no internet)
//   PASSWORD, HASH       the dashboard's credentials (bcryptjs, as node users make the hash)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import http from 'node:http';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import bcrypt from 'bcryptjs';
import { ROOT, freePort, startServer, TIMEOUT } from './sio-server-app.js';

export const ADMIN_IS_NODE = process.env.SIO_SERVER === 'node';
export const USERNAME = 'admin';
export const PASSWORD = 'dashboard-secret';
// cost 8: fast enough for many logins in a test, still bcrypt's full check
export const HASH = bcrypt.hashSync(PASSWORD, 8);

/** A config file: cors for `origin`, the default room rule, and adminUi with `admin`. */
export function adminConfig({ origin, admin = {} } = {}) {
  const cfg = {
    transports: ['polling', 'websocket'],
    cors: { origins: origin ? [origin] : [], credentials: true },
    auth: { required: false },
    rooms: {
      joinEvents: [{
        join: 'join', leave: 'leave', room: 'room:{id}', idField: 'room',
        authorize: 'none', ack: true,
        confirm: { joined: 'joined', left: 'left', payloadKey: 'room' },
      }],
    },
    limits: { eventsPerMinute: 0, connectionsPerMinutePerIp: 0, subscribeEventsPerMinute: 0 },
    adminUi: {
      enabled: true,
      auth: { type: 'basic', username: USERNAME, password: HASH },
      mode: 'development',
      ...admin,
    },
  };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sio-admin-'));
  const file = path.join(dir, 'config.json');
  fs.writeFileSync(file, JSON.stringify(cfg, null, 2));
  return { file, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** node's socket.io + instrument() on the same configuration file. */
async function startNodeReference(config) {
  const port = await freePort();
  const proc = spawn(process.execPath,
    [path.join(ROOT, 'interop/reference/admin-ui.js'), '--config', config, '--port', String(port)],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_ENV: '' } });
  let err = '';
  proc.stderr.on('data', (d) => { err += d; });
  const exited = once(proc, 'exit');
  await new Promise((resolve, reject) => {
    let out = '';
    const t = setTimeout(() => reject(new Error(`reference did not start: ${out} ${err}`)), TIMEOUT);
    proc.stdout.on('data', (d) => {
      out += d;
      if (/listening/.test(out)) { clearTimeout(t); resolve(); }
    });
    proc.once('exit', (code) => { clearTimeout(t); reject(new Error(`exited ${code}: ${err}`)); });
  });
  return {
    proc, port, url: `http://127.0.0.1:${port}`, exited, stderr: () => err,
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      await exited;
    },
  };
}

/** The server under test with config (a file path). */
export function startAdminServer(config) {
  return ADMIN_IS_NODE ? startNodeReference(config)
    : startServer({ config, env: { NODE_ENV: '' } });
}

const UI_DIR = path.join(ROOT, 'interop/node_modules/@socket.io/admin-ui/ui/dist');
const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css',
  '.png': 'image/png', '.svg': 'image/svg+xml', '.map': 'application/json',
};

/** Serve the dashboard (ui/dist) on a free loopback port: {origin, close()}. */
export async function startDashboardStatic() {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    const rel = url.pathname === '/' ? 'index.html' : decodeURIComponent(url.pathname.slice(1));
    const file = path.resolve(UI_DIR, rel);
    if (!file.startsWith(UI_DIR + path.sep) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[path.extname(file)] || 'application/octet-stream' });
    fs.createReadStream(file).pipe(res);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const origin = `http://127.0.0.1:${server.address().port}`;
  return {
    origin,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve); }),
  };
}

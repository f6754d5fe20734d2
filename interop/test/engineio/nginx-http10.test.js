// eio-echo behind a real nginx, in the two ways nginx talks to an upstream:
//   - nginx's default, `proxy_http_version 1.0`: every request reaches the server as HTTP/1.0
//     with `Connection: close` (docs/engineio.md, "HTTP connections": answered as 1.0,
//     then closed); the polling handshake, a POST then its echo, every error answer, the
//     client's close;
//   - `proxy_http_version 1.1` with an upstream keepalive pool (nginx's documented setup for
//     keep-alive upstreams): many sequential requests all answered over connections nginx
//     reuses; the TIME_WAITs show it (the 1.0 way leaves one per request).
// nginx runs as a child on loopback ports, its pid, logs and temp paths in a tmp dir
// (interop/lib/nginx.js, runNginx). Skipped (with the reason) only when nginx is not
// installed; scripts/install-deps.sh installs it.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { startEioServer, freePort, itShutsDownCleanly } from '../../lib/eio-server.js';
import { NGINX, nginxDir, runNginx } from '../../lib/nginx.js';
import { eioPath } from '../../lib/raw.js';

const TEXT = { 'Content-Type': 'text/plain;charset=UTF-8' };

/** TIME_WAIT sockets of connections to or from `port`: each closed connection leaves one, on
 * the side that closed first. */
function timeWaits(port) {
  const out = execFileSync('ss', ['-Htn', 'state', 'time-wait',
    `( sport = :${port} or dport = :${port} )`],
    { encoding: 'utf8' });
  return out.split('\n').filter((l) => l.trim()).length;
}

describe('eio-echo behind nginx: HTTP/1.0 upstream and a keep-alive upstream pool',
  { skip: NGINX ? false : 'nginx is not installed (scripts/install-deps.sh installs it)' }, () => {
    let server;
    let nginx;
    let http10;
    let pooled;

    before(async () => {
      server = await startEioServer();
      const [p10, p11] = [await freePort(), await freePort()];
      http10 = `http://127.0.0.1:${p10}`;
      pooled = `http://127.0.0.1:${p11}`;
      nginx = await runNginx(nginxDir(), [
        '  upstream eio_pool {',
        `    server 127.0.0.1:${server.port};`,
        '    keepalive 4;',
        '  }',
        '  server {', // nginx's default: proxy_http_version 1.0, Connection: close
        `    listen 127.0.0.1:${p10};`,
        `    location / { proxy_pass http://127.0.0.1:${server.port}; }`,
        '  }',
        '  server {',
        `    listen 127.0.0.1:${p11};`,
        '    location / {',
        '      proxy_pass http://eio_pool;',
        '      proxy_http_version 1.1;',
        '      proxy_set_header Connection "";',
        '    }',
        '  }',
      ], [p10, p11]);
    });

    after(async () => {
      await nginx?.stop();
      await server?.stop();
    });

    const send = async (base, path, init = {}) => {
      const res = await fetch(`${base}${path}`, init);
      return { status: res.status, body: await res.text() };
    };
    const handshake = async (base) => {
      const r = await send(base, eioPath());
      assert.equal(r.status, 200, r.body);
      return JSON.parse(r.body.slice(1)).sid;
    };
    const post = (base, sid, body) => send(base, eioPath({ sid }),
      { method: 'POST', headers: TEXT, body });

    it('HTTP/1.0 upstream: handshake, POST then GET, the error answers, close', async () => {
      const sid = await handshake(http10);
      const p = await post(http10, sid, '4hello\x1e4world');
      assert.equal(p.status, 200);
      assert.equal(p.body, 'ok');
      const g = await send(http10, eioPath({ sid }));
      assert.equal(g.body, '4hello\x1e4world');
      const e = await send(http10, eioPath({ transport: 'foo' }));
      assert.equal(e.status, 400);
      assert.deepEqual(JSON.parse(e.body), { code: 0, message: 'Transport unknown' });
      const u = await send(http10, eioPath({ sid: 'unknown' }));
      assert.deepEqual(JSON.parse(u.body), { code: 1, message: 'Session ID unknown' });
      assert.equal((await post(http10, sid, '1')).body, 'ok');
      const gone = await send(http10, eioPath({ sid }));
      assert.equal(gone.status, 400);
      assert.deepEqual(JSON.parse(gone.body), { code: 1, message: 'Session ID unknown' });
    });

    it('HTTP/1.0 upstream: each request on a connection of its own, then closed', async () => {
      const before = timeWaits(server.port);
      const sid = await handshake(http10);
      for (let i = 0; i < 5; i++) {
        assert.equal((await post(http10, sid, `4m${i}`)).body, 'ok');
        assert.equal((await send(http10, eioPath({ sid }))).body, `4m${i}`);
      }
      assert.ok(timeWaits(server.port) - before >= 10, 'each connection was closed');
    });

    it('keep-alive upstream pool: 41 sequential requests answered over reused connections', async () => {
      const before = timeWaits(server.port);
      const sid = await handshake(pooled);
      for (let i = 0; i < 20; i++) {
        const p = await post(pooled, sid, `4pooled ${i}`);
        assert.equal(p.body, 'ok', `POST ${i}`);
        const g = await send(pooled, eioPath({ sid }));
        assert.equal(g.body, `4pooled ${i}`, `GET ${i}`);
      }
      // A new connection per request would have left a TIME_WAIT each.
      assert.ok(timeWaits(server.port) - before < 5, 'the upstream connections were reused');
    });

    itShutsDownCleanly(() => server);
  });

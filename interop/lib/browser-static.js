// A tiny static http server for the real-browser tests, on its own port so that the page
// has a different origin from the Socket.IO server (every request from the page to the
// server is cross-origin and needs the server's CORS headers). It serves:
//   /                     the test page (PAGE_HTML below)
//   /browser-page.js      the script run by the page (browser-page-client.js)
//   /socket.io.min.js     the socket.io-client browser bundle from node_modules (no CDN)
//   /socket.io-msgpack-parser.js   socket.io-msgpack-parser for the page, as window.msgpackParser:
//                         it ships no browser bundle, so its CommonJS modules and those it
//                         requires (component-emitter, notepack.io with the browser files its
//                         package.json "browser" field names) are wrapped here, as a bundler would
// Anything else is a 404.
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { INTEROP_DIR } from './eio-server.js';

// The test page: a results area that browser-page-client.js fills in as it goes (so a
// screenshot shows what window.results holds), the socket.io bundle, the test script.
const PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>socket.io browser interop</title>
<link rel="icon" href="data:,">
<style>
  body { font-family: sans-serif; margin: 12px; }
  #status { font-weight: bold; }
  #status.ok { color: #070; }
  #status.failed { color: #b00; }
  pre { font-size: 11px; background: #f4f4f4; padding: 8px; white-space: pre-wrap; }
</style>
</head>
<body>
<h1>socket.io-client in Chromium against the server under test</h1>
<p>scenario: <span id="scenario"></span> &mdash; status: <span id="status">running</span></p>
<pre id="results"></pre>
<script src="/socket.io.min.js"></script>
<script src="/socket.io-msgpack-parser.js"></script>
<script src="/browser-page.js"></script>
</body>
</html>
`;

const NODE_MODULES = path.join(INTEROP_DIR, 'node_modules');

// The modules of the msgpack parser's bundle: the name each is required by, its file.
// notepack.io's lib/index.js requires './encode' and './decode'; its "browser" field
// replaces them with browser/encode.js and browser/decode.js (no Buffer in a page).
const MSGPACK_MODULES = [
  ['socket.io-msgpack-parser', 'socket.io-msgpack-parser/index.js'],
  ['component-emitter', 'component-emitter/index.js'],
  ['notepack.io', 'notepack.io/lib/index.js'],
  ['./encode', 'notepack.io/browser/encode.js'],
  ['./decode', 'notepack.io/browser/decode.js'],
];

/** Each module in a function of (module, exports, require), then the entry's exports as
 * window.msgpackParser. */
function msgpackParserBundle() {
  const defs = MSGPACK_MODULES.map(([name, file]) => `${JSON.stringify(name)}: ` +
    `function (module, exports, require) {\n${fs.readFileSync(path.join(NODE_MODULES, file), 'utf8')}\n}`);
  return Buffer.from(`(function () {
var defs = {\n${defs.join(',\n')}\n};
var cache = {};
function require(name) {
  if (!Object.prototype.hasOwnProperty.call(defs, name)) throw new Error('bundle: no module ' + name);
  if (!cache[name]) {
    var module = { exports: {} };
    cache[name] = module;
    defs[name].call(module.exports, module, module.exports, require);
  }
  return cache[name].exports;
}
window.msgpackParser = require('socket.io-msgpack-parser');
})();
`);
}

const FILES = {
  '/': { body: Buffer.from(PAGE_HTML), type: 'text/html; charset=utf-8' },
  '/browser-page.js': {
    file: path.join(INTEROP_DIR, 'lib', 'browser-page-client.js'),
    type: 'text/javascript; charset=utf-8',
  },
  '/socket.io.min.js': {
    file: path.join(NODE_MODULES, 'socket.io-client', 'dist', 'socket.io.min.js'),
    type: 'text/javascript; charset=utf-8',
  },
  '/socket.io-msgpack-parser.js': {
    make: msgpackParserBundle,
    files: MSGPACK_MODULES.map(([, file]) => path.join(NODE_MODULES, file)),
    type: 'text/javascript; charset=utf-8',
  },
};

/**
 * Start the static server on 127.0.0.1 and a free port.
 * @returns {Promise<{port:number, origin:string, requests:string[], close:()=>Promise<void>}>}
 */
export async function startStaticServer() {
  for (const { file, files = [] } of Object.values(FILES)) {
    for (const f of file ? [file, ...files] : files) {
      if (!fs.existsSync(f)) throw new Error(`browser test file missing: ${f} (npm ci in interop/?)`);
    }
  }
  const requests = [];
  const server = http.createServer((req, res) => {
    const pathname = new URL(req.url, 'http://x').pathname;
    requests.push(`${req.method} ${req.url}`);
    const entry = FILES[pathname];
    if (!entry || req.method !== 'GET') {
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      res.end('not found');
      return;
    }
    const body = entry.body ?? (entry.make ? entry.make() : fs.readFileSync(entry.file));
    res.writeHead(200, { 'Content-Type': entry.type, 'Content-Length': body.length,
      'Cache-Control': 'no-store' });
    res.end(body);
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address();
  return {
    port,
    origin: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

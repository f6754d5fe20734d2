#!/usr/bin/env node
// Reference Engine.IO v4 echo server (node `engine.io`), the behavioural twin of the C
// apps/eio-echo. The interop suite runs against it with EIO_SERVER=node to validate the
// tests themselves. Same CLI as the C server:
//   --port P --ping-interval MS --ping-timeout MS --max-payload BYTES
//   [--cors-origin ORIGIN]   CORS with credentials; "*" reflects any origin
//   [--deny-header NAME]     refuse handshakes carrying header NAME (403, code 4 "Forbidden")
// Echoes every message as it came (text as text, binary as binary). Test hook: the text
// message "close-me" makes the server close that session. Exits 0 on SIGTERM/SIGINT.
import http from 'node:http';
import { Server } from 'engine.io';
import { parseArgs } from './args.js';

const opts = { denyHeader: null, ...parseArgs('eio-echo', process.argv.slice(2),
  { '--deny-header': (o, v) => { o.denyHeader = v.toLowerCase(); } }) };

const engineOpts = {
  path: '/engine.io/',
  pingInterval: opts.pingInterval,
  pingTimeout: opts.pingTimeout,
  maxHttpBufferSize: opts.maxPayload,
  allowEIO3: opts.allowEIO3,
  transports: ['polling', 'websocket'],
  allowUpgrades: true,
  perMessageDeflate: false,
  httpCompression: false,
};
if (opts.corsOrigin !== null) {
  // "*" reflects the request's origin (a literal "*" is not allowed with credentials);
  // otherwise only the exact configured origin gets the CORS headers.
  engineOpts.cors = {
    origin: opts.corsOrigin === '*' ? true : [opts.corsOrigin],
    credentials: true,
  };
}
if (opts.denyHeader !== null) {
  engineOpts.allowRequest = (req, cb) => {
    if (req.headers[opts.denyHeader] !== undefined) cb('Forbidden', false);
    else cb(null, true);
  };
}

const httpServer = http.createServer((req, res) => {
  res.writeHead(404, { 'Content-Type': 'text/plain' });
  res.end('not found');
});
const engine = new Server(engineOpts);
engine.attach(httpServer, { path: '/engine.io/' });

engine.on('connection', (socket) => {
  socket.on('message', (data) => {
    if (data === 'close-me') {
      socket.close();
      return;
    }
    // An empty text message arrives as undefined; echo it as an empty text message.
    socket.send(data === undefined ? '' : data);
  });
});

let stopping = false;
function shutdown() {
  if (stopping) return;
  stopping = true;
  engine.close();
  httpServer.close();
  httpServer.closeAllConnections();
  setImmediate(() => process.exit(0));
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);

httpServer.listen(opts.port, '127.0.0.1', () => {
  const { port } = httpServer.address();
  console.log(`eio-echo: listening on http://127.0.0.1:${port}/engine.io/`);
});

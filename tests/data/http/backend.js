// backend.js - the tiny HTTP server tests/test_srv_http_client.c talks to.
// Listens on a free loopback port and prints it on stdout ("PORT <n>");
// stops when stdin closes (the test's end) or on SIGTERM.
//   POST/GET /echo      -> 200 {method, headers, body}
//   /status/<n>         -> status n, body "status <n>"
//   /slow/<ms>          -> 200 "slow" after ms
//   /hang               -> never answers
//   /big/<n>            -> 200 with n bytes of 'x'
'use strict';
const http = require('http');

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks).toString();
    const [, route, arg] = req.url.split('/');
    if (route === 'echo') {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ method: req.method, headers: req.headers, body }));
    } else if (route === 'status') {
      res.statusCode = Number(arg);
      res.end(`status ${arg}`);
    } else if (route === 'slow') {
      setTimeout(() => res.end('slow'), Number(arg));
    } else if (route === 'hang') {
      // never answered; the client's timeout ends it
    } else if (route === 'big') {
      res.end('x'.repeat(Number(arg)));
    } else {
      res.statusCode = 404;
      res.end('not found');
    }
  });
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`PORT ${server.address().port}\n`);
});
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
process.on('SIGTERM', () => process.exit(0));

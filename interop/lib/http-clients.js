// The HTTP clients users talk to the server with, behind one interface, so that one scenario
// runs through each (test/engineio/http-clients.test.js). Each client is
//   { name, send({ method, path, headers, body }) -> { status, headers, body, version }, close() }
// against a server { port }: headers lower-cased, body a UTF-8 string, version "1.0" / "1.1".
// send({ chunked: true }) sends the body with `Transfer-Encoding: chunked` (not curl-1.0:
// HTTP/1.0 has no chunks).
// Clients that keep connections alive keep them across send() calls (that reuse is what
// breaks when a server closes a connection without saying `Connection: close`).
//   fetch            node's global fetch (undici), its default keep-alive pool
//   http-keepalive   node's http with a keep-alive agent (the default agent since Node 19)
//   http-close       the same agent, each request with `Connection: close` (as older
//                    node-fetch 2 releases and many backends' HTTP helpers send)
//   node-fetch2      node-fetch 2.7 (npm) as backends call it: no agent given
//   axios            axios 1.x (npm), its default instance: node's http adapter through
//                    node's global agent (keep-alive since Node 19)
//   axios-keepalive  an axios instance with a keep-alive http.Agent of its own (httpAgent)
//   curl, curl-1.0   the curl binary, one process per request; --http1.0 for the second
import http from 'node:http';
import { spawn } from 'node:child_process';
import { Readable } from 'node:stream';
import nodeFetch from 'node-fetch';
import axios from 'axios';
import { withTimeout, EVENT_TIMEOUT } from './util.js';

/** The body as a stream of two pieces: sent with `Transfer-Encoding: chunked`. */
function webStream(body) {
  const b = Buffer.from(body);
  const half = b.length >> 1;
  return new ReadableStream({
    start(c) { c.enqueue(b.subarray(0, half)); c.enqueue(b.subarray(half)); c.close(); },
  });
}

function fetchClient(name, fetchFn, streamOf) {
  return (server) => ({
    name,
    async send({ method = 'GET', path, headers = {}, body = null, chunked = false }) {
      const b = chunked ? streamOf(body) : body ?? undefined;
      const res = await fetchFn(`http://127.0.0.1:${server.port}${path}`,
        { method, headers, body: b, ...(chunked && streamOf === webStream ? { duplex: 'half' } : {}) });
      const text = await res.text();
      const h = {};
      res.headers.forEach((v, k) => { h[k] = v; });
      return { status: res.status, headers: h, body: text, version: '1.1' };
    },
    close() {},
  });
}

function httpClient(name, extraHeaders) {
  return (server) => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    return {
      name,
      send({ method = 'GET', path, headers = {}, body = null, chunked = false }) {
        return new Promise((resolve, reject) => {
          const req = http.request({ host: '127.0.0.1', port: server.port, method, path, agent,
            headers: { ...extraHeaders, ...headers } }, (res) => {
            const chunks = [];
            res.on('data', (c) => chunks.push(c));
            res.on('end', () => resolve({ status: res.statusCode, headers: res.headers,
              body: Buffer.concat(chunks).toString('utf8'), version: res.httpVersion }));
            res.on('error', reject);
          });
          req.on('error', reject);
          if (chunked) { // no Content-Length: node sends the pieces as chunks
            const half = body.length >> 1;
            req.write(body.slice(0, half));
            req.end(body.slice(half));
          } else {
            req.end(body ?? undefined);
          }
        });
      },
      close() { agent.destroy(); },
    };
  };
}

// Without an agent of its own node-fetch 2.7 goes through node's global agent, which keeps
// connections alive since Node 19 (2.7 no longer adds `Connection: close` by itself).
const nodeFetch2Client = fetchClient('node-fetch2', nodeFetch,
  (body) => Readable.from([body.slice(0, body.length >> 1), body.slice(body.length >> 1)]));

/**
 * axios as users call it: request() on the default instance or on one with its own agent.
 * responseType 'text' keeps the body as sent (no JSON parsing), validateStatus accepts every
 * status (a user reads an error's `error.response`; the same answer). A stream body has no
 * length, so node's http adapter sends it with `Transfer-Encoding: chunked`.
 */
function axiosClient(name, makeAgent) {
  return (server) => {
    const agent = makeAgent?.();
    const instance = agent ? axios.create({ httpAgent: agent }) : axios;
    return {
      name,
      async send({ method = 'GET', path, headers = {}, body = null, chunked = false }) {
        const data = chunked
          ? Readable.from([body.slice(0, body.length >> 1), body.slice(body.length >> 1)])
          : body ?? undefined;
        const res = await instance.request({ url: `http://127.0.0.1:${server.port}${path}`,
          method, headers, data, responseType: 'text', validateStatus: () => true });
        const h = {};
        for (const [k, v] of Object.entries(res.headers.toJSON())) h[k.toLowerCase()] = v;
        return { status: res.status, headers: h, body: res.data,
          version: res.request.res?.httpVersion ?? '1.1' };
      },
      close() { agent?.destroy(); },
    };
  };
}

/** Parse curl -i output: the last header block (after any 100 Continue), then the body. */
function parseCurl(out) {
  let rest = out;
  for (;;) {
    const end = rest.indexOf('\r\n\r\n');
    const head = rest.subarray(0, end).toString('latin1');
    rest = rest.subarray(end + 4);
    const [statusLine, ...lines] = head.split('\r\n');
    const m = /^HTTP\/(\d\.\d) (\d+)/.exec(statusLine);
    if (Number(m[2]) === 100) continue;
    const headers = {};
    for (const l of lines) {
      const i = l.indexOf(':');
      headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
    }
    return { status: Number(m[2]), headers, body: rest.toString('utf8'), version: m[1] };
  }
}

function curlClient(name, extraArgs) {
  return (server) => ({
    name,
    send({ method = 'GET', path, headers = {}, body = null, chunked = false }) {
      const args = ['-s', '-i', '-X', method, ...extraArgs];
      if (chunked) args.push('-H', 'Transfer-Encoding: chunked');
      for (const [k, v] of Object.entries(headers)) args.push('-H', `${k}: ${v}`);
      if (body !== null) args.push('--data-binary', '@-');
      args.push(`http://127.0.0.1:${server.port}${path}`);
      const p = new Promise((resolve, reject) => {
        const cp = spawn('curl', args);
        const chunks = [];
        cp.stdout.on('data', (c) => chunks.push(c));
        cp.on('error', reject);
        cp.on('close', (code) => (code === 0 ? resolve(parseCurl(Buffer.concat(chunks)))
          : reject(new Error(`curl exited ${code}`))));
        cp.stdin.end(body ?? undefined);
      });
      return withTimeout(p, EVENT_TIMEOUT, `curl ${method} ${path}`);
    },
    close() {},
  });
}

/** Every client, as factories of a server. */
export const HTTP_CLIENTS = [
  fetchClient('fetch', (...a) => fetch(...a), webStream),
  httpClient('http-keepalive', {}),
  httpClient('http-close', { Connection: 'close' }),
  nodeFetch2Client,
  axiosClient('axios'),
  axiosClient('axios-keepalive', () => new http.Agent({ keepAlive: true, maxSockets: 1 })),
  curlClient('curl', []),
  curlClient('curl-1.0', ['--http1.0']),
];

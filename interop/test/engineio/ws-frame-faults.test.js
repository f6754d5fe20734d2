// WebSocket frames a client library never sends, written raw on a TCP socket: each ends its
// own connection with a close frame whose status code says why (RFC 6455 section 7.4.1),
// and a bystander keeps working.
//   - a packet that does not parse (Engine.IO garbage): 1002 "parse error" (node's engine.io
//     sends a close frame with no code; a code lets a client report the reason);
//   - a frame header claiming more than maxPayload (2^63-1 bytes): 1009 as soon as its first
//     payload bytes arrive, not after maxPayload bytes were read;
//   - invalid UTF-8 in a text frame: 1007 (libwebsockets' own check).
import { describe, it, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import crypto from 'node:crypto';
import { startEioServer, itShutsDownCleanly, IS_NODE_REFERENCE } from '../../lib/eio-server.js';
import { connectClient, assertEcho } from '../../lib/clients.js';
import { withTimeout, EVENT_TIMEOUT } from '../../lib/util.js';

/** A masked client frame (RFC 6455 section 5.2); `length` may lie about the payload. */
function frame(opcode, payload, { length = payload.length } = {}) {
  let head;
  if (length < 126) head = Buffer.from([0x80 | opcode, 0x80 | length]);
  else if (length < 65536) {
    head = Buffer.from([0x80 | opcode, 0x80 | 126, 0, 0]);
    head.writeUInt16BE(length, 2);
  } else {
    head = Buffer.alloc(10);
    head[0] = 0x80 | opcode;
    head[1] = 0x80 | 127;
    head.writeBigUInt64BE(BigInt(length), 2);
  }
  const key = crypto.randomBytes(4);
  const body = Buffer.from(payload).map((b, i) => b ^ key[i % 4]);
  return Buffer.concat([head, key, body]);
}

/** Open a raw WebSocket to the Engine.IO path; resolves once the 101 has been read. */
function rawWebSocket(server) {
  return withTimeout(new Promise((resolve, reject) => {
    const sock = net.connect(server.port, '127.0.0.1');
    let buf = Buffer.alloc(0);
    const onData = (d) => {
      buf = Buffer.concat([buf, d]);
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      sock.off('data', onData);
      assert.match(buf.subarray(0, end).toString(), /^HTTP\/1\.1 101/);
      resolve({ sock, rest: buf.subarray(end + 4) });
    };
    sock.on('data', onData);
    sock.on('error', reject);
    sock.write('GET /engine.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: x\r\n' +
      'Upgrade: websocket\r\nConnection: Upgrade\r\n' +
      `Sec-WebSocket-Key: ${crypto.randomBytes(16).toString('base64')}\r\n` +
      'Sec-WebSocket-Version: 13\r\n\r\n');
  }), EVENT_TIMEOUT, 'WebSocket handshake');
}

/** Everything the server sends until its close frame: resolves to {code, reason}. */
function closeFrame({ sock, rest }) {
  return withTimeout(new Promise((resolve, reject) => {
    let buf = rest;
    const scan = () => {
      // Server frames are unmasked; the messages before the close are skipped.
      let i = 0;
      while (i + 2 <= buf.length) {
        const op = buf[i] & 0x0f;
        let len = buf[i + 1] & 0x7f, off = 2;
        if (len === 126) { if (i + 4 > buf.length) return; len = buf.readUInt16BE(i + 2); off = 4; }
        else if (len === 127) { if (i + 10 > buf.length) return; len = Number(buf.readBigUInt64BE(i + 2)); off = 10; }
        if (i + off + len > buf.length) return;
        if (op === 8) {
          const p = buf.subarray(i + off, i + off + len);
          resolve({ code: p.length >= 2 ? p.readUInt16BE(0) : 1005, reason: p.subarray(2).toString() });
          sock.destroy();
          return;
        }
        i += off + len;
      }
    };
    sock.on('data', (d) => { buf = Buffer.concat([buf, d]); scan(); });
    sock.on('close', () => reject(new Error('connection closed without a close frame')));
    sock.on('error', () => {});
    scan();
  }), EVENT_TIMEOUT, 'close frame');
}

describe('WebSocket frame faults', () => {
  let server;
  let bystander;
  before(async () => {
    server = await startEioServer({ maxPayload: 100000 });
    bystander = await connectClient(server, { transports: ['websocket'] });
  });
  afterEach(async () => {
    if (server.stopping) return;
    await assertEcho(bystander, 'bystander still echoes');
  });
  after(async () => {
    bystander?.socket.close();
    await server?.stop();
  });

  for (const [label, data] of [['an unknown packet type', '9x'], ['an empty text message', '']]) {
    it(`${label} closes with 1002 "parse error"`, async () => {
      const ws = await rawWebSocket(server);
      ws.sock.write(frame(1, data));
      // node's engine.io: a close frame with no code (read as 1005).
      assert.deepEqual(await closeFrame(ws), IS_NODE_REFERENCE ? { code: 1005, reason: '' }
        : { code: 1002, reason: 'parse error' });
    });
  }

  it('a frame header claiming 2^63-1 bytes closes with 1009 at its first bytes', async () => {
    const ws = await rawWebSocket(server);
    ws.sock.write(frame(1, '4abc', { length: 2n ** 63n - 1n }));
    assert.equal((await closeFrame(ws)).code, 1009);
  });

  it('a header claiming one byte past maxPayload closes with 1009 at once', async () => {
    const ws = await rawWebSocket(server);
    ws.sock.write(frame(2, Buffer.alloc(10), { length: 100001 }));
    assert.equal((await closeFrame(ws)).code, 1009);
  });

  it('invalid UTF-8 in a text frame closes with 1007', async () => {
    const ws = await rawWebSocket(server);
    ws.sock.write(frame(1, Buffer.from([0x34, 0xff, 0xfe])));
    assert.equal((await closeFrame(ws)).code, 1007);
  });

  itShutsDownCleanly(() => server, () => bystander?.socket.close());
});

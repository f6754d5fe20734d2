// Hostile catalog: malformed Engine.IO and Socket.IO packets, on WebSocket and on polling,
// from an authenticated, connected client. The answers (docs/engineio.md "Polling" and
// "WebSocket", docs/socketio.md "Decode errors close the connection"): a packet that does
// not decode, or one the client may not send (a v4 ping, CONNECT_ERROR, a packet for a
// namespace not joined, a second CONNECT, attachments out of order), closes that
// connection: on WebSocket with a close frame (MALFORMED codes: 1002), on
// polling the POST is still answered `ok` and the session ends (the next request gets 400
// code 1). Packets node's engine.io ignores (a client noop, open or upgrade outside an
// upgrade) are ignored; an ACK with an unknown id is ignored. Limits: ack ids at most
// 2^53 - 1, JSON at most 64 deep (base/json.h), at most 10 attachments.
import assert from 'node:assert/strict';
import {
  hostileSuite, openWs, expectClose, expectAlive, pollSession, pollPost, pollGet,
  expectSessionGone, frame, token, sleep,
} from '../../lib/hostile.js';

/** Close codes for a protocol error of the client (a close frame with a status code). */
const MALFORMED = [1002];

const deep = (n) => `${'['.repeat(n)}${']'.repeat(n)}`;
const deepObj = (n) => `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`;

// Engine.IO messages that end the session.
const eioBad = [
  ['empty message', ''],
  ['unknown packet type 9', '9'],
  ['unknown packet type x', 'xyz'],
  ['ping from the client (v4: the server pings)', '2'],
  ['NUL packet type', '\u0000'],
];
// Socket.IO packets (Engine.IO message type 4) that do not decode.
const sioBad = [
  ['no Socket.IO type', '4'],
  ['unknown Socket.IO type 7', '47'],
  ['unknown Socket.IO type z', '4z["a"]'],
  ['EVENT without payload', '42'],
  ['EVENT with bad JSON', '42["a",'],
  ['EVENT with an object payload', '42{"a":1}'],
  ['EVENT with an empty array', '42[]'],
  ['EVENT name a number array', '42[[1]]'],
  ['EVENT with a null name', '42[null]'],
  ['EVENT named "connect" (reserved)', '42["connect"]'],
  ['EVENT named "disconnecting" (reserved)', '42["disconnecting"]'],
  ['EVENT with trailing garbage', '42["a"]xyz'],
  ['EVENT with a lone surrogate escape in a string', '42["a","\\ud800"]'],
  ['EVENT with a NUL byte outside strings', '42["a"]\u0000'],
  ['EVENT with single quotes', "42['a']"],
  ['EVENT with NaN', '42["a",NaN]'],
  ['EVENT with a trailing comma', '42["a",]'],
  ['ACK with an object payload', '431{"a":1}'],
  ['CONNECT_ERROR from the client', '44{"message":"x"}'],
  ['EVENT for a namespace not joined', '42/admin,["a"]'],
  ['a second CONNECT to "/"', `40${JSON.stringify({ token: 'x' })}`],
  ['namespace without a comma', '42/admin["a"]'],
  ['ack id 2^53 (past the largest safe integer)', '429007199254740992["a"]'],
  ['ack id of 400 digits', `42${'9'.repeat(400)}["a"]`],
  ['ack id 2^64', '4218446744073709551616["a"]'],
  ['JSON nested 100,000 deep', `42["a",${deep(100000)}]`],
  ['JSON objects nested 10,000 deep', `42["a",${deepObj(10000)}]`],
  ['JSON nested 65 deep (one past the limit)', `42["a",${deep(64)}]`],
  ['BINARY_EVENT claiming 11 attachments (limit 10)', '4511-["a",{"_placeholder":true,"num":0}]'],
  ['BINARY_EVENT claiming 2^40 attachments', '451099511627776-["a"]'],
  ['BINARY_EVENT with no attachment count', '45-["a"]'],
  ['BINARY_EVENT placeholder past its count', '451-["a",{"_placeholder":true,"num":5}]'],
  ['BINARY_EVENT with a negative placeholder', '451-["a",{"_placeholder":true,"num":-1}]'],
  ['BINARY_EVENT claiming 0 attachments', '450-["a"]'],
];
// Attachment lies that need frames in order: text where a binary attachment is awaited.
const attachmentLies = [
  ['text message while an attachment is awaited', ['451-["a",{"_placeholder":true,"num":0}]', '42["a"]']],
  ['binary message with no BINARY_EVENT before it', [Buffer.from([1, 2, 3])]],
  ['two attachments announced, one sent, then an event', ['452-["a",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]',
    Buffer.from([1]), '42["a"]']],
];

const sendAll = (ws, msgs) => {
  for (const m of msgs) ws.send(Buffer.isBuffer(m) ? frame(2, m) : frame(1, Buffer.from(m)));
};

const wsClosed = (name, msgs) => ({
  name: `WebSocket: ${name}: closed with a code`,
  async run(ctx) {
    const ws = await openWs(ctx);
    sendAll(ws, msgs);
    await expectClose(ws, MALFORMED);
  },
});
const pollClosed = (name, body) => ({
  name: `polling: ${name}: POST ok, session ended`,
  async run(ctx) {
    const sid = await pollSession(ctx);
    const r = await pollPost(ctx, sid, body);
    assert.equal(r.status, 200);
    await expectSessionGone(ctx, sid);
  },
});
const wsIgnored = (name, msgs) => ({
  name: `WebSocket: ${name}: ignored, connection kept`,
  async run(ctx) {
    const ws = await openWs(ctx);
    sendAll(ws, msgs);
    await expectAlive(ws);
    ws.destroy();
  },
});

const cases = [
  ...eioBad.map(([n, m]) => wsClosed(`Engine.IO ${n}`, [m])),
  ...eioBad.filter(([, m]) => m !== '').map(([n, m]) => pollClosed(`Engine.IO ${n}`, m)),
  pollClosed('Engine.IO empty record between two', '3\x1e\x1e3'),
  pollClosed('Engine.IO bad base64 binary', 'b!!!!'),
  ...sioBad.map(([n, m]) => wsClosed(n, [m])),
  ...sioBad.filter((_, i) => i % 3 === 0).map(([n, m]) => pollClosed(n, m)),
  ...attachmentLies.map(([n, msgs]) => wsClosed(n, msgs)),
  wsIgnored('Engine.IO noop from the client', ['6']),
  wsIgnored('ACK with an unknown id', ['43123["x"]']),
  wsIgnored('ACK without an id (node looks up no callback)', ['43["x"]']),
  wsIgnored('ack id 2^53 - 1 (the largest allowed)', ['429007199254740991["nothing"]']),
  wsIgnored('JSON nested 60 deep', [`42["nothing",${deep(60)}]`]),
  {
    name: 'WebSocket: a BINARY_EVENT with its attachment, then garbage after it: closed with a code',
    async run(ctx) {
      const ws = await openWs(ctx);
      sendAll(ws, ['451-["nothing",{"_placeholder":true,"num":0}]', Buffer.from([1, 2]), '4z']);
      await expectClose(ws, MALFORMED);
    },
  },
  {
    name: 'polling: a POST mixing a valid packet and garbage: the valid one is delivered first, then the session ends',
    async run(ctx) {
      const sid = await pollSession(ctx);
      const r = await pollPost(ctx, sid, '42["ping"]\x1e4z');
      assert.equal(r.status, 200);
      const g = await pollGet(ctx, sid);
      assert.match(g.text, /42\["pong"\]|^1$|\x1e1$/);
      await expectSessionGone(ctx, sid);
    },
  },
  {
    name: 'WebSocket: CONNECT to 2,000 unknown namespaces: each refused "Invalid namespace", connection kept',
    async run(ctx) {
      const ws = await openWs(ctx);
      for (let i = 0; i < 2000; i++) ws.text(`40/ns${i},`);
      await ws.waitFor(() => ws.texts().filter((t) => t.startsWith('44/ns')).length === 2000, 10000,
        '2,000 CONNECT_ERRORs');
      assert.match(ws.texts().find((t) => t.startsWith('44/ns0,')), /Invalid namespace/);
      await expectAlive(ws);
      ws.destroy();
    },
  },
  {
    name: 'WebSocket: CONNECT with a 64 KiB namespace name: refused or closed, never kept',
    async run(ctx) {
      const ws = await openWs(ctx);
      ws.text(`40/${'n'.repeat(65536)},`);
      await ws.waitFor(() => ws.ended || ws.texts().some((t) => t.startsWith('44/')), 5000, 'an answer');
      ws.destroy();
    },
  },
  {
    name: 'WebSocket: no CONNECT at all, garbage Engine.IO pongs: served until the connect timeout',
    async run(ctx) {
      const ws = await openWs(ctx, { sio: false });
      for (let i = 0; i < 100; i++) ws.text('3');
      await sleep(200);
      assert.ok(!ws.ended);
      ws.destroy();
    },
  },
  {
    name: 'WebSocket: CONNECT with a 100 KiB auth object: refused, connection closed or kept',
    async run(ctx) {
      const ws = await openWs(ctx, { sio: false });
      ws.text(`40${JSON.stringify({ token: token(), pad: 'x'.repeat(99000) })}`);
      await ws.waitFor(() => ws.ended || ws.texts().some((t) => /^4[04]/.test(t)), 5000, 'an answer');
      ws.destroy();
    },
  },
];

hostileSuite('hostile: Engine.IO and Socket.IO packets', cases);
export const count = cases.length;

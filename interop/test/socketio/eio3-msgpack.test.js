// socket.io-client 2.x (Engine.IO v3) with the msgpack parser of its era against
// sio-echo --allow-eio3 --parser msgpack (SIO_SERVER=node: node's socket.io 4.8 with
// allowEIO3 and socket.io-msgpack-parser 3.x, which decides what is right here).
//
// node's server has one parser for every client: a v3 client gets the same msgpack packets
// as a v4 one. socket.io-msgpack-parser 2.x (the parser socket.io-client 2.x was used with)
// packs EVENT and ACK as msgpack maps, as 3.x does, but writes CONNECT, DISCONNECT and ERROR
// as JSON text, and a binary emit is a BINARY_EVENT (type 5), a type 3.x does not have. So
// on node, and here: the automatic connection to "/", events, acks, binary sent with
// socket.binary(false) (a msgpack bin inside an EVENT) and everything the server sends work;
// a CONNECT to another namespace (a text message) and a BINARY_EVENT close the connection.
//
// The 2.x parser is the real socket.io-msgpack-parser 2.2.1 (npm alias
// socket.io-msgpack-parser-v2): JSON text for types 0, 1 and 4, notepack for the others.

import { describe, it, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import ioV2 from 'socket.io-client-v2';
import msgpackParser from 'socket.io-msgpack-parser';
import v2MsgpackParser from 'socket.io-msgpack-parser-v2';
import { startSioServer, itShutsDownCleanly } from '../../lib/sio-server.js';
import { connectSioClient, closeAll, SIO_EVENT_TIMEOUT, UTF8_TEXT, ownClients } from '../../lib/sio-clients.js';
import { withTimeout } from '../../lib/util.js';

const MODES_V2 = [
  ['polling', { transports: ['polling'] }],
  ['polling, base64', { transports: ['polling'], forceBase64: true }],
  ['websocket', { transports: ['websocket'] }],
  ['upgrade', {}],
];

function openV2(server, nsp, opts, registry) {
  const s = ioV2(`${server.url}${nsp}`, { forceNew: true, reconnection: false,
    parser: v2MsgpackParser, ...opts });
  registry.add(s);
  return s;
}

function nextEvent(socket, event) {
  return withTimeout(new Promise((resolve) => socket.once(event, (...a) => resolve(a))),
    SIO_EVENT_TIMEOUT, `"${event}"`);
}

async function connectV2(server, nsp, opts, registry) {
  const s = openV2(server, nsp, opts, registry);
  await nextEvent(s, 'connect');
  return s;
}

function ackV2(socket, event, ...args) {
  return withTimeout(new Promise((resolve) => socket.emit(event, ...args, (...r) => resolve(r))),
    SIO_EVENT_TIMEOUT, `ack of ${event}`);
}

/** Resolves with the reason when the client's engine connection closes. */
function engineClosed(socket) {
  return withTimeout(new Promise((resolve) => socket.io.once('close', resolve)),
    SIO_EVENT_TIMEOUT, 'the server closing the connection');
}

describe('socket.io-client 2.x with the msgpack parser (--allow-eio3 --parser msgpack)', ownClients(), () => {
  let server;
  const v2 = new Set();
  const v4 = new Set();
  const closeV2 = () => {
    for (const s of v2) s.close();
    v2.clear();
  };

  before(async () => {
    server = await startSioServer({ extraArgs: ['--allow-eio3', '--parser', 'msgpack'] });
  });
  afterEach(() => { closeV2(); closeAll(v4); });
  after(async () => { closeV2(); closeAll(v4); await server?.stop(); });

  for (const [label, opts] of MODES_V2) {
    it(`connects to "/", events, acks, binary with binary(false) (${label})`, async () => {
      const s = openV2(server, '/', opts, v2);
      const auth = nextEvent(s, 'auth'); // emitted on connection, before any reply
      await nextEvent(s, 'connect');
      assert.equal(s.id, s.io.engine.id);
      assert.deepEqual(await auth, [{}]);
      assert.deepEqual(await ackV2(s, 'message-with-ack', 'hi', UTF8_TEXT, 1.5, null,
        { a: [true, { b: -1 }] }), ['hi', UTF8_TEXT, 1.5, null, { a: [true, { b: -1 }] }]);
      const [bin, nested] = await ackV2(s.binary(false), 'message-with-ack',
        Buffer.from([0, 1, 255]), { b: Buffer.from('xyz') });
      assert.deepEqual([...bin], [0, 1, 255]);
      assert.deepEqual([...nested.b], [...Buffer.from('xyz')]);
      const back = nextEvent(s, 'message-back');
      s.binary(false).emit('message', 'x', Buffer.from([7]));
      const [x, seven] = await back;
      assert.equal(x, 'x');
      assert.deepEqual([...seven], [7]);
    });
  }

  it('a server-side disconnect reaches the client', async () => {
    const s = await connectV2(server, '/', { transports: ['websocket'] }, v2);
    const gone = nextEvent(s, 'disconnect');
    s.emit('disconnect-me');
    assert.deepEqual(await gone, ['io server disconnect']);
  });

  it('a broadcast from a v4 msgpack client reaches the 2.x client', async () => {
    const a = await connectV2(server, '/', { transports: ['websocket'] }, v2);
    const b = await connectSioClient(server, '/', { transports: ['websocket'],
      parser: msgpackParser }, v4);
    const got = nextEvent(a, 'broadcast');
    b.socket.emit('broadcast', 'from v4', Buffer.from([3, 4]));
    const [text, bytes] = await got;
    assert.equal(text, 'from v4');
    assert.deepEqual([...bytes], [3, 4]);
  });

  it('a CONNECT to another namespace (JSON text in the 2.x parser) closes the connection', async () => {
    const s = openV2(server, '/custom', { transports: ['websocket'], query: { token: 'ok' } }, v2);
    let connected = false;
    s.on('connect', () => { connected = true; });
    assert.equal(await engineClosed(s), 'transport close');
    assert.equal(connected, false);
  });

  it('a binary emit without binary(false) (BINARY_EVENT, type 5) closes the connection', async () => {
    const s = await connectV2(server, '/', { transports: ['websocket'] }, v2);
    const closed = engineClosed(s);
    s.emit('message', Buffer.from([1]));
    assert.equal(await closed, 'transport close');
  });

  itShutsDownCleanly(() => server, () => { closeV2(); closeAll(v4); });
});

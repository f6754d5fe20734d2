// socket.io-client 2.x (Engine.IO v3, Socket.IO protocol v4) against a server started with
// --allow-eio3 (node's allowEIO3): connect over polling, websocket only, and with the
// upgrade; emit with ack (text, UTF-8 with emoji, binary, base64 polling); the auth of a
// namespace in its query; a refusal; a room shared with a socket.io-client 4.x client on
// the same server; the socket id outside "/" ("<nsp>#<engine id>", which the 2.x client
// computes itself) as its own room, an exception and a broadcast's sender; the v3 heartbeat (the client pings, the server answers); the raw v3
// polling framing (lengths in UTF-16 units); and EIO=3 refused with code 5 without the flag.
import { describe, it, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import ioV2 from 'socket.io-client-v2';
import { startSioServer, itShutsDownCleanly } from '../../lib/sio-server.js';
import { connectSioClient, closeAll, SIO_EVENT_TIMEOUT, UTF8_TEXT, ownClients } from '../../lib/sio-clients.js';
import { withTimeout, delay } from '../../lib/util.js';

const MODES_V2 = [
  ['polling', { transports: ['polling'] }, 'polling'],
  ['websocket', { transports: ['websocket'] }, 'websocket'],
  ['upgrade', {}, 'websocket'],
];

/** A socket.io-client 2.x socket; resolves once connected (rejects on an error). */
function connectV2(server, nsp, opts, registry) {
  const socket = ioV2(`${server.url}${nsp}`, { forceNew: true, reconnection: false, ...opts });
  registry.add(socket);
  return withTimeout(new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', reject);
    socket.once('error', reject);
  }), SIO_EVENT_TIMEOUT, `v2 connect to ${nsp}`);
}

function nextEvent(socket, event) {
  return withTimeout(new Promise((resolve) => socket.once(event, (...a) => resolve(a))),
    SIO_EVENT_TIMEOUT, `"${event}"`);
}

function ackV2(socket, event, ...args) {
  return withTimeout(new Promise((resolve) => socket.emit(event, ...args, (...r) => resolve(r))),
    SIO_EVENT_TIMEOUT, `ack of ${event}`);
}

/** Has the engine upgraded (or started on) websocket? */
async function transportOf(socket, want) {
  const engine = socket.io.engine;
  if (engine.transport.name !== want) {
    await withTimeout(new Promise((resolve) => engine.once('upgrade', resolve)),
      SIO_EVENT_TIMEOUT, 'upgrade');
  }
  return engine.transport.name;
}

function closeV2(registry) {
  for (const s of registry) {
    try { s.close(); } catch { /* already closed */ }
  }
  registry.clear();
}

describe('socket.io-client 2.x (EIO=3) with --allow-eio3', ownClients(), () => {
  let server;
  const v2 = new Set();
  const v4 = new Set();

  before(async () => {
    server = await startSioServer({ pingInterval: 300, pingTimeout: 200, extraArgs: ['--allow-eio3'] });
  });
  afterEach(() => { closeV2(v2); closeAll(v4); });
  after(async () => { closeV2(v2); closeAll(v4); await server?.stop(); });

  for (const [label, opts, transport] of MODES_V2) {
    it(`connects to "/" and emits with ack (${label})`, async () => {
      const s = await connectV2(server, '/', opts, v2);
      assert.equal(await transportOf(s, transport), transport);
      assert.deepEqual(await ackV2(s, 'message-with-ack', 'hello', 1, { a: [true] }),
        ['hello', 1, { a: [true] }]);
      assert.deepEqual(await ackV2(s, 'message-with-ack', UTF8_TEXT), [UTF8_TEXT]);
      const [bin] = await ackV2(s, 'message-with-ack', Buffer.from([0, 1, 2, 255]));
      assert.deepEqual([...bin], [0, 1, 2, 255]);
      s.emit('message', 'x', Buffer.from([7]));
      const back = await nextEvent(s, 'message-back');
      assert.equal(back[0], 'x');
      assert.deepEqual([...back[1]], [7]);
    });
  }

  it('binary over base64 polling (forceBase64: b64=1)', async () => {
    const s = await connectV2(server, '/', { transports: ['polling'], forceBase64: true }, v2);
    const [bin] = await ackV2(s, 'message-with-ack', Buffer.from([9, 8, 7]));
    assert.deepEqual([...bin], [9, 8, 7]);
  });

  it('a namespace: its query is the auth, the socket id is "/nsp#" + the engine id', async () => {
    const s = ioV2(`${server.url}/custom`, { forceNew: true, reconnection: false,
      query: { token: 'ok', n: 'a b' } });
    v2.add(s);
    const [auth] = await nextEvent(s, 'auth');
    assert.deepEqual(auth, { token: 'ok', n: 'a b' });
    assert.deepEqual(await ackV2(s, 'message-with-ack', 'in custom'), ['in custom']);
  });

  it('a refused namespace: an "error" event with the refusal data', async () => {
    const s = ioV2(`${server.url}/custom`, { forceNew: true, reconnection: false,
      query: { token: 'refuse' } });
    v2.add(s);
    const [err] = await nextEvent(s, 'error');
    assert.deepEqual(err, { code: 42 });
  });

  it('a room shared by a 2.x and a 4.x client on the same server', async () => {
    const a = await connectV2(server, '/', {}, v2);
    const b = await connectSioClient(server, '/', { transports: ['websocket'] }, v4);
    const room = `room-eio3-${Date.now()}`;
    await ackV2(a, 'join', room);
    await withTimeout(b.socket.emitWithAck('join', room), SIO_EVENT_TIMEOUT, 'join ack');
    let atA = nextEvent(a, 'room-message'); // listening before the emit: no race
    b.socket.emit('to-room', room, 'from v4', Buffer.from([1]));
    const got = await atA;
    assert.equal(got[0], 'from v4');
    assert.deepEqual([...got[1]], [1]);
    assert.deepEqual(await b.next('room-message'), ['from v4', Buffer.from([1])]);
    atA = nextEvent(a, 'room-message');
    a.emit('to-room', room, 'from v2');
    assert.deepEqual(await b.next('room-message'), ['from v2']);
    assert.deepEqual(await atA, ['from v2']);
  });

  // socket.io-client 2.x names its socket "<nsp>#<engine id>" outside "/" and never hears
  // the id from the server (Manager#generateId): the server's id must be the same.
  for (const nsp of ['/custom', `/dyn-${'a1'.repeat(100)}`]) {
    it(`the id outside "/" is "<nsp>#<engine id>": own room, except, broadcast (${nsp.slice(0, 12)})`, async () => {
      const a = await connectV2(server, nsp, { transports: ['websocket'] }, v2);
      assert.equal(a.id, `${nsp}#${a.io.engine.id}`);
      const b = await connectSioClient(server, nsp, { transports: ['websocket'] }, v4);
      const ask = (ev, ...args) => withTimeout(b.socket.emitWithAck(ev, ...args),
        SIO_EVENT_TIMEOUT, `ack of ${ev}`);
      // The server knows the socket by that id, as a room of its own.
      assert.deepEqual(await ask('fetch-room', a.id), [a.id]);
      let atA = nextEvent(a, 'room-message');
      b.socket.emit('to-room', a.id, 'to a by id');
      assert.deepEqual(await atA, ['to a by id']);
      // An exception by that id: b gets the first message, a only the second.
      const room = `r-${Date.now()}`;
      await ackV2(a, 'join', room);
      await ask('join', room);
      atA = nextEvent(a, 'room-message');
      b.socket.emit('to-room-except', room, a.id, 'not to a');
      assert.deepEqual(await b.next('room-message'), ['not to a']);
      b.socket.emit('to-room', room, 'to both');
      assert.deepEqual(await b.next('room-message'), ['to both']);
      assert.deepEqual(await atA, ['to both']);
      // A broadcast from a reaches b and not a (a's ack comes after it would have).
      let echoed = false;
      a.on('broadcast', () => { echoed = true; });
      a.emit('broadcast', 'from a');
      assert.deepEqual(await b.next('broadcast'), ['from a']);
      assert.deepEqual(await ackV2(a, 'message-with-ack', 'after'), ['after']);
      assert.equal(echoed, false);
    });
  }

  for (const [label, opts] of MODES_V2.slice(0, 2)) {
    it(`the client's pings keep it connected past pingInterval + pingTimeout (${label})`, async () => {
      const s = await connectV2(server, '/', opts, v2);
      let pongs = 0;
      s.io.engine.on('pong', () => { pongs++; });
      let closed = false;
      s.on('disconnect', () => { closed = true; });
      await delay(1200); // pingInterval 300 + pingTimeout 200, twice over
      assert.equal(closed, false);
      assert.ok(pongs >= 2, `pongs: ${pongs}`);
      assert.deepEqual(await ackV2(s, 'message-with-ack', 'still'), ['still']);
    });
  }

  it('raw v3 polling: "<length>:<packet>" records, lengths in UTF-16 units', async () => {
    const base = `${server.url}/socket.io/?EIO=3&transport=polling`;
    const open = await (await fetch(base)).text();
    const m = /^(\d+):0(\{.*?\})(.*)$/s.exec(open);
    assert.ok(m, open);
    assert.equal(Number(m[1]), m[2].length + 1);
    const info = JSON.parse(m[2]);
    assert.deepEqual(info.upgrades, ['websocket']);
    assert.equal(info.pingInterval, 300);
    let rest = m[3];
    if (!rest) rest = await (await fetch(`${base}&sid=${info.sid}`)).text();
    assert.ok(rest.startsWith('2:40'), rest); // auto-connected to "/"
    const pkt = '421["message-with-ack","😀é"]';
    const post = await fetch(`${base}&sid=${info.sid}`, { method: 'POST',
      body: `${pkt.length}:${pkt}1:2`, headers: { 'content-type': 'text/plain;charset=UTF-8' } });
    assert.equal(await post.text(), 'ok');
    let got = '';
    const want = '431["😀é"]';
    for (let i = 0; i < 5 && !got.includes(want); i++) {
      got += await (await fetch(`${base}&sid=${info.sid}`)).text();
    }
    assert.ok(got.includes(`1:3`), got); // the pong
    assert.ok(got.includes(`${want.length}:${want}`), got);
    assert.equal(want.length, 10); // 😀 counts 2
  });

  it('a request with a v3 session\'s sid and EIO=4 is refused (code 3), as node does', async () => {
    const base = `${server.url}/socket.io/?EIO=3&transport=polling`;
    const open = await (await fetch(base)).text();
    const sid = JSON.parse(/^\d+:0(\{.*?\})/.exec(open)[1]).sid;
    const r = await fetch(`${server.url}/socket.io/?EIO=4&transport=polling&sid=${sid}`);
    assert.equal(r.status, 400);
    assert.deepEqual(await r.json(), { code: 3, message: 'Bad request' });
  });

  it('a v3 session without client pings times out after pingInterval + pingTimeout', async () => {
    const base = `${server.url}/socket.io/?EIO=3&transport=polling`;
    const open = await (await fetch(base)).text();
    const sid = JSON.parse(/^\d+:0(\{.*?\})/.exec(open)[1]).sid;
    await delay(900);
    const r = await fetch(`${base}&sid=${sid}`);
    assert.equal(r.status, 400);
    assert.deepEqual(await r.json(), { code: 1, message: 'Session ID unknown' });
  });

  itShutsDownCleanly(() => server, () => { closeV2(v2); closeAll(v4); });
});

describe('EIO=3 without --allow-eio3', ownClients(), () => {
  let server;
  before(async () => { server = await startSioServer({}); });
  after(async () => { await server?.stop(); });

  it('a v3 polling handshake is refused with code 5', async () => {
    const r = await fetch(`${server.url}/socket.io/?EIO=3&transport=polling`);
    assert.equal(r.status, 400);
    assert.deepEqual(await r.json(), { code: 5, message: 'Unsupported protocol version' });
  });

  it('socket.io-client 2.x cannot connect', async () => {
    const s = ioV2(server.url, { forceNew: true, reconnection: false, transports: ['polling'] });
    try {
      await withTimeout(new Promise((resolve) => s.once('connect_error', resolve)),
        SIO_EVENT_TIMEOUT, 'connect_error');
    } finally {
      s.close();
    }
  });

  itShutsDownCleanly(() => server);
});

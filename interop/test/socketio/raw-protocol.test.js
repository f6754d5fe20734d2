// Raw Socket.IO v5 packets over a bare `ws` WebSocket on /socket.io/?EIO=4&transport=websocket
// (each WebSocket text frame is one Engine.IO message: "4" + the Socket.IO packet):
// CONNECT answers, CONNECT_ERROR for an unknown or refused namespace, events and acks with
// their ids, binary attachments, and the connection being closed on malformed packets.
import { describe, it, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { startSioServer, itShutsDownCleanly, SIO_IS_NODE_REFERENCE } from '../../lib/sio-server.js';
import { RawSio } from '../../lib/sio-raw.js';
import { QUIET_MS, ownClients } from '../../lib/sio-clients.js';
import { delay } from '../../lib/util.js';

const SID = /^[A-Za-z0-9_-]{20}$/;

describe('socket.io raw protocol over websocket', ownClients(), () => {
  let server;
  const conns = new Set();

  async function raw() {
    const r = new RawSio(server);
    conns.add(r);
    await r.handshake();
    return r;
  }
  // a raw connection with "/" joined and its "auth" event read
  async function joined() {
    const r = await raw();
    await r.connect('/');
    assert.equal(await r.next(), '42["auth",{}]');
    return r;
  }
  function closeAllRaw() {
    for (const r of conns) r.terminate();
    conns.clear();
  }
  // A protocol error of the client: a close frame with 1002 and why (node's has no code:
  // the ws client reads 1005).
  async function assertProtocolError(r, reason) {
    const { code, reason: got } = await r.waitClose();
    assert.deepEqual({ code, reason: got }, SIO_IS_NODE_REFERENCE ? { code: 1005, reason: '' }
      : { code: 1002, reason });
  }
  async function assertStaysOpen(r) {
    r.send('42["message","still open?"]');
    assert.equal(await r.next(), '42["message-back","still open?"]');
    assert.ok(r.isOpen);
  }

  before(async () => { server = await startSioServer({}); });
  afterEach(closeAllRaw);
  after(async () => { closeAllRaw(); await server?.stop(); });

  it('engine.io open packet, then "40" -> 40{"sid":...} and the "auth" event', async () => {
    const r = await raw();
    assert.match(r.open.sid, SID);
    assert.deepEqual(r.open.upgrades, []);
    r.send('40');
    const ans = await r.next();
    const m = /^40(\{.*\})$/.exec(ans);
    assert.ok(m, `CONNECT answer ${JSON.stringify(ans)}`);
    const data = JSON.parse(m[1]);
    assert.match(data.sid, SID);
    assert.notEqual(data.sid, r.open.sid, 'the Socket.IO sid is not the Engine.IO sid');
    assert.equal(await r.next(), '42["auth",{}]');
    await assertStaysOpen(r);
  });

  it('"40{auth}" -> the "auth" event carries the payload', async () => {
    const r = await raw();
    r.send('40{"token":"abc","n":[1,{"x":null}]}');
    assert.match(await r.next(), /^40\{"sid":"[A-Za-z0-9_-]{20}"/);
    assert.deepEqual(JSON.parse((await r.next()).slice(2)), ['auth', { token: 'abc', n: [1, { x: null }] }]);
  });

  it('"40/custom," -> 40/custom,{"sid":...} and the "auth" event in /custom', async () => {
    const r = await raw();
    r.send('40/custom,');
    const ans = await r.next();
    const m = /^40\/custom,(\{.*\})$/.exec(ans);
    assert.ok(m, `CONNECT answer ${JSON.stringify(ans)}`);
    assert.match(JSON.parse(m[1]).sid, SID);
    assert.equal(await r.next(), '42/custom,["auth",{}]');
    r.send('42/custom,["message","in custom"]');
    assert.equal(await r.next(), '42/custom,["message-back","in custom"]');
  });

  it('"/" and "/custom" on one connection get distinct sids', async () => {
    const r = await raw();
    const a = await r.connect('/');
    assert.equal(await r.next(), '42["auth",{}]');
    const b = await r.connect('/custom');
    assert.equal(await r.next(), '42/custom,["auth",{}]');
    assert.notEqual(a, b);
  });

  it('"40/nope," -> 44/nope,{"message":"Invalid namespace"}; the connection stays usable', async () => {
    const r = await raw();
    r.send('40/nope,');
    assert.equal(await r.next(), '44/nope,{"message":"Invalid namespace"}');
    await r.connect('/');
    assert.equal(await r.next(), '42["auth",{}]');
    await assertStaysOpen(r);
  });

  it('refused by the /custom middleware -> 44/custom,{"message":"refused","data":{"code":42}}', async () => {
    const r = await raw();
    r.send('40/custom,{"token":"refuse"}');
    const ans = await r.next();
    assert.ok(ans.startsWith('44/custom,'), `got ${JSON.stringify(ans)}`);
    assert.deepEqual(JSON.parse(ans.slice('44/custom,'.length)), { message: 'refused', data: { code: 42 } });
    await r.connect('/');
    assert.equal(await r.next(), '42["auth",{}]');
    await assertStaysOpen(r);
  });

  it('client ack id 0: "420[...]" -> "430[...]"; then id 1', async () => {
    const r = await joined();
    r.send('420["message-with-ack","a",1,{"b":[true,null]}]');
    assert.equal(await r.next(), '430["a",1,{"b":[true,null]}]');
    r.send('421["message-with-ack"]');
    assert.equal(await r.next(), '431[]');
    // ids are the client's choice: large ones and reuse are fine
    r.send('42123456["message-with-ack","big"]');
    assert.equal(await r.next(), '43123456["big"]');
    r.send('420["message-with-ack","again"]');
    assert.equal(await r.next(), '430["again"]');
  });

  it('server ack: "ask" -> 42<id>["question",...] -> "43<id>[reply]" -> 42["answer",reply]', async () => {
    // the id is the server's choice (node counts per namespace, not per connection)
    const r = await joined();
    r.send('42["ask","q",2]');
    const q1 = /^42(\d+)\["question","q",2\]$/.exec(await r.next());
    assert.ok(q1, 'question with an ack id');
    r.send(`43${q1[1]}["reply",{"ok":true}]`);
    assert.equal(await r.next(), '42["answer","reply",{"ok":true}]');
    r.send('42["ask"]');
    const q2 = /^42(\d+)\["question"\]$/.exec(await r.next());
    assert.ok(q2, 'question with an ack id');
    assert.notEqual(q2[1], q1[1], 'a new ack id for a new question');
    r.send(`43${q2[1]}[]`);
    assert.equal(await r.next(), '42["answer"]');
  });

  it('server ack: a reply with a wrong id is ignored, then "answer-timeout"', async () => {
    const r = await joined();
    r.send('42["ask","q"]');
    const q = /^42(\d+)\["question","q"\]$/.exec(await r.next());
    assert.ok(q, 'question with an ack id');
    r.send(`43${Number(q[1]) + 1000}["wrong id"]`);
    assert.equal(await r.next(), '42["answer-timeout"]');
    await assertStaysOpen(r);
  });

  it('an ack with an unknown id is ignored, the connection stays', async () => {
    const r = await joined();
    r.send('43999["nobody asked"]');
    r.send('430[]');
    await assertStaysOpen(r);
    await delay(QUIET_MS);
    assert.equal(r.messages.size, 0);
    assert.ok(r.isOpen);
  });

  it('binary event: 451-[..placeholder..] + attachment -> 451-["message-back",...] + attachment', async () => {
    const r = await joined();
    const bin = Buffer.from([0, 1, 2, 250, 255]);
    r.send('451-["message",{"_placeholder":true,"num":0},"txt"]');
    r.send(bin);
    assert.equal(await r.next(), '451-["message-back",{"_placeholder":true,"num":0},"txt"]');
    const got = await r.next();
    assert.ok(Buffer.isBuffer(got), 'attachment as a binary frame');
    assert.ok(got.equals(bin));
    // two attachments, with an ack id
    r.send('452-3["message-with-ack",[{"_placeholder":true,"num":1}],{"_placeholder":true,"num":0}]');
    r.send(Buffer.from('zero'));
    r.send(Buffer.from('one'));
    const header = await r.next();
    assert.equal(header[0] + header[1], '46', `binary ack, got ${JSON.stringify(header)}`);
    const m = /^462-3(\[.*\])$/.exec(header);
    assert.ok(m, `binary ack header ${JSON.stringify(header)}`);
    const [first, second] = await r.messages.take(2);
    // the server may renumber the attachments: resolve the placeholders
    const atts = [first, second];
    const resolve = (v) => (v && v._placeholder ? atts[v.num] : Array.isArray(v) ? v.map(resolve) : v);
    const args = resolve(JSON.parse(m[1]));
    assert.equal(args.length, 2);
    assert.ok(args[0][0].equals(Buffer.from('one')));
    assert.ok(args[1].equals(Buffer.from('zero')));
  });

  it('"41" leaves "/": a new "40" gets a new sid', async () => {
    const r = await raw();
    const first = await r.connect('/');
    await r.next(); // auth
    await r.connect('/custom');
    await r.next(); // auth
    r.send('41');
    // a round trip on /custom: the server has handled the "41" before its answer (node
    // may reject a "40" that arrives in the same read as the "41")
    r.send('42/custom,0["message-with-ack"]');
    assert.equal(await r.next(), '43/custom,0[]');
    const second = await r.connect('/');
    assert.notEqual(second, first);
    assert.equal(await r.next(), '42["auth",{}]');
    await assertStaysOpen(r);
  });

  it('"disconnect-me" -> the server sends "41"; the engine.io connection stays', async () => {
    const r = await joined();
    r.send('42["disconnect-me"]');
    assert.equal(await r.next(), '41');
    await r.connect('/');
    assert.equal(await r.next(), '42["auth",{}]');
    await assertStaysOpen(r);
  });

  // Each of these, sent after "40", must make the server close the connection.
  const MALFORMED = [
    ['a reserved event name', '42["connect"]'],
    ['another reserved event name', '42["disconnect"]'],
    ['an unknown packet type', '4x'],
    ['packet type 9', '49'],
    ['an event whose data is an object', '42{"not":"an array"}'],
    ['an event with an empty array', '42[]'],
    ['an event whose name is an object', '42[{"a":1},"x"]'],
    ['truncated JSON', '42["message","unterminated'],
    ['a binary event with no attachment count', '45-["message",{"_placeholder":true,"num":0}]'],
    ['a DISCONNECT with a payload', '41{"a":1}'],
    ['an ACK whose data is not an array', '430{"a":1}'],
  ];
  for (const [what, msg] of MALFORMED) {
    it(`malformed packet closes the connection: ${what} (${JSON.stringify(msg)})`, async () => {
      const r = await joined();
      r.send(msg);
      await assertProtocolError(r, 'parse error');
      assert.equal(r.isOpen, false);
    });
  }

  it('binary attachment frame when none is expected closes the connection', async () => {
    const r = await joined();
    r.send(Buffer.from([1, 2, 3]));
    await assertProtocolError(r, 'unexpected binary message');
  });

  it('an event for a namespace not joined closes the connection', async () => {
    const r = await joined();
    r.send('42/custom,["message","not joined"]');
    await assertProtocolError(r, 'packet for a namespace not joined');
  });

  it('an event for an unknown namespace closes the connection', async () => {
    const r = await joined();
    r.send('42/nope,["message","x"]');
    await assertProtocolError(r, 'packet for a namespace not joined');
  });

  it('an event before any CONNECT closes the connection', async () => {
    const r = await raw();
    r.send('42["message","too early"]');
    await assertProtocolError(r, 'packet for a namespace not joined');
  });

  it('other connections are not affected by a closed one', async () => {
    const good = await joined();
    const bad = await joined();
    bad.send('4x');
    await bad.waitClose();
    await assertStaysOpen(good);
  });

  itShutsDownCleanly(() => server, closeAllRaw);
});

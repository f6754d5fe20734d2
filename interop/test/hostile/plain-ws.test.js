// Hostile catalog: the plain WebSocket endpoint (docs/sio-server.md, "Plain WebSocket
// endpoints"), the job-updates shapes on /ws with the catalog's auth (HS256, required) and
// limits. The answers, each documented there:
//   - text that is not JSON (JSON nested past depth 64 is not JSON to the reader, base.md),
//     and a binary message: errors.parseError; JSON of no known shape (a huge number or
//     string where the id goes, an id the pattern refuses, a room name past
//     maxRoomNameLength): errors.invalidFormat; the connection stays;
//   - a message past maxMessageBytes: close 1009;
//   - join/leave messages past subscribeEventsPerMinute, and messages past eventsPerMinute:
//     dropped and answered with errors.rateLimited, nothing joined, the connection kept;
//   - a join past maxRoomsPerSocket (the user room of rooms.auto counts): errors.roomLimit;
//   - control-frame abuse: the answers of websocket-frames.test.js (1002, 1007; pings
//     answered), as the framing is the same libwebsockets code;
//   - past admission.maxConnectionsPerAddress (plain and Engine.IO counted together): 503
//     with Retry-After before the upgrade;
//   - a missing or bad token (query or subprotocol): 401 before the upgrade.
// Besides the catalog's Socket.IO bystander, every case runs next to a plain client of its
// own (another address and user, subscribed to its own tenant) that must still get an API
// broadcast after the attack.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { b64url, http, now, sign } from '../../lib/sio-server-app.js';
import {
  API_KEY, MAX_PAYLOAD, POLL_PATH, SECRET, WAIT, WireWs, frame, freshAddr, hostileSuite,
  rawExchange, sleep, statuses, token,
} from '../../lib/hostile.js';

const PATTERN = '[A-Za-z0-9_.-]{1,64}';
const MAX_ROOMS = 20; // limits.maxRoomsPerSocket of this file's server
const PER_ADDRESS = 50; // admission.maxConnectionsPerAddress of this file's server
const PLAIN = {
  path: '/ws',
  subprotocols: ['job-updates'],
  greeting: { type: 'CONNECTED' },
  messages: [
    { type: 'SUBSCRIBE', action: 'join', idField: 'tenantId', room: 'tenant:{tenantId}',
      idPattern: PATTERN, authorize: 'none', reply: { type: 'SUBSCRIBED' } },
    { type: 'UNSUBSCRIBE', action: 'leave', idField: 'tenantId', room: 'tenant:{tenantId}',
      idPattern: PATTERN, reply: { type: 'UNSUBSCRIBED' } },
    // no idPattern: the room name's length (limits.maxRoomNameLength, 128) is the check
    { type: 'WATCH', action: 'join', idField: 'id', room: 'watch:{id}', authorize: 'none',
      reply: { type: 'WATCHING' } },
  ],
  auth: { queryParam: 'token', subprotocol: true },
  maxMessageBytes: MAX_PAYLOAD,
};
const CONFIG = {
  plainWebSockets: [PLAIN],
  admission: { maxConnectionsPerAddress: PER_ADDRESS },
  limits: { eventsPerMinute: 100, connectionsPerMinutePerIp: 60, maxRoomsPerSocket: MAX_ROOMS,
    subscribeEventsPerMinute: 30 },
};
const PARSE_ERROR = '{"type":"ERROR","message":"Failed to parse"}';
const INVALID = '{"type":"ERROR","message":"Invalid message format"}';
const RATE_LIMITED = '{"type":"ERROR","message":"Rate limit exceeded"}';
const ROOM_LIMIT = '{"type":"ERROR","message":"Room limit exceeded"}';
const SUBSCRIBED = '{"type":"SUBSCRIBED"}';
const UNSUBSCRIBED = '{"type":"UNSUBSCRIBED"}';
const TEXT = 1;
const BIN = 2;
const CLOSE = 8;
const PING = 9;
const PONG = 10;
const B = (n, c = 0x61) => Buffer.alloc(n, c);
const sub = (tenantId) => JSON.stringify({ type: 'SUBSCRIBE', tenantId });
const unsub = (tenantId) => JSON.stringify({ type: 'UNSUBSCRIBE', tenantId });

/** A raw plain WebSocket upgrade on /ws (any frame can be written): not yet answered. */
function wire(ctx, { tok = token(), query, protocols = 'job-updates', addr = ctx.addr } = {}) {
  const q = query ?? (tok === null ? '' : `?token=${tok}`);
  return new WireWs(ctx.port, { path: `/ws${q}`, headers: { 'X-Forwarded-For': addr,
    ...(protocols ? { 'Sec-WebSocket-Protocol': protocols } : {}) } });
}

/** An open plain client: the 101, then the greeting. */
async function plain(ctx, opts) {
  const ws = wire(ctx, opts);
  await ws.waitFor(() => ws.head, WAIT, 'the handshake answer');
  assert.equal(ws.status, 101, ws.head.split('\r\n')[0]);
  await ws.waitFor(() => ws.texts().length >= 1, WAIT, 'the greeting');
  assert.equal(ws.texts()[0], '{"type":"CONNECTED"}');
  return ws;
}

/** The replies after the greeting. */
const replies = (ws) => ws.texts().slice(1);

/** Wait until the client has n replies; returns them. */
async function nReplies(ws, n, ms = WAIT) {
  await ws.waitFor(() => replies(ws).length >= n, ms, `${n} replies (have ${replies(ws).length})`);
  return replies(ws);
}

/** The connection still answers: a message that is not JSON gets a reply (parseError, or
 * rateLimited past the flood's eventsPerMinute). */
async function expectAlive(ws) {
  await sleep(100);
  assert.ok(!ws.ended, 'the server closed the connection');
  const n = replies(ws).length;
  ws.text('alive?');
  const got = (await nReplies(ws, n + 1))[n];
  assert.ok(got === PARSE_ERROR || got === RATE_LIMITED, got);
}

const api = (ctx, method, p, body) => http(ctx.url, { method, path: `/api/v1/websocket${p}`,
  body, headers: { 'x-api-key': API_KEY } });
const members = async (ctx, room) =>
  (await api(ctx, 'GET', `/rooms/${encodeURIComponent(room)}`)).json.data.memberCount;

/** Expect a close frame with one of codes. */
async function expectClose(ws, codes) {
  const { code } = await ws.waitClose();
  assert.ok([].concat(codes).includes(code), `close code ${code}, expected ${codes}`);
}

let peerSeq = 0;
/** The case's plain bystander: another address and user in tenant:peer-N; after the attack
 * an API broadcast to its tenant must reach it. */
async function withPeer(ctx, attack) {
  peerSeq += 1;
  const tenant = `peer-${peerSeq}`;
  const peer = await plain(ctx, { addr: freshAddr() });
  peer.text(sub(tenant));
  await nReplies(peer, 1);
  assert.equal(replies(peer)[0], SUBSCRIBED);
  try {
    await attack(ctx);
    const r = await api(ctx, 'POST', `/broadcast/room/tenant:${tenant}`,
      { event: 'JOB_UPDATE', data: { jobId: tenant, status: 'RUNNING' } });
    assert.equal(r.status, 200, r.text);
    await nReplies(peer, 2);
    assert.equal(replies(peer)[1], `{"type":"JOB_UPDATE","jobId":"${tenant}","status":"RUNNING"}`);
  } finally {
    peer.destroy();
  }
}

/** A case: run(ctx) next to the plain bystander. */
const kase = (name, run, extra = {}) => ({ name, ...extra, run: (ctx) => withPeer(ctx, run) });

/** Each message gets `answer`; the connection stays. */
const answered = (name, messages, answer) => kase(`${name}: ${answer === PARSE_ERROR
  ? 'errors.parseError' : 'errors.invalidFormat'} each, connection kept`, async (ctx) => {
  const ws = await plain(ctx);
  for (const m of messages) ws.send(Buffer.isBuffer(m) ? m : frame(TEXT, m));
  const got = await nReplies(ws, messages.length, WAIT * 2);
  assert.deepEqual(got, messages.map(() => answer));
  await expectAlive(ws);
  ws.destroy();
});

/** Control frames: the connection is closed with code. */
const closes = (name, frames, code) => kase(`${name}: closed with ${code}`, async (ctx) => {
  const ws = await plain(ctx);
  for (const f of frames) ws.send(f);
  await expectClose(ws, code);
});
/** Control frames: served, the connection kept. */
const served = (name, frames, check) => kase(`${name}: served, connection kept`, async (ctx) => {
  const ws = await plain(ctx);
  for (const f of frames) ws.send(f);
  if (check) await check(ws);
  await expectAlive(ws);
  ws.destroy();
});

/** An upgrade refused with status (before the 101). */
async function refusedWith(ctx, opts, status) {
  const ws = wire(ctx, opts);
  await ws.waitFor(() => ws.head, WAIT, 'the handshake answer');
  assert.equal(ws.status, status, ws.head.split('\r\n')[0]);
  ws.destroy();
}
const hs = (header, payload, key = SECRET) => {
  const head = `${b64url(header)}.${b64url(payload)}`;
  return `${head}.${createHmac('sha256', key).update(head).digest('base64url')}`;
};
const claims = (extra = {}) => ({ sub: `plain-${Math.random()}`, iat: now(), exp: now() + 600, ...extra });
const unauthorized = (name, opts) => kase(`token ${name}: 401 before the upgrade`,
  (ctx) => refusedWith(ctx, typeof opts === 'function' ? opts() : opts, 401));

const cases = [
  // not JSON
  answered('not JSON', ['not json', '{', '', '{"type":"SUBSCRIBE",', 'nul\u0000', '{"type":"SUBSCRIBE","tenantId":"a"}x',
    '{"type":"SUBSCRIBE" "tenantId":"a"}', "{'type':'SUBSCRIBE'}", '[1,]', '"\\ud800"x'], PARSE_ERROR),
  answered('binary messages', [frame(BIN, Buffer.from(sub('a'))), frame(BIN, B(1000, 0xff))], PARSE_ERROR),
  // deep nesting: past the reader's depth 64 it is not JSON (base/json.h)
  answered('JSON nested 100,000 deep', ['['.repeat(100000), `${'['.repeat(100000)}${']'.repeat(100000)}`,
    `{"type":"SUBSCRIBE","tenantId":${'{"a":'.repeat(100000)}1${'}'.repeat(100000)}}`], PARSE_ERROR),
  answered('JSON nested 65 deep', [`${'['.repeat(65)}${']'.repeat(65)}`], PARSE_ERROR),
  // huge values where the id goes: JSON of no known shape
  answered('huge numbers and strings', [
    `{"type":"SUBSCRIBE","tenantId":1${'0'.repeat(900000)}}`,
    '{"type":"SUBSCRIBE","tenantId":1e999999}',
    '{"type":"SUBSCRIBE","tenantId":-9223372036854775809}',
    '{"type":"SUBSCRIBE","tenantId":1.5}',
    `{"type":"SUBSCRIBE","tenantId":"${'a'.repeat(900000)}"}`,
    `{"type":"${'S'.repeat(900000)}","tenantId":"a"}`,
    `{"type":"SUBSCRIBE","tenantId":"${'\\u0041'.repeat(150000)}"}`,
    `[${'1,'.repeat(400000)}1]`,
  ], INVALID),
  kase('a message past maxMessageBytes: closed with 1009, a client in the same tenant unaffected', async (ctx) => {
    const same = await plain(ctx, { addr: freshAddr() });
    same.text(sub('big'));
    await nReplies(same, 1);
    const ws = await plain(ctx);
    ws.text(sub('big'));
    await nReplies(ws, 1);
    ws.send(frame(TEXT, Buffer.concat([Buffer.from('{"type":"SUBSCRIBE","tenantId":"'), B(MAX_PAYLOAD), Buffer.from('"}')])));
    await expectClose(ws, 1009);
    assert.equal(await members(ctx, 'tenant:big'), 1);
    await api(ctx, 'POST', '/broadcast/room/tenant:big', { event: 'JOB_UPDATE', data: { jobId: 'b' } });
    await nReplies(same, 2);
    assert.equal(replies(same)[1], '{"type":"JOB_UPDATE","jobId":"b"}');
    same.destroy();
  }),
  kase('fragments past maxMessageBytes in total: closed with 1009', async (ctx) => {
    const ws = await plain(ctx);
    ws.send(frame(TEXT, Buffer.from('{"type":"SUBSCRIBE","tenantId":"'), { fin: false }));
    for (let i = 0; i < 101; i++) ws.send(frame(0, B(10000), { fin: false }));
    ws.send(frame(0, Buffer.from('"}')));
    await expectClose(ws, 1009);
  }),
  kase('a message exactly at maxMessageBytes: parsed and answered', async (ctx) => {
    const ws = await plain(ctx);
    const head = '{"type":"SUBSCRIBE","tenantId":"';
    ws.send(frame(TEXT, Buffer.concat([Buffer.from(head), B(MAX_PAYLOAD - head.length - 2), Buffer.from('"}')])));
    await nReplies(ws, 1, WAIT * 2);
    assert.equal(replies(ws)[0], INVALID);
    await expectAlive(ws);
    ws.destroy();
  }),
  // floods past the rate limits
  kase('SUBSCRIBE/UNSUBSCRIBE flood: 30 pass, the next 30 errors.rateLimited, nothing joined past the limit', async (ctx) => {
    const ws = await plain(ctx);
    for (let i = 0; i < 60; i++) ws.text(i % 2 ? unsub('flood') : sub('flood'));
    const got = await nReplies(ws, 60);
    assert.deepEqual(got.slice(0, 30), Array.from({ length: 30 }, (_, i) => (i % 2 ? UNSUBSCRIBED : SUBSCRIBED)));
    assert.deepEqual(got.slice(30), Array(30).fill(RATE_LIMITED));
    assert.equal(await members(ctx, 'tenant:flood'), 0);
    await expectAlive(ws);
    ws.destroy();
  }),
  kase('SUBSCRIBE flood of 10,000 frames in one write: each answered, 100 pass eventsPerMinute, 30 of them join', async (ctx) => {
    const ws = await plain(ctx);
    ws.send(Buffer.concat(Array.from({ length: 10000 }, (_, i) => frame(TEXT, sub(`w${i % 10}`)))));
    const got = await nReplies(ws, 10000, WAIT * 4);
    assert.equal(got.filter((t) => t === SUBSCRIBED).length, 30);
    assert.equal(got.filter((t) => t === RATE_LIMITED).length, 9970);
    assert.ok(!ws.ended);
    ws.destroy();
  }),
  kase('a user\'s connections share the join counter: 30 joins over three connections, then errors.rateLimited', async (ctx) => {
    const tok = token();
    const wss = [await plain(ctx, { tok }), await plain(ctx, { tok }), await plain(ctx, { tok })];
    for (let i = 0; i < 30; i++) wss[i % 3].text(sub(`share-${i % 3}`));
    for (const ws of wss) await nReplies(ws, 10);
    for (const ws of wss) ws.text(sub('share-x'));
    for (const ws of wss) {
      await nReplies(ws, 11);
      assert.equal(replies(ws)[10], RATE_LIMITED);
    }
    assert.equal(await members(ctx, 'tenant:share-x'), 0);
    for (const ws of wss) ws.destroy();
  }),
  // invalid room ids
  answered('SUBSCRIBE to ids the pattern refuses', [
    sub('a'.repeat(65)), sub('a/b'), sub('x'.repeat(10000)), sub(''), sub('a\u0000b'), sub(' '),
    sub('tenant:x'), sub('\u00e9t\u00e9'), sub('a b'), sub('../x'),
    '{"type":"SUBSCRIBE","tenantId":true}', '{"type":"SUBSCRIBE","tenantId":null}',
    '{"type":"SUBSCRIBE","tenantId":{}}', '{"type":"SUBSCRIBE","tenantId":["a"]}',
    '{"type":"SUBSCRIBE"}', '{"type":"SUBSCRIBE","tenantid":"a"}', '{"tenantId":"a"}',
    '{"type":5,"tenantId":"a"}', '[]', '"SUBSCRIBE"', 'null', '0',
  ], INVALID),
  kase('a room name past maxRoomNameLength (a shape without idPattern): errors.invalidFormat, nothing joined', async (ctx) => {
    const ws = await plain(ctx);
    ws.text(JSON.stringify({ type: 'WATCH', id: 'w'.repeat(122) })); // "watch:" + 122 = 128: allowed
    ws.text(JSON.stringify({ type: 'WATCH', id: 'w'.repeat(123) })); // 129
    ws.text(JSON.stringify({ type: 'WATCH', id: 'w'.repeat(255) }));
    ws.text(JSON.stringify({ type: 'WATCH', id: 'w'.repeat(256) })); // past the id's 255 bytes
    assert.deepEqual(await nReplies(ws, 4), ['{"type":"WATCHING"}', INVALID, INVALID, INVALID]);
    assert.equal(await members(ctx, `watch:${'w'.repeat(122)}`), 1);
    assert.equal(await members(ctx, `watch:${'w'.repeat(123)}`), 0);
    await expectAlive(ws);
    ws.destroy();
  }),
  kase(`more joins than maxRoomsPerSocket (${MAX_ROOMS}, the user room counting): errors.roomLimit past it`, async (ctx) => {
    const ws = await plain(ctx);
    for (let i = 0; i < MAX_ROOMS + 5; i++) ws.text(sub(`many-${i}`));
    const got = await nReplies(ws, MAX_ROOMS + 5);
    assert.deepEqual(got, [...Array(MAX_ROOMS - 1).fill(SUBSCRIBED), ...Array(6).fill(ROOM_LIMIT)]);
    ws.text(sub('many-0')); // already in: not a new room
    ws.text(unsub('many-1'));
    ws.text(sub('many-30')); // a place was freed
    assert.deepEqual((await nReplies(ws, MAX_ROOMS + 8)).slice(-3), [SUBSCRIBED, UNSUBSCRIBED, SUBSCRIBED]);
    assert.equal(await members(ctx, `tenant:many-${MAX_ROOMS}`), 0);
    ws.destroy();
  }),
  // control frames on the plain endpoint (RFC 6455 section 5.5)
  served('ping of 125 bytes', [frame(PING, B(125))],
    (ws) => ws.waitFor(() => ws.frames().some((f) => f.opcode === PONG && f.payload.length === 125), WAIT, 'the pong')),
  served('empty ping', [frame(PING)]),
  served('unsolicited pong', [frame(PONG, B(10))]),
  served('1000 pings in a burst', Array.from({ length: 1000 }, () => frame(PING, B(8)))),
  served('ping between the fragments of a SUBSCRIBE', [frame(TEXT, Buffer.from(sub('frag')).subarray(0, 5), { fin: false }),
    frame(PING, B(3)), frame(0, Buffer.from(sub('frag')).subarray(5))],
  (ws) => ws.waitFor(() => replies(ws).includes(SUBSCRIBED), WAIT, 'SUBSCRIBED')),
  closes('fragmented ping (FIN clear)', [frame(PING, B(4), { fin: false }), frame(0, B(4))], 1002),
  closes('fragmented close (FIN clear)', [frame(CLOSE, Buffer.from([3, 232]), { fin: false })], 1002),
  closes('reserved control opcode 11', [frame(11, B(4))], 1002),
  closes('RSV1 set without an extension', [frame(TEXT, Buffer.from(sub('a')), { rsv: 4 })], 1002),
  closes('continuation without a start', [frame(0, B(10))], 1002),
  closes('invalid UTF-8 in a text message', [frame(TEXT, Buffer.from([0x7b, 0xff, 0x7d]))], 1007),
  closes('header claiming 2^63 - 1 bytes', [frame(TEXT, B(16), { length: (1n << 63n) - 1n })], 1009),
  kase('close frame from the client: answered with a close, connection ended, its rooms left', async (ctx) => {
    const ws = await plain(ctx);
    ws.text(sub('closing'));
    await nReplies(ws, 1);
    ws.send(frame(CLOSE, Buffer.from([3, 232])));
    const { code } = await ws.waitClose();
    assert.notEqual(code, null, 'no close frame in answer');
    for (let i = 0; i < 100 && await members(ctx, 'tenant:closing') !== 0; i++) await sleep(20);
    assert.equal(await members(ctx, 'tenant:closing'), 0);
  }),
  // admission: one address past maxConnectionsPerAddress
  kase(`a thousand connections from one address past maxConnectionsPerAddress (${PER_ADDRESS}): 503 each, Engine.IO too`, async (ctx) => {
    const held = [];
    for (let i = 0; i < PER_ADDRESS; i++) held.push(await plain(ctx));
    const head = `GET /ws?token=${token()} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n` +
      'Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n' +
      `Sec-WebSocket-Protocol: job-updates\r\nX-Forwarded-For: ${ctx.addr}\r\n\r\n`;
    const done = (d) => d.includes('\r\n\r\n');
    for (let batch = 0; batch < 20; batch++) {
      const answers = await Promise.all(Array.from({ length: 50 },
        () => rawExchange(ctx.port, [head], { stopWhen: done })));
      for (const a of answers) {
        assert.deepEqual(statuses(a.text()), [503], a.text().slice(0, 80));
        assert.match(a.text(), /\r\nretry-after: 5\r\n/i);
      }
    }
    const eio = await rawExchange(ctx.port, [`GET ${POLL_PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\n` +
      `X-Forwarded-For: ${ctx.addr}\r\n\r\n`], { stopWhen: (d) => d.includes('Too many connections') });
    assert.deepEqual(statuses(eio.text()), [503]);
    for (const ws of held) assert.ok(!ws.ended, 'a held connection was closed');
    await expectAlive(held[0]);
    for (const ws of held) ws.destroy();
    // the count goes down with the closes: the address is served again
    const again = await (async () => {
      for (let i = 0; i < 100; i++) {
        const ws = wire(ctx);
        await ws.waitFor(() => ws.head, WAIT, 'the handshake answer');
        if (ws.status === 101) return ws;
        ws.destroy();
        await sleep(50);
      }
      return null;
    })();
    assert.ok(again, 'the address was never served again');
    again.destroy();
  }, { timeout: 120000 }),
  // tokens (auth.required)
  unauthorized('absent', { tok: null }),
  unauthorized('empty in the query', { query: '?token=' }),
  unauthorized('garbage', { tok: 'garbage' }),
  unauthorized('alg none, unsigned', () => ({ tok: `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(claims())}.` })),
  unauthorized('alg HS512 with the right secret', () => ({ tok: sign(claims(), SECRET, { alg: 'HS512' }) })),
  unauthorized('wrong key', () => ({ tok: sign(claims(), `${SECRET}x`) })),
  unauthorized('payload swapped under a valid signature', () => {
    const [h, , s] = sign(claims(), SECRET).split('.');
    return { tok: `${h}.${b64url(claims({ role: 'admin' }))}.${s}` };
  }),
  unauthorized('expired an hour ago', () => ({ tok: sign(claims({ exp: now() - 3600 }), SECRET) })),
  unauthorized('nbf an hour ahead', () => ({ tok: sign(claims({ nbf: now() + 3600 }), SECRET) })),
  unauthorized('header nested 4,000 deep', () => ({ tok: `${Buffer.from('['.repeat(4000)).toString('base64url')}.${b64url(claims())}.x` })),
  unauthorized('exp 1e400', () => ({ tok: hs({ alg: 'HS256' }, '{"sub":"x","exp":1e400}') })),
  unauthorized('bad in the subprotocol list after job-updates', { tok: null, protocols: 'job-updates, bad.token.x' }),
  unauthorized('valid but before the endpoint\'s name in the subprotocols', () =>
    ({ tok: null, protocols: `${sign({ sub: 'p', exp: now() + 600 }, SECRET, { typ: undefined })}, job-updates` })),
  unauthorized('bad in the query, valid in the subprotocol (the query is read first)', () =>
    ({ query: '?token=bad', protocols: `job-updates, ${sign({ sub: 'q', exp: now() + 600 }, SECRET, { typ: undefined })}` })),
  kase('a 6 KB token in the query, bad signature: 401 before the upgrade', (ctx) =>
    refusedWith(ctx, { tok: sign(claims({ pad: 'x'.repeat(4400) }), `${SECRET}x`) }, 401)),
  kase('a 10 KB token in the query (a request line past lws\'s 8 KB header table): 414', (ctx) =>
    refusedWith(ctx, { tok: sign(claims({ pad: 'x'.repeat(7500) }), SECRET) }, 414)),
];

hostileSuite('hostile: plain WebSocket endpoint', cases, { config: CONFIG });
export const count = cases.length;

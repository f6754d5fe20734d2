// Hostile catalog: JWT attacks on the handshake, and floods past the rate limits.
// Answers (docs/sio-server.md "Authentication", "Limits"; docs/jwt.md): a refused token is a
// CONNECT_ERROR `44{"message": <reason>, "data": {"code": "UNAUTHORIZED" | "TOKEN_EXPIRED"}}`
// and the Engine.IO connection stays up (a client may retry); a CONNECT past
// connectionsPerMinutePerIp gets `RATE_LIMIT_EXCEEDED`; an event past eventsPerMinute is
// dropped and answered with `error {code: "RATE_LIMIT_EXCEEDED"}`, the connection kept; a join
// past subscribeEventsPerMinute likewise. More JWT attacks (HS/RS confusion with a key pair,
// every token source, kid and jku headers on a JWKS server) are in
// interop/test/sio-server/jwt-attacks.test.js and jwks.test.js; these are the ones that
// belong to the catalog's server (HS256 pinned, auth required).
import assert from 'node:assert/strict';
import { createHmac, generateKeyPairSync, sign as cryptoSign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { b64url, now, sign, ROOT } from '../../lib/sio-server-app.js';
import { hostileSuite, openWs, SECRET, token, expectAlive, frame } from '../../lib/hostile.js';

const claims = (extra = {}) => ({ sub: `jwt-${Math.random()}`, iat: now(), exp: now() + 600, ...extra });
const rawTok = (header, payload, sig = '') => `${b64url(header)}.${b64url(payload)}.${sig}`;
const hs = (header, payload, key = SECRET) => {
  const head = `${b64url(header)}.${b64url(payload)}`;
  return `${head}.${createHmac('sha256', key).update(head).digest('base64url')}`;
};
const rsaKey = readFileSync(`${ROOT}tests/data/jwt/rsa2048.key.pem`, 'utf8');
const rsaPub = readFileSync(`${ROOT}tests/data/jwt/rsa2048.pub.pem`, 'utf8');
const rs256 = (payload) => {
  const head = `${b64url({ alg: 'RS256', typ: 'JWT' })}.${b64url(payload)}`;
  return `${head}.${cryptoSign('sha256', Buffer.from(head), rsaKey).toString('base64url')}`;
};
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const es256 = (payload) => {
  const head = `${b64url({ alg: 'ES256', typ: 'JWT' })}.${b64url(payload)}`;
  return `${head}.${cryptoSign('sha256', Buffer.from(head), { key: ec.privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`;
};
const good = () => sign(claims(), SECRET);
const flip = (t) => { const p = t.split('.'); p[2] = p[2].slice(0, -2) + (p[2].endsWith('AA') ? 'BB' : 'AA'); return p.join('.'); };

/** A CONNECT with `tok` is refused with the documented code; the WebSocket stays up. */
const refused = (name, tok, code = 'UNAUTHORIZED', message) => ({
  name: `JWT ${name}: CONNECT_ERROR ${code}, connection kept`,
  async run(ctx) {
    const ws = await openWs(ctx, { sio: false });
    const t = typeof tok === 'function' ? tok() : tok;
    ws.text(`40${JSON.stringify(t === undefined ? {} : { token: t })}`);
    await ws.waitFor(() => ws.texts().some((x) => x.startsWith('44')), 5000, 'CONNECT_ERROR');
    const err = JSON.parse(ws.texts().find((x) => x.startsWith('44')).slice(2));
    assert.equal(err.data?.code, code, JSON.stringify(err));
    if (message) assert.equal(err.message, message);
    await new Promise((r) => { setTimeout(r, 100); });
    assert.ok(!ws.ended, 'the connection was closed');
    ws.destroy();
  },
});

const cases = [
  refused('absent (auth required)', undefined),
  refused('empty string', ''),
  refused('a number', 12345),
  refused('an object', { alg: 'none' }),
  refused('alg none, unsigned', () => rawTok({ alg: 'none', typ: 'JWT' }, claims()), 'UNAUTHORIZED', 'algorithm not allowed'),
  refused('alg NoNe with a signature', () => `${rawTok({ alg: 'NoNe' }, claims())}${good().split('.')[2]}`, 'UNAUTHORIZED', 'algorithm not allowed'),
  refused('alg HS512 with the right secret', () => sign(claims(), SECRET, { alg: 'HS512' }), 'UNAUTHORIZED', 'algorithm not allowed'),
  refused('HS/RS confusion: RS256 token (HS256 pinned)', () => rs256(claims()), 'UNAUTHORIZED', 'algorithm not allowed'),
  refused('HS/RS confusion: HS256 keyed with the RSA public key', () => hs({ alg: 'HS256', typ: 'JWT' }, claims(), rsaPub), 'UNAUTHORIZED', 'invalid signature'),
  refused('ES256 token (HS256 pinned)', () => es256(claims()), 'UNAUTHORIZED', 'algorithm not allowed'),
  refused('wrong key', () => sign(claims(), `${SECRET}x`), 'UNAUTHORIZED', 'invalid signature'),
  refused('empty key', () => hs({ alg: 'HS256', typ: 'JWT' }, claims(), ''), 'UNAUTHORIZED', 'invalid signature'),
  refused('flipped signature', () => flip(good()), 'UNAUTHORIZED'),
  refused('payload swapped under a valid signature', () => { const [h, , s] = good().split('.'); return `${h}.${b64url(claims({ role: 'admin' }))}.${s}`; }, 'UNAUTHORIZED', 'invalid signature'),
  refused('expired an hour ago', () => sign(claims({ exp: now() - 3600 }), SECRET), 'TOKEN_EXPIRED'),
  refused('expired past the 30 s leeway', () => sign(claims({ exp: now() - 60 }), SECRET), 'TOKEN_EXPIRED'),
  refused('nbf an hour ahead', () => sign(claims({ nbf: now() + 3600 }), SECRET), 'UNAUTHORIZED'),
  refused('iat a day ahead', () => sign(claims({ iat: now() + 86400 }), SECRET), 'UNAUTHORIZED'),
  refused('exp a string', () => sign(claims({ exp: String(now() + 600) }), SECRET), 'UNAUTHORIZED'),
  refused('exp 1e400 (infinite)', () => hs({ alg: 'HS256' }, `{"sub":"x","exp":1e400}`), 'UNAUTHORIZED'),
  refused('a 900 KB token', () => `${good()}${'A'.repeat(900000)}`, 'UNAUTHORIZED'),
  {
    name: 'JWT a 1 MB token (past maxPayload): closed with 1009',
    async run(ctx) {
      const ws = await openWs(ctx, { sio: false });
      ws.text(`40${JSON.stringify({ token: `${good()}${'A'.repeat(1000000)}` })}`);
      const { code } = await ws.waitClose();
      assert.equal(code, 1009);
    },
  },
  refused('a 64 KB header segment', () => sign(claims(), SECRET, { pad: 'x'.repeat(65536) }), 'UNAUTHORIZED'),
  refused('two segments', () => good().split('.').slice(0, 2).join('.'), 'UNAUTHORIZED', 'malformed token'),
  refused('four segments', () => `${good()}.x`, 'UNAUTHORIZED', 'malformed token'),
  refused('standard base64 with padding', () => good().replace(/-/g, '+').replace(/_/g, '/') + '==', 'UNAUTHORIZED'),
  refused('invalid base64 characters', () => { const [h, p, s] = good().split('.'); return `${h}!.${p}.${s}`; }, 'UNAUTHORIZED'),
  refused('header not JSON', () => `${Buffer.from('not json').toString('base64url')}.${b64url(claims())}.x`, 'UNAUTHORIZED'),
  refused('header nested 10,000 deep', () => `${Buffer.from('['.repeat(10000)).toString('base64url')}.${b64url(claims())}.x`, 'UNAUTHORIZED'),
  refused('duplicate alg in the header', () => hs('{"alg":"none","alg":"HS256"}', claims()), 'UNAUTHORIZED'),
  refused('kid path traversal, signed with an empty key', () => sign(claims(), '', { kid: '../../../../dev/null' }), 'UNAUTHORIZED', 'invalid signature'),
  {
    name: 'JWT kid "../../etc/passwd" with the right secret: the kid is not used (a static key), connected',
    async run(ctx) {
      const ws = await openWs(ctx, { sio: false });
      await ws.connectSio(sign(claims(), SECRET, { kid: '../../etc/passwd' }));
      ws.destroy();
    },
  },
  refused('kid SQL injection with a wrong key', () => sign(claims(), 'x', { kid: "' OR '1'='1" }), 'UNAUTHORIZED', 'invalid signature'),
  refused('jku pointing elsewhere, wrong key', () => sign(claims(), 'attacker', { jku: 'http://127.0.0.1:1/jwks.json' }), 'UNAUTHORIZED', 'invalid signature'),
  refused('embedded jwk, wrong key', () => sign(claims(), 'attacker', { jwk: { kty: 'oct', k: b64url('attacker') } }), 'UNAUTHORIZED', 'invalid signature'),
  refused('crit header with an unknown extension', () => sign(claims(), SECRET, { crit: ['exp-ext'], 'exp-ext': 1 }), 'UNAUTHORIZED'),
  {
    name: 'JWT: a valid token after 20 refused ones on the same connection: connected',
    async run(ctx) {
      const ws = await openWs(ctx, { sio: false });
      for (let i = 0; i < 20; i++) ws.text(`40${JSON.stringify({ token: flip(good()) })}`);
      await ws.waitFor(() => ws.texts().filter((x) => x.startsWith('44')).length === 20, 5000, '20 refusals');
      await ws.connectSio();
      await expectAlive(ws);
      ws.destroy();
    },
  },
  // floods
  {
    name: 'connection flood from one address: the 61st CONNECT in a minute is RATE_LIMIT_EXCEEDED',
    async run(ctx) {
      const ws = await openWs(ctx, { sio: false });
      for (let i = 0; i < 61; i++) ws.text(`40${JSON.stringify({ token: flip(good()) })}`);
      await ws.waitFor(() => ws.texts().filter((x) => x.startsWith('44')).length === 61, 5000, '61 answers');
      const last = JSON.parse(ws.texts().filter((x) => x.startsWith('44')).pop().slice(2));
      assert.equal(last.data.code, 'RATE_LIMIT_EXCEEDED');
      ws.destroy();
    },
  },
  {
    name: 'event flood: 100 events pass, the next 400 are each answered RATE_LIMIT_EXCEEDED, connection kept',
    async run(ctx) {
      const ws = await openWs(ctx);
      for (let i = 0; i < 500; i++) ws.text('42["ping"]');
      await ws.waitFor(() => ws.texts().filter((x) => x.includes('RATE_LIMIT_EXCEEDED')).length === 400, 10000, '400 refusals');
      assert.equal(ws.texts().filter((x) => x.startsWith('42["pong"')).length, 100);
      assert.ok(!ws.ended);
      ws.destroy();
    },
  },
  {
    name: 'event flood in one WebSocket write of 10,000 frames: refused past the limit, connection kept',
    async run(ctx) {
      const ws = await openWs(ctx);
      ws.send(Buffer.concat(Array.from({ length: 10000 }, () => frame(1, '42["nothing"]'))));
      await ws.waitFor(() => ws.texts().filter((x) => x.includes('RATE_LIMIT_EXCEEDED')).length === 9900, 15000, '9,900 refusals');
      ws.destroy();
    },
  },
  {
    name: 'join flood: 30 joins pass, the rest RATE_LIMIT_EXCEEDED, nothing joined past the limit',
    async run(ctx) {
      const ws = await openWs(ctx);
      for (let i = 0; i < 60; i++) ws.text(`42${i}["join",{"room":"r${i}"}]`);
      await ws.waitFor(() => ws.texts().filter((x) => x.includes('RATE_LIMIT_EXCEEDED')).length === 30, 5000, '30 refusals');
      assert.equal(ws.texts().filter((x) => x.startsWith('42["joined"')).length, 30);
      ws.destroy();
    },
  },
  {
    name: 'room flood across users: joins of 1,000 distinct rooms by 40 sockets; rooms freed when they leave',
    async run(ctx) {
      const wss = [];
      for (let u = 0; u < 40; u++) {
        const ws = await openWs(ctx);
        for (let i = 0; i < 25; i++) ws.text(`42["join",{"room":"flood-${u}-${i}"}]`);
        wss.push(ws);
      }
      for (const ws of wss) await ws.waitFor(() => ws.texts().filter((x) => x.startsWith('42["joined"')).length === 25, 5000, 'joins');
      for (const ws of wss) ws.destroy();
    },
  },
  {
    name: 'join of an id past the pattern (65 chars, a slash, 10 KB): INVALID_ID each, connection kept',
    async run(ctx) {
      const ws = await openWs(ctx);
      for (const id of ['a'.repeat(65), 'a/b', 'x'.repeat(10000), '', '..', 'a\u0000b']) ws.text(`42${JSON.stringify(['join', { room: id }])}`);
      await ws.waitFor(() => ws.texts().filter((x) => x.includes('INVALID_ID')).length >= 5, 5000, 'INVALID_ID');
      await expectAlive(ws);
      ws.destroy();
    },
  },
];

hostileSuite('hostile: JWT attacks and floods', cases);
export const count = cases.length;

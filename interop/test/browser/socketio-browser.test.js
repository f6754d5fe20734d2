// A real browser against the server under test: Debian's Chromium, driven by
// playwright-core, loads a page from a static server on another port (another origin) and
// runs the socket.io-client browser bundle against sio-echo, started with --cors-origin set
// to the page's origin. The page (lib/browser-page-client.js) records what it sees in
// window.results; the tests wait for it to finish and check every result here.
//   1. default transports with credentials: polling, then the upgrade to websocket; auth,
//      events, acks both ways, binary both ways, a refused "/custom" connection.
//   2. websocket only: one acked event.
//   3. polling only (every request cross-origin with credentials): binary, acks both ways.
//   4. socket.io-msgpack-parser in the page (bundled by lib/browser-static.js) against
//      sio-echo --parser msgpack, over default transports (with the upgrade), polling only and
//      websocket only: events, acks both ways, Uint8Array and ArrayBuffer both ways (nested
//      too), "/custom" accepted (a binary ack) and refused.
// Skipped only when /usr/bin/chromium is missing (scripts/install-deps.sh installs it).
// BROWSER_SCREENSHOT=/path.png saves a screenshot of the first page when it is done.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSioServer, itShutsDownCleanly, SIO_TIME_SCALE } from '../../lib/sio-server.js';
import { startStaticServer } from '../../lib/browser-static.js';
import { chromiumMissingReason, launchChromium, watchPage } from '../../lib/browser-chromium.js';

const MISSING = chromiumMissingReason();
const STEP_TIMEOUT = 5000 * SIO_TIME_SCALE;
const PAGE_TIMEOUT = 30000 * SIO_TIME_SCALE;

const UTF8 = 'caf\u00e9 \u20ac \ud83d\ude00';

/** Open the page for `scenario`, wait until it reports done, return its results. */
async function runPage(browser, staticServer, server, scenario, { screenshot, query = '' } = {}) {
  const page = await browser.context.newPage();
  const watched = watchPage(page);
  try {
    const url = `${staticServer.origin}/?scenario=${scenario}` +
      `&sio=${encodeURIComponent(server.url)}&stepTimeout=${STEP_TIMEOUT}${query}`;
    await page.goto(url, { waitUntil: 'load', timeout: PAGE_TIMEOUT });
    try {
      await page.waitForFunction(() => window.results && window.results.done === true, null,
        { timeout: PAGE_TIMEOUT, polling: 50 });
    } catch (e) {
      const partial = await page.evaluate(() => window.results).catch(() => undefined);
      throw new Error(`page did not report done within ${PAGE_TIMEOUT} ms: ${e.message}\n` +
        `results so far: ${JSON.stringify(partial)}\nconsole: ${watched.console.join('\n')}`);
    }
    const results = await page.evaluate(() => window.results);
    const shown = await page.textContent('#results');
    if (screenshot) await page.screenshot({ path: screenshot, fullPage: true });
    return { results, shown, watched };
  } finally {
    await page.close();
  }
}

function diagnostics(results, watched) {
  return `\npage errors: ${JSON.stringify(results.errors)}\nconsole: ${watched.console.join('\n')}` +
    `\nuncaught: ${watched.pageErrors.join('\n')}\nfailed requests: ${watched.failedRequests.join('\n')}`;
}

function assertNoConsoleErrors(watched) {
  const cors = watched.consoleErrors.filter((m) => /CORS|Access-Control|cross-origin/i.test(m));
  assert.deepEqual(cors, [], 'no CORS errors in the page console');
  assert.deepEqual(watched.consoleErrors, [], 'no errors at all in the page console');
  assert.deepEqual(watched.pageErrors, [], 'no uncaught exceptions in the page');
}

describe('socket.io in a real browser (Chromium)', () => {
  let server;
  let staticServer;
  let browser;
  let screenshotTaken = false;

  before(async () => {
    staticServer = await startStaticServer();
    // The server reflects this exact origin, with credentials.
    server = await startSioServer({ cors: staticServer.origin });
    if (!MISSING) browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await staticServer?.close();
    await server?.stop();
  });

  it('default transports with credentials: polling, upgrade to websocket, events, acks, binary, refused namespace', async (t) => {
    if (MISSING) { t.skip(MISSING); return; }
    const screenshot = !screenshotTaken ? process.env.BROWSER_SCREENSHOT : undefined;
    screenshotTaken = true;
    const { results: r, shown, watched } = await runPage(browser, staticServer, server, 'full',
      { screenshot });
    const why = diagnostics(r, watched);
    t.diagnostic(`chromium ${browser.version}; transports: open=${r.transportAtOpen} ` +
      `connect=${r.transportAtConnect} end=${r.transportAtEnd}; early binary sent on ` +
      `${r.binaryEarly?.sentOn}`);

    assert.deepEqual(r.errors, [], `every step in the page succeeded${why}`);
    assertNoConsoleErrors(watched);

    // The page served its results as text too.
    assert.ok(shown.includes('"transportAtConnect"') && shown.includes('"customRefused"'),
      'results written into the page');

    // polling first, then the upgrade
    // (the upgrade may finish before the CONNECT reply: transportAtConnect can be either)
    assert.equal(r.transportAtOpen, 'polling', 'the engine opened on polling');
    assert.ok(['polling', 'websocket'].includes(r.transportAtConnect), 'transport at connect');
    assert.equal(r.socketId, true, 'socket.id set');
    assert.deepEqual(r.upgrade, {
      upgrading: { from: 'polling', to: 'websocket' },
      eventTransport: 'websocket',
      engineTransport: 'websocket',
    }, 'the engine upgraded from polling to websocket');
    assert.equal(r.transportAtEnd, 'websocket', 'still on websocket at the end');

    assert.deepEqual(r.auth, {}, '"auth" event with the empty CONNECT payload');

    assert.deepEqual(r.messageBack, ['hello', 42, -1.5, 0, true, null,
      { a: { b: [1, 'x', null, false] }, s: UTF8 }, ['arr', 2]], 'message -> message-back');
    assert.deepEqual(r.emitWithAck, { n: 1, s: 'acked', list: [1, 2, 3] }, 'emitWithAck result');
    assert.deepEqual(r.ackAllArgs, ['one', 2, { three: 3 }], 'ack callback gets all the args');

    for (const [name, label] of [['binaryEarly', 'early'], ['binaryAfterUpgrade', 'after-upgrade']]) {
      assert.deepEqual(r[name], {
        sentOn: r[name].sentOn,
        argc: 2,
        first: { type: 'ArrayBuffer', bytes: [0, 1, 2, 127, 128, 255] },
        label,
        nestedBuf: { type: 'ArrayBuffer', bytes: [10, 20, 30, 0, 255] },
        nestedList: [1, 'two'],
      }, `binary echoed with its bytes (${name}, sent on ${r[name].sentOn})`);
    }
    assert.equal(r.binaryAfterUpgrade.sentOn, 'websocket', 'second binary message went over websocket');
    assert.deepEqual(r.binaryAck, { type: 'ArrayBuffer', bytes: [9, 8, 7] }, 'binary in an ack');

    assert.deepEqual(r.serverAck, {
      questions: [['what?', 7]],
      answer: ['reply from the browser', { ok: true, got: ['what?', 7] }],
    }, 'ask -> question (acked by the page) -> answer');

    assert.deepEqual(r.customRefused, { connected: false, message: 'refused', data: { code: 42 } },
      '"/custom" with token "refuse": connect_error "refused", data {code: 42}');
    assert.deepEqual(r.customAccepted, { auth: { token: 'welcome' }, echoed: 'custom' },
      '"/custom" with another token connects and sees its auth');
  });

  it('websocket-only transport: one acked event', async (t) => {
    if (MISSING) { t.skip(MISSING); return; }
    const { results: r, watched } = await runPage(browser, staticServer, server, 'websocket');
    const why = diagnostics(r, watched);

    assert.deepEqual(r.errors, [], `every step in the page succeeded${why}`);
    assertNoConsoleErrors(watched);
    assert.equal(r.transportAtConnect, 'websocket', 'connected over websocket');
    assert.equal(r.transportAtEnd, 'websocket', 'still on websocket at the end');
    assert.deepEqual(r.auth, {}, '"auth" event');
    assert.equal(r.emitWithAck, 'ws-only', 'emitWithAck result');
    assert.deepEqual(r.ackAllArgs, ['ws-only', { type: 'ArrayBuffer', bytes: [1, 2, 3] }],
      'ack with a binary attachment');
  });

  it('polling-only transport with credentials: binary both ways, acks both ways', async (t) => {
    if (MISSING) { t.skip(MISSING); return; }
    const { results: r, watched } = await runPage(browser, staticServer, server, 'polling');
    const why = diagnostics(r, watched);

    assert.deepEqual(r.errors, [], `every step in the page succeeded${why}`);
    assertNoConsoleErrors(watched);
    assert.equal(r.transportAtConnect, 'polling', 'connected over polling');
    assert.equal(r.transportAtEnd, 'polling', 'still on polling at the end');
    assert.deepEqual(r.auth, {}, '"auth" event');
    assert.deepEqual(r.binary, {
      sentOn: 'polling',
      argc: 2,
      first: { type: 'ArrayBuffer', bytes: [0, 1, 2, 127, 128, 255] },
      label: 'polling',
      nestedBuf: { type: 'ArrayBuffer', bytes: [10, 20, 30, 0, 255] },
      nestedList: [1, 'two'],
    }, 'binary echoed with its bytes over polling');
    assert.deepEqual(r.binaryAck, { type: 'ArrayBuffer', bytes: [4, 5, 6] }, 'binary in an ack');
    assert.deepEqual(r.serverAck, { questions: [['polled?']], answer: ['polled reply'] },
      'ask -> question (acked by the page) -> answer');
  });

  itShutsDownCleanly(() => server, async () => {
    await browser?.close();
    await staticServer?.close();
  });
});

describe('socket.io with the msgpack parser in a real browser (Chromium)', () => {
  let server;
  let staticServer;
  let browser;

  before(async () => {
    staticServer = await startStaticServer();
    server = await startSioServer({ cors: staticServer.origin, extraArgs: ['--parser', 'msgpack'] });
    if (!MISSING) browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await staticServer?.close();
    await server?.stop();
  });

  for (const [transports, atConnect] of [['default', null], ['polling', 'polling'],
    ['websocket', 'websocket']]) {
    it(`msgpack parser (${transports} transports): events, acks, binary, a second namespace`, async (t) => {
      if (MISSING) { t.skip(MISSING); return; }
      const { results: r, watched } = await runPage(browser, staticServer, server, 'msgpack',
        { query: `&transports=${transports}` });
      const why = diagnostics(r, watched);

      assert.deepEqual(r.errors, [], `every step in the page succeeded${why}`);
      assertNoConsoleErrors(watched);
      if (atConnect) {
        assert.equal(r.transportAtConnect, atConnect, `connected over ${atConnect}`);
        assert.equal(r.transportAtEnd, atConnect, `still on ${atConnect} at the end`);
      } else {
        assert.equal(r.upgrade, 'websocket', 'the engine upgraded to websocket');
        assert.equal(r.transportAtEnd, 'websocket', 'on websocket at the end');
      }
      assert.deepEqual(r.auth, {}, '"auth" event with the empty CONNECT payload');
      assert.deepEqual(r.messageBack, ['hello', 42, -1.5, 0, true, null,
        { a: { b: [1, 'x', null, false] }, s: UTF8 }, ['arr', 2]], 'message -> message-back');
      assert.deepEqual(r.emitWithAck, { n: 1, s: 'acked', list: [1, 2, 3] }, 'emitWithAck result');
      assert.deepEqual(r.ackAllArgs, ['one', 2, { three: 3 }], 'ack callback gets all the args');
      // msgpack bin values arrive as ArrayBuffer (notepack's browser decoder)
      const binary = (label, sentOn) => ({
        sentOn,
        argc: 2,
        first: { type: 'ArrayBuffer', bytes: [0, 1, 2, 127, 128, 255] },
        label,
        nestedBuf: { type: 'ArrayBuffer', bytes: [10, 20, 30, 0, 255] },
        nestedList: [1, 'two'],
      });
      assert.deepEqual(r.binary, binary('msgpack', r.binary?.sentOn), 'binary echoed with its bytes');
      if (!atConnect) {
        assert.deepEqual(r.binaryAfterUpgrade, binary('msgpack-after-upgrade', 'websocket'),
          'binary echoed over websocket after the upgrade');
      }
      assert.deepEqual(r.binaryAck, { type: 'ArrayBuffer', bytes: [9, 8, 7] },
        'an ArrayBuffer in an ack');
      // the parser's browser encoder packs a Uint8Array as a map of its indexes; node's
      // server and ours hand it back as that map
      assert.deepEqual(r.uint8ArrayAsMap, { 0: 4, 1: 5 }, 'a Uint8Array: a map, as with node');
      assert.deepEqual(r.serverAck, {
        questions: [['packed?', { type: 'ArrayBuffer', bytes: [1] }]],
        answer: ['msgpack reply', { type: 'ArrayBuffer', bytes: [5, 6] }],
      }, 'ask -> question with binary (acked by the page with binary) -> answer');
      assert.deepEqual(r.customAccepted, { auth: { token: 'welcome' },
        echoed: ['custom', { type: 'ArrayBuffer', bytes: [3, 2, 1] }] },
      '"/custom" connects, sees its auth and acks binary');
      assert.deepEqual(r.customRefused, { connected: false, message: 'refused', data: { code: 42 } },
        '"/custom" with token "refuse": connect_error "refused", data {code: 42}');
    });
  }

  itShutsDownCleanly(() => server, async () => {
    await browser?.close();
    await staticServer?.close();
  });
});

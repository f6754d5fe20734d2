// A WebSocket that arrives with the sid of a session that cannot take it, run against the
// server under test AND against node's engine.io (interop/reference/eio-echo.js), which must
// show the same outcome. node's Server.verify() refuses only an unknown sid before the
// handshake (HTTP 400); onWebSocket() accepts any other WebSocket and then closes it at once
// (ws.close() without a code: the client reads 1005) when the session has upgraded or is
// upgrading, while the session's own transport carries on. Any other session takes it as
// an upgrade probe (Socket._maybeUpgrade() looks at neither readyState nor the transport):
// one that is closing on polling, where the probe goes when the session ends, and one that
// began on WebSocket, where "5" moves the session to the probe and closes the first.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startEioServer, serverCommand, launchServer, freePort, IS_NODE_REFERENCE,
} from '../../lib/eio-server.js';
import {
  handshake, poll, post, RawWs, upgradeByHand, splitPayload, syncRoundTrip, assertSessionGone,
  wsHandshake,
} from '../../lib/raw.js';
import { EVENT_TIMEOUT } from '../../lib/util.js';

/** Both servers' default upgradeTimeout. */
const UPGRADE_TIMEOUT = 10000;

/** node's engine.io, whatever EIO_SERVER says: the behaviour to match. */
async function startNodeReference() {
  const port = await freePort();
  const command = serverCommand({ args: ['--port', String(port)], nodeReference: true,
    referenceScript: 'eio-echo.js' });
  return launchServer({ ...command, port, verboseEnv: 'EIO_VERBOSE' });
}

/**
 * What the client sees of a WebSocket: refused (the HTTP status), or opened, then `act`
 * (its result is kept), then closed (the close code and every message it got).
 */
async function outcome(ws, act = async () => undefined) {
  try {
    await ws.open();
  } catch (e) {
    assert.ok(e.statusCode, `neither opened nor refused with a status: ${e.message}`);
    return { refused: e.statusCode };
  }
  const during = await act(ws);
  const { code } = await ws.waitClose();
  return { opened: true, during, closeCode: code, messages: ws.messages.items.slice() };
}

/** A message sent on `ws` comes back (the echo server): the connection works. */
async function echoes(ws, text) {
  ws.send(`4${text}`);
  return (await ws.next()) === `4${text}`;
}

describe('a second WebSocket for a session, as node engine.io answers it', () => {
  const servers = {};
  before(async () => {
    servers.tested = await startEioServer({});
    servers.node = await startNodeReference();
  });
  after(async () => {
    await Promise.all(Object.values(servers).map((s) => s.stop()));
  });

  /**
   * Run `scenario` on both servers (one after the other, or at once when `parallel`: for a
   * scenario that waits on a server's timer); their outcomes must be equal, and equal
   * `expected`.
   */
  async function same(scenario, expected, { parallel = false } = {}) {
    const got = {};
    const run = async ([name, server]) => { got[name] = await scenario(server); };
    if (parallel) await Promise.all(Object.entries(servers).map(run));
    else for (const entry of Object.entries(servers)) await run(entry);
    const label = IS_NODE_REFERENCE ? 'node (EIO_SERVER=node)' : 'the C server';
    assert.deepEqual(got.tested, got.node, `${label} differs from node engine.io`);
    assert.deepEqual(got.node, expected, 'node engine.io itself');
  }

  it('after the upgrade: opened, then closed at once (1005); the first WebSocket carries on',
    () => same(async (server) => {
      const { sid } = await handshake(server);
      const { ws } = await upgradeByHand(server, sid);
      try {
        const second = await outcome(new RawWs(server, { sid }));
        return { second, firstEchoes: await echoes(ws, 'first, after the second closed') };
      } finally {
        ws.terminate();
      }
    }, { second: { opened: true, during: undefined, closeCode: 1005, messages: [] },
      firstEchoes: true }));

  for (const when of ['before "2probe"', 'after "3probe"']) {
    it(`during an upgrade (${when}): the second probe is opened, then closed at once (1005); ` +
      'the first completes the upgrade', () => same(async (server) => {
      const { sid } = await handshake(server);
      const first = new RawWs(server, { sid });
      try {
        await first.open();
        const probed = when.startsWith('after');
        if (probed) {
          first.send('2probe');
          assert.equal(await first.next(), '3probe');
        }
        const second = await outcome(new RawWs(server, { sid }), async (ws) => {
          ws.send('2probe'); // a probe answer on it would show up in its messages
        });
        if (!probed) {
          first.send('2probe');
          assert.equal(await first.next(), '3probe');
        }
        first.send('5');
        return { second, firstEchoes: await echoes(first, 'upgraded') };
      } finally {
        first.terminate();
      }
    }, { second: { opened: true, during: undefined, closeCode: 1005, messages: [] },
      firstEchoes: true }));
  }

  it('an unknown sid: refused with HTTP 400 before the handshake', () => same(
    (server) => outcome(new RawWs(server, { sid: 'no-such-session' })),
    { refused: 400 }));

  it('a polling session that is closing takes the probe; it goes (1005) when the session ends',
    () => same(async (server) => {
      const { sid } = await handshake(server);
      assert.equal((await post(server, sid, '4close-me')).status, 200);
      return outcome(new RawWs(server, { sid }), async (ws) => {
        await syncRoundTrip(server);
        const openWhileClosing = ws.isOpen;
        // the close packet goes out on the next GET (node puts a noop before it)
        const g = await poll(server, sid);
        return { openWhileClosing, poll: [g.status, splitPayload(g.body).filter((p) => p !== '6')] };
      });
    }, { opened: true, during: { openWhileClosing: true, poll: [200, ['1']] }, closeCode: 1005,
      messages: [] }));

  it('a polling session that is closing: "2probe" is answered, "5" ends the session (1005)',
    () => same(async (server) => {
      const { sid } = await handshake(server);
      assert.equal((await post(server, sid, '4close-me')).status, 200);
      const probe = await outcome(new RawWs(server, { sid }), async (ws) => {
        ws.send('2probe');
        const answer = await ws.next();
        ws.send('5');
        return answer;
      });
      await assertSessionGone(server, sid);
      return probe;
    }, { opened: true, during: '3probe', closeCode: 1005, messages: [] }));

  it('a session that began on WebSocket takes a probe; "5" moves it there and closes the ' +
    'first (1005); a third WebSocket is then closed at once', () => same(async (server) => {
    const { ws: first, sid } = await wsHandshake(server);
    const second = new RawWs(server, { sid });
    try {
      await second.open();
      const r = { firstEchoes: await echoes(first, 'a') };
      second.send('2probe');
      r.probe = await second.next();
      r.firstEchoesWhileProbed = await echoes(first, 'b');
      second.send('5');
      r.firstClose = (await first.waitClose()).code;
      r.secondEchoes = await echoes(second, 'c');
      r.third = await outcome(new RawWs(server, { sid }));
      r.secondEchoesAfterThird = await echoes(second, 'd');
      return r;
    } finally {
      first.terminate();
      second.terminate();
    }
  }, { firstEchoes: true, probe: '3probe', firstEchoesWhileProbed: true, firstClose: 1005,
    secondEchoes: true, third: { opened: true, during: undefined, closeCode: 1005, messages: [] },
    secondEchoesAfterThird: true }));

  it('a probe of a WebSocket session that sends anything else is closed (1005); the first ' +
    'carries on, and both go when the session closes', () => same(async (server) => {
    const { ws: first, sid } = await wsHandshake(server);
    try {
      const junk = await outcome(new RawWs(server, { sid }), async (ws) => ws.send('4not a probe'));
      const r = { junk, firstEchoes: await echoes(first, 'still here') };
      const probe = new RawWs(server, { sid });
      await probe.open();
      first.send('4close-me');
      r.closes = [(await first.waitClose()).code, (await probe.waitClose()).code];
      return r;
    } finally {
      first.terminate();
    }
  }, { junk: { opened: true, during: undefined, closeCode: 1005, messages: [] },
    firstEchoes: true, closes: [1005, 1005] }));

  it('a probe of a WebSocket session that never sends "5" is closed (1005) after the ' +
    'upgrade timeout (10 s); the first carries on', () => same(async (server) => {
    const { ws: first, sid } = await wsHandshake(server);
    try {
      const probe = await outcome(new RawWs(server, { sid }), async (ws) => {
        ws.send('2probe');
        const answer = await ws.next();
        const { code } = await ws.waitClose(UPGRADE_TIMEOUT + EVENT_TIMEOUT);
        return { answer, code };
      });
      return { probe, firstEchoes: await echoes(first, 'after the probe timed out') };
    } finally {
      first.terminate();
    }
  }, { probe: { opened: true, during: { answer: '3probe', code: 1005 }, closeCode: 1005,
    messages: [] }, firstEchoes: true }, { parallel: true }));

  it('both servers shut down cleanly on SIGTERM (exit 0)', async () => {
    await Promise.all(Object.values(servers).map((s) => s.stop()));
  });
});

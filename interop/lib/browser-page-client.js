// Runs IN THE BROWSER (served as /browser-page.js by browser-static.js; not a node module).
// The page's query string says what to do:
//   ?sio=<Socket.IO server URL>&scenario=full|websocket|polling|msgpack[&stepTimeout=ms]
//   msgpack also takes &transports=default|polling|websocket
// Everything observed goes into window.results (read by the node test through playwright)
// and is also written into the page as text. window.results.done becomes true at the end,
// whether the steps succeeded or not; a step that fails or times out is recorded in
// results.errors, so the node test can say which one.
/* global io */
(() => {
  'use strict';

  const params = new URLSearchParams(window.location.search);
  const SIO_URL = params.get('sio');
  const SCENARIO = params.get('scenario') || 'full';
  const STEP_TIMEOUT_MS = Number(params.get('stepTimeout') || 5000);

  const results = { scenario: SCENARIO, done: false, errors: [] };
  window.results = results;

  // JSON for the page: binary shown as its bytes.
  function show(v) {
    return JSON.stringify(v, (k, x) => {
      if (x instanceof ArrayBuffer) return { ArrayBuffer: Array.from(new Uint8Array(x)) };
      if (ArrayBuffer.isView(x)) return { [x.constructor.name]: Array.from(x) };
      return x;
    }, 2);
  }
  function render() {
    document.getElementById('scenario').textContent = SCENARIO;
    const status = document.getElementById('status');
    if (results.done) {
      const failed = results.errors.length > 0;
      status.textContent = failed ? `done, ${results.errors.length} error(s)` : 'done, all steps ran';
      status.className = failed ? 'failed' : 'ok';
    }
    document.getElementById('results').textContent = show(results);
  }
  function record(name, value) {
    results[name] = value;
    render();
  }

  function timeout(promise, what, ms = STEP_TIMEOUT_MS) {
    let timer;
    return Promise.race([
      promise,
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
      }),
    ]).finally(() => clearTimeout(timer));
  }
  function nextEvent(emitter, event, what = `event "${event}"`) {
    return timeout(new Promise((resolve) => emitter.once(event, (...args) => resolve(args))), what);
  }
  async function step(name, fn) {
    try {
      record(name, await fn());
    } catch (e) {
      results.errors.push(`${name}: ${e && e.message ? e.message : String(e)}`);
      render();
    }
  }

  // The round trips of every scenario: an event echoed back (every JSON type), an ack
  // (emitWithAck) and an ack's every argument (callback form); suffix names the parser in a
  // timeout's message.
  async function echoSteps(socket, suffix) {
    await step('messageBack', async () => {
      const back = nextEvent(socket, 'message-back');
      socket.emit('message', 'hello', 42, -1.5, 0, true, null,
        { a: { b: [1, 'x', null, false] }, s: 'caf\u00e9 \u20ac \ud83d\ude00' }, ['arr', 2]);
      return back;
    });
    await step('emitWithAck', () => timeout(
      socket.emitWithAck('message-with-ack', { n: 1, s: 'acked', list: [1, 2, 3] }),
      `ack of message-with-ack${suffix}`));
    await step('ackAllArgs', () => timeout(new Promise((resolve) => {
      socket.emit('message-with-ack', 'one', 2, { three: 3 }, (...args) => resolve(args));
    }), `ack (callback form) of message-with-ack${suffix}`));
  }

  // What a binary value looks like on arrival: its type and its bytes.
  function describeBinary(x) {
    const type = Object.prototype.toString.call(x).slice(8, -1);
    if (x instanceof ArrayBuffer) return { type, bytes: Array.from(new Uint8Array(x)) };
    if (ArrayBuffer.isView(x)) {
      return { type, bytes: Array.from(new Uint8Array(x.buffer, x.byteOffset, x.byteLength)) };
    }
    return { type, value: x };
  }

  function connected(socket, what) {
    return timeout(new Promise((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('connect_error', (err) => reject(new Error(`connect_error: ${err.message}`)));
    }), what);
  }

  // A binary first argument (a Uint8Array, or its ArrayBuffer when arrayBuffer) and an
  // ArrayBuffer nested in an object, echoed back.
  async function binaryRoundTrip(socket, label, arrayBuffer = false) {
    const sentOn = socket.io.engine.transport.name;
    const back = nextEvent(socket, 'message-back', `message-back (binary, ${label})`);
    const ab = new Uint8Array([10, 20, 30, 0, 255]).buffer;
    const bytes = new Uint8Array([0, 1, 2, 127, 128, 255]);
    socket.emit('message', arrayBuffer ? bytes.buffer : bytes,
      { label, nested: { buf: ab, list: [1, 'two'] } });
    const args = await back;
    return {
      sentOn,
      argc: args.length,
      first: describeBinary(args[0]),
      label: args[1] && args[1].label,
      nestedBuf: describeBinary(args[1] && args[1].nested && args[1].nested.buf),
      nestedList: args[1] && args[1].nested && args[1].nested.list,
    };
  }

  async function full() {
    const socket = io(SIO_URL, { withCredentials: true, reconnection: false });
    const manager = socket.io;
    const authEvent = nextEvent(socket, 'auth');
    // The engine probes the websocket right after it opens, so listen for 'upgrade' from
    // the manager's 'open' (emitted synchronously from the engine's own 'open').
    // The upgrade may also finish before the Socket.IO CONNECT reply arrives, so the
    // transport at 'connect' can be either; 'upgrading' (probe answered, polling about to
    // be paused) tells the transport just before the switch.
    const upgraded = new Promise((resolve) => {
      manager.once('open', () => {
        results.transportAtOpen = manager.engine.transport.name;
        let before;
        manager.engine.once('upgrading', (t) => {
          before = { from: manager.engine.transport.name, to: t && t.name };
        });
        manager.engine.once('upgrade', (t) => resolve({
          upgrading: before,
          eventTransport: t && t.name,
          engineTransport: manager.engine.transport.name,
        }));
      });
    });
    const questions = [];
    socket.on('question', (...args) => {
      const ack = args.pop();
      questions.push(args);
      if (typeof ack === 'function') ack('reply from the browser', { ok: true, got: args });
    });

    await connected(socket, 'connect to "/"');
    record('transportAtConnect', manager.engine.transport.name);
    record('socketId', typeof socket.id === 'string' && socket.id.length > 0);

    await step('auth', async () => (await authEvent)[0]);

    // Binary as soon as possible: usually still on polling (base64 in the payload), but
    // the upgrade may already have happened; sentOn says which.
    await step('binaryEarly', () => binaryRoundTrip(socket, 'early'));

    await echoSteps(socket, '');

    await step('upgrade', () => timeout(upgraded, 'engine "upgrade" event'));

    await step('binaryAfterUpgrade', () => binaryRoundTrip(socket, 'after-upgrade'));

    await step('binaryAck', async () => {
      const got = await timeout(socket.emitWithAck('message-with-ack', new Uint8Array([9, 8, 7])),
        'ack of binary message-with-ack');
      return describeBinary(got);
    });

    await step('serverAck', async () => {
      const answer = nextEvent(socket, 'answer');
      socket.emit('ask', 'what?', 7);
      const args = await answer;
      return { questions, answer: args };
    });

    await step('customRefused', () => {
      const refused = io(`${SIO_URL}/custom`, {
        withCredentials: true, reconnection: false, auth: { token: 'refuse' },
      });
      return timeout(new Promise((resolve) => {
        refused.once('connect', () => resolve({ connected: true }));
        refused.once('connect_error', (err) => {
          resolve({ connected: false, message: err.message, data: err.data });
        });
      }), 'connect_error on "/custom"').finally(() => refused.close());
    });

    await step('customAccepted', async () => {
      const ok = io(`${SIO_URL}/custom`, {
        withCredentials: true, reconnection: false, auth: { token: 'welcome' },
      });
      try {
        const auth = nextEvent(ok, 'auth', 'auth on "/custom"');
        await connected(ok, 'connect to "/custom"');
        return { auth: (await auth)[0], echoed: await timeout(ok.emitWithAck('message-with-ack', 'custom'), 'ack on "/custom"') };
      } finally {
        ok.close();
      }
    });

    record('transportAtEnd', manager.engine.transport.name);
    socket.close();
  }

  async function websocketOnly() {
    const socket = io(SIO_URL, { transports: ['websocket'], reconnection: false });
    try {
      const authEvent = nextEvent(socket, 'auth');
      await connected(socket, 'connect to "/" (websocket only)');
      record('transportAtConnect', socket.io.engine.transport.name);
      await step('auth', async () => (await authEvent)[0]);
      await step('emitWithAck', () => timeout(socket.emitWithAck('message-with-ack', 'ws-only'),
        'ack of message-with-ack (websocket only)'));
      await step('ackAllArgs', () => timeout(new Promise((resolve) => {
        socket.emit('message-with-ack', 'ws-only', { bytes: new Uint8Array([1, 2, 3]) },
          (...args) => resolve([args[0], describeBinary(args[1] && args[1].bytes)]));
      }), 'ack (callback form) of message-with-ack (websocket only)'));
      record('transportAtEnd', socket.io.engine.transport.name);
    } finally {
      socket.close();
    }
  }

  // Long-polling only (XHR, cross-origin with credentials on every request): binary both
  // ways in base64 payloads, acks both ways.
  async function pollingOnly() {
    const socket = io(SIO_URL, { transports: ['polling'], withCredentials: true, reconnection: false });
    try {
      const questions = [];
      socket.on('question', (...args) => {
        const ack = args.pop();
        questions.push(args);
        if (typeof ack === 'function') ack('polled reply');
      });
      const authEvent = nextEvent(socket, 'auth');
      await connected(socket, 'connect to "/" (polling only)');
      record('transportAtConnect', socket.io.engine.transport.name);
      await step('auth', async () => (await authEvent)[0]);
      await step('binary', () => binaryRoundTrip(socket, 'polling'));
      await step('binaryAck', async () => describeBinary(await timeout(
        socket.emitWithAck('message-with-ack', new Uint8Array([4, 5, 6]).buffer),
        'ack of binary message-with-ack (polling only)')));
      await step('serverAck', async () => {
        const answer = nextEvent(socket, 'answer');
        socket.emit('ask', 'polled?');
        return { questions, answer: await answer };
      });
      record('transportAtEnd', socket.io.engine.transport.name);
    } finally {
      socket.close();
    }
  }

  // socket.io-msgpack-parser (window.msgpackParser, bundled by browser-static.js) against a
  // server with the msgpack parser: every packet one binary message, binary values inline.
  // Events, acks both ways, binary both ways (nested too), a second namespace on the same
  // connection (refused, then accepted with other auth, a binary ack), the upgrade with
  // default transports. Its encoder (notepack.io 2.2's browser build) packs an ArrayBuffer as
  // msgpack bin but a typed array such as Uint8Array as a map of its indexes: binary goes as
  // ArrayBuffer (uint8array.buffer), and uint8ArrayAsMap shows what the other does.
  function msgpackBinaryRoundTrip(socket, label) {
    return binaryRoundTrip(socket, label, true);
  }

  async function msgpack() {
    const parser = window.msgpackParser;
    if (!parser || typeof parser.Encoder !== 'function') {
      throw new Error('msgpack parser bundle not loaded (no window.msgpackParser)');
    }
    const which = params.get('transports') || 'default';
    const opts = { parser, withCredentials: true, reconnection: false,
      ...(which === 'default' ? {} : { transports: [which] }) };
    const socket = io(SIO_URL, opts);
    try {
      const questions = [];
      socket.on('question', (...args) => {
        const ack = args.pop();
        questions.push(args);
        if (typeof ack === 'function') {
          ack('msgpack reply', { bytes: new Uint8Array([5, 6]).buffer });
        }
      });
      const authEvent = nextEvent(socket, 'auth');
      await connected(socket, `connect to "/" (msgpack, ${which})`);
      record('transportAtConnect', socket.io.engine.transport.name);
      await step('auth', async () => (await authEvent)[0]);
      await echoSteps(socket, ' (msgpack)');
      await step('binary', () => msgpackBinaryRoundTrip(socket, 'msgpack'));
      await step('binaryAck', async () => describeBinary(await timeout(
        socket.emitWithAck('message-with-ack', new Uint8Array([9, 8, 7]).buffer),
        'ack of an ArrayBuffer (msgpack)')));
      await step('uint8ArrayAsMap', () => timeout(
        socket.emitWithAck('message-with-ack', new Uint8Array([4, 5])),
        'ack of a Uint8Array (msgpack)'));
      await step('serverAck', async () => {
        const answer = nextEvent(socket, 'answer');
        socket.emit('ask', 'packed?', new Uint8Array([1]).buffer);
        const args = await answer;
        return {
          questions: questions.map((q) => [q[0], describeBinary(q[1])]),
          answer: [args[0], describeBinary(args[1] && args[1].bytes)],
        };
      });
      if (which === 'default') {
        await step('upgrade', () => {
          const engine = socket.io.engine;
          if (engine.transport.name === 'websocket') return 'websocket';
          return timeout(new Promise((resolve) => {
            engine.once('upgrade', (t) => resolve(t && t.name));
          }), 'engine "upgrade" event (msgpack)');
        });
        await step('binaryAfterUpgrade', () => msgpackBinaryRoundTrip(socket,
          'msgpack-after-upgrade'));
      }
      // "/custom" on the same connection (the Manager's own socket for it): refused, then
      // accepted when it connects again with other auth.
      const custom = socket.io.socket('/custom', { auth: { token: 'refuse' } });
      try {
        await step('customRefused', () => timeout(new Promise((resolve) => {
          custom.once('connect', () => resolve({ connected: true }));
          custom.once('connect_error', (err) => {
            resolve({ connected: false, message: err.message, data: err.data });
          });
        }), 'connect_error on "/custom" (msgpack)'));
        await step('customAccepted', async () => {
          custom.auth = { token: 'welcome' };
          const auth = nextEvent(custom, 'auth', 'auth on "/custom" (msgpack)');
          custom.connect();
          await connected(custom, 'connect to "/custom" (msgpack)');
          const echoed = await timeout(new Promise((resolve) => {
            custom.emit('message-with-ack', 'custom', new Uint8Array([3, 2, 1]).buffer,
              (...args) => resolve(args));
          }), 'ack on "/custom" (msgpack)');
          return { auth: (await auth)[0], echoed: [echoed[0], describeBinary(echoed[1])] };
        });
      } finally {
        custom.close();
      }
      record('transportAtEnd', socket.io.engine.transport.name);
    } finally {
      socket.close();
    }
  }

  render();
  const SCENARIOS = { full, websocket: websocketOnly, polling: pollingOnly, msgpack };
  const run = SCENARIOS[SCENARIO] || (() => { throw new Error(`unknown scenario ${SCENARIO}`); });
  Promise.resolve()
    .then(() => {
      if (typeof io !== 'function') throw new Error('socket.io bundle not loaded (no window.io)');
      if (!SIO_URL) throw new Error('no ?sio= server URL in the page URL');
      return run();
    })
    .catch((e) => results.errors.push(`${SCENARIO}: ${e && e.message ? e.message : String(e)}`))
    .finally(() => {
      results.done = true;
      render();
    });
})();

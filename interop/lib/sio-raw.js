// Raw Socket.IO v5 access over a bare `ws` WebSocket on /socket.io/?EIO=4&transport=websocket:
// the test reads and writes Engine.IO messages ("4" + Socket.IO packet) itself. Engine.IO
// pings are answered automatically and kept out of the message queue.
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { Queue, withTimeout } from './util.js';
import { SIO_EVENT_TIMEOUT } from './sio-clients.js';

export const SIO_PATH = '/socket.io/';

export class RawSio {
  constructor(server, query = {}) {
    const params = new URLSearchParams({ EIO: '4', transport: 'websocket', ...query });
    this.url = `ws://127.0.0.1:${server.port}${SIO_PATH}?${params}`;
    this.ws = new WebSocket(this.url, { perMessageDeflate: false });
    this.messages = new Queue('raw socket.io messages');
    this.ws.on('message', (data, isBinary) => {
      if (!isBinary && data.toString('utf8') === '2') {
        this.ws.send('3');
        return;
      }
      this.messages.push(isBinary ? Buffer.from(data) : data.toString('utf8'));
    });
    this.ws.on('error', () => {}); // surfaced through opened/closed
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', resolve);
      this.ws.once('unexpected-response', (req, res) => {
        res.resume();
        reject(new Error(`websocket refused with HTTP ${res.statusCode}`));
      });
      this.ws.once('error', reject);
      this.ws.once('close', () => reject(new Error('websocket closed before open')));
    });
    this.opened.catch(() => {});
    this.closed = new Promise((resolve) => {
      this.ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() }));
    });
  }

  /** Open the websocket and read the Engine.IO open packet; returns it parsed. */
  async handshake(ms = SIO_EVENT_TIMEOUT) {
    await withTimeout(this.opened, ms, 'websocket open');
    const first = await this.next(ms);
    assert.equal(typeof first, 'string');
    assert.equal(first[0], '0', `expected the engine.io open packet, got ${JSON.stringify(first)}`);
    this.open = JSON.parse(first.slice(1));
    return this.open;
  }

  /**
   * Socket.IO CONNECT to `nsp` ("/" by default) and return the sid of the CONNECT answer.
   * Asserts the answer is `40{"sid":...}` / `40/nsp,{"sid":...}`.
   */
  async connect(nsp = '/') {
    const prefix = nsp === '/' ? '' : `${nsp},`;
    this.send(`40${prefix}`);
    const ans = await this.next();
    assert.equal(typeof ans, 'string');
    assert.ok(ans.startsWith(`40${prefix}{`), `expected 40${prefix}{...}, got ${JSON.stringify(ans)}`);
    const data = JSON.parse(ans.slice(2 + prefix.length));
    assert.equal(typeof data.sid, 'string');
    return data.sid;
  }

  next(ms = SIO_EVENT_TIMEOUT) {
    return this.messages.next(ms);
  }

  send(data) {
    this.ws.send(data);
  }

  waitClose(ms = SIO_EVENT_TIMEOUT) {
    return withTimeout(this.closed, ms, 'websocket close');
  }

  get isOpen() {
    return this.ws.readyState === WebSocket.OPEN;
  }

  terminate() {
    this.ws.terminate();
  }
}

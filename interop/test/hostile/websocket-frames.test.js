// Hostile catalog: WebSocket framing abuse (RFC 6455) on a Socket.IO-connected WebSocket.
// The answers: a protocol violation (section 5.5 control frames longer than 125 bytes or
// fragmented, a continuation without a start, a new data frame inside a fragmented
// message, reserved bits or opcodes, an unmasked client frame, section 5.1) closes the
// connection with 1002; invalid UTF-8 in a text message (section 8.1) with 1007; a message
// or a frame header longer than maxPayload (docs/engineio.md, "WebSocket") with 1009; a
// message of more than 16,384 frames with 1008 (node's ws's maxFragments).
// Legal but unusual framing (fragmented messages, control frames between fragments, pings
// of exactly 125 bytes, a message exactly at maxPayload) is served.
import { WireWs, frame, hostileSuite, openWs, expectClose, expectAlive, MAX_PAYLOAD, sleep } from '../../lib/hostile.js';

const B = (n, c = 0x61) => Buffer.alloc(n, c);
const TEXT = 1;
const BIN = 2;
const CLOSE = 8;
const PING = 9;
const PONG = 10;

/** A case that sends `frames` on a connected WebSocket and expects close code `code`. */
const closes = (name, frames, code, bug) => ({
  name: `${name}: closed with ${code}`,
  bug,
  async run(ctx) {
    const ws = await openWs(ctx);
    for (const f of frames) ws.send(f);
    await expectClose(ws, code, bug ? 1000 : undefined);
  },
});
/** A case that sends `frames` and expects the connection to carry on. */
const served = (name, frames, check) => ({
  name: `${name}: served, connection kept`,
  async run(ctx) {
    const ws = await openWs(ctx);
    for (const f of frames) ws.send(f);
    if (check) await check(ws);
    await expectAlive(ws);
    ws.destroy();
  },
});

const event = (s) => Buffer.from(`42${JSON.stringify(['echo-nothing', s])}`);

const cases = [
  // control frames
  served('ping of 125 bytes', [frame(PING, B(125))],
    (ws) => ws.waitFor(() => ws.frames().some((f) => f.opcode === PONG && f.payload.length === 125), 5000, 'the pong')),
  closes('ping of 126 bytes', [frame(PING, B(126))], 1002),
  closes('ping of 65536 bytes', [frame(PING, B(65536))], 1002),
  closes('pong of 200 bytes', [frame(PONG, B(200))], 1002),
  closes('close frame of 126 bytes', [frame(CLOSE, Buffer.concat([Buffer.from([3, 232]), B(124)]))], 1002),
  closes('fragmented ping (FIN clear)', [frame(PING, B(4), { fin: false }), frame(0, B(4))], 1002),
  closes('fragmented close (FIN clear)', [frame(CLOSE, Buffer.from([3, 232]), { fin: false })], 1002),
  served('unsolicited pong', [frame(PONG, B(10))]),
  served('1000 pings in a burst', Array.from({ length: 1000 }, () => frame(PING, B(8)))),
  served('empty ping', [frame(PING)]),
  // fragments
  served('text message in 3 fragments', [frame(TEXT, event('a').subarray(0, 3), { fin: false }),
    frame(0, event('a').subarray(3, 6), { fin: false }), frame(0, event('a').subarray(6))]),
  served('ping between fragments', [frame(TEXT, event('b').subarray(0, 3), { fin: false }), frame(PING, B(3)),
    frame(0, event('b').subarray(3))]),
  served('message in 1-byte fragments', [...event('c')].map((byte, i, a) =>
    frame(i === 0 ? TEXT : 0, Buffer.from([byte]), { fin: i === a.length - 1 }))),
  closes('continuation without a start', [frame(0, B(10))], 1002),
  closes('final continuation without a start', [frame(0, B(10), { fin: true })], 1002),
  closes('text frame inside a fragmented text message', [frame(TEXT, B(3), { fin: false }), frame(TEXT, B(3))], 1002),
  closes('binary frame inside a fragmented text message', [frame(TEXT, B(3), { fin: false }), frame(BIN, B(3))], 1002),
  closes('fragments past maxPayload in total', [frame(TEXT, Buffer.from('42["x","'), { fin: false }),
    ...Array.from({ length: 101 }, () => frame(0, B(10000), { fin: false })), frame(0, Buffer.from('"]'))], 1009),
  // node's ws bound (maxFragments): 16,384 data frames make a message, one more is 1008
  served('message in 16,384 fragments', [frame(TEXT, event('d').subarray(0, 3), { fin: false }),
    ...Array.from({ length: 16382 }, () => frame(0, Buffer.alloc(0), { fin: false })),
    frame(0, event('d').subarray(3))]),
  closes('100,000 empty fragments then more', [frame(TEXT, Buffer.from('4'), { fin: false }),
    ...Array.from({ length: 100000 }, () => frame(0, Buffer.alloc(0), { fin: false })),
    frame(0, B(MAX_PAYLOAD + 1), { fin: true })], 1008),
  // reserved bits and opcodes
  closes('RSV1 set without an extension', [frame(TEXT, Buffer.from('42["ping"]'), { rsv: 4 })], 1002),
  closes('RSV3 set', [frame(TEXT, Buffer.from('42["ping"]'), { rsv: 1 })], 1002),
  closes('reserved data opcode 3', [frame(3, B(4))], 1002),
  closes('reserved control opcode 11', [frame(11, B(4))], 1002),
  // UTF-8
  closes('invalid UTF-8 (lone 0xff) in a text frame', [frame(TEXT, Buffer.from([0x34, 0x32, 0xff]))], 1007),
  closes('overlong UTF-8 encoding of "/"', [frame(TEXT, Buffer.from([0x34, 0x32, 0xc0, 0xaf]))], 1007),
  closes('UTF-16 surrogate encoded in UTF-8', [frame(TEXT, Buffer.from([0x34, 0x32, 0xed, 0xa0, 0x80]))], 1007),
  closes('code point past U+10FFFF', [frame(TEXT, Buffer.from([0x34, 0xf4, 0x90, 0x80, 0x80]))], 1007),
  closes('UTF-8 sequence cut across fragments then ended', [frame(TEXT, Buffer.from([0x34, 0xe2, 0x82]), { fin: false }),
    frame(0, Buffer.alloc(0))], 1007),
  served('UTF-8 sequence split across fragments', [frame(TEXT, Buffer.from('42["x","\u20ac"]').subarray(0, 9), { fin: false }),
    frame(0, Buffer.from('42["x","\u20ac"]').subarray(9))]),
  closes('invalid UTF-8 in a close reason', [frame(CLOSE, Buffer.from([3, 232, 0xff, 0xfe]))], 1007),
  // masking and lengths
  closes('unmasked text frame', [frame(TEXT, Buffer.from('42["ping"]'), { mask: false })], 1002),
  closes('unmasked ping', [frame(PING, B(4), { mask: false })], 1002),
  closes('header claiming 2^63 - 1 bytes', [frame(TEXT, B(16), { length: (1n << 63n) - 1n })], 1009),
  // bit 63 set: RFC 6455 5.2 forbids it; node's ws answers any length past 2^53 - 1 with 1009
  closes('header claiming 2^63 bytes (MSB set, invalid)', [frame(TEXT, B(16), { length: 1n << 63n })], 1009),
  closes('header claiming 4 GiB', [frame(BIN, B(16), { length: 1n << 32n })], 1009),
  // 1009 is sent as soon as the header is read, while the client is still writing the
  // megabyte: the server reads and drops the rest until the client's close frame (a
  // lingering close, net/net_ws.c), so no reset destroys the close frame.
  closes('message one byte past maxPayload', [frame(TEXT, B(MAX_PAYLOAD + 1))], 1009),
  served('message exactly at maxPayload', [frame(TEXT, Buffer.concat([Buffer.from('42["x","'),
    B(MAX_PAYLOAD - 10), Buffer.from('"]')]))]),
  closes('close code 999 (invalid)', [frame(CLOSE, Buffer.from([3, 231]))], 1002),
  closes('close frame with a 1-byte payload', [frame(CLOSE, Buffer.from([3]))], 1002),
  closes('reserved close code 1005 sent by the client', [frame(CLOSE, Buffer.from([3, 237]))], 1002),
  {
    name: 'close frame from the client: answered with a close, connection ended',
    async run(ctx) {
      const ws = await openWs(ctx);
      ws.send(frame(CLOSE, Buffer.from([3, 232])));
      const { code } = await ws.waitClose();
      // The answer echoes the client's code, as node's ws does (RFC 6455 section 5.5.1).
      if (code !== 1000) throw new Error(`close frame in answer: ${code}`);
    },
  },
  {
    name: 'data after the close frame is ignored, no crash',
    async run(ctx) {
      const ws = await openWs(ctx);
      ws.send(Buffer.concat([frame(CLOSE, Buffer.from([3, 232])), frame(TEXT, Buffer.from('42["ping"]')),
        frame(PING, B(3))]));
      await ws.waitClose();
    },
  },
  {
    // RFC 6455 section 4.1: a client sends nothing more before the server's answer. One that
    // writes a frame in the same packet as its upgrade request gets 400, not a stall.
    name: 'a frame written behind the upgrade request, before the answer: 400, closed',
    nodeDiffers: "node's ws answers 101 and reads the frame (lws cannot: docs/engineio.md, pitfall 19)",
    async run(ctx) {
      const ws = new WireWs(ctx.port, { path: '/socket.io/?EIO=4&transport=websocket',
        headers: { 'X-Forwarded-For': ctx.addr }, behind: frame(TEXT, Buffer.from('40')) });
      await ws.waitClose();
      if (!/^HTTP\/1\.1 400 /.test(ws.head || '')) throw new Error(`answered ${ws.head}`);
    },
  },
  {
    name: 'half a frame header then silence: the connection is still served after the rest',
    async run(ctx) {
      const ws = await openWs(ctx);
      const f = frame(TEXT, Buffer.from('42["ping"]'));
      ws.send(f.subarray(0, 1));
      await sleep(300);
      ws.send(f.subarray(1));
      await ws.waitFor(() => ws.texts().some((t) => t.startsWith('42["pong"')), 5000, 'pong');
      ws.destroy();
    },
  },
];

hostileSuite('hostile: WebSocket framing', cases);
export const count = cases.length;

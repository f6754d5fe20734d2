// redis-wire-vectors.js - prints the bodies node's @socket.io/redis-adapter
// 8.x and @socket.io/redis-emitter 5.x publish, as hex (msgpack) or text
// (JSON), for the byte-exact vectors of tests/test_redis_wire.c.
//
// The real adapter runs against fake Redis clients that record what is
// published; its uid and request ids are fixed afterwards so the C encoder
// can be given the same ones. Run: node interop/tools/redis-wire-vectors.cjs
"use strict";
const path = require("node:path");
const nm = path.join(__dirname, "..", "node_modules");
const { RedisAdapter } = require(path.join(nm, "@socket.io/redis-adapter"));
const { Emitter } = require(path.join(nm, "@socket.io/redis-emitter"));
const notepack = require(path.join(nm, "@socket.io/redis-adapter/node_modules/notepack.io"));

const published = [];
const fakeClient = {
  publish: (channel, msg) => published.push({ channel, msg }),
  pSubscribe: () => {},
  subscribe: () => {},
  on: () => {},
  off: () => {},
  sendCommand: () => Promise.resolve(["x", "1"]),
};
const nsp = {
  name: "/",
  _ids: 0,
  server: { encoder: { encode: (p) => [JSON.stringify(p)] }, _opts: {} },
  sockets: new Map(),
};
const adapter = new RedisAdapter(nsp, fakeClient, fakeClient, {});
Object.defineProperty(adapter, "uid", { value: "AbC-9_" });

function show(name) {
  for (const { channel, msg } of published.splice(0)) {
    const body = typeof msg === "string" ? "json " + msg : "hex " + Buffer.from(msg).toString("hex");
    console.log(`${name}\t${channel}\t${body}`);
  }
}
const opts = (rooms, except, flags) => ({ rooms: new Set(rooms), except: new Set(except), flags });

adapter.broadcast({ type: 2, data: ["hello", 1, "two", { a: [true, null, 1.5] }] }, opts([], [], {}));
show("broadcast-all");
adapter.broadcast({ type: 2, data: ["ev", -1, 300, 70000, 5000000000, -200, -40000] }, opts(["r1"], [], {}));
show("broadcast-room-ints");
adapter.broadcast({ type: 2, data: ["bin", Buffer.from([1, 2, 3]), { b: Buffer.from([255]) }] }, opts(["r1", "r2"], ["x"], { volatile: true, compress: true }));
show("broadcast-rooms-binary-volatile");
adapter.broadcast({ type: 2, data: ["s", "x".repeat(40)] }, opts([], ["sockid"], {}));
show("broadcast-except-str8");
adapter.broadcastWithAck({ type: 2, data: ["ask", 7] }, opts(["r1"], [], { timeout: 1000 }), () => {}, () => {});
show("broadcast-ack-request");
adapter.addSockets(opts(["r1"], ["r2"]), ["new1", "new2"]);
show("remote-join");
adapter.delSockets(opts([], []), ["old"]);
show("remote-leave");
adapter.disconnectSockets(opts(["r1"], []), true);
show("remote-disconnect");
adapter.serverSideEmit(["ping", 1, { a: "b" }]);
show("server-side-emit");

// Requests that wait for answers, then node's own answer to a fetch.
(async () => {
  adapter.serverCount = () => Promise.resolve(2);
  adapter.allRooms().catch(() => {});
  await new Promise((r) => setImmediate(r));
  show("all-rooms-request");
  adapter.fetchSockets(opts(["r1"], ["r2"], {})).catch(() => {});
  await new Promise((r) => setImmediate(r));
  show("fetch-request");
  adapter.serverSideEmit(["q", 1, () => {}]);
  await new Promise((r) => setImmediate(r));
  show("server-side-emit-ack");
  const hs = { headers: { host: "h" }, time: "T", address: "::1", xdomain: false, secure: false, issued: 5, url: "/socket.io/?EIO=4", query: { EIO: "4" }, auth: {} };
  nsp.sockets.set("sid1", { id: "sid1", handshake: hs, rooms: new Set(["sid1", "r1"]), data: { user: "u" } });
  adapter.addAll("sid1", new Set(["sid1", "r1"]));
  await adapter.onrequest("socket.io-request#/#", Buffer.from(JSON.stringify({ uid: "other", requestId: "req123", type: 5, opts: { rooms: ["r1"], except: [] } })));
  show("answer-fetch");
  await adapter.onrequest("socket.io-request#/#", Buffer.from(JSON.stringify({ uid: "other", requestId: "req124", type: 1 })));
  show("answer-all-rooms-node");
  process.exit(0);
})();

// Answers: the literals of the adapter's onrequest, with requestId "req123".
console.log("answer-rooms\t-\tjson " + JSON.stringify({ requestId: "req123", rooms: ["a", "b"] }));
console.log("answer-sockets-ids\t-\tjson " + JSON.stringify({ requestId: "req123", sockets: ["s1", "s2"] }));
console.log("answer-done\t-\tjson " + JSON.stringify({ requestId: "req123" }));
console.log("answer-sse\t-\tjson " + JSON.stringify({ type: 6, requestId: "req123", data: { ok: 1 } }));
console.log("answer-sse-none\t-\tjson " + JSON.stringify({ type: 6, requestId: "req123", data: undefined }));
console.log("client-count\t-\tjson " + JSON.stringify({ type: 8, requestId: "req123", clientCount: 3 }));
console.log("client-ack\t-\thex " + notepack.encode({ type: 9, requestId: "req123", packet: { v: [1, "x"] } }).toString("hex"));
console.log("client-ack-bin\t-\thex " + notepack.encode({ type: 9, requestId: "req123", packet: Buffer.from([9, 8]) }).toString("hex"));
console.log("client-ack-none\t-\thex " + notepack.encode({ type: 9, requestId: "req123", packet: undefined }).toString("hex"));

// The emitter.
const emitter = new Emitter(fakeClient);
emitter.to("room1").except("room2").volatile.emit("news", { n: 1 }, Buffer.from([7]));
show("emitter-emit");
emitter.of("/chat").emit("hi");
show("emitter-emit-nsp");
emitter.in("room1").socketsJoin(["r3"]);
show("emitter-join");
emitter.socketsLeave("r3");
show("emitter-leave");
emitter.in("room1").disconnectSockets(true);
show("emitter-disconnect");
emitter.serverSideEmit("tick", 42);
show("emitter-sse");

// Values of notepack 3 and the 2.x forms, for the decoder.
console.log("np-date\t-\thex " + notepack.encode(new Date(Date.UTC(2026, 11, 6, 4, 10, 0, 123))).toString("hex"));
console.log("np-date32\t-\thex " + notepack.encode(new Date(Date.UTC(2026, 11, 6, 4, 10, 0, 0))).toString("hex"));
console.log("np-float\t-\thex " + notepack.encode([0.5, -2.25, 1e21, NaN]).toString("hex"));

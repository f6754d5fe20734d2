// Command-line flags of the reference servers, the same as the C apps' (apps/common/app_cli.h):
// --port --ping-interval --ping-timeout --max-payload --cors-origin --allow-eio3 (no value),
// plus per-server extras.
// A bad or unknown flag exits 2, as the C apps do.

/**
 * @param {string} name       program name for messages
 * @param {string[]} argv     process.argv.slice(2)
 * @param {Record<string, (opts: object, value: string) => void>} extra  more flags
 */
export function parseArgs(name, argv, extra = {}) {
  const opts = { port: 3000, pingInterval: 25000, pingTimeout: 20000, maxPayload: 1000000,
    corsOrigin: null, allowEIO3: false };
  const fail = (msg) => { console.error(`${name}: ${msg}`); process.exit(2); };
  const num = (flag, v) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) fail(`bad value for ${flag}: ${v}`);
    return n;
  };
  for (let i = 0; i < argv.length; i += 2) {
    const flag = argv[i];
    if (flag === '--allow-eio3') { // engine.io's allowEIO3 (socket.io-client 2.x)
      opts.allowEIO3 = true;
      i -= 1;
      continue;
    }
    const v = argv[i + 1];
    if (v === undefined) fail(`missing value for ${flag}`);
    switch (flag) {
      case '--port': opts.port = num(flag, v); break;
      case '--ping-interval': opts.pingInterval = num(flag, v); break;
      case '--ping-timeout': opts.pingTimeout = num(flag, v); break;
      case '--max-payload': opts.maxPayload = num(flag, v); break;
      case '--cors-origin': opts.corsOrigin = v; break;
      default:
        if (!extra[flag]) fail(`unknown flag ${flag}`);
        extra[flag](opts, v);
    }
  }
  return opts;
}

#!/usr/bin/env node
// table.js - turn the raw results of bench/run.sh (one JSON object a line) into the
// `make bench` table (scenario, metric, node, C, ratio C/node) on stdout, and write
// them with the date and the machine to the JSON file named second.
//
//   node bench/table.js bench/results/raw.jsonl bench/results/latest.json
'use strict';
const fs = require('node:fs');
const os = require('node:os');

const [rawPath, outPath] = process.argv.slice(2);
const runs = fs.readFileSync(rawPath, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));

// Per scenario: [label, field or function, digits]; lower-is-better metrics say so.
const kb = (v) => (v == null || v < 0 ? null : v / 1024);
const ms = (v) => (v == null ? null : v / 1000);
const METRICS = {
  idle: [
    ['connections/s (ramp-up)', (r) => r.connect_per_s, 0],
    ['server RSS per connection, KB (lower is better)', (r) => kb(r.server_rss_per_conn_bytes), 1],
    ['server CPU % during ramp-up', (r) => r.server_cpu_pct, 0],
  ],
  fanout: [
    ['deliveries/s', (r) => r.deliveries_per_s, 0],
    ['server peak RSS, MB (lower is better)', (r) => kb(r.server_peak_rss_kb), 1],
    ['server CPU %', (r) => r.server_cpu_pct, 0],
    ['generator CPU %', (r) => r.gen_cpu_pct, 0],
  ],
  echo: [
    ['acks/s', (r) => r.acks_per_s, 0],
    ['p50 ms (lower is better)', (r) => ms(r.p50_us), 2],
    ['p99 ms (lower is better)', (r) => ms(r.p99_us), 2],
    ['p999 ms (lower is better)', (r) => ms(r.p999_us), 2],
    ['server CPU %', (r) => r.server_cpu_pct, 0],
  ],
  // two instances sharing rooms through Redis; CPU and RSS are the first instance's
  fleet: [
    ['deliveries/s (2 instances + Redis)', (r) => r.deliveries_per_s, 0],
    ['first instance peak RSS, MB (lower is better)', (r) => kb(r.server_peak_rss_kb), 1],
    ['first instance CPU %', (r) => r.server_cpu_pct, 0],
  ],
  'polling-fanout': [
    ['deliveries/s', (r) => r.deliveries_per_s, 0],
    ['server CPU %', (r) => r.server_cpu_pct, 0],
  ],
  'polling-echo': [
    ['acks/s', (r) => r.acks_per_s, 0],
    ['p99 ms (lower is better)', (r) => ms(r.p99_us), 2],
  ],
  handshake: [
    ['upgrades/s', (r) => r.upgrades_per_s, 0],
    ['server CPU %', (r) => r.server_cpu_pct, 0],
  ],
  // bench/recovery-jitter.js: clients cut and recovered while broadcasts run
  'recovery-jitter': [
    ['packets delivered, % (each once, in order)', (r) => r.delivered_pct, 2],
    ['missing + duplicated + out of order (lower is better)',
      (r) => r.missing + r.duplicates + r.out_of_order, 0],
    ['reconnections recovered', (r) => r.reconnects_recovered, 0],
    ['reconnections not recovered (lower is better)', (r) => r.reconnects_fresh, 0],
  ],
};

function sizeOf(r) {
  if (!r) return '';
  if (r.scenario.endsWith('fanout')) return `${r.clients} x ${r.k}`;
  if (r.scenario.endsWith('echo')) return `${r.clients} x ${r.k}`;
  if (r.scenario === 'recovery-jitter') return `${r.clients}, ${r.seconds} s`;
  return `${r.clients}`;
}

const rows = [['scenario', 'size', 'metric', 'node', 'C', 'C/node']];
const order = [...new Set(runs.map((r) => r.scenario))];
for (const sc of order) {
  const get = (kind) => {
    const run = runs.find((r) => r.scenario === sc && r.server === kind);
    return run && run.result ? run.result : null;
  };
  const node = get('node');
  const c = get('c');
  const size = sizeOf(node || c);
  for (const [label, fn, digits] of METRICS[sc] || []) {
    const vn = node ? fn(node) : null;
    const vc = c ? fn(c) : null;
    const f = (v, res) => (v == null || Number.isNaN(v) ? 'n/a'
      : v.toFixed(digits) + (res && !res.complete ? '*' : ''));
    const ratio = vn && vc != null && vn > 0 ? (vc / vn).toFixed(2) : 'n/a';
    rows.push([sc, size, label, f(vn, node), f(vc, c), ratio]);
  }
  if (sc === 'fleet') rows.push(hopRow(size, node, c));
}

// The Redis hop: a fleet's deliveries/s over the same server's one-instance fanout at
// the same size (N receivers, K broadcasts), when this run measured both.
function hopRow(size, node, c) {
  const ratioTo = (kind, fleet) => {
    const one = runs.find((r) => r.scenario === 'fanout' && r.server === kind && r.result);
    if (!fleet || !one || one.result.clients !== fleet.clients || one.result.k !== fleet.k ||
      !(one.result.deliveries_per_s > 0)) return null;
    return fleet.deliveries_per_s / one.result.deliveries_per_s;
  };
  const hn = ratioTo('node', node);
  const hc = ratioTo('c', c);
  const f = (v) => (v == null ? 'n/a' : v.toFixed(2));
  return ['fleet', size, 'deliveries/s vs one instance (fanout), ratio', f(hn), f(hc),
    hn && hc != null ? (hc / hn).toFixed(2) : 'n/a'];
}

const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)));
const line = (r) => '| ' + r.map((v, i) => (i >= 3 ? String(v).padStart(widths[i])
  : String(v).padEnd(widths[i]))).join(' | ') + ' |';
const cpu = (os.cpus()[0] || {}).model || 'unknown';
console.log(`\nmake bench, ${new Date().toISOString()}, ${os.cpus().length} cores (${cpu}), node ${process.version}`);
console.log(line(rows[0]));
console.log('| ' + widths.map((w, i) => (i >= 3 ? '-'.repeat(w - 1) + ':' : '-'.repeat(w))).join(' | ') + ' |');
for (const r of rows.slice(1)) console.log(line(r));
// The long-polling ceiling: bench/bare-polling.c, a bare epoll server with no HTTP
// library that makes only the system calls every polling server must make.
const bare = runs.find((r) => r.server === 'bare' && r.result);
const nodePe = runs.find((r) => r.server === 'node' && r.scenario === 'polling-echo' && r.result);
if (bare) {
  const v = bare.result.acks_per_s;
  const ratio = nodePe && nodePe.result.acks_per_s > 0 ? (v / nodePe.result.acks_per_s).toFixed(2) : 'n/a';
  console.log(`\npolling-echo ceiling (bench/bare-polling.c, no HTTP library): ${v.toFixed(0)} acks/s` +
    `, ${ratio}x node, server CPU ${bare.result.server_cpu_pct.toFixed(0)}%,` +
    ` generator CPU ${bare.result.gen_cpu_pct.toFixed(0)}%`);
}
const incomplete = runs.filter((r) => !r.result || !r.result.complete);
if (incomplete.length) {
  console.log('\n* incomplete runs (timeout, failed or dropped clients):');
  for (const r of incomplete) {
    console.log(`  ${r.scenario} on ${r.server}: ${r.result ? r.result.error || 'failures' : 'no result'}`);
  }
}

fs.writeFileSync(outPath, JSON.stringify({
  date: new Date().toISOString(),
  machine: { nproc: os.cpus().length, cpu, node: process.version, kernel: os.release() },
  runs,
  table: rows,
}, null, 2) + '\n');
console.log(`\nraw results: ${outPath}`);

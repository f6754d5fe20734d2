#!/bin/sh
# soak.sh - `make soak` (issue 15; not in CI, docs/performance.md "Soak"): churn, then a long
# hold, against build/sio-bench-server, asserting that memory and descriptors stay flat and
# that nothing is dropped.
#
# Phase 1, churn: SOAK_CYCLES connect/disconnect cycles (100000) in batches of SOAK_BATCH
# (5000), the batches alternating WebSocket and polling handshakes (sio-bench handshake: each
# client connects to "/" and leaves). After the churn and the heartbeat that reaps abandoned
# polling sessions, the server's descriptors must be back to the count before it (within
# SOAK_FD_TOLERANCE, 16) and its RSS within SOAK_RSS_TOLERANCE_KB (16384) of the value after
# the first batch (the allocator's warm-up is not a leak).
# Phase 2, hold: SOAK_CONNS WebSocket connections (19000: the per-process descriptor limit
# here) held SOAK_MINUTES (30) with heartbeats every SOAK_PING_INTERVAL ms (5000): every one
# must connect and none be dropped (sio-bench idle answers every ping), and the RSS and the
# descriptor count sampled every SOAK_SAMPLE_S seconds (10) during the hold must stay within
# the tolerances of the first sample. When the clients leave, the descriptors come back.
# Samples go to build/soak/samples.tsv; the summary to stdout. Exit status 0 when all holds.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

MINUTES=${SOAK_MINUTES:-30}
CYCLES=${SOAK_CYCLES:-100000}
BATCH=${SOAK_BATCH:-5000}
CONNS=${SOAK_CONNS:-19000}
RSS_TOL=${SOAK_RSS_TOLERANCE_KB:-16384}
FD_TOL=${SOAK_FD_TOLERANCE:-16}
PING=${SOAK_PING_INTERVAL:-5000}
SAMPLE=${SOAK_SAMPLE_S:-10}
PORT=${SOAK_PORT:-39500}
out=build/soak
mkdir -p "$out"

rss() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }
fds() { ls "/proc/$1/fd" | wc -l; }
json() { printf '%s\n' "$1" | sed -E "s/.*\"$2\":(\"[^\"]*\"|[^,}]*).*/\1/"; }
fail() { echo "soak: FAILED: $*"; status=1; }

ulimit -n 20000 2>/dev/null || true
build/sio-bench-server --host 127.0.0.1 --port "$PORT" --ping-interval "$PING" \
	--ping-timeout "$PING" >"$out/server.log" 2>&1 &
srv=$!
trap 'kill "$srv" 2>/dev/null' EXIT INT TERM
i=0
until grep -q listening "$out/server.log" 2>/dev/null; do
	i=$((i + 1))
	[ "$i" -gt 50 ] && { cat "$out/server.log"; echo "soak: the server did not start"; exit 1; }
	sleep 0.1
done
status=0
printf 'phase\tseconds\trss_kb\tfds\n' >"$out/samples.tsv"
t0=$(date +%s)
sample() { printf '%s\t%s\t%s\t%s\n' "$1" $(($(date +%s) - t0)) "$(rss $srv)" "$(fds $srv)" >>"$out/samples.tsv"; }

# Descriptors back to at most $1 within $2 seconds (polling sessions whose client left end
# at the next missed heartbeat: pingInterval + pingTimeout).
settle() {
	n=0
	while [ "$(fds $srv)" -gt "$1" ] && [ "$n" -lt $(($2 * 10)) ]; do
		sleep 0.1
		n=$((n + 1))
	done
}

# ---- phase 1: churn
fd0=$(fds $srv)
rss0=$(rss $srv)
done_cycles=0
batch=0
rss_warm=
while [ "$done_cycles" -lt "$CYCLES" ]; do
	n=$BATCH
	[ $((CYCLES - done_cycles)) -lt "$n" ] && n=$((CYCLES - done_cycles))
	if [ $((batch % 2)) -eq 0 ]; then tr=websocket; else tr=polling; fi
	res=$(build/sio-bench handshake -n "$n" --transport "$tr" --port "$PORT" --timeout 600 --json)
	c=$(json "$res" connected)
	f=$(json "$res" failed)
	[ "$c" = "$n" ] && [ "$f" = "0" ] || fail "churn batch $batch ($tr): $res"
	done_cycles=$((done_cycles + n))
	batch=$((batch + 1))
	sample churn
	[ -z "$rss_warm" ] && rss_warm=$(rss $srv)
done
settle $((fd0 + FD_TOL)) $((2 * PING / 1000 + 10))
fd1=$(fds $srv)
rss1=$(rss $srv)
sample churn-settled
echo "soak: churn: $done_cycles cycles in $batch batches (websocket and polling alternating)," \
	"$(($(date +%s) - t0)) s; descriptors $fd0 -> $fd1; RSS $rss0 kB at start, $rss_warm kB" \
	"after the first batch, $rss1 kB after the churn"
[ "$fd1" -le $((fd0 + FD_TOL)) ] || fail "descriptors after the churn: $fd0 -> $fd1"
[ "$rss1" -le $((rss_warm + RSS_TOL)) ] || fail "RSS after the churn: $rss_warm -> $rss1 kB"

# ---- phase 2: hold
hold=$((MINUTES * 60))
build/sio-bench idle -n "$CONNS" --hold "$hold" --port "$PORT" --server-pid "$srv" \
	--timeout $((hold + 300)) --json >"$out/idle.json" 2>"$out/idle.log" &
bench=$!
# the ramp-up: wait until the server holds the connections, then sample through the hold
n=0
while [ "$(fds $srv)" -lt $((fd1 + CONNS)) ] && [ "$n" -lt 600 ] && kill -0 $bench 2>/dev/null; do
	sleep 0.1
	n=$((n + 1))
done
sleep 2
th=$(date +%s)
while kill -0 $bench 2>/dev/null; do
	sample hold
	sleep "$SAMPLE"
done
wait $bench
res=$(cat "$out/idle.json")
c=$(json "$res" connected)
f=$(json "$res" failed)
d=$(json "$res" dropped)
[ "$c" = "$CONNS" ] && [ "$f" = "0" ] && [ "$d" = "0" ] || fail "hold: $res"
stats=$(awk -F'\t' '$1 == "hold" {
	if (!n++) { r0 = $3; f0 = $4; rmin = rmax = $3; fmin = fmax = $4 }
	if ($3 < rmin) rmin = $3; if ($3 > rmax) rmax = $3
	if ($4 < fmin) fmin = $4; if ($4 > fmax) fmax = $4
} END { print n + 0, r0 + 0, rmin + 0, rmax + 0, f0 + 0, fmin + 0, fmax + 0 }' "$out/samples.tsv")
set -- $stats
echo "soak: hold: $c of $CONNS connected, failed $f, dropped $d, $(($(date +%s) - th)) s held" \
	"(pingInterval $PING ms); $1 samples: RSS $2 kB first, $3-$4 kB; descriptors $5 first, $6-$7"
[ "$1" -gt 0 ] || fail "no samples during the hold"
[ $(($4 - $2)) -le "$RSS_TOL" ] || fail "RSS grew during the hold: $2 -> $4 kB"
[ $(($7 - $5)) -le "$FD_TOL" ] || fail "descriptors grew during the hold: $5 -> $7"
settle $((fd0 + FD_TOL)) $((2 * PING / 1000 + 10))
fd2=$(fds $srv)
sample end
echo "soak: after the hold: descriptors $fd2 (start $fd0), RSS $(rss $srv) kB"
[ "$fd2" -le $((fd0 + FD_TOL)) ] || fail "descriptors after the hold: $fd0 -> $fd2"
[ "$status" -eq 0 ] && echo "soak: ok"
exit "$status"

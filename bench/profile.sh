#!/bin/sh
# profile.sh - where the C server's time and memory go: callgrind profiles of a
# fan-out and an echo run, and a massif heap profile of idle connections, all of
# build/sio-bench-server driven by build/sio-bench (docs/performance.md, "Profiles").
#
#   sh bench/profile.sh [fanout] [echo] [idle]      (all three by default)
#
# The callgrind runs count only the measured run: sio-bench --progress says when
# every client is connected (the counters are then zeroed with callgrind_control -z)
# and when the run is done (dumped with callgrind_control -d, before the clients
# leave). Summaries go to bench/results/profile/NAME.txt (callgrind_annotate,
# self and inclusive, and the cost by shared object from bench/cg_objects.py);
# the raw files stay beside them for kcachegrind. Sizes: PF_N x PF_K fan-out,
# PE_N x PE_K echo, payloads of SIZE bytes, PI_N idle (small: the server runs 20-50x
# slower under valgrind). SERVER: the binary (build/sio-bench-server).
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
PF_N=${PF_N:-500}
PF_K=${PF_K:-50}
PE_N=${PE_N:-200}
PE_K=${PE_K:-50}
PI_N=${PI_N:-2000}
SIZE=${SIZE:-64}
SERVER=${SERVER:-build/sio-bench-server}
port=${PROFILE_PORT:-21500}
out=bench/results/profile
mkdir -p "$out"
vpid=""
trap '[ -z "$vpid" ] || kill -TERM "$vpid" 2>/dev/null' EXIT

# wait_for FILE PATTERN SECONDS
wait_for() {
	i=0
	while ! grep -q "$2" "$1" 2>/dev/null; do
		[ $i -lt $(($3 * 10)) ] || { echo "profile: no '$2' in $1" >&2; return 1; }
		sleep 0.1
		i=$((i + 1))
	done
}

# start TOOL NAME: the server under valgrind, waiting for its "listening" line.
start() {
	port=$((port + 1))
	rm -f "$out/$2.server.log"   # the last run's "listening" line must not count
	if [ "$1" = callgrind ]; then
		valgrind --tool=callgrind --callgrind-out-file="$out/callgrind.$2.out" \
			"$SERVER" --port "$port" >"$out/$2.server.log" 2>&1 &
	else
		valgrind --tool=massif --massif-out-file="$out/massif.$2.out" --threshold=0.5 \
			"$SERVER" --port "$port" >"$out/$2.server.log" 2>&1 &
	fi
	vpid=$!
	wait_for "$out/$2.server.log" listening 60
}

stop() {
	kill -TERM "$vpid" 2>/dev/null
	wait "$vpid" 2>/dev/null
	vpid=""
}

# callgrind NAME SCENARIO ARGS...
callgrind() {
	name=$1 sc=$2
	shift 2
	rm -f "$out/callgrind.$name.out"*
	start callgrind "$name" || return 1
	rm -f "$out/$name.err"   # wait_for must not see the last run's lines
	build/sio-bench "$sc" --port "$port" --progress --settle 2 --linger 2 --timeout 600 \
		--json "$@" >"$out/$name.json" 2>"$out/$name.err" &
	bpid=$!
	wait_for "$out/$name.err" connected 300 && callgrind_control -z "$vpid" >/dev/null
	wait_for "$out/$name.err" "run done" 600 && callgrind_control -d "$vpid" >/dev/null
	wait "$bpid"
	stop
	part=$(ls "$out/callgrind.$name.out".* 2>/dev/null | head -1)
	[ -n "$part" ] || { echo "profile: no callgrind dump for $name" >&2; return 1; }
	{
		echo "# sio-bench $sc $* (the run only)"
		cat "$out/$name.json"
		echo "# cost by shared object (self)"
		callgrind_annotate --inclusive=no --threshold=100 "$part" | python3 bench/cg_objects.py
		echo "# self, top 30 (share of the run's total)"
		callgrind_annotate --inclusive=no --threshold=100 "$part" |
			python3 bench/cg_objects.py --top 30
		echo "# inclusive, top 45"
		callgrind_annotate --inclusive=yes --threshold=100 "$part" |
			python3 bench/cg_objects.py --top 45
	} >"$out/$name.txt"
	echo "profile: $out/$name.txt"
}

# massif: the server's heap at its peak with 1, then with PI_N idle WebSocket
# clients, connected 4 at a time (--ramp 4) so that the handshakes' transient
# buffers add at most a few KB to the peak; the difference divided by PI_N - 1
# is the heap of one idle connection.
massif_one() {
	start massif "idle$1" || return 1
	build/sio-bench idle --port "$port" -n "$1" --ramp 4 --hold 1 --timeout 300 --json \
		--server-pid "$vpid" >"$out/idle$1.json" 2>/dev/null
	stop
	ms_print --threshold=0.5 "$out/massif.idle$1.out" >"$out/idle$1.txt"
	sed -n 's/^mem_heap_B=//p; s/^mem_heap_extra_B=//p' "$out/massif.idle$1.out" |
		paste -d+ - - | bc | sort -n | tail -1
}

massif() {
	one=$(massif_one 1) && many=$(massif_one "$PI_N") || return 1
	{
		echo "peak heap with 1 client: $one B; with $PI_N: $many B"
		echo "per idle WebSocket connection: $(( (many - one) / (PI_N - 1) )) B (heap, with malloc's own overhead)"
		echo
		sed -n '/^ *n *time/,$p' "$out/idle$PI_N.txt" | sed -n '/(peak)/,$p' | head -150
	} >"$out/idle.txt"
	echo "profile: $out/idle.txt"
}

what=${*:-"fanout echo idle"}
for w in $what; do
	case $w in
	fanout) callgrind fanout fanout -n "$PF_N" -k "$PF_K" --size "$SIZE" ;;
	echo) callgrind echo echo -n "$PE_N" -k "$PE_K" --size "$SIZE" ;;
	idle) massif ;;
	*) echo "profile: unknown $w" >&2; exit 2 ;;
	esac
done

#!/bin/sh
# run.sh - `make bench`: the same scenarios against node socket.io and the C server.
#
# For each scenario: start bench/node-server.js, run build/sio-bench against it, stop
# it; start build/sio-bench-server, run the same, stop it. Then print one table
# (bench/table.js) and write bench/results/latest.json (raw results, date, machine).
# Expects `make all` to have run (the Makefile's `bench` target does that).
#
# Sizes can be changed from the environment, e.g. IDLE_N=19000 FANOUT_N=1000 make bench.
# Every run has its own timeout and the whole script a watchdog (BENCH_TIMEOUT seconds);
# servers are stopped on any exit.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

IDLE_N=${IDLE_N:-10000}
FANOUT_N=${FANOUT_N:-5000}
FANOUT_K=${FANOUT_K:-200}
ECHO_N=${ECHO_N:-1000}
ECHO_K=${ECHO_K:-50}
PFANOUT_N=${PFANOUT_N:-500}
PFANOUT_K=${PFANOUT_K:-200}
PECHO_N=${PECHO_N:-200}
PECHO_K=${PECHO_K:-200}
HANDSHAKE_N=${HANDSHAKE_N:-2000}
SIZE=${SIZE:-64}
RAMP=${RAMP:-256}
THREADS=${THREADS:-1}   # sio-bench worker threads (at most the cores)
RUN_TIMEOUT=${RUN_TIMEOUT:-120}
BENCH_TIMEOUT=${BENCH_TIMEOUT:-1200}
SCENARIOS=${SCENARIOS:-"idle fanout echo polling-fanout polling-echo handshake"}
SOURCES=${SOURCES:-127.0.0.1,127.0.0.2,127.0.0.3,127.0.0.4}
port=${BENCH_PORT:-21000}   # below the ephemeral range (32768-60999)

out=bench/results
mkdir -p "$out"
raw="$out/raw.jsonl"
: >"$raw"
server_pid=""
watchdog=""

stop_server() {
	[ -n "$server_pid" ] || return 0
	kill -TERM "$server_pid" 2>/dev/null
	i=0
	while kill -0 "$server_pid" 2>/dev/null && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	if kill -0 "$server_pid" 2>/dev/null; then
		echo "bench: server $server_pid did not stop on SIGTERM, killing it"
		kill -KILL "$server_pid" 2>/dev/null
	fi
	wait "$server_pid" 2>/dev/null
	server_pid=""
}

cleanup() {
	stop_server
	[ -z "$watchdog" ] || kill "$watchdog" 2>/dev/null
}
trap cleanup EXIT
trap 'echo "bench: interrupted"; exit 130' INT TERM

# The watchdog ends the script (through the traps above) after BENCH_TIMEOUT seconds;
# killed itself, it kills its sleep so that nothing keeps the output open.
(
	trap 'kill "$sp" 2>/dev/null; exit 0' TERM
	sleep "$BENCH_TIMEOUT" &
	sp=$!
	wait "$sp" && echo "bench: overall timeout (${BENCH_TIMEOUT}s)" >&2 && kill -TERM $$
) &
watchdog=$!

# start_server node|c|bare: start it on a fresh port and wait for its "listening" line.
# bare is bench/bare-polling.c, run for polling-echo only: the ceiling a server
# with no HTTP library and no protocol work reaches on this machine.
start_server() {
	port=$((port + 1))
	log="$out/server-$sc-$1.log"
	rm -f "$log"
	if [ "$1" = node ]; then
		node bench/node-server.js --port "$port" >"$log" 2>&1 &
	elif [ "$1" = bare ]; then
		build/bare-polling "$port" >"$log" 2>&1 &
	else
		build/sio-bench-server --port "$port" >"$log" 2>&1 &
	fi
	server_pid=$!
	i=0
	while ! grep -q listening "$log" 2>/dev/null; do
		if ! kill -0 "$server_pid" 2>/dev/null || [ $i -ge 100 ]; then
			echo "bench: the $1 server did not start:"
			cat "$log"
			stop_server
			return 1
		fi
		sleep 0.1
		i=$((i + 1))
	done
}

# run_one SCENARIO SERVER ARGS...: one sio-bench run, its JSON appended to $raw.
run_one() {
	sc=$1 kind=$2
	shift 2
	if ! start_server "$kind"; then
		printf '{"server":"%s","scenario":"%s","result":null}\n' "$kind" "$sc" >>"$raw"
		return
	fi
	echo "bench: $sc on $kind: sio-bench $sc $*" >&2
	res=$(timeout $((RUN_TIMEOUT + 30)) build/sio-bench "$sc" --port "$port" \
	      --server-pid "$server_pid" --sources "$SOURCES" --threads "$THREADS" \
	      --timeout "$RUN_TIMEOUT" --json "$@")
	rc=$?
	if ! kill -0 "$server_pid" 2>/dev/null; then
		echo "bench: the $kind server died during $sc" >&2
	fi
	stop_server
	[ -n "$res" ] || res=null
	printf '{"server":"%s","scenario":"%s","exit":%d,"result":%s}\n' "$kind" "$sc" "$rc" "$res" >>"$raw"
	echo "$res" | sed 's/^/  /' >&2
	sleep 1   # let the sockets of the last run close
}

for sc in $SCENARIOS; do
	case $sc in
	idle) args="-n $IDLE_N --ramp $RAMP --hold 2" ;;
	fanout) args="-n $FANOUT_N -k $FANOUT_K --size $SIZE --ramp $RAMP" ;;
	echo) args="-n $ECHO_N -k $ECHO_K --size $SIZE --ramp $RAMP" ;;
	polling-fanout) args="-n $PFANOUT_N -k $PFANOUT_K --size $SIZE --ramp $RAMP" ;;
	polling-echo) args="-n $PECHO_N -k $PECHO_K --size $SIZE --ramp $RAMP" ;;
	handshake) args="-n $HANDSHAKE_N --ramp $RAMP" ;;
	*) echo "bench: unknown scenario $sc"; exit 2 ;;
	esac
	kinds="node c"
	[ "$sc" = polling-echo ] && [ -x build/bare-polling ] && kinds="node c bare"
	for kind in $kinds; do
		# shellcheck disable=SC2086
		run_one "$sc" "$kind" $args
	done
done

node bench/table.js "$raw" "$out/latest.json"

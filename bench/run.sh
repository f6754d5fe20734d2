#!/bin/sh
# run.sh - `make bench`: the same scenarios against node socket.io and the C server.
#
# For each scenario: start bench/node-server.js, run build/sio-bench against it, stop
# it; start build/sio-bench-server, run the same, stop it. Then print one table
# (bench/table.js) and write bench/results/latest.json (raw results, date, machine).
# Expects `make all` to have run (the Makefile's `bench` target does that).
#
# The "fleet" scenario runs fanout over two instances of the same server sharing rooms
# through one redis-server (started here on a loopback port, without persistence): the
# receivers alternate between the two (sio-bench --port2), the sender is on the first, so
# half the deliveries cross Redis. node's fleet is two bench/node-server.js --redis (node's
# @socket.io/redis-adapter), C's two sio-bench-server --redis; run after "fanout" at the
# same size, the table gives each fleet's rate against its one-instance figure: the cost
# of the Redis hop.
#
# "recovery-jitter" (bench/recovery-jitter.js, issue 17): connection state recovery under
# churn, 1,000 clients of which 10% are cut every second for 30 s while broadcasts run;
# the table gives the share of packets delivered once and in order.
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
FLEET_N=${FLEET_N:-$FANOUT_N}
FLEET_K=${FLEET_K:-$FANOUT_K}
REDIS_SERVER=${REDIS_SERVER:-/usr/bin/redis-server}
SIZE=${SIZE:-64}
RAMP=${RAMP:-256}
THREADS=${THREADS:-1}   # sio-bench worker threads (at most the cores)
RUN_TIMEOUT=${RUN_TIMEOUT:-120}
BENCH_TIMEOUT=${BENCH_TIMEOUT:-1200}
JITTER_N=${JITTER_N:-1000}         # recovery-jitter: clients,
JITTER_SECONDS=${JITTER_SECONDS:-30} # for this long,
JITTER_RATE=${JITTER_RATE:-20}      # broadcasts a second,
JITTER_DROP=${JITTER_DROP:-0.1}     # share of the clients cut every second
SCENARIOS=${SCENARIOS:-"idle fanout fleet echo polling-fanout polling-echo handshake recovery-jitter"}
SOURCES=${SOURCES:-127.0.0.1,127.0.0.2,127.0.0.3,127.0.0.4}
port=${BENCH_PORT:-21000}   # below the ephemeral range (32768-60999)

out=bench/results
mkdir -p "$out"
raw="$out/raw.jsonl"
: >"$raw"
server_pid=""
server2_pid=""   # fleet: the second instance
redis_pid=""     # fleet: the redis-server
watchdog=""

# stop_pid PID: SIGTERM, wait up to 5 s, then SIGKILL.
stop_pid() {
	kill -TERM "$1" 2>/dev/null
	i=0
	while kill -0 "$1" 2>/dev/null && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	if kill -0 "$1" 2>/dev/null; then
		echo "bench: process $1 did not stop on SIGTERM, killing it"
		kill -KILL "$1" 2>/dev/null
	fi
	wait "$1" 2>/dev/null
}

stop_server() {
	[ -z "$server_pid" ] || stop_pid "$server_pid"
	server_pid=""
	[ -z "$server2_pid" ] || stop_pid "$server2_pid"
	server2_pid=""
}

stop_redis() {
	[ -z "$redis_pid" ] || stop_pid "$redis_pid"
	redis_pid=""
}

cleanup() {
	stop_server
	stop_redis
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

# start_server node|c|bare [ARGS...]: start it on a fresh port (with ARGS) and wait for
# its "listening" line. bare is bench/bare-polling.c, run for polling-echo only: the
# ceiling a server with no HTTP library and no protocol work reaches on this machine.
start_server() {
	port=$((port + 1))
	kind=$1
	shift
	log="$out/server-$sc-$kind-$port.log"
	rm -f "$log"
	if [ "$kind" = node ]; then
		node bench/node-server.js --port "$port" "$@" >"$log" 2>&1 &
	elif [ "$kind" = bare ]; then
		build/bare-polling "$port" >"$log" 2>&1 &
	else
		build/sio-bench-server --port "$port" "$@" >"$log" 2>&1 &
	fi
	server_pid=$!
	i=0
	while ! grep -q listening "$log" 2>/dev/null; do
		if ! kill -0 "$server_pid" 2>/dev/null || [ $i -ge 100 ]; then
			echo "bench: the $kind server did not start:"
			cat "$log"
			stop_server
			return 1
		fi
		sleep 0.1
		i=$((i + 1))
	done
}

# start_redis: a redis-server on a fresh loopback port, without persistence; waits
# until it answers PING.
start_redis() {
	port=$((port + 1))
	redis_port=$port
	"$REDIS_SERVER" --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no \
		>"$out/redis-$sc.log" 2>&1 &
	redis_pid=$!
	i=0
	while [ "$(redis-cli -p "$redis_port" ping 2>/dev/null)" != PONG ]; do
		if ! kill -0 "$redis_pid" 2>/dev/null || [ $i -ge 100 ]; then
			echo "bench: redis-server did not start:"
			cat "$out/redis-$sc.log"
			stop_redis
			return 1
		fi
		sleep 0.1
		i=$((i + 1))
	done
}

# start_fleet node|c: redis-server, then two instances on it; server_pid is the first
# (the sender's: its RSS and CPU are reported), port1 and port2 their ports. Waits until
# both have subscribed (PUBSUB NUMSUB of the request channel of "/" counts 2).
start_fleet() {
	start_redis || return 1
	start_server "$1" --redis "redis://127.0.0.1:$redis_port" || return 1
	server2_pid=$server_pid port2=$port
	start_server "$1" --redis "redis://127.0.0.1:$redis_port" || return 1
	port1=$port
	i=0
	while [ "$(redis-cli -p "$redis_port" pubsub numsub 'socket.io-request#/#' | tail -n 1)" != 2 ]; do
		if [ $i -ge 100 ]; then
			echo "bench: the $1 fleet did not subscribe"
			return 1
		fi
		sleep 0.1
		i=$((i + 1))
	done
}

# run_fleet SERVER ARGS...: sio-bench fanout over a fleet, its JSON appended to $raw.
run_fleet() {
	kind=$1
	shift
	if ! start_fleet "$kind"; then
		stop_server
		stop_redis
		printf '{"server":"%s","scenario":"fleet","result":null}\n' "$kind" >>"$raw"
		return
	fi
	echo "bench: fleet on $kind: sio-bench fanout --port $port1 --port2 $port2 $*" >&2
	res=$(timeout $((RUN_TIMEOUT + 30)) build/sio-bench fanout --port "$port1" --port2 "$port2" \
	      --server-pid "$server_pid" --sources "$SOURCES" --threads "$THREADS" \
	      --timeout "$RUN_TIMEOUT" --json "$@")
	rc=$?
	if ! kill -0 "$server_pid" 2>/dev/null || ! kill -0 "$server2_pid" 2>/dev/null; then
		echo "bench: a $kind fleet member died during the run" >&2
	fi
	stop_server
	stop_redis
	[ -n "$res" ] || res=null
	printf '{"server":"%s","scenario":"fleet","exit":%d,"result":%s}\n' "$kind" "$rc" "$res" >>"$raw"
	echo "$res" | sed 's/^/  /' >&2
	sleep 1   # let the sockets of the last run close
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

# run_jitter SERVER: bench/recovery-jitter.js against the server started with --recovery
# (connection state recovery), its JSON appended to $raw.
run_jitter() {
	sc=recovery-jitter kind=$1
	if ! start_server "$kind" --recovery; then
		printf '{"server":"%s","scenario":"%s","result":null}\n' "$kind" "$sc" >>"$raw"
		return
	fi
	echo "bench: $sc on $kind: $JITTER_N clients, $JITTER_SECONDS s" >&2
	res=$(timeout $((RUN_TIMEOUT + JITTER_SECONDS + 30)) node bench/recovery-jitter.js \
	      --port "$port" -n "$JITTER_N" --seconds "$JITTER_SECONDS" --rate "$JITTER_RATE" \
	      --drop "$JITTER_DROP" --timeout "$((RUN_TIMEOUT + JITTER_SECONDS))" --json)
	rc=$?
	stop_server
	[ -n "$res" ] || res=null
	printf '{"server":"%s","scenario":"%s","exit":%d,"result":%s}\n' "$kind" "$sc" "$rc" "$res" >>"$raw"
	echo "$res" | sed 's/^/  /' >&2
	sleep 1
}

for sc in $SCENARIOS; do
	if [ "$sc" = recovery-jitter ]; then
		for kind in node c; do
			run_jitter "$kind"
		done
		continue
	fi
	case $sc in
	idle) args="-n $IDLE_N --ramp $RAMP --hold 2" ;;
	fanout) args="-n $FANOUT_N -k $FANOUT_K --size $SIZE --ramp $RAMP" ;;
	echo) args="-n $ECHO_N -k $ECHO_K --size $SIZE --ramp $RAMP" ;;
	polling-fanout) args="-n $PFANOUT_N -k $PFANOUT_K --size $SIZE --ramp $RAMP" ;;
	polling-echo) args="-n $PECHO_N -k $PECHO_K --size $SIZE --ramp $RAMP" ;;
	handshake) args="-n $HANDSHAKE_N --ramp $RAMP" ;;
	fleet) args="-n $FLEET_N -k $FLEET_K --size $SIZE --ramp $RAMP" ;;
	*) echo "bench: unknown scenario $sc"; exit 2 ;;
	esac
	if [ "$sc" = fleet ]; then
		for kind in node c; do
			# shellcheck disable=SC2086
			run_fleet "$kind" $args
		done
		continue
	fi
	kinds="node c"
	[ "$sc" = polling-echo ] && [ -x build/bare-polling ] && kinds="node c bare"
	for kind in $kinds; do
		# shellcheck disable=SC2086
		run_one "$sc" "$kind" $args
	done
done

node bench/table.js "$raw" "$out/latest.json"

#!/bin/sh
# run-tests.sh - run every test of the project and end with one summary line.
#
# Suites, in order: the Check unit tests; the build checks, one test each (make
# check-format, check-layers, check-exports, scripts/test-install.sh and test-packaging.sh);
# the node interop tests against the C servers (interop/test/redis: the mixed C + node
# fleets on a real redis-server); the socket.io interop suite again with each other client
# kind (SIO_CLIENT=msgpack: socket.io-client with socket.io-msgpack-parser; SIO_CLIENT=v2:
# socket.io-client 2.x over Engine.IO v3; interop/lib/sio-clients.js); the hostile-input
# catalog (interop/test/hostile) against sio-server built with AddressSanitizer +
# LeakSanitizer, ending with "hostile cases: N"; the engine.io, socket.io, sio-server and
# redis interop tests again with the server under valgrind (leak check); the unit tests
# rebuilt with AddressSanitizer + UBSan; a short libFuzzer run of every fuzz target, from its
# seeds in fuzz/corpus/<target>/. Each suite's own runner prints its result; the last line
# adds them up as "all: N passed, M failed".
# Expects `make all` to have run (the Makefile's `test` target does that).
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

passed=0
failed=0
FUZZ_SECONDS=${FUZZ_SECONDS:-10}

count() { passed=$((passed + $1)); failed=$((failed + $2)); }

# A Check binary prints "NN%: Checks: N, Failures: F, Errors: E".
run_check() {
	out=$("$@" 2>&1)
	rc=$?
	printf '%s\n' "$out" | grep -vE '^Running suite' | tail -n 20
	line=$(printf '%s\n' "$out" | grep -E '^[0-9]+%: Checks: ' | tail -n 1)
	if [ -z "$line" ]; then
		echo "run-tests: $1 printed no Check summary (exit $rc)"
		count 0 1
		return
	fi
	n=$(echo "$line" | sed -E 's/.*Checks: ([0-9]+).*/\1/')
	f=$(echo "$line" | sed -E 's/.*Failures: ([0-9]+).*/\1/')
	e=$(echo "$line" | sed -E 's/.*Errors: ([0-9]+).*/\1/')
	count $((n - f - e)) $((f + e))
	[ "$rc" -eq 0 ] || [ $((f + e)) -gt 0 ] || count 0 1
}

# A check that passes or fails as a whole (exit status): its last line (the checks
# end with "name: ok ...") when it passes, its last 40 lines when it fails.
run_step() {
	label=$1
	shift
	out=$("$@" 2>&1)
	rc=$?
	if [ "$rc" -eq 0 ]; then
		last=$(printf '%s\n' "$out" | tail -n 1)
		echo "${last:-$label: ok}"
		count 1 0
	else
		printf '%s\n' "$out" | tail -n 40
		echo "$label: FAILED (exit $rc)"
		count 0 1
	fi
}

# node --test with the TAP reporter ends with "# pass N" / "# fail N".
run_node() {
	label=$1
	shift
	mkdir -p build/test-logs
	log="build/test-logs/$label.tap"
	(cd interop && "$@") >"$log" 2>&1
	rc=$?
	out=$(cat "$log")
	# Failed tests with their error lines, then the totals; the whole TAP
	# output stays in $log.
	printf '%s\n' "$out" | grep -E -A12 '^ *not ok' | grep -E 'not ok|error:|expected:|actual:|location:|server exit|lost|Invalid' | head -n 80
	printf '%s\n' "$out" | grep -E '^# (tests|pass|fail|cancelled|skipped|todo)'
	[ "$rc" -eq 0 ] || echo "(full output: $log)"
	p=$(printf '%s\n' "$out" | grep -E '^# pass ' | tail -n 1 | awk '{print $3}')
	f=$(printf '%s\n' "$out" | grep -E '^# fail ' | tail -n 1 | awk '{print $3}')
	c=$(printf '%s\n' "$out" | grep -E '^# cancelled ' | tail -n 1 | awk '{print $3}')
	if [ -z "$p" ]; then
		printf '%s\n' "$out" | tail -n 40
		echo "run-tests: $label printed no summary (exit $rc)"
		count 0 1
		return
	fi
	count "$p" $((${f:-0} + ${c:-0}))
	[ "$rc" -eq 0 ] || [ $((${f:-0} + ${c:-0})) -gt 0 ] || count 0 1
}

echo "== unit tests"
for t in build/tests/test_*; do
	[ -x "$t" ] && run_check "$t"
done

echo "== build checks"
run_step check-format make --no-print-directory check-format
run_step check-layers make --no-print-directory check-layers
run_step check-exports make --no-print-directory check-exports
run_step check-install sh scripts/test-install.sh
run_step check-packaging sh scripts/test-packaging.sh

if [ -d interop/test ]; then
	echo "== interop tests"
	run_node interop node --test --test-reporter=tap --test-concurrency=1 \
		$(cd interop && ls -d test/*/ | grep -v '^test/hostile/$')
	for kind in msgpack v2; do
		echo "== socketio interop tests, SIO_CLIENT=$kind"
		SIO_CLIENT=$kind run_node "interop-socketio-$kind" node --test --test-reporter=tap \
			--test-concurrency=1 test/socketio/
	done
	# The hostile-input catalog (issue 15), its own suite, against sio-server built with
	# AddressSanitizer + LeakSanitizer: a leak or memory error fails its exit status at stop.
	if [ -d interop/test/hostile ]; then
		echo "== hostile-input catalog, sio-server under AddressSanitizer + LeakSanitizer"
		if make --no-print-directory BUILD=build-asan OPT=-O1 SAN="-fsanitize=address,undefined" \
			build-asan/sio-server >/tmp/asan-server-build.log 2>&1; then
			HOSTILE_ASAN=1 run_node hostile node --test --test-reporter=tap --test-concurrency=1 \
				test/hostile/
			# node's "# tests" counts the cases (it() calls), not the describe()s
			hostile_cases=$(grep -E '^# tests ' build/test-logs/hostile.tap | tail -n 1 | awk '{print $3}')
			echo "hostile cases: ${hostile_cases:-0}"
		else
			tail -n 30 /tmp/asan-server-build.log
			echo "run-tests: the sanitizer build of sio-server failed"
			count 0 1
		fi
	fi
	if command -v valgrind >/dev/null 2>&1; then
		for suite in engineio socketio sio-server redis; do
			[ -d "interop/test/$suite" ] || continue
			echo "== $suite interop tests, server under valgrind"
			VALGRIND=1 run_node "interop-valgrind-$suite" node --test --test-reporter=tap \
				--test-concurrency=1 "test/$suite/"
		done
	fi
fi

echo "== unit tests under AddressSanitizer + UBSan"
if make --no-print-directory BUILD=build-asan OPT=-O1 \
	SAN="-fsanitize=address,undefined" build-asan/libengineio.a build-asan/libsocketio.a \
	$(ls tests/test_*.c 2>/dev/null | sed -E 's|tests/(.*)\.c|build-asan/tests/\1|') >/tmp/asan-build.log 2>&1; then
	for t in build-asan/tests/test_*; do
		[ -x "$t" ] && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 run_check "$t"
	done
else
	tail -n 30 /tmp/asan-build.log
	echo "run-tests: the sanitizer build failed"
	count 0 1
fi

if ls fuzz/fuzz_*.c >/dev/null 2>&1; then
	echo "== fuzz targets, ${FUZZ_SECONDS}s each"
	if make --no-print-directory fuzz >/tmp/fuzz-build.log 2>&1; then
		for f in build-fuzz/fuzz_*; do
			# from the committed seeds (read only: new inputs go to a scratch directory)
			t=$(basename "$f")
			scratch=$(mktemp -d)
			seeds=
			[ -d "fuzz/corpus/$t" ] && seeds="fuzz/corpus/$t"
			if "$f" -max_total_time="$FUZZ_SECONDS" -print_final_stats=0 "$scratch" $seeds \
				>/tmp/fuzz-run.log 2>&1; then
				echo "fuzz: $(basename "$f") ok ($(grep -oE '#[0-9]+' /tmp/fuzz-run.log | tail -n 1) runs)"
				count 1 0
			else
				tail -n 30 /tmp/fuzz-run.log
				echo "fuzz: $(basename "$f") FAILED"
				count 0 1
			fi
			rm -rf "$scratch"
		done
	else
		tail -n 30 /tmp/fuzz-build.log
		echo "run-tests: the fuzz build failed"
		count 0 1
	fi
fi

[ -n "${hostile_cases:-}" ] && echo "hostile cases: $hostile_cases"
echo "all: $passed passed, $failed failed"
[ "$failed" -eq 0 ]

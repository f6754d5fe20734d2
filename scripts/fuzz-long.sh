#!/bin/sh
# fuzz-long.sh - `make fuzz-long`: a longer libFuzzer campaign, FUZZ_SECONDS (600) per target,
# each starting from its committed seed corpus fuzz/corpus/<target>/ (read only) and keeping
# what it finds in build-fuzz/corpus/<target>/ (reused by the next campaign). A crash, leak or
# failed check leaves its input as build-fuzz/artifacts/<target>/crash-* (or leak-*,
# timeout-*); the script ends with the targets that failed. docs/architecture.md, "Fuzzing".
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
FUZZ_SECONDS=${FUZZ_SECONDS:-600}
failed=""
for f in build-fuzz/fuzz_*; do
	[ -x "$f" ] || continue
	t=$(basename "$f")
	mkdir -p "build-fuzz/corpus/$t" "build-fuzz/artifacts/$t"
	seeds=
	[ -d "fuzz/corpus/$t" ] && seeds="fuzz/corpus/$t"
	echo "== $t, ${FUZZ_SECONDS}s"
	if "$f" -max_total_time="$FUZZ_SECONDS" -print_final_stats=1 \
		-artifact_prefix="build-fuzz/artifacts/$t/" "build-fuzz/corpus/$t" $seeds \
		>"build-fuzz/artifacts/$t/run.log" 2>&1; then
		grep -E '^stat::number_of_executed_units|^stat::peak_rss_mb' "build-fuzz/artifacts/$t/run.log" |
			tr '\n' ' '
		echo "corpus $(ls "build-fuzz/corpus/$t" | wc -l) inputs: ok"
	else
		tail -n 30 "build-fuzz/artifacts/$t/run.log"
		echo "$t: FAILED (input in build-fuzz/artifacts/$t/)"
		failed="$failed $t"
	fi
done
if [ -n "$failed" ]; then
	echo "fuzz-long: failed:$failed"
	exit 1
fi
echo "fuzz-long: every target ok"

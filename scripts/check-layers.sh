#!/bin/sh
# check-layers.sh - fail when a C file includes a header it may not see (`make check-layers`).
#
# The layers, bottom up (docs/architecture.md): base/, net/, engineio/ with its public
# header include/engineio.h, socketio/ with include/socketio.h and include/socketio/*.h,
# then the apps. A file may include headers of its own layer and of the layers under it,
# but of those only what they publish: all of base/, net/ only from engineio/, engineio/
# and socketio/ only through include/. include/sio_export.h (the export macros) is shared
# by both public headers. The installed headers (include/) include only each other.
# modules/redis/ (the Redis adapter, a library of its own above socketio) sees the public
# headers, base/ and its own headers; its headers are seen only by itself and its tests
# (tests/test_redis_*, fuzz/fuzz_redis_*).
# apps/X/ sees base/, include/, apps/common/ and itself. A test or fuzz target of layer L
# (test_base_*, test_net_*, test_eio_*, test_sio_*, test_srv_*; fuzz_ likewise) may also see L's
# private headers (eio: engineio/ and net/; srv: apps/sio-server/); a shared fixture
# tests/*.h is held to the rules of every test that includes it.
#
# Includes are resolved the way the compiler does (the Makefile's -I flags): "x.h" first
# relative to the including file, then in . and include/ (apps: also apps/common/); <x.h>
# only in those; what is not found is a system header. Prints file:line: what and why
# for each violation, and exits 1 if there is any.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1

if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	files=$(git ls-files --cached --others --exclude-standard -- '*.c' '*.h' | grep -v '^interop/')
else
	files=$(find . -name interop -prune -o \( -name '*.c' -o -name '*.h' \) -print | sed 's|^\./||')
fi

edges=$(mktemp)
trap 'rm -f "$edges"' EXIT

# One line per include: file, line, spelled name, resolved path ("" for a system header).
for f in $files; do
	[ -f "$f" ] || continue
	dir=$(dirname "$f")
	search=". include"
	case "$f" in apps/*) search="$search apps/common" ;; esac
	grep -n '^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"]' "$f" |
		sed -E 's/^([0-9]+):[[:space:]]*#[[:space:]]*include[[:space:]]*([<"])([^>"]*)[>"].*/\1 \2 \3/' |
		while read -r line delim name; do
			found=""
			if [ "$delim" = '"' ] && [ -f "$dir/$name" ]; then
				found="$dir/$name"
			else
				for d in $search; do
					if [ -f "$d/$name" ]; then
						found="$d/$name"
						break
					fi
				done
			fi
			[ -z "$found" ] || found=$(realpath -s --relative-to=. "$found")
			[ "$delim" = '"' ] && spelled="\"$name\"" || spelled="<$name>"
			printf '%s\t%s\t%s\t%s\n' "$f" "$line" "$spelled" "$found"
		done
done >"$edges"

awk -F '\t' '
# The owner of a header: a layer, a public header group, an app directory, or tests.
function owner(h, p) {
	if (h ~ /^base\//) return "base"
	if (h ~ /^net\//) return "net"
	if (h == "include/sio_export.h") return "pub:export"
	if (h == "include/engineio.h") return "pub:engineio"
	if (h == "include/socketio.h" || h ~ /^include\/socketio\//) return "pub:socketio"
	if (h ~ /^include\//) return "pub:other"
	if (h ~ /^engineio\//) return "engineio"
	if (h ~ /^socketio\//) return "socketio"
	if (h ~ /^modules\/redis\//) return "redis"
	if (h ~ /^apps\/examples\/[^\/]+\//) { split(h, p, "/"); return "apps/examples/" p[3] }
	if (h ~ /^apps\/[^\/]+\//) { split(h, p, "/"); return "apps/" p[2] }
	if (h ~ /^(tests|fuzz)\//) return "tests"
	if (h ~ /^bench\//) return "bench"
	return "other"
}
function is_fixture(f) { return f ~ /^(tests|fuzz)\/.*\.h$/ }
# The rules a (non-fixture) file is held to.
function context(f, b, p) {
	if (f ~ /^(base|net|engineio|socketio)\//) { split(f, p, "/"); return p[1] }
	if (f ~ /^modules\/redis\//) return "redis"
	if (f ~ /^include\//) return (owner(f) == "pub:socketio" || owner(f) == "pub:other") ? "pub:socketio" : "pub:engineio"
	if (f ~ /^(apps|bench)\//) return "app:" owner(f)
	if (f ~ /^(tests|fuzz)\//) {
		b = f; sub(/.*\//, "", b)
		if (b ~ /^(test|fuzz)_(base|net|eio|sio|srv|redis)_/) { split(b, p, "_"); return "test:" p[2] }
		return "test:"
	}
	return "other"
}
function level(o) {
	if (o == "base") return 0
	if (o == "net") return 1
	if (o == "engineio" || o == "pub:engineio" || o == "pub:export") return 2
	if (o == "socketio" || o == "pub:socketio" || o == "pub:other") return 3
	if (o == "redis") return 3.5
	if (o ~ /^(apps\/|bench)/) return 4
	if (o == "tests") return 5
	return 6
}
function ctx_level(c) {
	if (c ~ /^pub:/) return level(c)
	if (c ~ /^app:/) return 4
	if (c ~ /^test:/) return 5
	if (c == "other") return 6
	return level(c)
}
function name_of(o) {
	if (o == "pub:export" || o == "pub:engineio" || o == "engineio") return "engineio"
	if (o == "pub:socketio" || o == "pub:other" || o == "socketio") return "socketio"
	if (o == "tests") return "the tests"
	if (o == "redis") return "modules/redis"
	return o
}
function ctx_name(c, l) {
	if (c == "redis") return "modules/redis"
	if (c ~ /^pub:/) return "the public header " (c == "pub:engineio" ? "of engineio" : "of socketio")
	if (c ~ /^app:/) return substr(c, 5)
	if (c ~ /^test:/) {
		l = substr(c, 6)
		if (l == "") return "a test of no layer"
		return (l == "eio" ? "an engineio" : l == "sio" ? "a socketio" : l == "srv" ? "a sio-server" : l == "net" ? "a net" : l == "redis" ? "a redis" : "a base") " test"
	}
	return c
}
# Why a private header of o is out of reach, and what to use instead.
function private_why(o, c) {
	if (o == "engineio") return "; " ctx_name(c) " may use engineio only through include/engineio.h"
	if (o == "socketio") return "; " ctx_name(c) " may use socketio only through include/socketio.h and include/socketio/"
	if (o == "net") return "; only engineio/ and its tests may include net/"
	if (o == "apps/common") return "; only the apps may include apps/common/"
	if (o == "redis") return "; " ctx_name(c) " may use the Redis adapter only through include/socketio/redis.h (its headers are for modules/redis/ and tests/test_redis_*)"
	return "; only " o " itself (and its tests) may include it"
}
# "" when context c may include header h (owner o), else why not.
function verdict(c, h, o, app, l) {
	if (o == "other") return ""
	if (c ~ /^pub:/) {
		if (o !~ /^pub:/) return "an installed public header may include only other headers of include/ (" h " is not installed)"
	} else if (c == "base") {
		if (o == "base") return ""
	} else if (c == "net") {
		if (o == "base" || o == "net") return ""
	} else if (c == "engineio") {
		if (o == "base" || o == "net" || o == "engineio" || o == "pub:export" || o == "pub:engineio") return ""
	} else if (c == "socketio") {
		if (o == "base" || o == "socketio" || o ~ /^pub:/) return ""
	} else if (c == "redis") {
		if (o == "base" || o == "redis" || o ~ /^pub:/) return ""
	} else if (c ~ /^app:/) {
		app = substr(c, 5)
		if (o == "base" || o ~ /^pub:/ || o == "apps/common" || o == app) return ""
	} else if (c ~ /^test:/) {
		l = substr(c, 6)
		if (o == "base" || o ~ /^pub:/ || o == "tests") return ""
		if (l == "eio" && (o == "engineio" || o == "net")) return ""
		if (l == "net" && o == "net") return ""
		if (l == "sio" && o == "socketio") return ""
		if (l == "srv" && o == "apps/sio-server") return ""
		if (l == "redis" && o == "redis") return ""
	} else {
		return ""
	}
	if (c ~ /^pub:/ && level(o) <= ctx_level(c)) return ""
	if (level(o) > ctx_level(c))
		return "a header of " name_of(o) ", a layer above " ctx_name(c)
	return "a private header of " name_of(o) private_why(o, c)
}
# The contexts of a fixture: those of the files that include it, through other fixtures.
function fixture_contexts(fx, i, n, src, out, k) {
	if (fx in visiting) return ""
	visiting[fx] = 1
	out = ""
	n = split(includers[fx], src, SUBSEP)
	for (i = 1; i <= n; i++) {
		if (src[i] == "") continue
		if (is_fixture(src[i])) {
			out = out fixture_contexts(src[i])
		} else {
			k = context(src[i])
			if (index(out, "|" k "=") == 0)
				out = out "|" k "=" src[i]
		}
	}
	delete visiting[fx]
	return out
}
{
	file[NR] = $1; line[NR] = $2; spelled[NR] = $3; hdr[NR] = $4
	if ($4 != "" && is_fixture($4)) includers[$4] = includers[$4] SUBSEP $1
	files[$1] = 1
}
END {
	bad = 0
	for (i = 1; i <= NR; i++) {
		if (hdr[i] == "") continue
		o = owner(hdr[i])
		if (is_fixture(file[i])) {
			cs = fixture_contexts(file[i])
			if (cs == "") cs = "|test:=nothing"
			n = split(substr(cs, 2), parts, "|")
			delete done
			for (j = 1; j <= n; j++) {
				split(parts[j], kv, "=")
				if (kv[1] in done) continue
				done[kv[1]] = 1
				why = verdict(kv[1], hdr[i], o)
				if (why == "") continue
				by = (kv[2] == "nothing") ? "no test" : kv[2]
				printf "%s:%s: includes %s (%s): %s (this fixture is included by %s)\n", file[i], line[i], spelled[i], hdr[i], why, by
				bad++
			}
		} else {
			why = verdict(context(file[i]), hdr[i], o)
			if (why == "") continue
			printf "%s:%s: includes %s (%s): %s\n", file[i], line[i], spelled[i], hdr[i], why
			bad++
		}
	}
	nf = 0
	for (f in files) nf++
	if (bad) {
		printf "check-layers: %d violation(s)\n", bad
		exit 1
	}
	printf "check-layers: ok (%d files, %d includes)\n", nf, NR
}' "$edges"

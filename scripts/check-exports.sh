#!/bin/sh
# check-exports.sh - the shared libraries export exactly their public API (`make check-exports`).
#
# The libraries are compiled with -fvisibility=hidden and export what the public headers
# mark EIO_EXPORT / SIO_EXPORT (include/sio_export.h). This compares, for each library,
#   what it exports:   nm -D --defined-only BUILD/libNAME.so
#   what it declares:  the functions and variables declared in include/NAME.h and
#                      include/NAME/*.h (gcc -aux-info lists the functions with their
#                      file and line; the extern variables are read from gcc -E)
# and fails on an export that no public header of that library declares (a private
# function leaking, or base/ exported) or on a public declaration the library does not
# export (a missing EIO_EXPORT / SIO_EXPORT, or a declaration without a definition). It
# also fails when a library needs a symbol that the libraries it links do not export
# (ldd -r), which a missing export in libengineio.so causes in libsocketio.so.
# Usage: scripts/check-exports.sh [BUILD directory, default build]
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
build=${1:-build}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# One translation unit that includes every public header.
hdrs=$(ls include/*.h include/*/*.h 2>/dev/null)
for h in $hdrs; do
	echo "#include \"${h#include/}\""
done >"$tmp/all.c"

if ! gcc -std=gnu11 -Iinclude -fsyntax-only -aux-info "$tmp/aux" "$tmp/all.c" 2>"$tmp/err" ||
	! gcc -std=gnu11 -Iinclude -E "$tmp/all.c" >"$tmp/pp" 2>>"$tmp/err"; then
	cat "$tmp/err"
	echo "check-exports: the public headers do not compile"
	exit 1
fi

# The library a public header belongs to: include/NAME.h and include/NAME/*.h -> NAME,
# except that include/socketio/X.h is libsocketio-X's when that library exists (an add-on
# library of its own: include/socketio/redis.h -> libsocketio-redis); other headers
# (include/sio_export.h) declare nothing to export.
# Output: "library name file:line", one per public declaration.
awk -v libs="$(for l in "$build"/lib*.so; do basename "$l" .so | sed 's/^lib//'; done)" '
BEGIN { n = split(libs, l, "\n"); for (i = 1; i <= n; i++) lib[l[i]] = 1 }
function owner(f, p) {
	sub(/^\.\//, "", f)
	if (f !~ /^include\//) return ""
	p = f; sub(/^include\/socketio\//, "socketio-", p); sub(/\.h$/, "", p)
	if (f ~ /^include\/socketio\/[^\/]+\.h$/ && (p in lib)) return p
	p = f; sub(/^include\//, "", p); sub(/(\.h|\/.*)$/, "", p)
	return (p in lib) ? p : ""
}
# gcc -aux-info: /* FILE:LINE:NC */ extern TYPE NAME (PARAMS);  (C: declared, F: defined)
FILENAME ~ /aux$/ {
	if (!match($0, /^\/\* [^ ]+:[0-9]+:[NO][CF] \*\/ /)) next
	hdr = substr($0, 4, RLENGTH - 7)
	rest = substr($0, RLENGTH + 1)
	if (rest ~ /^static /) next # static inline: not a library symbol
	split(hdr, loc, ":")
	o = owner(loc[1])
	if (o == "") next
	name = ""
	s = rest
	while (match(s, /[A-Za-z_][A-Za-z0-9_]* \(/)) {
		cand = substr(s, RSTART, RLENGTH - 2)
		if (substr(s, RSTART + RLENGTH, 1) != "*") { name = cand; break }
		s = substr(s, RSTART + RLENGTH)
	}
	if (name != "") print o, name, loc[1] ":" loc[2]
	next
}
# gcc -E: collect the top-level statements of the public headers; an "extern" one
# without a parameter list declares a variable.
/^# [0-9]+ "/ {
	cur = $3; gsub(/"/, "", cur); sub(/^\.\//, "", cur)
	lineno = $2 - 1
	next
}
{
	lineno++
	o = owner(cur)
	if (o == "") next
	text = $0
	for (i = 1; i <= length(text); i++) {
		c = substr(text, i, 1)
		if (c == "{") {
			if (depth == 0) { isfunc = (stmt ~ /\)[ \t]*$/) }
			depth++
		} else if (c == "}") {
			depth--
			if (depth == 0 && isfunc) { stmt = ""; isfunc = 0 }
		} else if (depth == 0) {
			if (stmt == "" && c ~ /[ \t]/) continue
			if (stmt == "") start = cur ":" lineno
			if (c == ";") { variable(o, stmt, start); stmt = "" }
			else stmt = stmt c
		}
	}
	if (depth == 0 && stmt != "") stmt = stmt " "
}
function variable(o, s, where, m) {
	if (s !~ /^extern[ \t]/) return
	gsub(/__attribute__\(\(visibility\("[a-z]*"\)\)\)/, "", s) # EIO_EXPORT, SIO_EXPORT
	if (s ~ /\(/) {
		# a function pointer variable: extern T (*name)(...)
		if (!match(s, /\([ \t]*\*[ \t]*[A-Za-z_][A-Za-z0-9_]*[ \t]*\)[ \t]*\(/)) return
		m = substr(s, RSTART, RLENGTH)
		gsub(/[^A-Za-z0-9_]/, "", m)
		print o, m, where
		return
	}
	sub(/[ \t]*=.*$/, "", s)
	gsub(/\[[^]]*\]/, "", s)
	sub(/[ \t]+$/, "", s)
	if (match(s, /[A-Za-z_][A-Za-z0-9_]*$/)) print o, substr(s, RSTART, RLENGTH), where
}
' "$tmp/aux" "$tmp/pp" | sort -u >"$tmp/declared"

bad=0
for so in "$build"/lib*.so; do
	lib=$(basename "$so" .so | sed 's/^lib//')
	hdr_of_addon=include/socketio/${lib#socketio-}.h
	case "$lib" in socketio-*) [ -f "$hdr_of_addon" ] || continue ;; *)
		[ -n "$(ls include/"$lib".h include/"$lib"/*.h 2>/dev/null)" ] || continue ;;
	esac
	# The linker's own symbols are not part of any API.
	nm -D --defined-only "$so" | awk 'NF >= 3 { sub(/@.*/, "", $3); print $3 }' |
		grep -vxE '_init|_fini|_edata|_end|__bss_start' | sort -u >"$tmp/exported.$lib"
	awk -v l="$lib" '$1 == l { print $2 }' "$tmp/declared" | sort -u >"$tmp/public.$lib"
	for s in $(comm -23 "$tmp/exported.$lib" "$tmp/public.$lib"); do
		where=$(awk -v s="$s" '$2 == s { print $3 " (lib" $1 ")"; exit }' "$tmp/declared")
		if [ -n "$where" ]; then
			echo "$so: exports $s, declared in $where, not in lib$lib's headers"
		else
			echo "$so: exports $s, which no public header declares"
		fi
		bad=$((bad + 1))
	done
	for s in $(comm -13 "$tmp/exported.$lib" "$tmp/public.$lib"); do
		where=$(awk -v s="$s" -v l="$lib" '$1 == l && $2 == s { print $3; exit }' "$tmp/declared")
		echo "$where: declares $s, which $so does not export"
		bad=$((bad + 1))
	done
	# What the library needs from the libraries it links (libsocketio.so: libengineio.so).
	LD_LIBRARY_PATH="$build${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" ldd -r "$so" 2>&1 |
		sed -n -e 's/^undefined symbol: \([^ 	]*\).*/\1/p' \
			-e 's/^[ 	]*\([^ ]*\) => not found.*/\1 not found/p' >"$tmp/undef.$lib"
	while read -r s nf; do
		if [ -n "$nf" ]; then
			echo "$so: needs $s, which the dynamic linker does not find in $build"
		else
			echo "$so: needs $s, which no library it links exports"
		fi
		bad=$((bad + 1))
	done <"$tmp/undef.$lib"
	echo "$so: $(wc -l <"$tmp/exported.$lib") exports, $(wc -l <"$tmp/public.$lib") public declarations"
done

if [ "$bad" -gt 0 ]; then
	echo "check-exports: $bad problem(s)"
	exit 1
fi
echo "check-exports: ok (the exports are the public declarations)"

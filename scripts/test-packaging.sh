#!/bin/sh
# test-packaging.sh - the systemd unit and the Dockerfile say what they should (make
# check-packaging).
#
# The unit (packaging/sio-server.service): `systemd-analyze verify` accepts it with its
# paths filled in as `make install` fills them (ExecStart on build/sio-server here), with
# no warning at all (verify exits 0 on an unknown key, so its output must be empty; a copy
# with a misspelled key shows that the check does see one), and it has the hardening
# settings docs/deploy.md promises. No running systemd is needed: verify reads files.
#
# The Dockerfile cannot be built here (no docker on the test machines), so what can be
# checked without building it is: both stages on debian:bookworm-slim; the build stage's
# packages are among scripts/install-deps.sh's, include the -dev package of every
# pkg-config module the Makefile names (dpkg -S of its .pc file), and its `make` targets
# exist; every
# `COPY --from=build` source exists in a `make install DESTDIR=/out` tree; the runtime
# stage installs the package of every shared library build/sio-server needs (readelf
# NEEDED -> ldd's path -> dpkg -S), but libc6 which the base image has, and the package
# of libwebsockets' libuv plugin (loaded with dlopen); it runs as a
# user that is not root, exposes 3000, and its HEALTHCHECK command, run as it is, says
# healthy against a running sio-server and unhealthy once it stopped.
# Expects build/sio-server and the libraries to be built.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
tmp=$(mktemp -d)
pid=""
trap '[ -z "$pid" ] || kill "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT

fail() {
	echo "test-packaging: $*"
	exit 1
}

# ---- the systemd unit ----------------------------------------------------------------
command -v systemd-analyze >/dev/null 2>&1 ||
	fail "systemd-analyze not found (Debian package systemd; scripts/install-deps.sh installs it)"
unit=packaging/sio-server.service
mkdir -p "$tmp/unit"
sed -e "s|@BINDIR@|$top/build|g" -e "s|@DOCDIR@|$top/docs|g" "$unit" >"$tmp/unit/sio-server.service"
out=$(systemd-analyze verify "$tmp/unit/sio-server.service" 2>&1)
rc=$?
[ "$rc" -eq 0 ] && [ -z "$out" ] || fail "systemd-analyze verify $unit (exit $rc): $out"
sed 's/^NoNewPrivileges=/NoNewPrivilege=/' "$tmp/unit/sio-server.service" >"$tmp/unit/typo.service"
out=$(systemd-analyze verify "$tmp/unit/typo.service" 2>&1)
[ -n "$out" ] || fail "systemd-analyze verify is silent about a misspelled key: the check cannot fail"
for line in 'DynamicUser=yes' 'NoNewPrivileges=yes' 'ProtectSystem=strict' 'ProtectHome=yes' \
	'PrivateTmp=yes' 'LimitNOFILE=65536' 'Restart=on-failure' 'RestartPreventExitStatus=2' \
	'EnvironmentFile=-/etc/sio-server/secrets.env' \
	'ExecStart=@BINDIR@/sio-server --config /etc/sio-server/config.json' \
	'ExecReload=/bin/kill -HUP $MAINPID'; do
	grep -qxF "$line" "$unit" || fail "$unit lacks the line $line"
done

# ---- the Dockerfile ------------------------------------------------------------------
df=Dockerfile
# The instructions, continuation lines joined.
sed -e ':a' -e '/\\$/N; s/\\\n//; ta' "$df" | grep -v '^[[:space:]]*#' >"$tmp/df"
froms=$(grep -c '^FROM ' "$tmp/df")
[ "$froms" -eq 2 ] || fail "$df has $froms stages, not 2"
grep -q '^FROM debian:bookworm-slim AS build$' "$tmp/df" || fail "$df: the first stage is not 'FROM debian:bookworm-slim AS build'"
[ "$(grep '^FROM ' "$tmp/df" | tail -n 1)" = "FROM debian:bookworm-slim" ] ||
	fail "$df: the runtime stage is not on debian:bookworm-slim"
awk '/^FROM /{n++} n==1' "$tmp/df" >"$tmp/build"
awk '/^FROM /{n++} n==2' "$tmp/df" >"$tmp/runtime"

# apt-get install's package names in a stage (the words after the last option)
apt_pkgs() {
	grep -o 'apt-get install[^&]*' "$1" | sed 's/apt-get install//' | tr ' ' '\n' |
		grep -v '^-' | grep -v '^$' | sort -u
}
deps=$(sed -n '/^pkgs="/,/"$/p' scripts/install-deps.sh | tr -d '"' | sed 's/^pkgs=//' | tr ' ' '\n')
for p in $(apt_pkgs "$tmp/build"); do
	echo "$deps" | grep -qx "$p" || fail "$df's build stage installs $p, which scripts/install-deps.sh does not"
done
targets=$(grep -o 'make [^&]*' "$tmp/build" | tr ' ' '\n' | grep -v -e '^make$' -e '^-' -e '=' | sort -u)
[ -n "$targets" ] || fail "$df's build stage runs no make target"
for t in $targets; do
	make -n "$t" >/dev/null 2>&1 || fail "$df's build stage runs 'make $t', which the Makefile does not have"
done
grep -q 'make [^&]*install PREFIX=/usr/local DESTDIR=/out' "$tmp/build" ||
	fail "$df's build stage does not run 'make install PREFIX=/usr/local DESTDIR=/out'"
# The build stage installs the -dev package of every pkg-config module the Makefile
# builds with (*_PKGS: the .pc file's package), jsmn's header (header-only, no .pc),
# the compiler and pkg-config.
build_pkgs=$(apt_pkgs "$tmp/build")
need="build-essential pkg-config $(dpkg -S /usr/include/jsmn.h | cut -d: -f1)"
for m in $(sed -n 's/^[A-Z]*_PKGS *:= *//p' Makefile | tr ' ' '\n' | sort -u); do
	pc="$(pkg-config --variable=pcfiledir "$m" 2>/dev/null)/$m.pc"
	p=$(dpkg -S "$pc" 2>/dev/null | head -n 1 | cut -d: -f1)
	[ -n "$p" ] || fail "no Debian package owns $pc (pkg-config module $m of the Makefile)"
	need="$need $p"
done
for p in $need; do
	echo "$build_pkgs" | grep -qx "$p" ||
		fail "the Makefile builds with $p, which $df's build stage does not install"
done

make --no-print-directory install PREFIX=/usr/local DESTDIR="$tmp/out" >"$tmp/install.log" 2>&1 ||
	{ tail -n 20 "$tmp/install.log"; fail "make install failed"; }
grep '^COPY --from=build ' "$tmp/runtime" | awk '{print $3}' >"$tmp/copies"
[ -s "$tmp/copies" ] || fail "$df's runtime stage copies nothing from the build stage"
while read -r src; do
	[ -e "$tmp/out${src#/out}" ] || fail "$df copies $src, which make install does not make"
done <"$tmp/copies"

runtime_pkgs=$(apt_pkgs "$tmp/runtime")
for lib in $(readelf -d build/sio-server | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
	# the dynamic loader (named NEEDED by some link orders) is libc6's, in every image
	case $lib in ld-linux*) continue ;; esac
	path=$(ldd build/sio-server | awk -v l="$lib" '$1 == l { print $3 }')
	[ -n "$path" ] || fail "ldd does not resolve $lib"
	pkg=""
	for cand in "$path" "$(readlink -f "$path")" "/usr$path" "${path#/usr}"; do
		pkg=$(dpkg -S "$cand" 2>/dev/null | head -n 1 | cut -d: -f1)
		[ -z "$pkg" ] || break
	done
	[ -n "$pkg" ] || fail "no Debian package owns $path ($lib)"
	[ "$pkg" = libc6 ] && continue # in every Debian image
	echo "$runtime_pkgs" | grep -qx "$pkg" ||
		fail "build/sio-server needs $lib (package $pkg), which $df's runtime stage does not install"
done

# libwebsockets 4.1 loads its libuv event loop as a plugin (dlopen, no NEEDED entry):
# without its package the server stops at startup ("unable to load evlib plugin
# evlib_uv"), as the first build of the image showed.
evlib=$(dpkg -S 'libwebsockets-evlib_uv.so' 2>/dev/null | head -n 1 | cut -d: -f1)
[ -n "$evlib" ] || fail "no Debian package owns libwebsockets-evlib_uv.so"
echo "$runtime_pkgs" | grep -qx "$evlib" ||
	fail "libwebsockets loads libwebsockets-evlib_uv.so (package $evlib), which $df's runtime stage does not install"

user=$(grep '^USER ' "$tmp/runtime" | tail -n 1 | awk '{print $2}')
[ -n "$user" ] && [ "$user" != root ] && [ "$user" != 0 ] || fail "$df's runtime stage runs as root"
grep -qx 'EXPOSE 3000' "$tmp/runtime" || fail "$df does not EXPOSE 3000"
grep -q '^ENTRYPOINT \["/usr/local/bin/sio-server"\]' "$tmp/runtime" || fail "$df's entrypoint is not sio-server"

# The health check, run as Docker would (its exec form) with PORT set as in the image.
hc=$(grep '^HEALTHCHECK ' "$tmp/runtime" | sed 's/.*CMD //')
[ -n "$hc" ] || fail "$df has no HEALTHCHECK"
node -e 'const a = JSON.parse(process.argv[1]); for (const w of a) console.log(w)' "$hc" >"$tmp/hc" ||
	fail "the HEALTHCHECK command is not a JSON array: $hc"
run_hc() {
	# bash -c 'script' (the exec form's three words); its exit status
	[ "$(sed -n 1p "$tmp/hc")" = bash ] && [ "$(sed -n 2p "$tmp/hc")" = -c ] ||
		fail "the HEALTHCHECK is not 'bash -c ...'"
	PORT=$1 timeout 10 bash -c "$(sed -n '3,$p' "$tmp/hc")" 2>/dev/null
}
port=$(node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })')
PORT=$port HOST=127.0.0.1 build/sio-server --config apps/sio-server/examples/default.json \
	>"$tmp/server.log" 2>&1 &
pid=$!
i=0
until grep -q 'listening on' "$tmp/server.log"; do
	i=$((i + 1))
	[ "$i" -lt 100 ] || fail "sio-server did not start: $(cat "$tmp/server.log")"
	sleep 0.1
done
run_hc "$port" || fail "the HEALTHCHECK says unhealthy against a running sio-server"
kill "$pid"
wait "$pid"
pid=""
! run_hc "$port" || fail "the HEALTHCHECK says healthy with no server"

echo "test-packaging: ok (systemd-analyze verify, the Dockerfile against the Makefile, the binary's libraries and its health check)"

#!/bin/sh
# install-deps.sh - install what the project needs on Debian bookworm, and nothing
# that is already there. `make run`, `make test` and CI all call this one script,
# so a fresh machine behaves the same for each of them.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)

# Debian packages: the C toolchain and libraries (libssl-dev: OpenSSL for sio-server's
# key reader; libmsgpack-dev: msgpack-c for the msgpack parser of libsocketio and the Redis
# adapter; libhiredis-dev: hiredis, the Redis adapter's client; redis-server for its tests,
# which start their own on loopback: the package's service is not needed; libcurl4-openssl-dev:
# libcurl, sio-server's HTTP client for webhooks), clang for libFuzzer, clang-format for `make check-format`, node for the
# interop tests, valgrind for the leak check of the interop run, chromium (/usr/bin/chromium)
# for the real-browser interop test (driven by playwright-core from interop/), nginx for
# the reverse-proxy test of docs/deploy.md (the test starts its own nginx on loopback; the
# package's service is not needed, and in a container without an init it is not started),
# libcrypt-dev for the bcrypt check of the admin dashboard's password (crypt(3), libxcrypt),
# systemd for `systemd-analyze verify` of packaging/sio-server.service (no running systemd).
pkgs="build-essential pkg-config libwebsockets-dev libuv1-dev libjsmn-dev libjwt-dev libssl-dev
libsodium-dev libmsgpack-dev libhiredis-dev libcurl4-openssl-dev libcrypt-dev redis-server check clang clang-format libclang-rt-14-dev valgrind curl ca-certificates chromium nginx systemd"

missing=""
for p in $pkgs; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
command -v node >/dev/null 2>&1 || missing="$missing nodejs"
command -v npm >/dev/null 2>&1 || missing="$missing npm"

if [ -n "$missing" ]; then
	sudo=""
	[ "$(id -u)" -eq 0 ] || sudo="sudo"
	echo "install-deps: installing$missing"
	$sudo apt-get update -q
	# Chromium with its recommended packages (fonts); the rest without.
	lean=$(echo "$missing" | tr ' ' '\n' | grep -vx chromium | tr '\n' ' ')
	if [ -n "$(echo "$lean" | tr -d ' ')" ]; then
		DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends $lean
	fi
	case " $missing " in
	*" chromium "*) DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q chromium ;;
	esac
fi

# npm packages for the interop tests, exactly as locked. Re-run `npm ci` only when the
# lock file changed since the last install.
if [ -f "$top/interop/package-lock.json" ]; then
	stamp="$top/interop/node_modules/.install-stamp"
	if [ ! -f "$stamp" ] || [ "$top/interop/package-lock.json" -nt "$stamp" ]; then
		echo "install-deps: npm ci in interop/"
		(cd "$top/interop" && npm ci --no-audit --no-fund --loglevel=error)
		touch "$stamp"
	fi
fi

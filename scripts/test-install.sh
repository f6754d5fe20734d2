#!/bin/sh
# test-install.sh - `make install` and `make uninstall` do what they say (make check-install).
#
# Installs into a temporary DESTDIR, checks that the libraries, the public headers, the
# .pc files, sio-server with its docs, LICENSE, example configurations and systemd unit
# (ExecStart on the installed binary) are there, that no other program is, that
# `sio-server --version` says the Makefile's VERSION, builds a small program against the installed headers with the
# flags pkg-config gives for socketio (PKG_CONFIG_PATH into the DESTDIR; the sysroot
# variable prefixes the DESTDIR to its -I and -L), once linked statically and once
# against the shared libraries, runs both, does the same for the Redis adapter
# (socketio-redis.pc, a program that resolves its options), then uninstalls and checks that nothing
# install put there is left. Expects the libraries and sio-server to be built.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
dest=$tmp/root
prefix=/usr/local
root=$dest$prefix
CC=${CC:-cc}

fail() {
	echo "test-install: $*"
	exit 1
}

make --no-print-directory install DESTDIR="$dest" PREFIX="$prefix" >"$tmp/install.log" 2>&1 ||
	{ tail -n 30 "$tmp/install.log"; fail "make install failed"; }

for f in include/engineio.h include/socketio.h include/sio_export.h \
	lib/libengineio.a lib/libsocketio.a lib/libengineio.so lib/libsocketio.so \
	lib/libsocketio-redis.a lib/libsocketio-redis.so include/socketio/redis.h \
	lib/pkgconfig/engineio.pc lib/pkgconfig/socketio.pc lib/pkgconfig/socketio-redis.pc \
	bin/sio-server \
	share/doc/socketio-c/sio-server.md share/doc/socketio-c/LICENSE \
	share/socketio-c/examples/default.json lib/systemd/system/sio-server.service; do
	[ -e "$root/$f" ] || fail "make install did not install $prefix/$f"
done
for h in include/socketio/*.h; do
	[ -e "$h" ] || continue
	[ -e "$root/$h" ] || fail "make install did not install $prefix/$h"
done
for l in libengineio libsocketio libsocketio-redis; do
	soname=$(readelf -d "$root/lib/$l.so" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
	[ -e "$root/lib/$soname" ] || fail "$l.so has soname '$soname', which is not installed"
done
others=$(ls "$root/bin" | grep -vx sio-server)
[ -z "$others" ] || fail "make install installed other programs: $others"
# nothing else executable anywhere (test, bench, echo or example programs), but the libraries
stray=$(find "$root" -type f -perm -u+x ! -path "$root/bin/sio-server" ! -name '*.so.*')
[ -z "$stray" ] || fail "make install installed other executables: $stray"
# the unit starts the installed binary (its @BINDIR@ filled in) with the system configuration
grep -qx "ExecStart=$prefix/bin/sio-server --config /etc/sio-server/config.json" \
	"$root/lib/systemd/system/sio-server.service" ||
	fail "the installed unit does not start $prefix/bin/sio-server"
! grep -q '@[A-Z]*@' "$root/lib/systemd/system/sio-server.service" ||
	fail "the installed unit still has @...@ placeholders"
# --version says the Makefile's VERSION
want=$(sed -n 's/^VERSION *:= *//p' Makefile)
got=$("$root/bin/sio-server" --version)
[ "$got" = "sio-server $want" ] || fail "sio-server --version says '$got', the Makefile's VERSION is $want"

# The program: a Socket.IO server on a free port, closed again.
cat >"$tmp/prog.c" <<'EOF'
#include <socketio.h>
#include <stdio.h>

int main(void)
{
	uv_loop_t *loop = uv_default_loop();
	int err = 0;
	eio_listener *l = eio_listener_new(loop, "127.0.0.1", 0, &err);
	sio_options o;
	sio_options_init(&o);
	sio_server *io = l ? sio_server_new(l, &o, &err) : NULL;
	if (!io) {
		fprintf(stderr, "cannot start a server (error %d)\n", err);
		return 1;
	}
	int port = eio_listener_port(l);
	eio_listener_close(l);
	uv_run(loop, UV_RUN_DEFAULT);
	eio_listener_free(l);
	sio_server_free(io);
	printf("ok: listened on port %d\n", port);
	return port > 0 ? 0 : 1;
}
EOF

export PKG_CONFIG_PATH="$root/lib/pkgconfig"
export PKG_CONFIG_SYSROOT_DIR="$dest"
cflags=$(pkg-config --cflags socketio) || fail "pkg-config does not find socketio.pc"
libs=$(pkg-config --libs socketio) || fail "pkg-config --libs socketio failed"
static_libs=$(pkg-config --static --libs socketio) || fail "pkg-config --static --libs socketio failed"
case "$cflags" in *"$dest"*) ;; *) fail "pkg-config --cflags socketio does not point into DESTDIR: $cflags" ;; esac

# Static: the two archives by name (-l would pick the .so next to them).
static_libs=$(echo "$static_libs" | sed -e 's/-lsocketio/-l:libsocketio.a/' -e 's/-lengineio/-l:libengineio.a/')
$CC -o "$tmp/prog-static" "$tmp/prog.c" $cflags $static_libs 2>"$tmp/cc.log" ||
	{ cat "$tmp/cc.log"; fail "the static build against the installed files failed"; }
! readelf -d "$tmp/prog-static" | grep -qE 'NEEDED.*lib(engineio|socketio)' ||
	fail "the static build still needs the shared libraries"
"$tmp/prog-static" || fail "the statically linked program failed"

$CC -o "$tmp/prog-shared" "$tmp/prog.c" $cflags $libs 2>"$tmp/cc.log" ||
	{ cat "$tmp/cc.log"; fail "the shared build against the installed files failed"; }
LD_LIBRARY_PATH="$root/lib" ldd "$tmp/prog-shared" | grep -q "libsocketio.so.*=> $root/lib/" ||
	fail "the shared build does not load libsocketio from DESTDIR"
LD_LIBRARY_PATH="$root/lib" "$tmp/prog-shared" || fail "the program linked to the shared libraries failed"

# The Redis adapter's library: its options' defaults, through its own .pc file.
cat >"$tmp/redis.c" <<'EOF'
#include <socketio/redis.h>
#include <stdio.h>
#include <string.h>

int main(void)
{
	sio_redis_options o;
	sio_redis_options_init(&o);
	if (o.port != 6379 || strcmp(o.key, "socket.io") != 0) {
		fprintf(stderr, "unexpected defaults: port %d, key %s\n", o.port, o.key);
		return 1;
	}
	printf("ok: redis defaults\n");
	return 0;
}
EOF
rcflags=$(pkg-config --cflags socketio-redis) || fail "pkg-config does not find socketio-redis.pc"
rlibs=$(pkg-config --libs socketio-redis) || fail "pkg-config --libs socketio-redis failed"
rstatic=$(pkg-config --static --libs socketio-redis) || fail "pkg-config --static --libs socketio-redis failed"
# Static: the archives by name, as above.
rstatic=$(echo " $rstatic " | sed -e 's/ -lsocketio-redis / -l:libsocketio-redis.a /' \
	-e 's/ -lsocketio / -l:libsocketio.a /' -e 's/ -lengineio / -l:libengineio.a /')
$CC -o "$tmp/redis-static" "$tmp/redis.c" $rcflags $rstatic 2>"$tmp/cc.log" ||
	{ cat "$tmp/cc.log"; fail "the static build of the Redis adapter against the installed files failed"; }
! readelf -d "$tmp/redis-static" | grep -qE 'NEEDED.*lib(engineio|socketio)' ||
	fail "the static Redis build still needs the shared libraries"
"$tmp/redis-static" || fail "the statically linked Redis program failed"
$CC -o "$tmp/redis-shared" "$tmp/redis.c" $rcflags $rlibs 2>"$tmp/cc.log" ||
	{ cat "$tmp/cc.log"; fail "the shared build of the Redis adapter against the installed files failed"; }
LD_LIBRARY_PATH="$root/lib" ldd "$tmp/redis-shared" | grep -q "libsocketio-redis.so.*=> $root/lib/" ||
	fail "the shared Redis build does not load libsocketio-redis from DESTDIR"
LD_LIBRARY_PATH="$root/lib" "$tmp/redis-shared" || fail "the program linked to libsocketio-redis.so failed"

make --no-print-directory uninstall DESTDIR="$dest" PREFIX="$prefix" >"$tmp/uninstall.log" 2>&1 ||
	{ tail -n 30 "$tmp/uninstall.log"; fail "make uninstall failed"; }
left=$(find "$dest" ! -type d)
[ -z "$left" ] || fail "make uninstall left: $left"
for d in share/doc/socketio-c share/socketio-c include/socketio; do
	[ ! -e "$root/$d" ] || fail "make uninstall left the directory $prefix/$d"
done
echo "test-install: ok (installed, built and ran a program static and shared, uninstalled)"

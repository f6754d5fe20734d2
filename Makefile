# Makefile - builds the Engine.IO / Socket.IO libraries, the apps, the tests and the
# fuzz targets. `make run` and `make test` are the two commands a new user needs; both
# first run scripts/install-deps.sh, so each works alone on a fresh Debian machine.
#
# Layout (every .c is found by wildcard, so adding a file needs no edit here):
#   base/*.c            -> build/libbase.a (private: copied into each library)
#   net/*.c engineio/*.c -> libengineio     socketio/*.c -> libsocketio (needs libengineio)
#   modules/redis/*.c   -> libsocketio-redis (the Redis adapter: its own library on the
#                          public headers; needs libsocketio, hiredis, msgpack-c)
#   apps/NAME/*.c       -> build/NAME      apps/examples/NAME/*.c -> build/examples/NAME
#   tests/test_*.c      -> build/tests/test_*
#   fuzz/fuzz_*.c       -> build-fuzz/fuzz_* (clang -fsanitize=fuzzer)
#
# Visibility: library objects are compiled with -fvisibility=hidden, so a shared library
# exports only what its public header marks EIO_EXPORT / SIO_EXPORT (include/sio_export.h;
# `make check-exports` compares the two). base/ is never exported: libengineio.so and
# libsocketio.so each link their own hidden copy from build/libbase.a; no base/ type
# crosses the public API, so the two copies never meet. The static libraries are for
# the in-tree apps and tests, which also call private functions: libengineio.a holds
# base/, net/ and engineio/, libsocketio.a holds socketio/ (link it before libengineio.a),
# libsocketio-redis.a holds modules/redis/ (link it before libsocketio.a: REDIS_LINK).

PREFIX     ?= /usr/local
LIBDIR     ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
BINDIR     ?= $(PREFIX)/bin
DATADIR    ?= $(PREFIX)/share
DOCDIR     ?= $(DATADIR)/doc/socketio-c
EXAMPLEDIR ?= $(DATADIR)/socketio-c/examples
UNITDIR    ?= $(PREFIX)/lib/systemd/system
BUILD      ?= build
CC         ?= cc
OPT        ?= -O2
SAN        ?=
VERSION    := 0.1.0
SOVERSION  := 0

# What each part links; checked with `nm -u` against what its objects call.
BASE_PKGS := libuv libsodium
EIO_PKGS  := libwebsockets libuv libsodium
# msgpack: msgpack-c (libmsgpack-dev), the msgpack parser (socketio/sio_msgpack.c).
SIO_PKGS  := libuv libsodium msgpack
# sio-server alone: libjwt verifies tokens, OpenSSL's PEM reader gives the key's type;
# libcurl is the webhooks' HTTP client (srv_http_client.c); libcrypt (libxcrypt) checks the
# admin dashboard's bcrypt password hash.
SRV_PKGS  := libjwt libcrypto libcurl libcrypt
# The Redis adapter (modules/redis/): hiredis's async API on libuv, msgpack-c for its wire.
REDIS_PKGS := hiredis msgpack libuv

# pkg-config, or the plain -l names before scripts/install-deps.sh has installed it
# (msgpack-c's library is libmsgpackc).
pkg_libs   = $(shell pkg-config --libs $(1) 2>/dev/null || \
	echo $(patsubst lib%,-l%,$(patsubst msgpack,libmsgpackc,$(1))))
DEP_CFLAGS := $(shell pkg-config --cflags $(sort $(EIO_PKGS) $(SIO_PKGS) $(SRV_PKGS) $(REDIS_PKGS)) 2>/dev/null)
BASE_LIBS  := $(call pkg_libs,$(BASE_PKGS))
EIO_LIBS   := $(call pkg_libs,$(EIO_PKGS))
SIO_LIBS   := $(call pkg_libs,$(SIO_PKGS))
SRV_LIBS   := $(call pkg_libs,$(SRV_PKGS))
REDIS_LIBS := $(call pkg_libs,$(REDIS_PKGS)) -lm
CHECK_CFLAGS := $(shell pkg-config --cflags check 2>/dev/null || echo -pthread)
CHECK_LIBS := $(shell pkg-config --libs check 2>/dev/null || echo -lcheck -lsubunit -lm -lrt -pthread)

# CFLAGS (optimisation, debug info) may be overridden; the flags every object needs are
# in ALL_CFLAGS, and the per-directory ones in OBJ_FLAGS (set below for each directory):
# base/ is included as "base/x.h" everywhere (-I.).
CFLAGS   ?= $(OPT) -g
ALL_CFLAGS = $(CFLAGS) -std=gnu11 -Wall -Wextra -I. $(DEP_CFLAGS) $(SAN) $(OBJ_FLAGS)
LDFLAGS  += $(SAN)
LIB_FLAGS := -fPIC -fvisibility=hidden

ifneq ($(SAN),)
  ALL_CFLAGS += -fno-omit-frame-pointer -fno-sanitize-recover=all
endif

BASE_SRC := $(sort $(wildcard base/*.c))
NET_SRC  := $(sort $(wildcard net/*.c))
EIO_SRC  := $(sort $(wildcard engineio/*.c))
SIO_SRC  := $(sort $(wildcard socketio/*.c))
BASE_OBJ := $(BASE_SRC:%.c=$(BUILD)/obj/%.o)
NET_OBJ  := $(NET_SRC:%.c=$(BUILD)/obj/%.o)
EIO_OBJ  := $(EIO_SRC:%.c=$(BUILD)/obj/%.o)
SIO_OBJ  := $(SIO_SRC:%.c=$(BUILD)/obj/%.o)
REDIS_SRC := $(sort $(wildcard modules/redis/*.c))
REDIS_OBJ := $(REDIS_SRC:%.c=$(BUILD)/obj/%.o)
# an app is a directory of apps/ with a main.c
APPS     := $(notdir $(patsubst %/,%,$(sort $(dir $(wildcard apps/*/main.c)))))
APP_BINS := $(APPS:%=$(BUILD)/%)
EXAMPLES := $(notdir $(patsubst %/,%,$(sort $(dir $(wildcard apps/examples/*/*.c)))))
EXAMPLE_BINS := $(EXAMPLES:%=$(BUILD)/examples/%)
TEST_SRC := $(sort $(wildcard tests/test_*.c))
TEST_BINS:= $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)
# sio-server's modules (all but main.c), linked into its tests tests/test_srv_*.c
SRV_SRC  := $(filter-out apps/sio-server/main.c,$(sort $(wildcard apps/sio-server/*.c)))
SRV_OBJ  := $(SRV_SRC:%.c=$(BUILD)/obj/%.o)
FUZZ_SRC := $(sort $(wildcard fuzz/fuzz_*.c))
# apps/common/: code shared by the apps (the command-line flags), for the apps that use it.
APP_COMMON_OBJ := $(patsubst %.c,$(BUILD)/obj/%.o,$(sort $(wildcard apps/common/*.c)))
APPS_WITH_COMMON := eio-echo sio-echo sio-bench-server

LIBS_SO  := $(BUILD)/libengineio.so $(BUILD)/libsocketio.so $(BUILD)/libsocketio-redis.so
# the names the dynamic linker looks for (the sonames), so that build/ works as a libdir
SONAME_LINKS := $(LIBS_SO:%=%.$(SOVERSION))
LIBS_A   := $(BUILD)/libengineio.a $(BUILD)/libsocketio.a $(BUILD)/libsocketio-redis.a
PC_FILES := $(BUILD)/engineio.pc $(BUILD)/socketio.pc $(BUILD)/socketio-redis.pc
# The static link lines of the in-tree programs, one per layer.
BASE_LINK := $(BUILD)/libbase.a $(BASE_LIBS)
EIO_LINK  := $(BUILD)/libengineio.a $(EIO_LIBS)
SIO_LINK  := $(BUILD)/libsocketio.a $(BUILD)/libengineio.a $(SIO_LIBS) $(EIO_LIBS)
SRV_LINK  := $(SIO_LINK) $(SRV_LIBS)
# The Redis adapter's archive goes before the libsocketio line, its libraries after.
REDIS_LINK := $(BUILD)/libsocketio-redis.a $(SIO_LINK) $(REDIS_LIBS)

.PHONY: all deps run test unit bench fuzz fuzz-long soak install uninstall check-install check-packaging check-layers \
	check-exports check-format format clean FORCE
all: $(LIBS_A) $(LIBS_SO) $(SONAME_LINKS) $(APP_BINS) $(EXAMPLE_BINS) $(TEST_BINS) $(PC_FILES)

deps:
	@sh scripts/install-deps.sh

# Start sio-server on port 3000 (PORT overrides) with a configuration that needs
# no secret: anonymous clients allowed (JWT_ACCESS_SECRET, when set, verifies
# tokens), join/leave rooms, ping -> pong, the HTTP API (key: WEBSOCKET_API_KEY),
# and development mode (NODE_ENV=development unless set): browser pages on
# localhost:* may connect. Another config: make run RUN_CONFIG=path.json
RUN_CONFIG ?= apps/sio-server/examples/default.json
run: deps
	@$(MAKE) --no-print-directory all
	NODE_ENV=$${NODE_ENV:-development} exec $(BUILD)/sio-server --config $(RUN_CONFIG)

# Everything: unit tests, the build checks, interop tests, unit tests under ASan+UBSan,
# a short fuzz run.
test: deps
	@$(MAKE) --no-print-directory all
	@sh scripts/run-tests.sh

unit: $(TEST_BINS)
	@for t in $(TEST_BINS); do $$t || exit 1; done

# --- objects: one rule, the flags of each directory in OBJ_FLAGS ---------------------

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/obj/base/%.o $(BUILD)/obj/net/%.o: OBJ_FLAGS := $(LIB_FLAGS)
$(BUILD)/obj/engineio/%.o $(BUILD)/obj/socketio/%.o: OBJ_FLAGS := $(LIB_FLAGS) -Iinclude
$(BUILD)/obj/modules/redis/%.o: OBJ_FLAGS := $(LIB_FLAGS) -Iinclude
$(BUILD)/obj/apps/common/%.o: OBJ_FLAGS := -Iinclude
$(BUILD)/obj/tests/%.o: OBJ_FLAGS := -Iinclude $(CHECK_CFLAGS)

# --- libraries ------------------------------------------------------------------------

$(BUILD)/libbase.a: $(BASE_OBJ)
	@rm -f $@; ar rcs $@ $^
$(BUILD)/libengineio.a: $(BASE_OBJ) $(NET_OBJ) $(EIO_OBJ)
	@rm -f $@; ar rcs $@ $^
$(BUILD)/libsocketio.a: $(SIO_OBJ)
	@rm -f $@; ar rcs $@ $^
$(BUILD)/libengineio.so: $(NET_OBJ) $(EIO_OBJ) $(BUILD)/libbase.a
	$(CC) -shared -Wl,--no-undefined -Wl,-soname,libengineio.so.$(SOVERSION) $(LDFLAGS) -o $@ $^ $(EIO_LIBS)
$(BUILD)/libsocketio.so: $(SIO_OBJ) $(BUILD)/libbase.a $(BUILD)/libengineio.so
	$(CC) -shared -Wl,--no-undefined -Wl,-soname,libsocketio.so.$(SOVERSION) $(LDFLAGS) -o $@ \
	  $(SIO_OBJ) $(BUILD)/libbase.a -L$(BUILD) -lengineio $(SIO_LIBS)
$(BUILD)/libsocketio-redis.a: $(REDIS_OBJ)
	@rm -f $@; ar rcs $@ $^
# Its own hidden copy of base/ (which needs libsodium), like the other two.
$(BUILD)/libsocketio-redis.so: $(REDIS_OBJ) $(BUILD)/libbase.a $(BUILD)/libsocketio.so \
		$(BUILD)/libengineio.so.$(SOVERSION)
	$(CC) -shared -Wl,--no-undefined -Wl,-soname,libsocketio-redis.so.$(SOVERSION) $(LDFLAGS) \
	  -Wl,-rpath-link,$(BUILD) -o $@ $(REDIS_OBJ) $(BUILD)/libbase.a -L$(BUILD) -lsocketio -lengineio \
	  $(REDIS_LIBS) $(BASE_LIBS) -lm
$(SONAME_LINKS): %.$(SOVERSION): %
	ln -sf $(notdir $<) $@

# The .pc files name the install directories: rebuilt when those change.
$(BUILD)/pc.config: FORCE
	@mkdir -p $(BUILD)
	@echo '$(PREFIX) $(LIBDIR) $(INCLUDEDIR) $(VERSION)' | cmp -s - $@ || \
	  echo '$(PREFIX) $(LIBDIR) $(INCLUDEDIR) $(VERSION)' > $@
$(BUILD)/%.pc: scripts/%.pc.in $(BUILD)/pc.config
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@LIBDIR@|$(LIBDIR)|g' \
	  -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|g' -e 's|@VERSION@|$(VERSION)|g' $< > $@

# --- programs -------------------------------------------------------------------------

# What an app links besides its objects (default: libsocketio and libengineio).
eio-echo_LINK   := $(EIO_LINK)
sio-bench_LINK  := -pthread
sio-server_LINK := $(SRV_LINK)
# The apps that may use the Redis adapter: libsocketio-redis.a before their link line,
# its libraries after (unused archive members are not linked in).
APPS_WITH_REDIS := sio-echo sio-server sio-bench-server
app_link = $(if $(filter $(1),$(APPS_WITH_REDIS)),$(BUILD)/libsocketio-redis.a) \
	$(or $($(1)_LINK),$(SIO_LINK)) $(if $(filter $(1),$(APPS_WITH_REDIS)),$(REDIS_LIBS))

# APP_RULE(dir under apps/, binary, link line): one program and the flags of its objects.
define APP_RULE
$(BUILD)/obj/apps/$(1)/%.o: OBJ_FLAGS := -Iinclude $(if $(filter $(1),$(APPS_WITH_COMMON)),-Iapps/common)
$(2): $(patsubst %.c,$(BUILD)/obj/%.o,$(sort $(wildcard apps/$(1)/*.c))) \
      $(if $(filter $(1),$(APPS_WITH_COMMON)),$(APP_COMMON_OBJ)) $(filter %.a,$(3))
	@mkdir -p $$(dir $$@)
	$$(CC) $$(LDFLAGS) -o $$@ $$(filter %.o,$$^) $(3)
endef
$(foreach a,$(APPS),$(eval $(call APP_RULE,$(a),$(BUILD)/$(a),$(call app_link,$(a)))))
$(foreach a,$(EXAMPLES),$(eval $(call APP_RULE,examples/$(a),$(BUILD)/examples/$(a),$(SIO_LINK))))

# A test of layer L (tests/test_L_*.c) links L's library and what is under it;
# sio-server's tests also link its modules (and the Redis adapter, which they may use).
TEST_LINK_base := $(BASE_LINK)
TEST_LINK_eio  := $(EIO_LINK)
TEST_LINK_sio  := $(SIO_LINK)
TEST_LINK_srv  := $(SRV_OBJ) $(BUILD)/libsocketio-redis.a $(SRV_LINK) $(REDIS_LIBS)
# OpenSSL's SHA1 checks the SHA-1 the adapter's script is sent by (test_redis_kept.c).
TEST_LINK_redis := $(REDIS_LINK) $(call pkg_libs,libcrypto)
test_layer = $(word 2,$(subst _, ,$(notdir $(1))))
test_link = $(or $(TEST_LINK_$(call test_layer,$(1))),$(SIO_LINK))

define TEST_RULE
$(BUILD)/tests/$(1): $(BUILD)/obj/tests/$(1).o $(filter %.o %.a,$(2))
	@mkdir -p $$(dir $$@)
	$$(CC) $$(LDFLAGS) -o $$@ $$< $(2) $$(CHECK_LIBS)
endef
$(foreach t,$(TEST_SRC:tests/%.c=%),$(eval $(call TEST_RULE,$(t),$(call test_link,$(t)))))

# --- libFuzzer targets ----------------------------------------------------------------
# Built with clang: every library and sio-server source is compiled once with the
# fuzzer's coverage instrumentation (-fsanitize=fuzzer-no-link) into build-fuzz/obj/, and
# each target links its own file with all of those objects (as when each target compiled
# every source itself).
FUZZ_BUILD  := build-fuzz
FUZZ_SAN    := -fsanitize=fuzzer-no-link,address,undefined
FUZZ_CFLAGS := -g -O1 -std=gnu11 -I. -Iinclude $(DEP_CFLAGS)
FUZZ_OBJ    := $(patsubst %.c,$(FUZZ_BUILD)/obj/%.o,$(BASE_SRC) $(NET_SRC) $(EIO_SRC) $(SIO_SRC) \
	$(REDIS_SRC) $(SRV_SRC))
FUZZ_BINS   := $(FUZZ_SRC:fuzz/%.c=$(FUZZ_BUILD)/%)

fuzz: $(FUZZ_BINS)

# A longer campaign (not in `make test`): FUZZ_SECONDS (600) per target from the committed
# seeds fuzz/corpus/<target>/ (scripts/fuzz-long.sh; docs/architecture.md, "Fuzzing").
fuzz-long: fuzz
	sh scripts/fuzz-long.sh

$(FUZZ_BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) $(FUZZ_SAN) -MMD -MP -c $< -o $@

$(FUZZ_BINS): $(FUZZ_BUILD)/%: $(FUZZ_BUILD)/obj/fuzz/%.o $(FUZZ_OBJ)
	clang -fsanitize=fuzzer,address,undefined -o $@ $^ $(EIO_LIBS) $(SIO_LIBS) $(SRV_LIBS) \
	  $(REDIS_LIBS)

# node socket.io and the C server side by side under build/sio-bench (not part of `test`).
# bench/bare-polling.c: the long-polling ceiling (no HTTP library), a measuring tool only.
# `make soak` (not in CI; docs/performance.md "Soak"): SOAK_CYCLES connect/disconnect
# cycles, then SOAK_CONNS connections held SOAK_MINUTES (30) with heartbeats; RSS and
# descriptors must stay flat, nothing dropped (scripts/soak.sh).
soak: all
	sh scripts/soak.sh

bench: deps
	@$(MAKE) --no-print-directory all $(BUILD)/bare-polling
	@sh bench/run.sh

$(BUILD)/bare-polling: bench/bare-polling.c
	@mkdir -p $(BUILD)
	$(CC) -O2 -Wall -Wextra -o $@ $<

# --- checks ---------------------------------------------------------------------------

# No file includes a header of a higher layer or a private header of another layer.
check-layers:
	@sh scripts/check-layers.sh

# The shared libraries export exactly what the public headers declare.
check-exports: $(LIBS_SO) $(SONAME_LINKS)
	@sh scripts/check-exports.sh $(BUILD)

# Install into a temporary DESTDIR, build and run a program against it, uninstall.
check-install: $(LIBS_A) $(LIBS_SO) $(PC_FILES) $(BUILD)/sio-server
	@sh scripts/test-install.sh

# The systemd unit (systemd-analyze verify) and the Dockerfile (against the Makefile and
# the binary's libraries; docker itself is not run).
check-packaging: $(LIBS_A) $(LIBS_SO) $(PC_FILES) $(BUILD)/sio-server
	@sh scripts/test-packaging.sh

# One C format (.clang-format) for every tracked C file.
FORMAT_FILES = $(shell git ls-files '*.c' '*.h')
check-format:
	@clang-format --dry-run -Werror $(FORMAT_FILES)
	@echo "check-format: ok ($(words $(FORMAT_FILES)) files)"
format:
	clang-format -i $(FORMAT_FILES)

# --- install --------------------------------------------------------------------------
# The libraries, the public headers, the .pc files, sio-server with its docs (and the
# LICENSE), example configurations and systemd unit (packaging/, its paths filled in); not the bench, echo or example programs. DESTDIR is honoured.
# `make uninstall` removes exactly the files listed here.

PUB_HDRS     := $(sort $(wildcard include/*.h))
PUB_SUB_HDRS := $(sort $(wildcard include/socketio/*.h))
SRV_DOCS     := docs/api.md docs/sio-server.md docs/deploy.md docs/migrating.md LICENSE README.md
SRV_DOCS_NGINX := $(sort $(wildcard docs/nginx/*))
SRV_EXAMPLES := $(sort $(wildcard apps/sio-server/examples/*.json))
LIB_NAMES    := libengineio libsocketio libsocketio-redis

INSTALLED := $(PUB_HDRS:include/%=$(INCLUDEDIR)/%) \
	$(PUB_SUB_HDRS:include/%=$(INCLUDEDIR)/%) \
	$(LIB_NAMES:%=$(LIBDIR)/%.a) \
	$(foreach l,$(LIB_NAMES),$(LIBDIR)/$(l).so.$(VERSION) $(LIBDIR)/$(l).so.$(SOVERSION) $(LIBDIR)/$(l).so) \
	$(PC_FILES:$(BUILD)/%=$(LIBDIR)/pkgconfig/%) \
	$(BINDIR)/sio-server $(UNITDIR)/sio-server.service \
	$(addprefix $(DOCDIR)/,$(notdir $(SRV_DOCS))) \
	$(SRV_DOCS_NGINX:docs/%=$(DOCDIR)/%) \
	$(addprefix $(EXAMPLEDIR)/,$(notdir $(SRV_EXAMPLES)))
# the directories that are ours alone, deepest first (removed by uninstall)
OWN_DIRS := $(if $(PUB_SUB_HDRS),$(INCLUDEDIR)/socketio) \
	$(if $(SRV_DOCS_NGINX),$(DOCDIR)/nginx) $(DOCDIR) $(EXAMPLEDIR) $(DATADIR)/socketio-c

install: $(LIBS_A) $(LIBS_SO) $(PC_FILES) $(BUILD)/sio-server
	install -d $(DESTDIR)$(INCLUDEDIR) $(DESTDIR)$(LIBDIR)/pkgconfig $(DESTDIR)$(BINDIR) \
	  $(DESTDIR)$(DOCDIR) $(DESTDIR)$(EXAMPLEDIR)
	install -m 644 $(PUB_HDRS) $(DESTDIR)$(INCLUDEDIR)/
ifneq ($(PUB_SUB_HDRS),)
	install -d $(DESTDIR)$(INCLUDEDIR)/socketio
	install -m 644 $(PUB_SUB_HDRS) $(DESTDIR)$(INCLUDEDIR)/socketio/
endif
	install -m 644 $(LIBS_A) $(DESTDIR)$(LIBDIR)/
	for l in $(LIB_NAMES); do \
	  install -m 755 $(BUILD)/$$l.so $(DESTDIR)$(LIBDIR)/$$l.so.$(VERSION) && \
	  ln -sf $$l.so.$(VERSION) $(DESTDIR)$(LIBDIR)/$$l.so.$(SOVERSION) && \
	  ln -sf $$l.so.$(SOVERSION) $(DESTDIR)$(LIBDIR)/$$l.so || exit 1; \
	done
	install -m 644 $(PC_FILES) $(DESTDIR)$(LIBDIR)/pkgconfig/
	install -m 755 $(BUILD)/sio-server $(DESTDIR)$(BINDIR)/
	install -m 644 $(SRV_DOCS) $(DESTDIR)$(DOCDIR)/
ifneq ($(SRV_DOCS_NGINX),)
	install -d $(DESTDIR)$(DOCDIR)/nginx
	install -m 644 $(SRV_DOCS_NGINX) $(DESTDIR)$(DOCDIR)/nginx/
endif
	install -m 644 $(SRV_EXAMPLES) $(DESTDIR)$(EXAMPLEDIR)/
	install -d $(DESTDIR)$(UNITDIR)
	sed -e 's|@BINDIR@|$(BINDIR)|g' -e 's|@DOCDIR@|$(DOCDIR)|g' packaging/sio-server.service \
	  > $(DESTDIR)$(UNITDIR)/sio-server.service
	chmod 644 $(DESTDIR)$(UNITDIR)/sio-server.service

uninstall:
	rm -f $(addprefix $(DESTDIR),$(INSTALLED))
	for d in $(addprefix $(DESTDIR),$(OWN_DIRS)); do \
	  [ ! -d "$$d" ] || rmdir "$$d" || exit 1; \
	done

clean:
	rm -rf build build-asan build-fuzz

# Header dependencies: the .d file of every object (written by -MMD).
ALL_OBJ := $(BASE_OBJ) $(NET_OBJ) $(EIO_OBJ) $(SIO_OBJ) $(REDIS_OBJ) $(SRV_OBJ) $(APP_COMMON_OBJ) \
	$(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard apps/*/*.c apps/examples/*/*.c)) \
	$(TEST_SRC:%.c=$(BUILD)/obj/%.o) $(FUZZ_OBJ) $(FUZZ_SRC:%.c=$(FUZZ_BUILD)/obj/%.o)
-include $(sort $(ALL_OBJ:.o=.d))

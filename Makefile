# Makefile - builds the Engine.IO / Socket.IO libraries, the apps, the tests and the
# fuzz targets. `make run` and `make test` are the two commands a new user needs; both
# first run scripts/install-deps.sh, so each works alone on a fresh Debian machine.
#
# Layout (every .c is found by wildcard, so adding a file needs no edit here):
#   engineio/*.c  -> libengineio     socketio/*.c -> libsocketio (links libengineio)
#   apps/NAME/*.c -> build/NAME      tests/test_*.c -> build/tests/test_*
#   fuzz/fuzz_*.c -> build-fuzz/fuzz_* (clang -fsanitize=fuzzer)

PREFIX   ?= /usr/local
BUILD    ?= build
CC       ?= cc
OPT      ?= -O2
SAN      ?=
VERSION  := 0.1.0

PKGS        := libwebsockets libuv libsodium libjwt libcrypto
DEP_CFLAGS  := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
DEP_LIBS    := $(shell pkg-config --libs $(PKGS) 2>/dev/null || echo -lwebsockets -luv -lsodium -ljwt -lcrypto)
CHECK_LIBS  := $(shell pkg-config --libs check 2>/dev/null || echo -lcheck -lsubunit -lm -lrt -pthread)

CFLAGS   ?= $(OPT) -g
CFLAGS   += -std=gnu11 -Wall -Wextra -fPIC -I. -Iinclude $(DEP_CFLAGS) $(SAN)
LDFLAGS  += $(SAN)

ifneq ($(SAN),)
  CFLAGS += -fno-omit-frame-pointer -fno-sanitize-recover=all
endif

BASE_SRC := $(sort $(wildcard base/*.c))
NET_SRC  := $(sort $(wildcard net/*.c))
EIO_SRC  := $(BASE_SRC) $(NET_SRC) $(sort $(wildcard engineio/*.c))
SIO_SRC  := $(sort $(wildcard socketio/*.c))
EIO_OBJ  := $(EIO_SRC:%.c=$(BUILD)/obj/%.o)
SIO_OBJ  := $(SIO_SRC:%.c=$(BUILD)/obj/%.o)
# an app is a directory of apps/ with a main.c
APPS     := $(notdir $(patsubst %/,%,$(sort $(dir $(wildcard apps/*/main.c)))))
APP_BINS := $(APPS:%=$(BUILD)/%)
EXAMPLES := $(notdir $(patsubst %/,%,$(sort $(dir $(wildcard apps/examples/*/*.c)))))
EXAMPLE_BINS := $(EXAMPLES:%=$(BUILD)/examples/%)
TEST_SRC := $(sort $(wildcard tests/test_*.c))
# sio-server's modules (all but main.c), linked into its tests tests/test_srv_*.c
SRV_SRC  := $(filter-out apps/sio-server/main.c,$(wildcard apps/sio-server/*.c))
SRV_OBJ  := $(SRV_SRC:%.c=$(BUILD)/obj/%.o)
TEST_BINS:= $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)
FUZZ_SRC := $(sort $(wildcard fuzz/fuzz_*.c))

LIBS_A   := $(BUILD)/libsocketio.a $(BUILD)/libengineio.a
LIB_LINK := $(LIBS_A) $(DEP_LIBS) -lm

.PHONY: all deps run test unit bench fuzz install clean
all: $(BUILD)/libengineio.a $(BUILD)/libengineio.so $(BUILD)/libsocketio.a \
     $(BUILD)/libsocketio.so $(APP_BINS) $(EXAMPLE_BINS) $(TEST_BINS) $(BUILD)/engineio.pc $(BUILD)/socketio.pc

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

# Everything: unit tests, interop tests, unit tests under ASan+UBSan, a short fuzz run.
test: deps
	@$(MAKE) --no-print-directory all
	@sh scripts/run-tests.sh

unit: $(TEST_BINS)
	@for t in $(TEST_BINS); do $$t || exit 1; done

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/libengineio.a: $(EIO_OBJ)
	@rm -f $@; ar rcs $@ $^
$(BUILD)/libsocketio.a: $(SIO_OBJ)
	@rm -f $@; ar rcs $@ $^
$(BUILD)/libengineio.so: $(EIO_OBJ)
	$(CC) -shared -Wl,-soname,libengineio.so.0 $(LDFLAGS) -o $@ $^ $(DEP_LIBS)
$(BUILD)/libsocketio.so: $(SIO_OBJ) $(BUILD)/libengineio.so
	$(CC) -shared -Wl,-soname,libsocketio.so.0 $(LDFLAGS) -o $@ $(SIO_OBJ) -L$(BUILD) -lengineio $(DEP_LIBS)

# apps/common/: code shared by the apps (the command-line flags), linked into each.
APP_COMMON_OBJ := $(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard apps/common/*.c))
CFLAGS += -Iapps/common

define APP_RULE
$(BUILD)/$(1): $(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard apps/$(1)/*.c)) $(APP_COMMON_OBJ) $(LIBS_A)
	$$(CC) $$(LDFLAGS) -o $$@ $$(filter %.o,$$^) $$(LIB_LINK)
endef
$(foreach a,$(APPS),$(eval $(call APP_RULE,$(a))))

define EXAMPLE_RULE
$(BUILD)/examples/$(1): $(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard apps/examples/$(1)/*.c)) $(LIBS_A)
	@mkdir -p $$(dir $$@)
	$$(CC) $$(LDFLAGS) -o $$@ $$(filter %.o,$$^) $$(LIB_LINK)
endef
$(foreach a,$(EXAMPLES),$(eval $(call EXAMPLE_RULE,$(a))))

SRV_TEST_BINS := $(filter $(BUILD)/tests/test_srv_%,$(TEST_BINS))
LIB_TEST_BINS := $(filter-out $(SRV_TEST_BINS),$(TEST_BINS))

$(LIB_TEST_BINS): $(BUILD)/tests/%: $(BUILD)/obj/tests/%.o $(LIBS_A)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $< $(LIB_LINK) $(CHECK_LIBS)

$(SRV_TEST_BINS): $(BUILD)/tests/%: $(BUILD)/obj/tests/%.o $(SRV_OBJ) $(LIBS_A)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $< $(SRV_OBJ) $(LIB_LINK) $(CHECK_LIBS)

$(BUILD)/%.pc: scripts/%.pc.in
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@VERSION@|$(VERSION)|g' $< > $@

# libFuzzer targets: built with clang, linked against the library sources directly.
fuzz:
	@mkdir -p build-fuzz
	@for f in $(FUZZ_SRC); do \
	  n=$$(basename $$f .c); \
	  clang -g -O1 -std=gnu11 -fsanitize=fuzzer,address,undefined -I. -Iinclude $(DEP_CFLAGS) \
	    $$f $(EIO_SRC) $(SIO_SRC) $(SRV_SRC) -o build-fuzz/$$n $(DEP_LIBS) -lm || exit 1; \
	done

# node socket.io and the C server side by side under build/sio-bench (not part of `test`).
# bench/bare-polling.c: the long-polling ceiling (no HTTP library), a measuring tool only.
bench: deps
	@$(MAKE) --no-print-directory all $(BUILD)/bare-polling
	@sh bench/run.sh

$(BUILD)/bare-polling: bench/bare-polling.c
	@mkdir -p $(BUILD)
	$(CC) -O2 -Wall -Wextra -o $@ $<

install: all
	install -d $(DESTDIR)$(PREFIX)/include $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/bin
	install -m 644 include/engineio.h $(DESTDIR)$(PREFIX)/include/
	-install -m 644 include/socketio.h $(DESTDIR)$(PREFIX)/include/ 2>/dev/null
	install -m 644 $(BUILD)/libengineio.a $(BUILD)/libsocketio.a $(DESTDIR)$(PREFIX)/lib/
	install -m 755 $(BUILD)/libengineio.so $(DESTDIR)$(PREFIX)/lib/libengineio.so.0
	ln -sf libengineio.so.0 $(DESTDIR)$(PREFIX)/lib/libengineio.so
	install -m 755 $(BUILD)/libsocketio.so $(DESTDIR)$(PREFIX)/lib/libsocketio.so.0
	ln -sf libsocketio.so.0 $(DESTDIR)$(PREFIX)/lib/libsocketio.so
	for pc in engineio socketio; do \
	  sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@VERSION@|$(VERSION)|g' scripts/$$pc.pc.in \
	    > $(DESTDIR)$(PREFIX)/lib/pkgconfig/$$pc.pc; \
	done
	install -m 755 $(APP_BINS) $(DESTDIR)$(PREFIX)/bin/

clean:
	rm -rf build build-asan build-fuzz

-include $(wildcard $(BUILD)/obj/*/*.d $(BUILD)/obj/apps/*/*.d $(BUILD)/obj/apps/examples/*/*.d)

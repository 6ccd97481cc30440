# Makefile for thpsh, a simulated Linux 6.18 THP core with a Lua prompt.
#
#   make          build ./thpsh
#   make run      install missing Debian packages, build, open the prompt
#                 (with no terminal: run scripts/demo.lua instead)
#   make check    install missing Debian packages, build, run every test
#   make asan     the C and Lua tests alone, built with ASan and UBSan
#   make bench    run the benchmarks of tests/bench/
#   make install  install the binary, the man page and lua/ under PREFIX
#   make clean    remove everything the build made
#   make deps     install the missing Debian packages for building and testing
#
# Change settings on the command line: make V=1 LINEEDIT=libedit.

VERSION    = 0.1
PREFIX     = /usr/local
DESTDIR    =
CC         = cc
CFLAGS     = -O2 -g
LDFLAGS    =
STD        = -std=gnu11
WARNINGS   = -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
             -Wmissing-declarations -Wold-style-definition -Wpointer-arith \
             -Wcast-qual -Wwrite-strings -Wformat=2 -Wundef -Wvla
SANITIZE   = -fsanitize=address,undefined -fno-sanitize-recover=all \
             -fno-omit-frame-pointer
LUA        = lua5.4
# readline or libedit; by default readline when its header is installed
LINEEDIT   = $(if $(wildcard /usr/include/readline/readline.h),readline,libedit)
PROVE      = prove
PROVEFLAGS =
O          = build
BIN        = thpsh
V          = 0
DEPS_BUILD = gcc make pkg-config liblua5.4-dev libreadline-dev
DEPS_CHECK = libedit-dev mandoc tmux graphviz perl man-db

# --- nothing to edit below ---------------------------------------------

ifeq ($(V),1)
Q   =
say = @true
else
Q   = @
say = @printf '  %-6s %s\n'
MAKEFLAGS += --no-print-directory
endif

ifeq ($(LINEEDIT),readline)
LE_CFLAGS  =
LE_LIBS    = -lreadline
else ifeq ($(LINEEDIT),libedit)
LE_CFLAGS  = -DTHPSH_LIBEDIT
LE_LIBS    = -ledit
else
$(error LINEEDIT must be readline or libedit, not '$(LINEEDIT)')
endif

LUA_CFLAGS := $(shell pkg-config --cflags $(LUA) 2>/dev/null)
LUA_LIBS   := $(shell pkg-config --libs $(LUA) 2>/dev/null)
# struct folio overlays struct page, as in the kernel, which builds with
# -fno-strict-aliasing for the same reason: a folio store and a page load
# of the same word must not be reordered.
ALL_CFLAGS  = $(STD) $(WARNINGS) $(CFLAGS) -fno-strict-aliasing -MMD -MP -Isrc $(LUA_CFLAGS) \
              $(LE_CFLAGS) -DTHPSH_VERSION=\"$(VERSION)\"
LIBS        = $(LUA_LIBS) $(LE_LIBS) -lm

# Sources by wildcard: a new file in src/, src/lua/, src/live/ or src/mm/ is built.
MM_SRC   = $(wildcard src/mm/*.c)
SRC      = $(wildcard src/*.c src/lua/*.c src/live/*.c) $(MM_SRC)
OBJ      = $(SRC:%.c=$(O)/%.o) $(O)/luafiles.o
MM_OBJ   = $(MM_SRC:%.c=$(O)/%.o)
# C tests link src/mm/ and check()'s record of written values (plain C too).
TEST_OBJ = $(MM_OBJ) $(O)/src/lua/shadow.o
LUAFILES = $(sort $(wildcard lua/*.lua lua/*/*.lua lua/*/*/*.lua))

# Tests, by wildcard too.  prove runs them all as one TAP suite:
#   tests/c/test_*.c   TAP programs linked with src/mm/ only (no Lua)
#   tests/lua/*.lua    scenario scripts run by thpsh (require "thpsh.test")
#   tests/cli/*.sh     the binary as a command: options, exit status, docs
#   tests/prompt/*.sh  the prompt through tmux, for both line editors
#   tests/kernel/run.sh  the differential suite: tests/kernel/*.lua by
#                      thpsh --compare (skipped, saying why, without root,
#                      THP or /proc/kpageflags)
# and the C and Lua tests once more, built with the sanitizers.
C_TESTS   = $(patsubst tests/c/%.c,$(O)/tests/c/%,$(wildcard tests/c/test_*.c))
LUA_TESTS = $(patsubst tests/lua/%.lua,$(O)/tests/lua/%,$(wildcard tests/lua/*.lua))
CLI_TESTS = $(wildcard tests/cli/*.sh)
PROMPT_TESTS = $(wildcard tests/prompt/*.sh)
KERNEL_TESTS = tests/kernel/run.sh
ASAN      = $(O)/asan
ASAN_TESTS = $(patsubst $(O)/%,$(ASAN)/%,$(C_TESTS) $(LUA_TESTS))
CHECK_TESTS = $(C_TESTS) $(LUA_TESTS) $(CLI_TESTS) $(PROMPT_TESTS) $(KERNEL_TESTS) \
              $(ASAN_TESTS)

# The prompt tests also drive the line editor that ./thpsh is not built with.
OTHER    = $(if $(filter readline,$(LINEEDIT)),libedit,readline)
TEST_ENV = THPSH=./$(BIN) \
           THPSH_VARIANTS='$(LINEEDIT):./$(BIN) $(OTHER):$(O)/$(OTHER)/thpsh' \
           UBSAN_OPTIONS=print_stacktrace=1

BENCH_BIN = $(patsubst tests/bench/%.c,$(O)/bench/%,$(wildcard tests/bench/*.c))
BENCH_RUN = $(strip $(BENCH_BIN) $(wildcard tests/bench/*.lua tests/bench/*.sh))

.PHONY: all run check check-tests asan asan-tests asan-build variant \
        test-progs bench install clean deps FORCE

all: $(BIN)

$(BIN): $(OBJ) $(O)/flags
	$(say) LD $@
	$(Q)$(CC) $(LDFLAGS) -o $@ $(OBJ) $(LIBS)

$(O)/%.o: %.c $(O)/flags
	$(say) CC $@
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(O)/luafiles.o: $(O)/luafiles.c $(O)/flags
	$(say) CC $@
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<

# Each file of lua/ becomes a byte array that require finds by its path:
# lua/thpsh/test.lua is require "thpsh.test".
$(O)/luafiles.c: $(LUAFILES) Makefile
	$(say) GEN $@
	@mkdir -p $(@D)
	$(Q){ echo '/* Generated from lua/ by the Makefile: do not edit. */'; \
	  echo '#include "lua/embed.h"'; \
	  n=0; for f in $(LUAFILES); do n=$$((n + 1)); \
	    echo "static const unsigned char f$$n[] = {"; \
	    od -An -v -tx1 $$f | sed 's/ *\([0-9a-f][0-9a-f]\)/0x\1,/g'; \
	    echo '0 };'; \
	  done; \
	  echo 'const struct thp_luafile thp_luafiles[] = {'; \
	  n=0; for f in $(LUAFILES); do n=$$((n + 1)); \
	    m=$${f#lua/}; m=$$(echo $${m%.lua} | tr / .); \
	    echo "	{ \"$$m\", \"$$f\", f$$n, sizeof f$$n - 1 },"; \
	  done; \
	  echo '	{ 0, 0, 0, 0 }'; \
	  echo '};'; \
	} > $@.tmp && mv $@.tmp $@

# Rebuild everything when the compiler, flags or libraries change.
$(O)/flags: FORCE
	@mkdir -p $(@D)
	@echo '$(CC) $(ALL_CFLAGS) $(LDFLAGS) $(LIBS)' | cmp -s - $@ || \
	 echo '$(CC) $(ALL_CFLAGS) $(LDFLAGS) $(LIBS)' > $@

$(O)/tests/c/%: tests/c/%.c $(TEST_OBJ) $(O)/flags
	$(say) CC $@
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) -Itests/c $(LDFLAGS) -o $@ $< $(TEST_OBJ) -lm

$(O)/bench/%: tests/bench/%.c $(MM_OBJ) $(O)/flags
	$(say) CC $@
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) -Itests/c $(LDFLAGS) -o $@ $< $(MM_OBJ) -lm

# prove runs executables: a Lua test is run through a two-line wrapper.
$(O)/tests/lua/%: tests/lua/%.lua
	@mkdir -p $(@D)
	@printf '#!/bin/sh\nexec ./%s %s\n' '$(BIN)' '$<' > $@ && chmod +x $@

test-progs: $(BIN) $(C_TESTS) $(LUA_TESTS)

variant:
	$(Q)$(MAKE) O=$(O)/$(OTHER) BIN=$(O)/$(OTHER)/thpsh LINEEDIT=$(OTHER) \
		$(O)/$(OTHER)/thpsh

asan-build:
	$(Q)$(MAKE) O=$(ASAN) BIN=$(ASAN)/thpsh CFLAGS='-O1 -g $(SANITIZE)' \
		LDFLAGS='$(SANITIZE)' test-progs

check: DEPS = $(DEPS_BUILD) $(DEPS_CHECK)
check: deps
	$(Q)$(MAKE) check-tests

check-tests: test-progs variant asan-build
	$(Q)$(TEST_ENV) $(PROVE) $(PROVEFLAGS) $(CHECK_TESTS)

asan: DEPS = $(DEPS_BUILD) perl
asan: deps
	$(Q)$(MAKE) asan-tests

asan-tests: asan-build
	$(Q)$(TEST_ENV) $(PROVE) $(PROVEFLAGS) $(ASAN_TESTS)

run: DEPS = $(DEPS_BUILD)
run: deps
	$(Q)$(MAKE) all
	@if [ -t 0 ] && [ -t 1 ]; then ./$(BIN); \
	 else ./$(BIN) scripts/demo.lua; fi

bench: $(BIN) $(BENCH_BIN)
	@[ -n '$(BENCH_RUN)' ] || echo 'no benchmarks in tests/bench/ yet'
	@for b in $(BENCH_RUN); do echo "== $$b"; case $$b in \
	   *.lua) ./$(BIN) $$b ;; *.sh) sh $$b ;; *) $$b ;; \
	 esac || exit 1; done

install: $(BIN)
	install -d '$(DESTDIR)$(PREFIX)/bin' '$(DESTDIR)$(PREFIX)/share/man/man1'
	install -m 755 $(BIN) '$(DESTDIR)$(PREFIX)/bin/thpsh'
	install -m 644 man/thpsh.1 '$(DESTDIR)$(PREFIX)/share/man/man1/thpsh.1'
	for f in $(LUAFILES); do \
	  install -D -m 644 $$f "$(DESTDIR)$(PREFIX)/share/thpsh/$$f" || exit 1; \
	done

clean:
	rm -rf $(O) $(BIN)

# Install what DEPS lists and dpkg lacks, with apt-get (sudo unless root).
DEPS = $(DEPS_BUILD) $(DEPS_CHECK)
deps:
	@command -v dpkg-query >/dev/null || exit 0; missing=; \
	for p in $(DEPS); do \
	  dpkg-query -W -f='$${db:Status-Status}\n' $$p 2>/dev/null | \
	    grep -qx installed || missing="$$missing $$p"; \
	done; \
	[ -n "$$missing" ] || exit 0; \
	if [ "$$(id -u)" = 0 ]; then sudo=; \
	elif command -v sudo >/dev/null; then sudo=sudo; \
	else echo "thpsh needs:$$missing; install them as root" >&2; exit 1; fi; \
	echo "Installing$$missing"; \
	$$sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	$$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing

-include $(OBJ:.o=.d) $(C_TESTS:=.d) $(BENCH_BIN:=.d)

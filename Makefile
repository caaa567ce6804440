# Makefile - build, test, benchmark and run careerbot.
#   make run    install missing Debian packages, build, run the bot (console
#               when no platform tokens are set)
#   make test   install, build with ASan+UBSan, run unit + integration tests,
#               the knowledge checks and the eval
#   make bench  print performance figures (not a test)
#   make fuzz   run the libFuzzer targets for FUZZ_SECONDS each
#   make install  the binary, man page, bash completion, systemd unit,
#               example config and knowledge under DESTDIR + PREFIX
#               (default /usr/local; config in /etc/careerbot)
# Sources are found by wildcard: bot/**/*.c and handlers/*.c form the program
# (bot/cli/main.c is the entry point; bot/'s folders are its layers, see the
# README's "How the code is organized"), tests/unit/test_*.c and
# tests/integration/test_*.c are cmocka programs, tests/fakes/fake_*.c are
# the fake platform servers, tests/support/*.c is shared test code.

DEBS := build-essential pkg-config libcurl4-openssl-dev libwebsockets-dev \
        libwebsockets-evlib-uv libjansson-dev libpcre2-dev libutf8proc-dev \
        libstemmer-dev libuv1-dev libsqlite3-dev libssl-dev libcmocka-dev libfyaml-dev libmd4c-dev sqlite3 \
        libedit-dev liburiparser-dev docker-compose shellcheck clang libclang-rt-14-dev clang-tidy cppcheck wamerican \
        groff-base chromium zlib1g-dev libxxhash-dev
PKGS := libcurl libwebsockets jansson libpcre2-8 libutf8proc libuv sqlite3 libcrypto libfyaml libedit zlib md4c liburiparser

B := build
CC ?= cc
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lstemmer -lm
# The program itself is not linked against libcurl and libwebsockets: it
# loads them when a transport starts (bot/net/netlib.c), by the sonames of
# the libraries it was built with.
NET_PKGS := libcurl libwebsockets
EXE_LIBS = $(shell pkg-config --libs $(filter-out $(NET_PKGS),$(PKGS)) 2>/dev/null) -lstemmer -lm -ldl
SONAME_OF = $(shell objdump -p "$$(pkg-config --variable=libdir $(1))/lib$(2).so" 2>/dev/null | awk '/SONAME/ {print $$2}')
NETLIB_SONAMES = -DNETLIB_CURL_SONAME='"$(call SONAME_OF,libcurl,curl)"' \
                 -DNETLIB_LWS_SONAME='"$(call SONAME_OF,libwebsockets,websockets)"'
# The default of discord.project_url, the URL in the Discord User-Agent
# "DiscordBot ($url, $version)": `make PROJECT_URL=https://...` (after `make
# clean`); empty: CB_PROJECT_URL in bot/base/common.h.
PROJECT_URL ?=
WARN := -std=c17 -Wall -Wextra -Werror -D_GNU_SOURCE $(if $(PROJECT_URL),-DCB_PROJECT_URL='"$(PROJECT_URL)"')
# Product code sees only its own tree; tests, fakes and benchmarks add
# tests/support. -MMD -MP writes each object's header dependencies next to it.
INC := -Ibot -I.
TEST_INC := $(INC) -Itests/support
DEPFLAGS = -MMD -MP -MF $@.d -MT $@
REL_FLAGS := -O2 -g
# The program's hook that tells GnuTLS (a dependency of libcurl's, unused)
# to skip its load-time initialization (bot/cli/main.c).
EXE_LDFLAGS := -Wl,--export-dynamic-symbol=_gnutls_global_init_skip
SAN_FLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all

BOT_DIRS := $(shell find bot -type d)
SRC := $(foreach d,$(BOT_DIRS),$(wildcard $(d)/*.c)) $(wildcard handlers/*.c)
LIB_SRC := $(filter-out bot/cli/main.c,$(SRC))
SUPPORT_SRC := $(wildcard tests/support/*.c)
TEST_SRC := $(wildcard tests/unit/test_*.c tests/integration/test_*.c)
# Tests of what ASan replaces (glibc's allocator): built without sanitizers.
GLIBC_TEST_SRC := $(wildcard tests/unit/glibc/test_*.c)
FAKE_SRC := $(wildcard tests/fakes/fake_*.c)
FAKE_LIB_SRC := $(filter-out $(FAKE_SRC),$(wildcard tests/fakes/*.c))
BENCH_SRC := $(wildcard bench/bench_*.c)
FUZZ_SRC := $(wildcard tests/fuzz/fuzz_*.c)

REL_OBJ := $(patsubst %.c,$(B)/rel/%.o,$(SRC))
SAN_OBJ := $(patsubst %.c,$(B)/san/%.o,$(LIB_SRC))
SAN_SUPPORT_OBJ := $(patsubst %.c,$(B)/san/%.o,$(SUPPORT_SRC))
SAN_FAKE_LIB_OBJ := $(patsubst %.c,$(B)/san/%.o,$(FAKE_LIB_SRC))
TEST_BIN := $(patsubst %.c,$(B)/san/%,$(TEST_SRC))
GLIBC_TEST_BIN := $(patsubst %.c,$(B)/rel/%,$(GLIBC_TEST_SRC))
FAKE_BIN := $(patsubst tests/fakes/%.c,$(B)/san/%,$(FAKE_SRC))
BENCH_BIN := $(patsubst bench/%.c,$(B)/rel/%,$(BENCH_SRC))
REL_LIB_OBJ := $(filter-out $(B)/rel/bot/cli/main.o,$(REL_OBJ))
REL_FAKE_LIB_OBJ := $(patsubst %.c,$(B)/rel/%.o,$(FAKE_LIB_SRC))
REL_FAKE_BIN := $(patsubst tests/fakes/%.c,$(B)/rel/%,$(FAKE_SRC))

.PHONY: all deps run test check-build bench fuzz lint clean test-only install uninstall
# Keep intermediate objects (fakes' helpers) so they are not rebuilt every run.
.SECONDARY:
# Plain `make` only builds; `make run` and `make test` also install packages.
all: $(B)/careerbot

# Install what a fresh Debian 12 machine lacks (we run as root; sudo otherwise).
deps:
	@missing=""; for p in $(DEBS); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  SUDO=; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

$(B)/careerbot: $(B)/rel/bot/cli/main.o $(B)/rel/libcareerbot.a
	$(CC) $(REL_FLAGS) $(EXE_LDFLAGS) -o $@ $^ $(EXE_LIBS)

$(B)/rel/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(WARN) $(REL_FLAGS) $(INC) $(PKG_CFLAGS) $(DEPFLAGS) -c -o $@ $<

$(B)/san/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(WARN) $(SAN_FLAGS) $(INC) $(PKG_CFLAGS) $(DEPFLAGS) -c -o $@ $<

$(B)/rel/bot/net/netlib.o $(B)/san/bot/net/netlib.o: WARN += $(NETLIB_SONAMES)

# kb_lint.c, kb_smalltalk.c and kb_stopwords.c build a data file in
# (.incbin), which -MMD cannot see.
$(B)/rel/bot/kb/kb_lint.o $(B)/san/bot/kb/kb_lint.o: bot/kb/kb_check_data.txt
$(B)/rel/bot/kb/kb_yaml.o $(B)/san/bot/kb/kb_yaml.o: bot/kb/kb_yaml_messages.txt
$(B)/rel/bot/kb/kb_smalltalk.o $(B)/san/bot/kb/kb_smalltalk.o: knowledge/smalltalk.yaml
$(B)/rel/bot/kb/kb_crisis.o $(B)/san/bot/kb/kb_crisis.o: knowledge/crisis.yaml
$(B)/rel/bot/kb/kb_stopwords.o $(B)/san/bot/kb/kb_stopwords.o: knowledge/stopwords.txt

# Test code (tests/support, the fakes' helpers) may include test headers.
$(B)/rel/tests/%.o: tests/%.c
	@mkdir -p $(dir $@)
	$(CC) $(WARN) $(REL_FLAGS) $(TEST_INC) -Itests/fakes $(PKG_CFLAGS) $(DEPFLAGS) -c -o $@ $<

$(B)/san/tests/%.o: tests/%.c
	@mkdir -p $(dir $@)
	$(CC) $(WARN) $(SAN_FLAGS) $(TEST_INC) -Itests/fakes $(PKG_CFLAGS) $(DEPFLAGS) -c -o $@ $<

# Tests, fakes and benchmarks link a static archive, so each pulls in only
# the modules it uses.
$(B)/san/libcareerbot.a: $(SAN_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(B)/rel/libcareerbot.a: $(REL_LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(B)/san/careerbot: $(B)/san/bot/cli/main.o $(B)/san/libcareerbot.a
	$(CC) $(SAN_FLAGS) $(EXE_LDFLAGS) -o $@ $^ $(EXE_LIBS)

$(B)/san/tests/%: tests/%.c $(B)/san/libcareerbot.a $(SAN_SUPPORT_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(WARN) $(SAN_FLAGS) $(TEST_INC) $(PKG_CFLAGS) $(DEPFLAGS) -o $@ $< $(SAN_SUPPORT_OBJ) $(B)/san/libcareerbot.a $(PKG_LIBS) -lcmocka

$(B)/rel/tests/unit/glibc/%: tests/unit/glibc/%.c $(B)/rel/libcareerbot.a
	@mkdir -p $(dir $@)
	$(CC) $(WARN) $(REL_FLAGS) $(TEST_INC) $(PKG_CFLAGS) $(DEPFLAGS) -o $@ $< $(B)/rel/libcareerbot.a $(PKG_LIBS) -lcmocka

# An integration test runs the fakes and the bot: building one alone
# (make build/san/tests/integration/test_x) brings them up to date too.
$(filter $(B)/san/tests/integration/%,$(TEST_BIN)): | $(FAKE_BIN) $(B)/san/careerbot

$(B)/san/fake_%: tests/fakes/fake_%.c $(SAN_FAKE_LIB_OBJ) $(B)/san/libcareerbot.a
	$(CC) $(WARN) $(SAN_FLAGS) $(TEST_INC) -Itests/fakes $(PKG_CFLAGS) $(DEPFLAGS) -o $@ $< $(SAN_FAKE_LIB_OBJ) $(B)/san/libcareerbot.a $(PKG_LIBS)

# Optimized fakes for the benchmarks, so they measure the bot, not the fake.
$(B)/rel/fake_%: tests/fakes/fake_%.c $(REL_FAKE_LIB_OBJ) $(B)/rel/libcareerbot.a
	$(CC) $(WARN) $(REL_FLAGS) $(TEST_INC) -Itests/fakes $(PKG_CFLAGS) $(DEPFLAGS) -o $@ $< $(REL_FAKE_LIB_OBJ) $(B)/rel/libcareerbot.a $(PKG_LIBS)

$(B)/rel/bench_%: bench/bench_%.c $(B)/rel/libcareerbot.a
	$(CC) $(WARN) $(REL_FLAGS) $(TEST_INC) $(PKG_CFLAGS) $(DEPFLAGS) -o $@ $< $(B)/rel/libcareerbot.a $(PKG_LIBS)

check-build: $(B)/careerbot $(B)/san/careerbot $(TEST_BIN) $(GLIBC_TEST_BIN) $(FAKE_BIN)

test: deps
	@$(MAKE) --no-print-directory check-build
	@bash tests/run.sh $(B)

# Run the tests without the dependency check (faster when iterating).
test-only: check-build
	@bash tests/run.sh $(B)

run: all
	./$(B)/careerbot $(ARGS)

bench: deps
	@$(MAKE) --no-print-directory $(B)/careerbot $(BENCH_BIN) $(REL_FAKE_BIN) $(FAKE_BIN)
	@bash bench/run.sh $(B)

FUZZ_SECONDS ?= 30
fuzz: deps
	@bash tests/fuzz/run.sh $(B) $(FUZZ_SECONDS)

lint: deps
	@bash tests/gates/lint.sh

clean:
	rm -rf $(B)

# Install paths (GNU names); DESTDIR stages a package.
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
DATADIR ?= $(PREFIX)/share
MANDIR ?= $(DATADIR)/man
SYSCONFDIR ?= /etc
UNITDIR ?= $(PREFIX)/lib/systemd/system
COMPLETIONDIR ?= $(DATADIR)/bash-completion/completions

# The config file is installed only when absent (an operator's edits stay);
# the example beside it is always the current one.
install: $(B)/careerbot
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(COMPLETIONDIR) \
	  $(DESTDIR)$(UNITDIR) $(DESTDIR)$(SYSCONFDIR)/careerbot $(DESTDIR)$(DATADIR)/careerbot
	install -m 755 $(B)/careerbot $(DESTDIR)$(BINDIR)/careerbot
	install -m 644 man/careerbot.1 $(DESTDIR)$(MANDIR)/man1/careerbot.1
	install -m 644 config/careerbot.bash-completion $(DESTDIR)$(COMPLETIONDIR)/careerbot
	sed -e 's|@BINDIR@|$(BINDIR)|g' -e 's|@DATADIR@|$(DATADIR)|g' config/careerbot.service \
	  >$(DESTDIR)$(UNITDIR)/careerbot.service
	chmod 644 $(DESTDIR)$(UNITDIR)/careerbot.service
	install -m 644 config/careerbot.conf.example $(DESTDIR)$(SYSCONFDIR)/careerbot/careerbot.conf.example
	[ -e $(DESTDIR)$(SYSCONFDIR)/careerbot/careerbot.conf ] || \
	  install -m 644 config/careerbot.conf.example $(DESTDIR)$(SYSCONFDIR)/careerbot/careerbot.conf
	rm -rf $(DESTDIR)$(DATADIR)/careerbot/knowledge
	cp -R knowledge $(DESTDIR)$(DATADIR)/careerbot/knowledge
	chmod -R u=rwX,go=rX $(DESTDIR)$(DATADIR)/careerbot/knowledge

# Leaves /etc/careerbot (the operator's config) in place.
uninstall:
	rm -f $(DESTDIR)$(BINDIR)/careerbot $(DESTDIR)$(MANDIR)/man1/careerbot.1 \
	  $(DESTDIR)$(COMPLETIONDIR)/careerbot $(DESTDIR)$(UNITDIR)/careerbot.service
	rm -rf $(DESTDIR)$(DATADIR)/careerbot

# Header dependencies written by -MMD -MP (absent on the first build).
-include $(shell find $(B) -name '*.d' 2>/dev/null)

# vsbox - one static binary. Targets: all deps demo check fuzz bench size install clean
# (see README.md). musl + static libcap, warnings are errors.

CC       = musl-gcc
KINC     = build/obj/kinc
LIBCAP   = build/libcap
CFLAGS   = -std=c11 -Os -Wall -Wextra -Werror -Wno-unused-parameter \
	   -ffunction-sections -fdata-sections -fno-asynchronous-unwind-tables \
	   -I. -isystem $(LIBCAP)/include -isystem $(KINC)
LDFLAGS  = -static -Wl,--gc-sections -s
LIBS     = $(LIBCAP)/lib/libcap.a
PREFIX   = /usr/local

SRCS     = main.c $(wildcard lib/*.c) $(wildcard applets/*.c)
OBJS     = $(SRCS:%.c=build/obj/%.o)
HDRS     = vsbox.h applets/applets.h

all: vsbox

vsbox: $(OBJS) $(LIBS)
	$(CC) $(LDFLAGS) -o $@ $(OBJS) $(LIBS)

build/obj/%.o: %.c $(HDRS) | build/.deps-ok
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

# Everything the build needs, installed by the project itself (idempotent).
build/.deps-ok: build/deps.sh build/libcap.sh build/kinc.sh
	sh build/deps.sh
	sh build/kinc.sh $(KINC)
	sh build/libcap.sh
	@touch $@
deps: build/.deps-ok
$(LIBS): build/.deps-ok

# Unit tests of lib/: tests/unit/t_*.c, each linked with every lib/ module
# (not main.c or applets), built like vsbox itself, run by prove.
UNIT_SRCS = $(wildcard tests/unit/t_*.c)
UNIT_BINS = $(UNIT_SRCS:tests/unit/%.c=build/obj/unit/%)
LIB_OBJS  = $(filter build/obj/lib/%,$(OBJS))
build/obj/unit/%: tests/unit/%.c tests/unit/tap.h $(LIB_OBJS) $(LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LIB_OBJS) $(LIBS)

check: vsbox $(UNIT_BINS)
	prove --exec '' $(UNIT_BINS)
	prove tests/*.t

demo: vsbox
	sh build/demo.sh

# The slow tier: a debootstrapped Debian guest running stock nginx (the
# debootstrap is cached under /var/cache/vsbox). .ci/run runs it.
check-debian: vsbox
	VSBOX=$(CURDIR)/vsbox prove -v tests/debian/*.t

# libFuzzer on lib/conf.c (fuzz/fuzz_conf.c): clang, glibc, ASan+UBSan, every
# lib/ module. FUZZ_TIME seconds (CI runs a short one); findings are written
# to build/obj/fuzz/crash-* / leak-*, the growing corpus to build/obj/fuzz/corpus.
FUZZ_TIME  = 60
FUZZ_FLAGS = -g -O1 -std=c11 -fsanitize=fuzzer,address,undefined \
	     -fno-sanitize-recover=undefined -I. -isystem $(LIBCAP)/include -isystem $(KINC)
build/obj/fuzz/fuzz_conf: fuzz/fuzz_conf.c $(filter lib/%,$(SRCS)) $(HDRS) $(LIBS)
	@mkdir -p build/obj/fuzz/corpus
	clang $(FUZZ_FLAGS) -o $@ fuzz/fuzz_conf.c $(filter lib/%,$(SRCS)) $(LIBS)
fuzz: build/obj/fuzz/fuzz_conf
	cd build/obj/fuzz && ./fuzz_conf -max_total_time=$(FUZZ_TIME) -max_len=4096 \
		-artifact_prefix=./ corpus ../../../fuzz/corpus

bench: vsbox
	VSBOX=$(CURDIR)/vsbox sh bench/run.sh

size: vsbox
	@stat -c '%s bytes' vsbox; size vsbox

install: vsbox
	install -D -m 0755 vsbox $(DESTDIR)$(PREFIX)/sbin/vsbox
	$(DESTDIR)$(PREFIX)/sbin/vsbox --install $(DESTDIR)$(PREFIX)/sbin
	install -d $(DESTDIR)$(PREFIX)/share/man/man8
	install -m 0644 man/*.8 $(DESTDIR)$(PREFIX)/share/man/man8/

clean:
	rm -rf build/obj vsbox

.PHONY: all deps demo check check-debian fuzz bench size install clean

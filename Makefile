# vsbox - one static binary. Targets: all deps demo check check-asan check-debian kernel-check
# check-pkg check-systemd deb check-cluster fuzz bench bench-peers bench-compare bench-kernel size install clean
# (see README.md). musl + static libcap, warnings are errors.

CC       = musl-gcc
KINC     = build/obj/kinc
LIBCAP   = build/libcap
# Built for size: -Oz (GCC 12: 5 KB less than -Os, no measurable cost on
# vsbox's syscall-bound paths nor its SHA-256 loop), switches as compare
# trees rather than jump tables (0.7 KB). The binary is static
# and not position-independent (an ET_EXEC, as musl-gcc links it), so its
# code need not be PIE either (4 KB); -z noseparate-code keeps the file from
# padding each segment to a page, and -z norelro from padding the writable
# one to where a RELRO region would end: musl's static start-up never makes
# that region read-only (the page stays rw-p in /proc/PID/maps), so the
# padding bought nothing (lintian checks RELRO on dynamic binaries only).
# -z common-page-size=16 lets the writable segment start in the file right
# after the code (its address still on a page of its own): ld otherwise
# starts it on a page boundary in the file too, up to 4 KB of padding.
CFLAGS   = -std=c11 -Oz -fno-pie -fno-jump-tables -Wall -Wextra -Werror -Wno-unused-parameter \
	   -ffunction-sections -fdata-sections -fno-asynchronous-unwind-tables \
	   -I. -isystem $(LIBCAP)/include -isystem $(KINC)
LDFLAGS  = -static -no-pie -Wl,--gc-sections -Wl,-z,noseparate-code -Wl,-z,norelro -Wl,-z,common-page-size=16 -s
# vsbox itself is linked with link-time optimization (3 KB: code inlined and
# dropped across files). The objects are "fat", with ordinary code beside
# the LTO form, so the unit and kernel-tier test programs link as before,
# without a whole-program pass each.
LTO      = -flto=auto -ffat-lto-objects
LIBS     = $(LIBCAP)/lib/libcap.a
# install locations, GNU style (make install DESTDIR=... PREFIX=... or any one)
PREFIX   = /usr/local
SBINDIR  = $(PREFIX)/sbin
DATADIR  = $(PREFIX)/share
MANDIR   = $(DATADIR)/man
SYSCONFDIR = $(PREFIX)/etc
INITDIR  = $(SYSCONFDIR)/init.d
UNITDIR  = $(PREFIX)/lib/systemd/system
COMPDIR  = $(DATADIR)/bash-completion/completions
OCF_ROOT = /usr/lib/ocf

SRCS     = main.c $(wildcard lib/*.c) $(wildcard applets/*.c)
OBJS     = $(SRCS:%.c=build/obj/%.o)
HDRS     = vsbox.h applets/applets.h $(wildcard lib/*.h)

all: vsbox

# (-s leaves .comment, the compilers' version strings: 70 bytes of nothing)
vsbox: $(OBJS) build/obj/help.o $(LIBS)
	$(CC) $(CFLAGS) $(LTO) $(LDFLAGS) -o $@ $(OBJS) build/obj/help.o $(LIBS)
	objcopy -R .comment $@

# The --help texts: written in full in the sources (USAGE() in vsbox.h),
# stored packed. build/helpgen.c, a build tool linked with lib/lz.c, reads
# them out of the sources and writes build/obj/help.c (deterministic).
USAGE_SRCS = main.c $(wildcard applets/*.c)
build/obj/helpgen: build/helpgen.c lib/lz.c $(HDRS) Makefile | build/.deps-ok
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ build/helpgen.c lib/lz.c
build/obj/help.c: build/obj/helpgen $(USAGE_SRCS)
	build/obj/helpgen $(USAGE_SRCS) >$@.tmp && mv $@.tmp $@
build/obj/help.o: build/obj/help.c $(HDRS) Makefile
	$(CC) $(CFLAGS) -c -o $@ build/obj/help.c

build/obj/%.o: %.c $(HDRS) Makefile | build/.deps-ok
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LTO) -c -o $@ $<

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

# The kernel tier's test programs (tests/kernel/*.c), static like vsbox:
# tests/kernel/NAME.t runs build/obj/ktest/NAME inside the booted kernel.
KTEST_SRCS = $(wildcard tests/kernel/*.c)
KTEST_BINS = $(KTEST_SRCS:tests/kernel/%.c=build/obj/ktest/%)
build/obj/ktest/%: tests/kernel/%.c tests/kernel/kt.h tests/unit/tap.h $(LIB_OBJS) $(LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Wno-format-truncation $(LDFLAGS) -o $@ $< $(LIB_OBJS) $(LIBS)
ktests: $(KTEST_BINS)

check: vsbox $(UNIT_BINS)
	prove --exec '' $(UNIT_BINS)
	prove tests/*.t

demo: vsbox
	sh build/demo.sh

# The slow tier: a debootstrapped Debian guest running stock nginx (the
# debootstrap is cached under /var/cache/vsbox). .ci/run runs it.
check-debian: vsbox
	VSBOX=$(CURDIR)/vsbox prove -v tests/debian/*.t

# The kernel tier (kernel/README.md): Debian's linux-source-KVER built with
# tinyconfig + kernel/vsbox.config and kernel/patches/KVER/series, cached
# under /var/cache/vsbox/kernel, and Debian's own image of the same source
# version (the negative control: no build), each booted under qemu on a pure
# cgroup-v2 system running this whole suite (tests/*.t, tests/kernel/*.t,
# the unit tests). KVER: 6.1, 6.12, both; debian-6.1 (or debian) and
# debian-6.12: the control alone.
KVER = both
kernel-check: vsbox $(UNIT_BINS) $(KTEST_BINS)
	sh build/kernel-check.sh $(patsubst both,6.1 6.12,$(KVER))

# The Debian package (debian/): make deb builds it from a clean copy of the
# tree into build/deb/ and runs lintian (no error, no warning); make
# check-pkg is its tier: the build, lintian, then install, a guest, an
# upgrade with the guest running, remove and purge in a throwaway Debian root
# (tests/pkg/). debhelper and lintian come through build/deps.sh.
deb: vsbox
	VSBOX_EXTRA_PKGS="debhelper lintian" sh build/deps.sh
	sh build/deb.sh build/deb
check-pkg: vsbox
	VSBOX_EXTRA_PKGS="debhelper lintian" sh build/deps.sh
	VSBOX=$(CURDIR)/vsbox prove -v tests/pkg/*.t
# The package's systemd units under a real systemd as PID 1 (this machine's
# is not): make deb, then the kernel tier's Debian root booted under qemu on
# Debian's own 6.1 kernel (no build) with systemd as its init, where
# tests/pkg/systemd.t installs the package and drives the units with
# systemctl (kernel/README.md: a few minutes, bounded by its timeouts).
check-systemd: deb
	K=$$(sh build/kernel-debian.sh 6.1) && VSBOX_KT_INIT=systemd VSBOX_KT_DEB=$$(ls build/deb/vsbox_*.deb | tail -n 1) \
		VSBOX_KT_TIMEOUT=$${VSBOX_KT_TIMEOUT:-600} VSBOX_KT_BOOT_TIMEOUT=$${VSBOX_KT_BOOT_TIMEOUT:-1200} \
		sh build/kernel-run.sh "$$K" debian-systemd tests/units.t tests/pkg/systemd.t

# The cluster tier: guests moved between two hosts (network namespaces with
# their own sshd) and, once there, the Pacemaker resource agent; slow (ssh
# and rsync rounds), so not in check. .ci/run runs it.
# Its packages (Pacemaker, corosync, ocf-tester) come from build/deps.sh too.
CLUSTER_PKGS = pacemaker pacemaker-cli-utils corosync resource-agents
check-cluster: vsbox
	VSBOX_EXTRA_PKGS="$(CLUSTER_PKGS)" sh build/deps.sh
	VSBOX=$(CURDIR)/vsbox prove -v tests/cluster/*.t

# libFuzzer targets fuzz/fuzz_*.c (the configuration file, the address,
# capability-name and ULIMIT parsers, rebootmgr's request parser, the tar
# and JSON readers of OCI images, the DNS answers of lib/resolv.c): clang, glibc, ASan+UBSan, every lib/
# module (a target that #includes a lib/*.c for its static parsers leaves
# that file out of its link), Debian's libcap. "make fuzz" runs each for
# FUZZ_TIME seconds (CI: a short run) from its seeds fuzz/corpus/TARGET and
# its growing corpus build/obj/fuzz/corpus/TARGET; findings are written to
# build/obj/fuzz/TARGET-crash-* (leak-*, timeout-*) and fail the run.
FUZZ_TIME    = 60
FUZZ_FLAGS   = -g -O1 -std=c11 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -I.
FUZZ_TARGETS = $(patsubst fuzz/%.c,%,$(wildcard fuzz/fuzz_*.c))
LIB_SRCS     = $(filter lib/%,$(SRCS))
build/obj/fuzz/%: fuzz/%.c fuzz/fuzz.h $(LIB_SRCS) $(HDRS) | build/.deps-ok
	@mkdir -p $(dir $@)
	clang $(FUZZ_FLAGS) -o $@ $< $(filter-out $(shell sed -n 's|^#include "\.\./\(lib/[a-z0-9_]*\.c\)"$$|\1|p' $<),$(LIB_SRCS)) -l:libcap.a
fuzz: $(FUZZ_TARGETS:%=build/obj/fuzz/%)
	set -e; cd build/obj/fuzz; for t in $(FUZZ_TARGETS); do \
		mkdir -p corpus/$$t; \
		./$$t -max_total_time=$(FUZZ_TIME) -max_len=4096 -print_final_stats=1 \
			-artifact_prefix=./$$t- corpus/$$t ../../../fuzz/corpus/$$t; \
	done

# make check-asan: vsbox and the unit tests built with clang against glibc
# with AddressSanitizer and UndefinedBehaviorSanitizer, every finding fatal
# (-fno-sanitize-recover, halt_on_error), then the unit tests and every
# tests/*.t run against build/obj/asan/vsbox (VSBOX=; VSBOX_SANITIZED=1
# skips the checks that the binary is static). Reports are written under
# build/obj/asan/logs (log_path); a single file there fails the run, as
# does a failing test. libcap is Debian's libcap-dev (its libcap.a is built
# for glibc; build/libcap is musl's). A vsbox process that has entered a
# guest's root (its init, an exec on its way in) cannot reach that
# directory: a report there goes to its stderr, and it dies with exit 1,
# which fails the test that started it.
# Leaks: LeakSanitizer stops the world at exit through a clone of the
# process that ptraces it. A vsbox process that has joined a context's PID
# namespace (setns: vserver exec, chcontext --ctx N) makes that clone in
# the other namespace, where its parent is invisible: it spins at exit for
# ever. Inside contexts it could not attach either (non-dumpable init,
# the Landlock fence, the spectator's filter). So detect_leaks is on for
# the unit tests only (and in make fuzz, where libFuzzer checks leaks).
ASAN_DIR     = build/obj/asan
ASAN_FLAGS   = -std=c11 -g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined \
	       -fno-sanitize-recover=all -Wall -Wextra -Werror -Wno-unused-parameter -I.
ASAN_OBJS    = $(SRCS:%.c=$(ASAN_DIR)/%.o)
ASAN_LIBOBJS = $(filter $(ASAN_DIR)/lib/%,$(ASAN_OBJS))
ASAN_UNITS   = $(UNIT_SRCS:tests/unit/%.c=$(ASAN_DIR)/unit/%)
ASAN_LOG     = $(CURDIR)/$(ASAN_DIR)/logs
ASAN_ENV     = UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:log_path=$(ASAN_LOG)/ubsan \
	       ASAN_OPTIONS=halt_on_error=1:log_path=$(ASAN_LOG)/asan:detect_leaks=
$(ASAN_DIR)/%.o: %.c $(HDRS) | build/.deps-ok
	@mkdir -p $(dir $@)
	clang $(ASAN_FLAGS) -c -o $@ $<
$(ASAN_DIR)/help.o: build/obj/help.c $(HDRS)
	clang $(ASAN_FLAGS) -c -o $@ build/obj/help.c
$(ASAN_DIR)/vsbox: $(ASAN_OBJS) $(ASAN_DIR)/help.o
	clang -fsanitize=address,undefined -o $@ $(ASAN_OBJS) $(ASAN_DIR)/help.o -l:libcap.a
$(ASAN_DIR)/unit/%: tests/unit/%.c tests/unit/tap.h $(ASAN_LIBOBJS)
	@mkdir -p $(dir $@)
	clang $(ASAN_FLAGS) -o $@ $< $(ASAN_LIBOBJS) -l:libcap.a
check-asan: $(ASAN_DIR)/vsbox $(ASAN_UNITS)
	rm -rf $(ASAN_LOG) && mkdir -p $(ASAN_LOG)
	$(ASAN_ENV)1 prove --exec '' $(ASAN_UNITS); u=$$?; \
	$(ASAN_ENV)0 VSBOX=$(CURDIR)/$(ASAN_DIR)/vsbox VSBOX_SANITIZED=1 prove tests/*.t; t=$$?; \
	if [ -n "$$(ls -A $(ASAN_LOG))" ]; then \
		head -n 60 $(ASAN_LOG)/*; echo "check-asan: sanitizer reports in $(ASAN_LOG)"; exit 1; \
	fi; [ $$u = 0 ] && [ $$t = 0 ]

bench: vsbox
	VSBOX=$(CURDIR)/vsbox sh bench/run.sh

# Issue 22's figures only (vsbox beside its peers, 100 guests, idle
# memory), into bench/peers-results.txt, which is kept in git with the
# machine's description.
bench-peers: vsbox
	VSBOX=$(CURDIR)/vsbox BENCH_OUT=$(CURDIR)/bench/peers-results.txt sh bench/run.sh 10-peers.sh 30-vserver.sh

# This tree's vsbox against the one at git revision BEFORE (or the binary
# BEFORE_BIN): chcontext and a guest's start+stop in the same rounds
# (bench/compare.sh), into build/obj/bench/compare.txt.
bench-compare: vsbox
	BEFORE='$(BEFORE)' BEFORE_BIN='$(BEFORE_BIN)' VSBOX=$(CURDIR)/vsbox \
		BENCH_OUT=$(CURDIR)/build/obj/bench/compare.txt sh bench/run.sh compare.sh

# The benches that need the patched kernel (bench/kernel/, vunify --method
# link): inside the kernel tier, on the cached patched kernel BENCH_KVER
# ("6.1 6.12" for both; never builds one), results in
# bench/results-kernel.txt.
BENCH_KVER = 6.12
bench-kernel: vsbox
	KVER="$(BENCH_KVER)" sh bench/kernel-run.sh

size: vsbox
	@stat -c '%s bytes' vsbox; size vsbox

# The binary and a relative symlink per applet, the man pages, the systemd
# units and SysV scripts (their /usr/local/sbin made SBINDIR), the bash
# completion (one file, a link per applet: bash-completion loads by name),
# and kernel/ (the configuration fragment, patches, README).
install: vsbox
	install -D -m 0755 vsbox $(DESTDIR)$(SBINDIR)/vsbox
	for a in $$(./vsbox --list); do ln -sf vsbox $(DESTDIR)$(SBINDIR)/$$a; done
	install -d $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(UNITDIR) $(DESTDIR)$(INITDIR) $(DESTDIR)$(COMPDIR)
	install -m 0644 man/*.8 $(DESTDIR)$(MANDIR)/man8/
	for f in init/*.service; do \
		sed 's|/usr/local/sbin|$(SBINDIR)|g' $$f >$(DESTDIR)$(UNITDIR)/$${f#init/} && \
		chmod 0644 $(DESTDIR)$(UNITDIR)/$${f#init/} || exit 1; done
	for f in init/*.sysv; do \
		n=$${f#init/}; sed 's|/usr/local/sbin|$(SBINDIR)|g' $$f >$(DESTDIR)$(INITDIR)/$${n%.sysv} && \
		chmod 0755 $(DESTDIR)$(INITDIR)/$${n%.sysv} || exit 1; done
	install -m 0644 init/vsbox.bash-completion $(DESTDIR)$(COMPDIR)/vsbox
	for a in $$(./vsbox --list); do ln -sf vsbox $(DESTDIR)$(COMPDIR)/$$a; done
	install -d $(DESTDIR)$(DATADIR)/vsbox
	cp -R kernel $(DESTDIR)$(DATADIR)/vsbox/
	chmod -R u=rwX,go=rX $(DESTDIR)$(DATADIR)/vsbox/kernel
	install -d $(DESTDIR)$(MANDIR)/man7
	install -m 0644 man/*.7 $(DESTDIR)$(MANDIR)/man7/
	install -D -m 0755 init/ocf-vserver $(DESTDIR)$(OCF_ROOT)/resource.d/vsbox/vserver

clean:
	rm -rf build/obj vsbox

.PHONY: all deps demo ktests check check-asan check-debian kernel-check check-pkg check-systemd deb check-cluster fuzz bench bench-peers bench-compare bench-kernel size install clean

# SPDX-License-Identifier: GPL-2.0
#
# kipsec: make builds module/kipsec.ko and tools/kipsec.
#   make demo     boot the test VM and run the demo
#   make check    build, unit tests, then the VM test suite
#   make check-debug  the VM test suite on a debug kernel (KASAN, lockdep, ...)
#   make KDIR=... build against another kernel tree
# See README.md.

KDIR ?= $(shell scripts/kdir)
# The release the module was built for (its vermagic): Debian's headers say
# only the upstream version in kernel.release (6.1.192 for 6.1.0-57-amd64).
KERNELRELEASE_OF_MODULE = $(shell PATH="$$PATH:/sbin:/usr/sbin" modinfo -F vermagic module/kipsec.ko 2>/dev/null | cut -d' ' -f1)
CACHE ?= $(or $(KIPSEC_CACHE),/var/cache/kipsec)
CHECKPATCH ?= $(CACHE)/checkpatch/checkpatch.pl

CC ?= gcc
TOOL_CFLAGS ?= -O2 -g
TOOL_CFLAGS += -std=gnu11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -D_GNU_SOURCE -Iuapi
MNL_CFLAGS = $(shell pkg-config --cflags libmnl 2>/dev/null)
MNL_LIBS = $(shell pkg-config --libs libmnl 2>/dev/null || echo -lmnl)

TOOL_SRCS = tools/kipsec.c tools/stats.c tools/config.c tools/nl.c tools/parse.c tools/util.c \
	tools/state.c tools/policy.c tools/show.c tools/args.c tools/json.c \
	tools/xfrm.c tools/state_parse.c tools/state_print.c \
	tools/policy_parse.c tools/policy_print.c tools/print.c tools/monitor.c tools/save.c tools/batch.c
TOOL_HDRS = $(wildcard tools/*.h) uapi/linux/kipsec.h

.PHONY: all module tools debug deps install-strongswan check check-alone check-full check-debug check-debug-full check-unit check-vm demo bench \
	sparse style install clean

all: module tools

# W=1 always; any compiler warning fails the build.
# Kbuild decides what to rebuild (it notices changed flags too, e.g. after
# make debug), so it always runs.
module:
	@test -n "$(KDIR)" || { echo "kipsec: no kernel build tree (install linux-headers-amd64 or pass KDIR=...)" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) W=1 KCFLAGS=-Werror modules

debug:
	$(MAKE) -C $(KDIR) M=$(CURDIR) W=1 KCFLAGS=-Werror KIPSEC_DEBUG=y modules

# The charon plugin (tools/strongswan), when strongSwan's configured source
# is there (scripts/install-deps fetches it): its headers and config.h,
# linked against the libraries Debian's strongSwan installs.
STRONGSWAN_SRC ?= $(CACHE)/strongswan/src
SW_PLUGIN = tools/strongswan/libstrongswan-kipsec.so
SW_SRCS = $(wildcard tools/strongswan/*.c)
SW_CFLAGS = -O2 -g -fPIC -std=gnu11 -Wall -Wextra -Wno-unused-parameter \
	-Wno-sign-compare -Werror -include $(STRONGSWAN_SRC)/config.h \
	-I$(STRONGSWAN_SRC)/src/libstrongswan -I$(STRONGSWAN_SRC)/src/libcharon -Iuapi
SW_LIBS = -L/usr/lib/ipsec -Wl,-rpath,/usr/lib/ipsec -lstrongswan -lcharon $(MNL_LIBS) -Wl,-z,defs

tools: tools/kipsec tests/tools/kipsec-badnl tests/tools/nfq-accept \
	$(if $(wildcard $(STRONGSWAN_SRC)/config.h),$(SW_PLUGIN))
$(SW_PLUGIN): $(SW_SRCS) $(wildcard tools/strongswan/*.h) uapi/linux/kipsec.h
	$(CC) $(SW_CFLAGS) -shared -o $@ $(SW_SRCS) $(SW_LIBS)
tools/kipsec: $(TOOL_SRCS) $(TOOL_HDRS)
	$(CC) $(TOOL_CFLAGS) $(MNL_CFLAGS) -o $@ $(TOOL_SRCS) $(MNL_LIBS)

# A test program sending malformed requests to the family (tests/vm/netlink.sh).
tests/tools/kipsec-badnl: tests/tools/kipsec-badnl.c uapi/linux/kipsec.h
	$(CC) $(TOOL_CFLAGS) $(MNL_CFLAGS) -o $@ $< $(MNL_LIBS)

# A netfilter queue listener that accepts everything (tests/vm/verdict.sh).
NFQ_CFLAGS = $(shell pkg-config --cflags libnetfilter_queue 2>/dev/null)
NFQ_LIBS = $(shell pkg-config --libs libnetfilter_queue 2>/dev/null || echo -lnetfilter_queue)
tests/tools/nfq-accept: tests/tools/nfq-accept.c
	$(CC) $(TOOL_CFLAGS) $(NFQ_CFLAGS) -o $@ $< $(NFQ_LIBS)

# The tool's sources but main() and the commands that only talk to the
# kernel (the unit tests define the global options themselves).
UNIT_TOOL_SRCS = $(filter-out tools/kipsec.c tools/state.c tools/policy.c \
	tools/stats.c tools/config.c tools/batch.c,$(TOOL_SRCS))
UNIT_SRCS = tests/unit/test-parse.c tests/unit/test-msg.c \
	tests/unit/test-print.c
tests/unit/test-parse: $(UNIT_SRCS) tests/unit/unit.h $(UNIT_TOOL_SRCS) $(TOOL_HDRS)
	$(CC) $(TOOL_CFLAGS) $(MNL_CFLAGS) -Itools -o $@ $(UNIT_SRCS) \
		$(UNIT_TOOL_SRCS) $(MNL_LIBS)

deps:
	@scripts/install-deps

# sparse (C=2 checks every file, with the kernel's own sparse flags); any
# sparse report about our files fails.
sparse: deps
	@out=$$($(MAKE) -s -C $(KDIR) M=$(CURDIR) C=2 modules 2>&1 | grep -E ': (warning|error):' || true); \
	if [ -n "$$out" ]; then echo "$$out"; echo "kipsec: sparse is not clean" >&2; exit 1; fi; \
	echo "sparse: clean"

style: deps
	@perl $(CHECKPATCH) --no-tree --strict --quiet --show-types -f \
		$(filter-out %.mod.c,$(sort $(wildcard module/*.c module/*.h module/selftest/*.c))) \
		uapi/linux/kipsec.h && echo "style: clean"

check: deps
	@tests/run

# Every VM test on its own (a boot per file, a fresh state before each
# test), then the whole suite once in a random order; by hand, not in CI
# (several times as long as make check); see tests/alone.
check-alone: deps all
	@tests/alone

# The whole ESP interop matrix (make check runs a pairwise subset of it)
# and the router tests, several VM boots; see tests/tools/iop-full.
check-full: deps
	@tests/tools/iop-full

# The VM suite on a debug kernel (KASAN, lockdep, PROVE_RCU, DEBUG_PREEMPT,
# kmemleak, refcount trackers), failing on any of their reports; builds
# that kernel once (cached; ~30 min on two cores), then about an hour; see
# tests/debug.
check-debug:
	@scripts/install-deps --debug-kernel
	@$(MAKE) -s tools
	@tests/debug

# check-debug with the files it leaves out to fit its 90 minutes (the scapy
# oracles; ESP and AH also with synchronous crypto): over two hours.
check-debug-full:
	@scripts/install-deps --debug-kernel
	@$(MAKE) -s tools
	@tests/debug --full

check-unit: tests/unit/test-parse
	@tests/unit/test-parse

demo: deps all
	scripts/demo

# iperf3 through plain veth, XFRM (base, best) and kipsec in one VM run; see
# scripts/bench --help. QUICK=1: scripts/bench --quick (GCM rows only).
bench: deps all
	scripts/bench $(if $(QUICK),--quick)

install: all install-strongswan
	@test -n "$(KERNELRELEASE_OF_MODULE)" || { echo "kipsec: cannot read module/kipsec.ko's kernel release (modinfo)" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) INSTALL_MOD_PATH=$(abspath $(DESTDIR)) modules_install
	depmod -a -b $(or $(DESTDIR),/) $(KERNELRELEASE_OF_MODULE)
	install -D -m 0755 tools/kipsec $(DESTDIR)/usr/local/sbin/kipsec
	install -D -m 0644 tools/kipsec.8 $(DESTDIR)/usr/local/share/man/man8/kipsec.8
	install -D -m 0644 tools/kipsec.bash-completion \
		$(DESTDIR)/usr/local/share/bash-completion/completions/kipsec

# The charon plugin and its configuration, where Debian's charon looks
# (tests/vm/strongswan.sh installs them this way, into a scratch root).
install-strongswan: tools
	if [ -f $(SW_PLUGIN) ]; then \
		install -D -m 0644 $(SW_PLUGIN) \
			$(DESTDIR)/usr/lib/ipsec/plugins/libstrongswan-kipsec.so; \
		install -D -m 0644 tools/strongswan/kipsec.conf \
			$(DESTDIR)/etc/strongswan.d/charon/kipsec.conf; \
	fi

clean:
	-$(MAKE) -C $(KDIR) M=$(CURDIR) clean 2>/dev/null
	-$(MAKE) -C $(KDIR) M=$(CURDIR)/tests/kmod-warn clean 2>/dev/null
	-$(MAKE) -C $(KDIR) M=$(CURDIR)/tests/kmod-lockup clean 2>/dev/null
	rm -f tools/kipsec $(SW_PLUGIN) tests/unit/test-parse tests/tools/kipsec-badnl tests/tools/nfq-accept

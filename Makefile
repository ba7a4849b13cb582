# SPDX-License-Identifier: GPL-2.0
#
# iommu-fence: generic release/attach fencing for the Linux 6.1 IOMMU core.
#
#   make        deps, tree, series, then the s390 seed boot (make boot)
#   make check  every test layer, ending with "N passed, N failed"
#   make help   every target and setting
#
# Everything generated lives under build/ (git-ignored); the compiler cache
# lives outside the clone (CCACHE_DIR, bin/lib.sh).  A target's line that
# ends in "## text" is its 'make help' entry, and so is a setting's.

SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -c
.DEFAULT_GOAL := all
.DELETE_ON_ERROR:

BIN := $(CURDIR)/bin

# The layers of 'make check', in this order: the harness's own unit tests
# first (seconds), then the cheap layers, so that a broken tree fails
# early.  Each layer is a target; bin/check runs it as a KTAP subtest
# and times it.  The per-patch builds are 'make walk', not a layer
# (mk/series-check.mk says why).
CHECK_LAYERS := harness-test kunit kunit-base kunit-stable bench-fastpath \
	cocci-test compile-drivers series-check stable-check sparse-gate \
	boot-test lava-test

# The targets of each further layer, one fragment each.
include $(sort $(wildcard mk/*.mk))

.PHONY: all deps tree series check help kunit kunit-base kunit-stable

all: series boot ## deps, tree, series, then 'make boot'

help: ## this list
	@echo "targets:"
	@grep -h -E '^[a-z0-9-]+:.*## ' Makefile mk/*.mk | \
		sed -E 's/^([a-z0-9-]+):.*## (.*)/  \1\t\2/' | expand -t 24
	@echo "settings (make VAR=value TARGET):"
	@grep -h -E '^#   [A-Z_]+=' Makefile mk/*.mk | sed 's/^#   /  /'
	@echo "  check layers, in order: $(CHECK_LAYERS)"
	@echo "  plug cycles per series boot run: $(BOOT_CHECK_CYCLES) in boot-test, $(BOOT_SOAK_CYCLES) in soak and boot"
	@echo "  plug cycles per two-device group run: $(BOOT_CHECK_GROUP_CYCLES) in boot-test, $(BOOT_SOAK_CYCLES) in soak"
	@echo "  base stress runs per architecture: $(BOOT_CHECK_BASE_RUNS) in boot-test, $(BOOT_SOAK_BASE_RUNS) in soak"

# Settings read by the tools themselves:
#   JOBS=N            make -j of every kernel build (default 2)
#   CCACHE_DIR=DIR    the compiler cache (default ~/.cache/iommu-fence/ccache)

deps: ## install the Debian packages (idempotent)
	@$(BIN)/deps

tree: deps ## build/linux: the base, the series, the conversions
	@$(BIN)/mktree

series: tree ## git format-patch of the series into build/series
	@$(BIN)/series

check: deps tree ## every layer of CHECK_LAYERS, as KTAP
	@$(BIN)/check $(CHECK_LAYERS)

# What each tree must show is harness/fence_polarity.py's: on the series
# every case passes, on the base every race case fails.  The kernel is
# the x86_64 boot kernel of each tree (lockdep, KASAN, preemptible SMP
# with DEBUG_ATOMIC_SLEEP), which boot-test boots later: make check
# builds no kernel for KUnit alone.
#   KUNIT_ARCH=um     kunit, kunit-base, kunit-stable: on UML instead
kunit: tree ## the KUnit suites on the series (x86_64 boot kernel, lockdep)
	@$(BIN)/kunit series $(KUNIT_ARCH)

kunit-base: tree ## the KUnit suites on the base: race red, others green
	@$(BIN)/kunit base $(KUNIT_ARCH)

kunit-stable: tree ## the KUnit suites on the stable subset: all pass
	@$(BIN)/kunit stable $(KUNIT_ARCH)

# Every element of the fence is observed by a case: each mutant of
# tests/kunit/mutants/ must make the cases it names fail.  Not in 'check'.
#   MUTANTS="a b"     kunit-mutants: only these mutants
.PHONY: kunit-mutants
kunit-mutants: tree ## each fence mutant must be killed (not in check)
	@$(BIN)/kunit-mutants $(MUTANTS)

# One kernel of one commit, as series-check and the boot tests build it.
#   KERNEL_ARCH=A KERNEL_REF=R   kernel: which (default s390, series)
.PHONY: kernel
kernel: tree ## build one commit's kernel (bin/kernel.sh)
	@$(BIN)/kernel $(or $(KERNEL_ARCH),s390) $(or $(KERNEL_REF),series)

# Developer helper: build/dev commits back into patches/ and the new files.
.PHONY: export
export: ## build/dev commits back into patches/
	@$(BIN)/export

# SPDX-License-Identifier: GPL-2.0
#
# iommu-fence: generic release/attach fencing for the Linux 6.1 IOMMU core.
#
#   make        deps, tree, series, then the s390x seed boot (make boot)
#   make check  every test layer, ending with "N passed, N failed"
#
# Everything generated lives under build/ (git-ignored).

SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -c
.DEFAULT_GOAL := all
.DELETE_ON_ERROR:

BIN := $(CURDIR)/bin

# The test layers that 'make check' runs, in order.  Each is a target of its
# own; bin/check runs it and reports one KTAP line for it.
CHECK_LAYERS := kunit kunit-base

# Further layers and their targets, one fragment each.
include $(sort $(wildcard mk/*.mk))

.PHONY: all deps tree series check help $(CHECK_LAYERS)

all: series boot

help:
	@sed -n 's/^#   //p' Makefile
	@echo "  targets: all deps tree series check $(CHECK_LAYERS) kunit-x86_64 kunit-mutants soak bench export"
	@echo "  plug cycles per series boot run: $(BOOT_CHECK_CYCLES) in boot-test (make check), $(BOOT_SOAK_CYCLES) in soak and boot; BOOT_CYCLES=N overrides"

deps:
	@$(BIN)/deps

tree: deps
	@$(BIN)/mktree

series: tree
	@$(BIN)/series

check: deps tree
	@$(BIN)/check $(CHECK_LAYERS)

# Race cases: every case on the series must pass; on the base every race
# case must fail (see bin/kunit).
kunit: tree
	@$(BIN)/kunit series

kunit-base: tree
	@$(BIN)/kunit base

# The same suite on x86_64 under QEMU, preemptible and with
# DEBUG_ATOMIC_SLEEP: adds the deferred_atomic case.
.PHONY: kunit-x86_64
kunit-x86_64: tree
	@$(BIN)/kunit series x86_64

# Every element of the fence is observed by a case: each mutant of
# tests/kunit/mutants/ must make the cases it names fail.  Not in 'check'.
.PHONY: kunit-mutants
kunit-mutants: tree
	@$(BIN)/kunit-mutants $(MUTANTS)

# Developer helper: build/dev commits back into patches/ and the new files.
.PHONY: export
export:
	@$(BIN)/export

# SPDX-License-Identifier: GPL-2.0
#
# Lockdep boot tests under QEMU (TCG), for inclusion from the top Makefile:
#
#   make boot         the seed's scenario on the series: s390, a zPCI
#                     function bound to vfio-pci, its slot powered off and
#                     on while other threads unset/set the container and
#                     map/unmap DMA (the last step of 'make')
#   make boot-test    every boot test on the series (x86_64, arm64, s390)
#                     and the stress client on the base, which must fail;
#                     in 'make check', BOOT_CHECK_CYCLES per series run
#   make soak         the same matrix, BOOT_SOAK_CYCLES per series run; not
#                     in 'make check'
#
#   BOOT_CYCLES=N     boot, boot-test, soak: plug cycles per series run
#                     (the group cells' too, when set)
#   BASE_RUNS=N       boot-test, soak: base stress runs per architecture
#   BASE_CYCLES=N     boot-test, soak: cycle budget of a base run
#                     (BOOT_BASE_CYCLES)
#   BOOT_ARCHES="..." boot-test, soak: these architectures (default: all
#                     of harness/arches.toml that boot here)
#   BOOT_TIMEOUT=S    boot, boot-test, soak: QEMU time limit per run
#
# The kernels are bin/kernel.sh's (build/kernel/), the logs go to
# build/boot/logs.

BOOT_MK_TOP := $(abspath $(dir $(lastword $(MAKEFILE_LIST)))..)

# The cycle counts, set here and nowhere else ('make help' prints them).
# fence-boot sweeps the delay before the unplug in 16 steps, so each is a
# whole number of sweeps.  The check's is 4 sweeps: the base's races show
# under the stress client by cycle 1 on x86_64 and s390 and by cycle 6 on
# arm64 (session 8), and a base run stops at its first report, within
# BOOT_BASE_CYCLES, not BOOT_CHECK_CYCLES.  The latest
# first report ever seen on the base (the s390x vfio scenario, which make
# check does not run on the base, for information only) came at cycle
# 83; the soak's 500 cycles are the long evidence.  It was 6 sweeps until
# arm64 joined the boot tests, whose cold kernel and cells, with the rest,
# took a cold make check past CI's limit (RESULTS.md, session 8).
BOOT_CHECK_CYCLES := 64
BOOT_SOAK_CYCLES := 500
# The two-device group cells (multi, alias) in make check: 2 sweeps.
# What they add over the vfio cell is the remaining device's DMA, checked
# before and after its sibling leaves, four transfers of edu's 100 ms
# each per cycle (about 1 s a cycle against 0.3 s): a DMA that the
# release breaks breaks in every cycle (the VT-d alias entry, before
# patch 8: 16 of 16), and the race itself is the vfio cell's, at
# BOOT_CHECK_CYCLES.  The soak runs them BOOT_SOAK_CYCLES too.
BOOT_CHECK_GROUP_CYCLES := 32
# Base runs of the stress client per architecture.  A base run stops at
# its first report; every base run on record reported by cycle 4 (README),
# so one run is the check and three are the soak's evidence.
BOOT_CHECK_BASE_RUNS := 1
BOOT_SOAK_BASE_RUNS := 3
# A base run's cycle budget: it stops at its first report, so this only
# bounds a base that never reports (which fails the cell).
BOOT_BASE_CYCLES := 500

.PHONY: boot boot-test soak
boot: tree ## the seed scenario on the s390 series kernel
	@$(BOOT_MK_TOP)/bin/boot s390 series vfio $(or $(BOOT_CYCLES),$(BOOT_SOAK_CYCLES))

boot-test: tree ## every boot cell, series clean and base red
	@BOOT_CYCLES=$(or $(BOOT_CYCLES),$(BOOT_CHECK_CYCLES)) \
		GROUP_CYCLES=$(or $(BOOT_CYCLES),$(BOOT_CHECK_GROUP_CYCLES)) \
		BASE_RUNS=$(or $(BASE_RUNS),$(BOOT_CHECK_BASE_RUNS)) \
		BASE_CYCLES=$(or $(BASE_CYCLES),$(BOOT_BASE_CYCLES)) \
		$(BOOT_MK_TOP)/bin/boot-test $(BOOT_ARCHES)

soak: tree ## the boot matrix with the soak cycles (not in check)
	@BOOT_CYCLES=$(or $(BOOT_CYCLES),$(BOOT_SOAK_CYCLES)) \
		GROUP_CYCLES=$(or $(BOOT_CYCLES),$(BOOT_SOAK_CYCLES)) \
		BASE_RUNS=$(or $(BASE_RUNS),$(BOOT_SOAK_BASE_RUNS)) \
		BASE_CYCLES=$(or $(BASE_CYCLES),$(BOOT_BASE_CYCLES)) \
		$(BOOT_MK_TOP)/bin/boot-test $(BOOT_ARCHES)

# SPDX-License-Identifier: GPL-2.0
#
# Lockdep boot tests under QEMU (TCG), for inclusion from the top Makefile:
#
#   make boot         the seed's scenario on the series: s390x, a zPCI
#                     function bound to vfio-pci, its slot powered off and
#                     on while other threads unset/set the container and
#                     map/unmap DMA (the last step of 'make')
#   make boot-test    every boot test on the series (s390x, x86_64) and the
#                     stress client on the base, which must fail; in
#                     'make check', BOOT_CHECK_CYCLES per series run
#   make soak         the same matrix, BOOT_SOAK_CYCLES per series run; not
#                     in 'make check'
#
#   BOOT_CYCLES=N     plug cycles per series run, for any of the three
#   BOOT_ARCHES="..." architectures for boot-test and soak (default s390x x86_64)
#
# Kernels build in build/boot/<arch>-<tree>, logs go to build/boot/logs.

BOOT_MK_TOP := $(abspath $(dir $(lastword $(MAKEFILE_LIST)))..)

# The cycle counts, set here and nowhere else ('make help' prints them).
# fence-boot sweeps the delay before the unplug in 16 steps, so each is a
# whole number of sweeps.  The check's is 8 sweeps: the base's races show
# by cycle 4 under the stress client, and the latest first report ever
# seen on the base (the s390x vfio scenario, for information only) came at
# cycle 83.  At 0.97 s per cycle for the five series runs together
# (README), that is about 2 min of 'make check' instead of the soak's 8.
BOOT_CHECK_CYCLES := 128
BOOT_SOAK_CYCLES := 500

.PHONY: boot boot-test soak
boot: tree
	@$(BOOT_MK_TOP)/bin/boot s390x series vfio $(or $(BOOT_CYCLES),$(BOOT_SOAK_CYCLES))

boot-test: tree
	@BOOT_CYCLES=$(or $(BOOT_CYCLES),$(BOOT_CHECK_CYCLES)) \
		$(BOOT_MK_TOP)/bin/boot-test $(BOOT_ARCHES)

soak: tree
	@BOOT_CYCLES=$(or $(BOOT_CYCLES),$(BOOT_SOAK_CYCLES)) \
		$(BOOT_MK_TOP)/bin/boot-test $(BOOT_ARCHES)

CHECK_LAYERS += boot-test

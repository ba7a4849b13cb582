# SPDX-License-Identifier: GPL-2.0
#
# Lockdep boot tests under QEMU (TCG), for inclusion from the top Makefile:
#
#   make boot         the seed's scenario on the series: s390x, a zPCI
#                     function bound to vfio-pci, its slot powered off and
#                     on while other threads unset/set the container and
#                     map/unmap DMA (the last step of 'make')
#   make boot-test    every boot test on the series (s390x, x86_64) and the
#                     stress client on the base, which must fail
#
#   BOOT_CYCLES=N     plug cycles per series run (default 500)
#   BOOT_ARCHES="..." architectures for boot-test (default s390x x86_64)
#
# Kernels build in build/boot/<arch>-<tree>, logs go to build/boot/logs.

BOOT_MK_TOP := $(abspath $(dir $(lastword $(MAKEFILE_LIST)))..)

.PHONY: boot boot-test
boot: tree
	@$(BOOT_MK_TOP)/bin/boot s390x series vfio $(BOOT_CYCLES)

boot-test: tree
	@$(BOOT_MK_TOP)/bin/boot-test $(BOOT_ARCHES)

CHECK_LAYERS += boot-test

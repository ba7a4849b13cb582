# SPDX-License-Identifier: GPL-2.0
#
# Compile the drivers/iommu/ objects of the Coccinelle conversion commits
# for x86_64, arm64, arm, powerpc and s390 (cross compilers + ccache), for
# inclusion from the top Makefile:
#
#   make compile-drivers                  every architecture
#   make compile-drivers COMPILE_ARCHES="arm s390"
#
#   COMPILE_ARCHES="..."  compile-drivers: these architectures only
#
# Builds out of tree in build/compile/<arch>; bin/compile-drivers ends with
# "N passed, N failed" and fails if any converted file did not compile.

COMPILE_MK_TOP := $(abspath $(dir $(lastword $(MAKEFILE_LIST)))..)

.PHONY: compile-drivers
compile-drivers: tree ## every converted driver compiles (cross compilers)
	@$(COMPILE_MK_TOP)/bin/compile-drivers $(COMPILE_ARCHES)

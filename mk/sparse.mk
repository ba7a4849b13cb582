# SPDX-License-Identifier: GPL-2.0
#
# Sparse annotation gate for drivers/iommu/ and drivers/vfio/, for inclusion
# from the top Makefile:
#
#   make sparse-gate                      the boot architectures (both
#                                         directories on x86_64, the
#                                         table's objects elsewhere:
#                                         bin/sparse-gate) + seeded defects
#   make sparse-gate-all                  every architecture, both
#                                         directories whole + seeded defects
#   make sparse-gate SPARSE_ARCHES="x86_64 s390"
#   make sparse-gate SPARSE_SELFTEST=0    without the seeded-defect self-test
#
#   SPARSE_ARCHES="..."  sparse-gate: these architectures only
#   SPARSE_SELFTEST=0    sparse-gate: without the seeded defects
#
# Runs make C=2 on the base (worktree build/wt/base) and on the series
# out of tree in build/sparse/<tree>-<arch>; bin/sparse-gate fails on any
# sparse warning the series adds over the base or on a seeded defect of
# tests/sparse/ that sparse does not catch, and ends with "N passed, N failed".

SPARSE_MK_TOP := $(abspath $(dir $(lastword $(MAKEFILE_LIST)))..)

.PHONY: sparse-gate sparse-gate-all
sparse-gate: tree ## no new sparse warning (boot architectures); seeded defects caught
	@SPARSE_SELFTEST=$(or $(SPARSE_SELFTEST),1) \
		$(SPARSE_MK_TOP)/bin/sparse-gate $(SPARSE_ARCHES)

sparse-gate-all: tree ## the same on every architecture of the table (not in check)
	@SPARSE_SELFTEST=$(or $(SPARSE_SELFTEST),1) \
		$(SPARSE_MK_TOP)/bin/sparse-gate --all

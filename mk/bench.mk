# SPDX-License-Identifier: GPL-2.0
#
# What the fence costs, base against series, for inclusion from the top
# Makefile:
#
#   make bench            the fast-path machine code and the control-path
#                         timings (KUnit suite iommu-fence-bench under QEMU)
#   make bench-fastpath   the fast-path machine code only (make check)
#   BENCH_RUNS=N      bench: boots per tree for the timings (default 5)
#
# bin/bench ends with "N passed, N failed"; a figure that misses its goal
# is a failure.

BENCH_MK_TOP := $(abspath $(dir $(lastword $(MAKEFILE_LIST)))..)

.PHONY: bench bench-fastpath
bench: tree ## fast path + control-path timings, base vs series (not in check)
	@$(BENCH_MK_TOP)/bin/bench

bench-fastpath: tree ## the DMA fast path compiles to the same code
	@$(BENCH_MK_TOP)/bin/bench fastpath

# SPDX-License-Identifier: GPL-2.0
#
# The series as a maintainer receives it, for inclusion from the top
# Makefile:
#
#   make series-check                 git am on a fresh base, checkpatch
#                                     --strict, kernel-doc, Sphinx on the
#                                     new .rst, release_locking.cocci on
#                                     every commit from the fence on, each
#                                     patch built on its own: every patch
#                                     on the architectures whose table
#                                     says walk = "every" (x86_64), on the
#                                     others the patches that change what
#                                     only they compile
#   make series-check SERIES_CHECKS="checkpatch docs"   only some of them
#   make walk-all                     the per-patch build alone, every
#                                     patch on every architecture that
#                                     boots here (not in check)
#
#   SERIES_CHECKS="..."  series-check: these checks only
#
# bin/series-check ends with "N passed, N failed" and fails if any did.

SERIES_CHECK_MK_TOP := $(abspath $(dir $(lastword $(MAKEFILE_LIST)))..)

.PHONY: series-check
series-check: series ## the series as a maintainer receives it
	@$(SERIES_CHECK_MK_TOP)/bin/series-check $(SERIES_CHECKS)

.PHONY: walk-all
walk-all: series ## every patch built on every boot architecture (not in check)
	@KERNEL_WALK=every $(SERIES_CHECK_MK_TOP)/bin/series-check build

# SPDX-License-Identifier: GPL-2.0
#
# The series as a maintainer receives it, for inclusion from the top
# Makefile:
#
#   make series-check                 git am on a fresh base, checkpatch
#                                     --strict, get_maintainer.pl and b4,
#                                     kernel-doc, Sphinx on the new .rst,
#                                     release_locking.cocci on every
#                                     commit from the fence on
#   make series-check SERIES_CHECKS="checkpatch docs"   only some of them
#   make walk                         each patch built on its own: every
#                                     patch on the architectures whose
#                                     table says walk = "every" (x86_64),
#                                     on the others the patches that
#                                     change what only they compile; the
#                                     stable subset's patches too (not in
#                                     check: about 25 minutes cold)
#   make walk-all                     the same, every patch on every
#                                     architecture that boots here
#
#   SERIES_CHECKS="..."  series-check: these checks only (bin/series-check
#                        has one more, build, which is 'make walk')
#
# bin/series-check ends with "N passed, N failed" and fails if any did.
# Why the walk is not in make check: on this project's slower machines a
# cold make check with it ran over the 90-minute limit of CI once arm64
# joined the boot tests (RESULTS.md, session 8); the boot tests build the
# kernels they boot themselves, once per commit and architecture.

SERIES_CHECK_MK_TOP := $(abspath $(dir $(lastword $(MAKEFILE_LIST)))..)

SERIES_CHECKS ?= am checkpatch maintainers b4 kernel-doc docs release-locking

.PHONY: series-check walk walk-all
series-check: series ## the series as a maintainer receives it
	@$(SERIES_CHECK_MK_TOP)/bin/series-check $(SERIES_CHECKS)

walk: stable-series ## each patch built on its own (not in check)
	@$(SERIES_CHECK_MK_TOP)/bin/series-check build
	@STABLE_LINES_GOAL=$(STABLE_LINES_GOAL) $(SERIES_CHECK_MK_TOP)/bin/stable-check build

walk-all: stable-series ## every patch built on every boot architecture (not in check)
	@KERNEL_WALK=every $(SERIES_CHECK_MK_TOP)/bin/series-check build
	@KERNEL_WALK=every STABLE_LINES_GOAL=$(STABLE_LINES_GOAL) \
		$(SERIES_CHECK_MK_TOP)/bin/stable-check build

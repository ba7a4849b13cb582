# SPDX-License-Identifier: GPL-2.0
#
# The series as a maintainer receives it, for inclusion from the top
# Makefile:
#
#   make series-check                 git am on a fresh base, checkpatch
#                                     --strict, kernel-doc, Sphinx on the
#                                     new .rst, release_locking.cocci on
#                                     every commit from the fence on, each
#                                     patch built on its own for x86_64
#                                     and s390
#   make series-check SERIES_CHECKS="checkpatch docs"   only some of them
#
#   SERIES_CHECKS="..."  series-check: these checks only
#
# bin/series-check ends with "N passed, N failed" and fails if any did.

SERIES_CHECK_MK_TOP := $(abspath $(dir $(lastword $(MAKEFILE_LIST)))..)

.PHONY: series-check
series-check: series ## the series as a maintainer receives it
	@$(SERIES_CHECK_MK_TOP)/bin/series-check $(SERIES_CHECKS)

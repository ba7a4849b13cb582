# SPDX-License-Identifier: GPL-2.0
#
# The stable subset (patches/stable), for inclusion from the top Makefile:
#
#   make stable-series   git format-patch of the subset into build/stable/,
#                        and its added lines of non-test code
#   make stable-check    size and tags, git am on a fresh base, each patch
#                        built on its own (make check)
#   make kunit-stable    the KUnit suites on the subset plus the tests
#                        (make check; the Makefile's)
#
# A stable maintainer takes a narrow backport rather than a large one: the
# subset's goal, in added lines of non-test code (harness/fence_stable.py
# says what counts).
STABLE_LINES_GOAL := 300

STABLE_MK_TOP := $(abspath $(dir $(lastword $(MAKEFILE_LIST)))..)

.PHONY: stable-series stable-check
stable-series: series ## the stable subset into build/stable, and its size
	@STABLE_LINES_GOAL=$(STABLE_LINES_GOAL) $(STABLE_MK_TOP)/bin/stable-series

# Its per-patch builds are 'make walk', with the series'.
STABLE_CHECKS ?= size am

stable-check: stable-series ## the stable subset: size, tags, git am
	@STABLE_LINES_GOAL=$(STABLE_LINES_GOAL) $(STABLE_MK_TOP)/bin/stable-check $(STABLE_CHECKS)

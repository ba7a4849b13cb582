# SPDX-License-Identifier: GPL-2.0
#
# The harness's own unit tests, for inclusion from the top Makefile:
#
#   make harness-test    harness/fence_tool_test.py on the saved logs and
#                        disassemblies of harness/test_data/, reported as
#                        KTAP through harness/fence_ktap.py (seconds)

HARNESS_MK_TOP := $(abspath $(dir $(lastword $(MAKEFILE_LIST)))..)

.PHONY: harness-test
harness-test: ## the harness's unit tests (verdicts, reporter, tables)
	@python3 $(HARNESS_MK_TOP)/harness/fence_tool_test.py --ktap

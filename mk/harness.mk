# SPDX-License-Identifier: GPL-2.0
#
# The harness's own unit tests, for inclusion from the top Makefile:
#
#   make harness-test    harness/fence_tool_test.py on the saved logs and
#                        disassemblies of harness/test_data/, reported as
#                        KTAP through harness/fence_ktap.py (seconds); under
#                        $PYTHON of bin/lib.sh, with the kernel's KTAP parser
#                        from build/linux ('make tree'), which it names if
#                        it is missing

HARNESS_MK_TOP := $(abspath $(dir $(lastword $(MAKEFILE_LIST)))..)

.PHONY: harness-test
harness-test: ## the harness's unit tests (verdicts, reporter, tables)
	@. $(HARNESS_MK_TOP)/bin/lib.sh && "$$PYTHON" $(HARNESS_MK_TOP)/harness/fence_tool_test.py --ktap

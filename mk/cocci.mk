# SPDX-License-Identifier: GPL-2.0
#
# The tests of the semantic patches under scripts/coccinelle/iommu/, for
# inclusion from the top Makefile:
#
#   make cocci-test                  input/expected pairs, then the whole
#                                    tree (build/linux, only read)
#   make cocci-test COCCI_TREE=DIR   the whole-tree run on another tree
#
# tests/cocci/run.sh ends with "N passed, N failed" and fails if any did.

COCCI_MK_TOP := $(abspath $(dir $(lastword $(MAKEFILE_LIST)))..)

.PHONY: cocci-test
cocci-test:
	@bash $(COCCI_MK_TOP)/tests/cocci/run.sh $(COCCI_TREE)

CHECK_LAYERS += cocci-test

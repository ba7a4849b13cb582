# SPDX-License-Identifier: GPL-2.0
#
# The tests of the semantic patches under scripts/coccinelle/iommu/, for
# inclusion from the top Makefile:
#
#   make cocci-test                  input/expected pairs, then the whole
#                                    tree (build/linux, only read)
#   make cocci-test COCCI_TREE=DIR   the whole-tree run on another tree
#
#   COCCI_TREE=DIR    cocci-test: the tree of the whole-tree run
#
# tests/cocci/run.sh ends with "N passed, N failed" and fails if any did.

COCCI_MK_TOP := $(abspath $(dir $(lastword $(MAKEFILE_LIST)))..)

.PHONY: cocci-test
cocci-test: ## the semantic patches on their tests and on the tree
	@bash $(COCCI_MK_TOP)/tests/cocci/run.sh $(COCCI_TREE)

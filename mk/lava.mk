# SPDX-License-Identifier: GPL-2.0
#
# The boot matrix as LAVA jobs (bin/lava), for inclusion from the top
# Makefile:
#
#   make lava-jobs    one LAVA job per boot cell in build/lava/jobs/, each
#                     validated by LAVA's lava-run; the series cells with
#                     the soak's cycles, for a lab to run
#   make lava-test    the same jobs validated, and the s390 seed scenario
#                     run end to end through lava-run with LAVA_RUN_CYCLES
#                     and judged by the boot verdict; in 'make check'
#
#   LAVA_URL=URL      lava-jobs: where the lab serves the images (default:
#                     file:// of this build); BOOT_CYCLES, BASE_CYCLES,
#                     BASE_RUNS as for soak (mk/vm-boot.mk)
#   LAVA_RUN_CYCLES=N lava-test: plug cycles of the end-to-end job (16)

LAVA_MK_TOP := $(abspath $(dir $(lastword $(MAKEFILE_LIST)))..)
LAVA_RUN_CYCLES ?= 16

.PHONY: lava-jobs lava-test
lava-jobs: tree ## one validated LAVA job per boot cell, in build/lava/jobs
	@CYCLES=$(or $(BOOT_CYCLES),$(BOOT_SOAK_CYCLES)) \
		BASE_CYCLES=$(or $(BASE_CYCLES),$(BOOT_BASE_CYCLES)) \
		BASE_RUNS=$(or $(BASE_RUNS),$(BOOT_SOAK_BASE_RUNS)) LAVA_URL=$(LAVA_URL) \
		$(LAVA_MK_TOP)/bin/lava jobs $(BOOT_ARCHES)

lava-test: tree ## validate every LAVA job, run the s390 seed job with lava-run
	@CYCLES=$(BOOT_CHECK_CYCLES) BASE_CYCLES=$(BOOT_BASE_CYCLES) \
		BASE_RUNS=$(BOOT_CHECK_BASE_RUNS) LAVA_RUN_CYCLES=$(LAVA_RUN_CYCLES) \
		$(LAVA_MK_TOP)/bin/lava check

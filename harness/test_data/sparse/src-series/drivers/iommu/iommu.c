// SPDX-License-Identifier: GPL-2.0-only

#define pr_fmt(fmt)    "iommu: " fmt
	[IOMMU_RESV_DIRECT]			= "direct",
unlock_out:
	iommu_group_unlock(group);

// SPDX-License-Identifier: GPL-2.0
/*
 * No release_device: arm_iommu_detach_device() in a driver's own remove
 * path (as in drm and media drivers) is none of this rule's business.
 */
#include <linux/iommu.h>
#include <asm/dma-iommu.h>

static int norel_remove(struct platform_device *pdev)
{
	arm_iommu_detach_device(&pdev->dev);
	iommu_detach_device(norel_domain, &pdev->dev);
	return 0;
}

static const struct iommu_ops norel_ops = {
	.probe_device = norel_probe_device,
};

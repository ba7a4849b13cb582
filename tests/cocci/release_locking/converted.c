// SPDX-License-Identifier: GPL-2.0
/* Already converted, stub included: a second run changes nothing. */
#include <linux/iommu.h>

#if defined(CONFIG_ARM) && !defined(CONFIG_IOMMU_DMA)
#include <asm/dma-iommu.h>
#else
#define arm_iommu_create_mapping(...)	NULL
#define arm_iommu_attach_device(...)	-ENODEV
#define arm_iommu_release_device(dev) ((void)(dev))
#define arm_iommu_release_mapping(...)	do {} while (0)
#define arm_iommu_detach_device(...)	do {} while (0)
#endif

static void done_release_device(struct device *dev)
{
	iommu_fence_assert_held(dev);

	arm_iommu_release_device(dev);
}

static const struct iommu_ops done_ops = {
	.release_device = done_release_device,
};

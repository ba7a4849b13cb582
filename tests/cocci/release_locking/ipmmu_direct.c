// SPDX-License-Identifier: GPL-2.0
/*
 * ipmmu-vmsa in 6.1: release_device calls arm_iommu_detach_device(), and
 * the ARM DMA mapping API is stubbed out on other architectures.
 */
#include <linux/iommu.h>

#if defined(CONFIG_ARM) && !defined(CONFIG_IOMMU_DMA)
#include <asm/dma-iommu.h>
#else
#define arm_iommu_create_mapping(...)	NULL
#define arm_iommu_attach_device(...)	-ENODEV
#define arm_iommu_release_mapping(...)	do {} while (0)
#define arm_iommu_detach_device(...)	do {} while (0)
#endif

static int ipmmu_like_init_arm_mapping(struct device *dev)
{
	struct ipmmu_like_device *mmu = to_ipmmu_like(dev);

	return arm_iommu_attach_device(dev, mmu->mapping);
}

static void ipmmu_like_probe_finalize(struct device *dev)
{
	if (ipmmu_like_init_arm_mapping(dev))
		dev_err(dev, "Can't create IOMMU mapping - DMA-OPS will not work\n");
}

static void ipmmu_like_release_device(struct device *dev)
{
	arm_iommu_detach_device(dev);
}

static const struct iommu_ops ipmmu_like_ops = {
	.release_device = ipmmu_like_release_device,
	.probe_finalize = ipmmu_like_probe_finalize,
};

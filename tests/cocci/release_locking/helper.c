// SPDX-License-Identifier: GPL-2.0
/*
 * release_device reaches arm_iommu_detach_device() through static
 * helpers of the same file.  No stubs here: the driver is ARM only.
 */
#include <linux/iommu.h>
#include <asm/dma-iommu.h>

static void helper_drop_mapping(struct device *dev)
{
	struct helper_master *master = dev_iommu_priv_get(dev);

	if (master->mapped)
		arm_iommu_detach_device(dev);
	master->mapped = false;
}

static void helper_forget(struct device *dev)
{
	helper_drop_mapping(dev);
	dev_iommu_priv_set(dev, NULL);
}

static void helper_release_device(struct device *dev)
{
	struct helper_master *master = dev_iommu_priv_get(dev);

	helper_forget(dev);
	kfree(master);
}

/* Not in a release path: left alone, not reported. */
static void helper_unbind(struct device *dev)
{
	arm_iommu_detach_device(dev);
}

static const struct iommu_ops helper_ops = {
	.release_device = helper_release_device,
};

static struct platform_driver helper_driver = {
	.remove = helper_unbind,
};

// SPDX-License-Identifier: GPL-2.0
/*
 * Calls that patch mode reports but leaves alone: a helper that the
 * probe error path uses too, a detach of another device than the one
 * released, and locking calls that have no replacement.
 */
#include <linux/iommu.h>
#include <asm/dma-iommu.h>

static void shh_detach(struct device *dev)
{
	arm_iommu_detach_device(dev);
}

static int shh_count(struct device *dev, void *data)
{
	(*(int *)data)++;
	return 0;
}

static void shh_probe_finalize(struct device *dev)
{
	struct shh_master *master = dev_iommu_priv_get(dev);

	if (arm_iommu_attach_device(dev, master->mapping))
		shh_detach(dev);
}

static void shh_release_device(struct device *dev)
{
	struct shh_master *master = dev_iommu_priv_get(dev);
	struct iommu_group *group = iommu_group_get(dev);
	int n = 0;

	shh_detach(dev);
	arm_iommu_detach_device(master->companion);
	iommu_group_for_each_dev(group, &n, shh_count);
	iommu_detach_device(master->domain, dev);
	iommu_group_put(group);
}

static const struct iommu_ops shh_ops = {
	.release_device = shh_release_device,
	.probe_finalize = shh_probe_finalize,
};

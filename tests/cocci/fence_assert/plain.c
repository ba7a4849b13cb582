// SPDX-License-Identifier: GPL-2.0
/* A plain struct iommu_ops initializer binds .release_device. */
#include <linux/iommu.h>

static struct iommu_device *plain_probe_device(struct device *dev)
{
	return ERR_PTR(-ENODEV);
}

static void plain_release_device(struct device *dev)
{
	struct plain_master *master = dev_iommu_priv_get(dev);

	dev_iommu_priv_set(dev, NULL);
	kfree(master);
}

/* Not an op: must stay as it is. */
static void plain_release_helper(struct device *dev)
{
	kfree(dev_iommu_priv_get(dev));
}

static const struct iommu_ops plain_iommu_ops = {
	.probe_device	= plain_probe_device,
	.release_device	= plain_release_device,
	.pgsize_bitmap	= SZ_4K,
};

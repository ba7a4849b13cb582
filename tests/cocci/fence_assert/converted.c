// SPDX-License-Identifier: GPL-2.0
/* Already converted: a second run must not change anything. */
#include <linux/iommu.h>

static int done_attach_dev(struct iommu_domain *domain, struct device *dev)
{
	struct done_domain *dd = to_done_domain(domain);

	iommu_fence_assert_held(dev);

	return done_hw_attach(dd, dev);
}

static void done_detach_dev(struct iommu_domain *domain, struct device *dev)
{
	iommu_fence_assert_held(dev);

	done_hw_detach(domain, dev);
}

static void done_release_device(struct device *dev)
{
	struct done_master *master = dev_iommu_priv_get(dev);

	iommu_fence_assert_held(dev);

	kfree(master);
}

static const struct iommu_ops done_iommu_ops = {
	.release_device = done_release_device,
	.default_domain_ops = &(const struct iommu_domain_ops) {
		.attach_dev	= done_attach_dev,
		.detach_dev	= done_detach_dev,
	}
};

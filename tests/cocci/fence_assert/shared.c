// SPDX-License-Identifier: GPL-2.0
/*
 * One function bound from more than one struct: the assertion goes in
 * once.  Also an op bound by an assignment at run time.
 */
#include <linux/iommu.h>

static int shared_attach_dev(struct iommu_domain *domain, struct device *dev)
{
	return shared_hw_attach(domain, dev);
}

static void shared_detach_dev(struct iommu_domain *domain, struct device *dev)
{
	shared_hw_detach(domain, dev);
}

static int shared_v2_attach_dev(struct iommu_domain *domain,
				struct device *dev)
{
	return shared_v2_hw_attach(domain, dev);
}

static void shared_release_device(struct device *dev)
{
	kfree(dev_iommu_priv_get(dev));
}

static const struct iommu_domain_ops shared_paging_ops = {
	.attach_dev	= shared_attach_dev,
	.detach_dev	= shared_detach_dev,
};

static const struct iommu_ops shared_v1_ops = {
	.release_device		= shared_release_device,
	.default_domain_ops	= &(const struct iommu_domain_ops) {
		.attach_dev	= shared_attach_dev,
		.detach_dev	= shared_detach_dev,
	}
};

static struct iommu_ops shared_v2_ops = {
	.release_device		= shared_release_device,
	.default_domain_ops	= &shared_paging_ops,
};

static void shared_setup_v2(struct iommu_domain_ops *ops)
{
	ops->attach_dev = shared_v2_attach_dev;
	ops->detach_dev = shared_detach_dev;
}

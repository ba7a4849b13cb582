// SPDX-License-Identifier: GPL-2.0
/* The domain ops in a struct of their own, referenced from the iommu_ops. */
#include <linux/iommu.h>

static int named_attach_dev(struct iommu_domain *domain, struct device *dev)
{
	struct named_domain *nd = to_named_domain(domain);

	return named_hw_attach(nd, dev);
}

static void named_detach_dev(struct iommu_domain *domain, struct device *dev)
{
	struct named_domain *nd = to_named_domain(domain);

	named_hw_detach(nd, dev);
}

static void named_release_device(struct device *dev)
{
	named_hw_forget(dev);
}

static const struct iommu_domain_ops named_domain_ops = {
	.attach_dev	= named_attach_dev,
	.detach_dev	= named_detach_dev,
	.map		= named_map,
	.unmap		= named_unmap,
};

static const struct iommu_ops named_iommu_ops = {
	.release_device		= named_release_device,
	.default_domain_ops	= &named_domain_ops,
};

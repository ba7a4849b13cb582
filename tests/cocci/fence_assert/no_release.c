// SPDX-License-Identifier: GPL-2.0
/*
 * A driver without release_device, like tegra-smmu in 6.1: only the
 * domain ops are converted.
 */
#include <linux/iommu.h>

static int norel_attach_dev(struct iommu_domain *domain, struct device *dev)
{
	struct iommu_fwspec *fwspec = dev_iommu_fwspec_get(dev);
	unsigned int index;

	if (!fwspec)
		return -ENOENT;

	for (index = 0; index < fwspec->num_ids; index++)
		norel_hw_enable(domain, fwspec->ids[index]);

	return 0;
}

static void norel_detach_dev(struct iommu_domain *domain, struct device *dev)
{
}

static const struct iommu_ops norel_ops = {
	.probe_device = norel_probe_device,
	.default_domain_ops = &(const struct iommu_domain_ops) {
		.attach_dev	= norel_attach_dev,
		.detach_dev	= norel_detach_dev,
	}
};

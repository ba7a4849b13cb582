// SPDX-License-Identifier: GPL-2.0
/*
 * What patch mode cannot convert, and report mode explains: an op
 * defined in another file, an op bound to a cast, and a direct call of
 * an op from a function that is not an op.  A conditional between two
 * function names binds both.
 */
#include <linux/iommu.h>

extern void uncv_release_device(struct device *dev);

static int uncv_attach_dev(struct iommu_domain *domain, struct device *dev)
{
	return uncv_hw_attach(domain, dev);
}

static void uncv_detach_dev(struct iommu_domain *domain, struct device *dev)
{
	uncv_hw_detach(domain, dev);
}

static void uncv_reset(struct uncv_device *udev)
{
	uncv_detach_dev(udev->domain, udev->dev);
}

static const struct iommu_ops uncv_ops = {
	.release_device = uncv_release_device,
	.default_domain_ops = &(const struct iommu_domain_ops) {
		.attach_dev	= IS_ENABLED(CONFIG_UNCV_V2) ? uncv_v2_attach_dev :
							      uncv_attach_dev,
		.detach_dev	= uncv_detach_dev,
	}
};

static const struct iommu_ops uncv_raw_ops = {
	.release_device = (void (*)(struct device *))uncv_release_raw,
};

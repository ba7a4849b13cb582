// SPDX-License-Identifier: GPL-2.0
/*
 * The assertion goes after the declarations (-Wdeclaration-after-statement),
 * never into a nested block, and before a comment that belongs to the
 * first statement; a body without statements gets it last, one without
 * declarations first.  The struct device * parameter keeps its name.
 */
#include <linux/iommu.h>

static int decls_attach_dev(struct iommu_domain *domain, struct device *dev)
{
	struct decls_domain *dd = to_decls_domain(domain);
	struct decls_master *master = dev_iommu_priv_get(dev);
	unsigned long flags;
	int i, ret = 0;
	/*
	 * Only the domain the driver made itself.
	 */
	if (dd->owner != master->owner)
		return -EINVAL;

	spin_lock_irqsave(&dd->lock, flags);
	for (i = 0; i < master->num_sids; i++) {
		u32 sid = master->sids[i];

		ret = decls_hw_attach(dd, sid);
		if (ret)
			break;
	}
	spin_unlock_irqrestore(&dd->lock, flags);
	return ret;
}

static void decls_detach_dev(struct iommu_domain *domain, struct device *d)
{
	decls_hw_detach(to_decls_domain(domain), d);
}

static void decls_release_device(struct device *dev)
{
	struct decls_master *master = dev_iommu_priv_get(dev);
}

static void decls_release_empty(struct device *dev)
{
}

static const struct iommu_ops decls_ops = {
	.release_device = decls_release_device,
	.default_domain_ops = &(const struct iommu_domain_ops) {
		.attach_dev	= decls_attach_dev,
		.detach_dev	= decls_detach_dev,
	}
};

static const struct iommu_ops decls_empty_ops = {
	.release_device = decls_release_empty,
};

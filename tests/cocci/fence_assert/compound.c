// SPDX-License-Identifier: GPL-2.0
/*
 * The domain ops as a compound literal nested in the iommu_ops, as in
 * s390-iommu and most 6.1 drivers.
 */
#include <linux/iommu.h>

static int s390_like_attach_device(struct iommu_domain *domain,
				   struct device *dev)
{
	struct s390_domain *s390_domain = to_s390_domain(domain);
	struct zpci_dev *zdev = to_zpci_dev(dev);
	unsigned long flags;
	int cc, rc = 0;

	if (!zdev)
		return -ENODEV;

	spin_lock_irqsave(&s390_domain->list_lock, flags);
	cc = zpci_register_ioat(zdev, 0, 0, 0, 0);
	spin_unlock_irqrestore(&s390_domain->list_lock, flags);
	return cc ? -EIO : rc;
}

static void s390_like_detach_device(struct iommu_domain *domain,
				    struct device *dev)
{
	struct zpci_dev *zdev = to_zpci_dev(dev);

	WARN_ON(zdev->s390_domain != to_s390_domain(domain));

	__s390_like_detach_device(zdev);
}

static void s390_like_release_device(struct device *dev)
{
	struct zpci_dev *zdev = to_zpci_dev(dev);

	/*
	 * release_device is expected to detach any domain currently attached
	 * to the device, but keep it attached to other devices in the group.
	 */
	if (zdev)
		__s390_like_detach_device(zdev);
}

static const struct iommu_ops s390_like_iommu_ops = {
	.capable = s390_like_iommu_capable,
	.domain_alloc = s390_like_domain_alloc,
	.probe_device = s390_like_probe_device,
	.release_device = s390_like_release_device,
	.device_group = generic_device_group,
	.pgsize_bitmap = S390_IOMMU_PGSIZES,
	.default_domain_ops = &(const struct iommu_domain_ops) {
		.attach_dev	= s390_like_attach_device,
		.detach_dev	= s390_like_detach_device,
		.map		= s390_like_iommu_map,
		.unmap		= s390_like_iommu_unmap,
		.iova_to_phys	= s390_like_iommu_iova_to_phys,
		.free		= s390_like_domain_free,
	}
};

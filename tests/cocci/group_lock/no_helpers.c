// SPDX-License-Identifier: GPL-2.0
/*
 * A file without iommu_group_lock()/iommu_group_unlock() cannot call them
 * (they are static in drivers/iommu/iommu.c): nothing changes, nothing is
 * reported, even for a struct iommu_group * it can see into.
 */
#include <linux/iommu.h>
#include <linux/mutex.h>

struct iommu_group {
	struct mutex mutex;
	int owner_cnt;
};

int other_owner_count(struct iommu_group *group)
{
	int n;

	mutex_lock(&group->mutex);
	n = group->owner_cnt;
	mutex_unlock(&group->mutex);

	return n;
}

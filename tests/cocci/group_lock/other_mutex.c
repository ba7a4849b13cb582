// SPDX-License-Identifier: GPL-2.0
/*
 * Beside the helpers, only group->mutex of a struct iommu_group changes:
 * the mutex of another kind of group (VFIO's), another mutex of the IOMMU
 * group, and the calls other than mutex_lock()/mutex_unlock() stay.
 */
#include <linux/iommu.h>
#include <linux/mutex.h>

struct iommu_group {
	struct mutex mutex;
	struct mutex resv_lock;
	int owner_cnt;
};

struct vfio_group {
	struct mutex mutex;
	struct iommu_group *iommu_group;
};

static inline void iommu_group_lock(struct iommu_group *group)
	__acquires(&group->mutex)
{
	mutex_lock(&group->mutex);
	__acquire(&group->mutex);
}

static inline void iommu_group_unlock(struct iommu_group *group)
	__releases(&group->mutex)
{
	__release(&group->mutex);
	mutex_unlock(&group->mutex);
}

static int vfio_like_count(struct vfio_group *group)
{
	int n;

	mutex_lock(&group->mutex);
	n = group->iommu_group ? 1 : 0;
	mutex_unlock(&group->mutex);

	return n;
}

static void resv_like(struct iommu_group *group)
{
	mutex_lock(&group->resv_lock);
	group->owner_cnt = 0;
	mutex_unlock(&group->resv_lock);
}

static int interruptible_like(struct iommu_group *group)
{
	if (mutex_lock_interruptible(&group->mutex))
		return -EINTR;
	if (!mutex_trylock(&group->mutex))
		return -EBUSY;
	return 0;
}

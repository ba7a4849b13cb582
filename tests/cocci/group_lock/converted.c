// SPDX-License-Identifier: GPL-2.0
/*
 * Already converted, as drivers/iommu/iommu.c is after a first run: a
 * second run changes nothing and reports nothing.  The helpers keep their
 * own mutex_lock()/mutex_unlock().
 */
#include <linux/iommu.h>
#include <linux/mutex.h>

struct iommu_group {
	struct mutex mutex;
	struct list_head devices;
	int owner_cnt;
};

struct group_ref {
	struct iommu_group *group;
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

int core_attach_group(struct iommu_domain *domain, struct iommu_group *group)
{
	int ret;

	iommu_group_lock(group);
	ret = __core_attach_group(domain, group);
	iommu_group_unlock(group);

	return ret;
}

int core_claim(struct iommu_group *grp, void *owner)
{
	int ret = 0;

	iommu_group_lock(grp);
	if (grp->owner_cnt) {
		ret = -EPERM;
		goto unlock_out;
	}
	grp->owner_cnt++;
unlock_out:
	iommu_group_unlock(grp);

	return ret;
}

static ssize_t core_store_type(struct iommu_group *group, const char *buf)
{
	struct device *dev;

	iommu_group_lock(group);
	if (core_device_count(group) != 1) {
		iommu_group_unlock(group);
		return -EINVAL;
	}
	dev = core_first_device(group);
	/*
	 * Comments are not code:
	 * device_lock(dev);
	 *	mutex_lock(&group->mutex);
	 *	mutex_unlock(&group->mutex);
	 * device_unlock(dev);
	 */
	iommu_group_unlock(group);

	return core_change_type(group, dev, buf);
}

static void core_probe_all(struct list_head *group_list)
{
	struct iommu_group *group, *next;

	list_for_each_entry_safe(group, next, group_list, entry) {
		iommu_group_lock(group);
		core_probe_finalize(group);
		iommu_group_unlock(group);
	}
}

static int core_owner_count(struct group_ref *ref)
{
	int n;

	iommu_group_lock(ref->group);
	n = ref->group->owner_cnt;
	iommu_group_unlock(ref->group);

	return n;
}

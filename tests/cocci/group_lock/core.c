// SPDX-License-Identifier: GPL-2.0
/*
 * The shapes of drivers/iommu/iommu.c: the annotated helpers, which keep
 * their own mutex_lock()/mutex_unlock(), and plain group->mutex sections
 * with early unlocks, gotos, loops and a group reached through a field.
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

	mutex_lock(&group->mutex);
	ret = __core_attach_group(domain, group);
	mutex_unlock(&group->mutex);

	return ret;
}

int core_claim(struct iommu_group *grp, void *owner)
{
	int ret = 0;

	mutex_lock(&grp->mutex);
	if (grp->owner_cnt) {
		ret = -EPERM;
		goto unlock_out;
	}
	grp->owner_cnt++;
unlock_out:
	mutex_unlock(&grp->mutex);

	return ret;
}

static ssize_t core_store_type(struct iommu_group *group, const char *buf)
{
	struct device *dev;

	mutex_lock(&group->mutex);
	if (core_device_count(group) != 1) {
		mutex_unlock(&group->mutex);
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
	mutex_unlock(&group->mutex);

	return core_change_type(group, dev, buf);
}

static void core_probe_all(struct list_head *group_list)
{
	struct iommu_group *group, *next;

	list_for_each_entry_safe(group, next, group_list, entry) {
		mutex_lock(&group->mutex);
		core_probe_finalize(group);
		mutex_unlock(&group->mutex);
	}
}

static int core_owner_count(struct group_ref *ref)
{
	int n;

	mutex_lock(&ref->group->mutex);
	n = ref->group->owner_cnt;
	mutex_unlock(&ref->group->mutex);

	return n;
}

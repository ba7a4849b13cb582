// SPDX-License-Identifier: GPL-2.0-only
/*
 * Stress client for the IOMMU release fence.
 *
 * A test-only user of the group ownership API.  It does what VFIO did in
 * the s390 zPCI hot-unplug report, minus VFIO's own protection (the group
 * fd is orphaned when its last device goes): it claims DMA ownership of the
 * group of a PCI device that has no driver bound, and attaches and detaches
 * an unmanaged domain in a loop while the device is unplugged and plugged
 * back from user space.  Every attach and detach reaches the IOMMU driver's
 * attach_dev/detach_dev ops and the unplug reaches its release_device op,
 * so without the fence they overlap; with it, release waits for the op in
 * flight and no op follows it.
 *
 * Interface, in debugfs under iommu-fence-stress/:
 *   target  name of the PCI device to work on (e.g. 0000:00:00.0)
 *   run     write 1 to start the client thread (or to re-arm it), 0 to
 *           stop it
 *   stats   counters: ownership rounds, attaches, failed attaches (and
 *           how many failed with -ENODEV), rounds cut short by an unplug
 *
 * Once armed, the thread works on the device until it loses it to an
 * unplug, then waits to be armed again.  User space re-arms it after the
 * device is back: a device that is still being added (bus_find_device()
 * finds it before the IOMMU core has probed it) is not what this client
 * tests.
 */

#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/device.h>
#include <linux/errno.h>
#include <linux/init.h>
#include <linux/iommu.h>
#include <linux/kthread.h>
#include <linux/limits.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/seq_file.h>
#include <linux/string.h>
#include <linux/uaccess.h>

/* Attach/detach pairs per ownership round, if the device stays. */
#define FENCE_STRESS_ROUND	64

struct fence_stress_stats {
	atomic_long_t rounds;
	atomic_long_t attached;
	atomic_long_t attach_failed;
	atomic_long_t attach_enodev;
	atomic_long_t claim_failed;
	atomic_long_t lost;
};

static DEFINE_MUTEX(fence_stress_lock);	/* target and thread */
static char fence_stress_target[32];
static struct task_struct *fence_stress_thread;
/* 0 when disarmed, else the generation of the last arming. */
static atomic_t fence_stress_armed;
static int fence_stress_generation;	/* under fence_stress_lock */
static struct fence_stress_stats fence_stress_stats;

static bool fence_stress_present(struct device *dev, struct iommu_group *group)
{
	return device_is_registered(dev) &&
	       READ_ONCE(dev->iommu_group) == group;
}

/*
 * One ownership round on @dev, armed as generation @armed; false when there
 * was nothing to do.
 */
static bool fence_stress_round(struct device *dev, int armed)
{
	struct fence_stress_stats *st = &fence_stress_stats;
	struct iommu_domain *domain;
	struct iommu_group *group;
	int i, ret;

	group = iommu_group_get(dev);
	if (!group)
		return false;

	domain = iommu_domain_alloc(dev->bus);
	if (!domain) {
		iommu_group_put(group);
		return false;
	}

	ret = iommu_group_claim_dma_owner(group, &fence_stress_stats);
	if (ret) {
		atomic_long_inc(&st->claim_failed);
		iommu_domain_free(domain);
		iommu_group_put(group);
		return false;
	}
	atomic_long_inc(&st->rounds);

	for (i = 0; i < FENCE_STRESS_ROUND && !kthread_should_stop(); i++) {
		ret = iommu_attach_group(domain, group);
		if (ret) {
			atomic_long_inc(&st->attach_failed);
			if (ret == -ENODEV)
				atomic_long_inc(&st->attach_enodev);
		} else {
			atomic_long_inc(&st->attached);
			iommu_detach_group(domain, group);
		}
		if (!fence_stress_present(dev, group)) {
			atomic_long_inc(&st->lost);
			/* Unless user space has armed us again meanwhile. */
			atomic_cmpxchg(&fence_stress_armed, armed, 0);
			break;
		}
		cond_resched();
	}

	iommu_group_release_dma_owner(group);
	iommu_domain_free(domain);
	iommu_group_put(group);
	return true;
}

static int fence_stress_fn(void *data)
{
	const char *name = data;
	struct device *dev;
	bool busy;
	int armed;

	while (!kthread_should_stop()) {
		armed = atomic_read(&fence_stress_armed);
		dev = NULL;
		if (armed)
			dev = bus_find_device_by_name(&pci_bus_type, NULL, name);
		busy = false;
		if (dev) {
			busy = fence_stress_round(dev, armed);
			put_device(dev);
		}
		if (!busy)
			usleep_range(500, 1000);
	}
	return 0;
}

static ssize_t fence_stress_target_write(struct file *file,
					 const char __user *buf, size_t count,
					 loff_t *ppos)
{
	char name[sizeof(fence_stress_target)], *s;
	ssize_t ret;

	if (count >= sizeof(name))
		return -EINVAL;
	if (copy_from_user(name, buf, count))
		return -EFAULT;
	name[count] = '\0';
	s = strim(name);
	if (!*s)
		return -EINVAL;

	mutex_lock(&fence_stress_lock);
	if (fence_stress_thread) {
		ret = -EBUSY;
	} else {
		strscpy(fence_stress_target, s,
			sizeof(fence_stress_target));
		ret = count;
	}
	mutex_unlock(&fence_stress_lock);
	return ret;
}

static int fence_stress_target_show(struct seq_file *m, void *v)
{
	mutex_lock(&fence_stress_lock);
	seq_printf(m, "%s\n", fence_stress_target);
	mutex_unlock(&fence_stress_lock);
	return 0;
}

static int fence_stress_target_open(struct inode *inode, struct file *file)
{
	return single_open(file, fence_stress_target_show, NULL);
}

static const struct file_operations fence_stress_target_fops = {
	.owner = THIS_MODULE,
	.open = fence_stress_target_open,
	.read = seq_read,
	.write = fence_stress_target_write,
	.llseek = seq_lseek,
	.release = single_release,
};

static int fence_stress_run_set(void *data, u64 val)
{
	struct task_struct *t;
	int ret = 0;

	if (val > 1)
		return -EINVAL;

	mutex_lock(&fence_stress_lock);
	if (val && !*fence_stress_target) {
		ret = -EINVAL;
		goto out;
	}
	if (val) {
		fence_stress_generation = fence_stress_generation % INT_MAX + 1;
		atomic_set(&fence_stress_armed, fence_stress_generation);
	} else {
		atomic_set(&fence_stress_armed, 0);
	}
	if (val && !fence_stress_thread) {
		t = kthread_run(fence_stress_fn, fence_stress_target,
				"iommu-fence-stress");
		if (IS_ERR(t))
			ret = PTR_ERR(t);
		else
			fence_stress_thread = t;
	} else if (!val && fence_stress_thread) {
		kthread_stop(fence_stress_thread);
		fence_stress_thread = NULL;
	}
out:
	mutex_unlock(&fence_stress_lock);
	return ret;
}

static int fence_stress_run_get(void *data, u64 *val)
{
	mutex_lock(&fence_stress_lock);
	*val = !!fence_stress_thread;
	mutex_unlock(&fence_stress_lock);
	return 0;
}

DEFINE_DEBUGFS_ATTRIBUTE(fence_stress_run_fops, fence_stress_run_get,
			 fence_stress_run_set, "%llu\n");

static int fence_stress_stats_show(struct seq_file *m, void *v)
{
	struct fence_stress_stats *st = &fence_stress_stats;

	seq_printf(m, "rounds %ld\n", atomic_long_read(&st->rounds));
	seq_printf(m, "attached %ld\n", atomic_long_read(&st->attached));
	seq_printf(m, "attach_failed %ld\n",
		   atomic_long_read(&st->attach_failed));
	seq_printf(m, "attach_enodev %ld\n",
		   atomic_long_read(&st->attach_enodev));
	seq_printf(m, "claim_failed %ld\n",
		   atomic_long_read(&st->claim_failed));
	seq_printf(m, "lost %ld\n", atomic_long_read(&st->lost));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(fence_stress_stats);

static int __init fence_stress_init(void)
{
	struct dentry *dir;

	dir = debugfs_create_dir("iommu-fence-stress", NULL);
	debugfs_create_file("target", 0600, dir, NULL,
			    &fence_stress_target_fops);
	debugfs_create_file_unsafe("run", 0600, dir, NULL,
				   &fence_stress_run_fops);
	debugfs_create_file("stats", 0400, dir, NULL,
			    &fence_stress_stats_fops);
	return 0;
}
late_initcall(fence_stress_init);

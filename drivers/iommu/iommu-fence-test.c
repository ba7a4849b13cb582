// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for fencing iommu_release_device() against the IOMMU core
 * paths that call into an IOMMU driver for the same device.
 *
 * This file is #included at the end of drivers/iommu/iommu.c, so it can call
 * the static helpers there and look inside struct iommu_group.  It uses only
 * what the v6.1 iommu.c already has, so it builds and runs both with and
 * without the release fence.
 *
 * The cases come in three suites, one per class, and the last word of a
 * suite's name is its class.  A race case fails without the fence and passes
 * with it (shared_clean is not a timing race, but only a fenced release
 * takes a device off its group's unmanaged domain before release_device()).
 * A regression case passes on both, and failed on the series before the fix
 * named in its kernel-doc.  A sanity case passes on both, or the harness is
 * broken.
 *
 * The mock IOMMU driver's code is mock_*(), the harness's fence_test_*();
 * iommu-fence-test.h declares what the benchmark suite in
 * iommu-fence-bench.c uses of them.
 *
 * The mock plays one of a few driver shapes per case (struct mock_shape):
 * per-device detach_dev() with a default domain, as intel, amd and s390; no
 * detach_dev() and one translation record shared by a group, as arm-smmu or
 * arm-smmu-v3 with devices behind a PCI DMA alias; no default domain, as
 * the users of the 32-bit ARM DMA mapping API (ipmmu-vmsa, mtk_iommu_v1);
 * and no detach_dev() with the default domain not set up yet, as a group
 * of arm-smmu-v3 or virtio-iommu in the middle of its probe.
 * A case's group can outlive its devices, as the groups that mtk_iommu,
 * rockchip and sun50i keep a reference to.
 *
 * A mock IOMMU driver is registered on the platform bus.  It takes only the
 * suites' own "iommu-fence-test" platform devices and keeps a record per
 * device, keyed by the device pointer, of what the core asked of it.  These
 * count as violations:
 *
 *  - attach_dev()/detach_dev() entering after release_device() started,
 *  - release_device() entering while an attach_dev()/detach_dev() on the
 *    same device is still in flight,
 *  - release_device() entering while the device is still attached, in the
 *    mock's own view, to a domain other than its group's default domain.
 *
 * Any op can be made to block on a gate until the test opens it, so a case
 * can hold one path in the driver and start the competing one.  The only
 * synchronisation is completions with bounded waits: a "must not happen yet"
 * check watches for a short while and expects the timeout.  The teardown
 * opens every gate and joins every helper thread before it frees anything,
 * so a failing case cannot leave a blocked thread or a closed gate behind.
 */

#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/debug_locks.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/ktime.h>
#include <linux/panic.h>
#include <linux/platform_device.h>
#include <linux/sizes.h>
#include <linux/spinlock.h>
#include <trace/events/error_report.h>

#include "iommu-fence-test.h"

#define MOCK_DEV_NAME		"iommu-fence-test"
#define MOCK_MAP_SLOTS		4
/* Bound on a gated op; the test or its teardown opens the gate long before. */
#define MOCK_GATE_MS		10000

#define FENCE_TEST_MAX_THREADS	8
#define FENCE_TEST_MAX_DOMAINS	2
/* How long an event that must happen may take. */
#define FENCE_TEST_WAIT_MS	5000
/* How long an event that must not happen yet is watched for. */
#define FENCE_TEST_QUIET_MS	200
/* Bound on joining a helper thread in the teardown. */
#define FENCE_TEST_JOIN_MS	30000

#define FENCE_TEST_IOVA		0x100000UL
#define FENCE_TEST_PADDR	0x200000UL

/**
 * struct mock_domain - a mock domain
 * @domain: the core's domain
 * @map: a handful of mappings, enough to show the domain still works
 */
struct mock_domain {
	struct iommu_domain domain;
	struct {
		unsigned long iova;
		phys_addr_t paddr;
		size_t size;
	} map[MOCK_MAP_SLOTS];
};

/* Protects mock_recs, every mock_rec's st, log and gates, and the maps. */
static DEFINE_SPINLOCK(mock_lock);
static LIST_HEAD(mock_recs);
static struct iommu_device mock_iommu;
static atomic_t mock_dev_id = ATOMIC_INIT(0);

/**
 * struct mock_shape - a driver shape the mock plays
 * @name: for messages
 * @detach_dev: domains have a per-device detach_dev(), and the rules of
 *	fence_test_expect_clean() include that release_device() finds the device
 *	off any domain but the default one
 * @default_domain: groups get an identity default domain; without one only
 *	unmanaged and blocking domains exist, as with the ARM DMA mapping API
 * @shared_xlate: the devices of a shared group reach one translation record
 *	(mock_xlate), which attach_dev() of any of them rewrites, as an SMMU
 *	stream-map entry or STE reached through a PCI DMA alias
 * @detach_in_release: release_device() detaches the device from its domain
 *	through iommu_detach_device() where the core lets it, as ipmmu-vmsa's
 *	arm_iommu_detach_device() on v6.1
 */
struct mock_shape {
	const char *name;
	bool detach_dev;
	bool default_domain;
	bool shared_xlate;
	bool detach_in_release;
};

enum {
	MOCK_SHAPE_DETACH,
	MOCK_SHAPE_SHARED_XLATE,
	MOCK_SHAPE_NO_DEFAULT,
	MOCK_SHAPE_NO_DETACH_UNSET,
};

static const struct mock_shape mock_shapes[] = {
	[MOCK_SHAPE_DETACH] = {
		.name = "detach_dev, default domain",
		.detach_dev = true,
		.default_domain = true,
	},
	[MOCK_SHAPE_SHARED_XLATE] = {
		.name = "no detach_dev, shared translation",
		.default_domain = true,
		.shared_xlate = true,
	},
	[MOCK_SHAPE_NO_DEFAULT] = {
		.name = "detach_dev, no default domain",
		.detach_dev = true,
		.detach_in_release = true,
	},
	/*
	 * A driver without detach_dev() whose group has no default domain
	 * yet: the state between the two sections of iommu_probe_device(),
	 * held for as long as a case needs by refusing the domain.
	 */
	[MOCK_SHAPE_NO_DETACH_UNSET] = {
		.name = "no detach_dev, default domain not set up",
	},
};

/* The shape of the current case; set before it adds a device. */
static const struct mock_shape *mock_cur_shape = &mock_shapes[MOCK_SHAPE_DETACH];

/* The translation record of a shared_xlate group, under mock_lock. */
static struct iommu_domain *mock_xlate;
/* release_device() calls in flight on devices of the shared group. */
static unsigned int mock_shared_releasing;
/*
 * A domain the mock keeps a pointer to, as drivers that keep their group
 * alive keep the domain they last attached, and whether it was freed.
 */
static struct iommu_domain *mock_cached;
static bool mock_cached_freed;

/*
 * Time an attach_dev()/detach_dev() spends outside the mock's lock, as a
 * real driver does programming its hardware; only the benchmarks set it.
 */
static unsigned int mock_op_work_ns;

static struct mock_domain *to_mock_domain(struct iommu_domain *domain)
{
	return container_of(domain, struct mock_domain, domain);
}

static struct mock_rec *mock_rec_find(struct device *dev)
{
	struct mock_rec *rec;

	lockdep_assert_held(&mock_lock);
	list_for_each_entry(rec, &mock_recs, node)
		if (rec->dev == dev)
			return rec;
	return NULL;
}

static void mock_log(struct mock_rec *rec, enum mock_ev kind,
		     struct iommu_domain *domain)
{
	lockdep_assert_held(&mock_lock);
	if (rec->nlog < MOCK_LOG_LEN) {
		rec->log[rec->nlog].kind = kind;
		rec->log[rec->nlog].domain = domain;
	}
	rec->nlog++;
}

/* Does an op of type @op on @domain stop at its gate?  Disarms the gate. */
static bool mock_gate_match(struct mock_rec *rec, enum mock_op op,
			    struct iommu_domain *domain)
{
	struct mock_gate *gate = &rec->gate[op];

	lockdep_assert_held(&mock_lock);
	if (!gate->armed || (gate->domain && gate->domain != domain))
		return false;
	gate->armed = false;
	return true;
}

/* Signal that an op entered and, if it was gated, wait for the gate. */
static void mock_op_wait(struct mock_rec *rec, enum mock_op op, bool gated)
{
	struct mock_gate *gate = &rec->gate[op];
	unsigned int work_ns = READ_ONCE(mock_op_work_ns);

	if (work_ns && op != MOCK_OP_RELEASE)
		ndelay(work_ns);
	complete(&rec->entered[op]);
	if (!gated)
		return;

	complete(&gate->entered);
	if (!wait_for_completion_timeout(&gate->open,
					 msecs_to_jiffies(MOCK_GATE_MS))) {
		spin_lock(&mock_lock);
		rec->st.gate_timeouts++;
		spin_unlock(&mock_lock);
	}
}

/* Account for an attach_dev()/detach_dev() entering; NULL if not ours. */
static struct mock_rec *mock_op_enter(struct device *dev, enum mock_op op,
				      struct iommu_domain *domain,
				      bool *gated)
{
	struct mock_rec *rec;

	spin_lock(&mock_lock);
	rec = mock_rec_find(dev);
	if (rec) {
		if (op == MOCK_OP_ATTACH) {
			rec->st.attaches++;
			mock_log(rec, MOCK_EV_ATTACH, domain);
		} else {
			rec->st.detaches++;
			mock_log(rec, MOCK_EV_DETACH, domain);
		}
		if (rec->st.release_started)
			rec->st.late_ops++;
		else if (rec->shared_group && mock_shared_releasing)
			rec->st.group_overlaps++;
		rec->st.in_flight++;
		*gated = mock_gate_match(rec, op, domain);
	}
	spin_unlock(&mock_lock);
	return rec;
}

static int mock_attach_dev(struct iommu_domain *domain, struct device *dev)
{
	struct mock_rec *rec;
	bool gated;

	rec = mock_op_enter(dev, MOCK_OP_ATTACH, domain, &gated);
	if (!rec)
		return -ENODEV;

	mock_op_wait(rec, MOCK_OP_ATTACH, gated);

	spin_lock(&mock_lock);
	rec->st.in_flight--;
	if (rec->fail_attach) {
		spin_unlock(&mock_lock);
		return -EIO;
	}
	rec->st.attached = domain;
	if (mock_cur_shape->shared_xlate && rec->shared_group)
		mock_xlate = domain;
	spin_unlock(&mock_lock);
	return 0;
}

static void mock_detach_dev(struct iommu_domain *domain, struct device *dev)
{
	struct mock_rec *rec;
	bool gated;

	rec = mock_op_enter(dev, MOCK_OP_DETACH, domain, &gated);
	if (!rec)
		return;

	mock_op_wait(rec, MOCK_OP_DETACH, gated);

	spin_lock(&mock_lock);
	rec->st.in_flight--;
	if (rec->st.attached == domain)
		rec->st.attached = NULL;
	spin_unlock(&mock_lock);
}

static int mock_map(struct iommu_domain *domain, unsigned long iova,
		    phys_addr_t paddr, size_t size, int prot, gfp_t gfp)
{
	struct mock_domain *fd = to_mock_domain(domain);
	int i, ret = -ENOSPC;

	spin_lock(&mock_lock);
	for (i = 0; i < MOCK_MAP_SLOTS; i++) {
		if (fd->map[i].size)
			continue;
		fd->map[i].iova = iova;
		fd->map[i].paddr = paddr;
		fd->map[i].size = size;
		ret = 0;
		break;
	}
	spin_unlock(&mock_lock);
	return ret;
}

static size_t mock_unmap(struct iommu_domain *domain, unsigned long iova,
			 size_t size, struct iommu_iotlb_gather *gather)
{
	struct mock_domain *fd = to_mock_domain(domain);
	size_t unmapped = 0;
	int i;

	spin_lock(&mock_lock);
	for (i = 0; i < MOCK_MAP_SLOTS; i++) {
		if (!fd->map[i].size || fd->map[i].iova != iova)
			continue;
		unmapped = fd->map[i].size;
		fd->map[i].size = 0;
		break;
	}
	spin_unlock(&mock_lock);
	return unmapped;
}

static phys_addr_t mock_iova_to_phys(struct iommu_domain *domain,
				     dma_addr_t iova)
{
	struct mock_domain *fd = to_mock_domain(domain);
	phys_addr_t paddr = 0;
	int i;

	spin_lock(&mock_lock);
	for (i = 0; i < MOCK_MAP_SLOTS; i++) {
		if (fd->map[i].size && iova >= fd->map[i].iova &&
		    iova - fd->map[i].iova < fd->map[i].size) {
			paddr = fd->map[i].paddr + (iova - fd->map[i].iova);
			break;
		}
	}
	spin_unlock(&mock_lock);
	return paddr;
}

static void mock_domain_free(struct iommu_domain *domain)
{
	spin_lock(&mock_lock);
	if (domain == mock_cached)
		mock_cached_freed = true;
	spin_unlock(&mock_lock);
	kfree(to_mock_domain(domain));
}

static const struct iommu_domain_ops mock_domain_ops = {
	.attach_dev	= mock_attach_dev,
	.detach_dev	= mock_detach_dev,
	.map		= mock_map,
	.unmap		= mock_unmap,
	.iova_to_phys	= mock_iova_to_phys,
	.free		= mock_domain_free,
};

static const struct iommu_domain_ops mock_domain_ops_no_detach = {
	.attach_dev	= mock_attach_dev,
	.map		= mock_map,
	.unmap		= mock_unmap,
	.iova_to_phys	= mock_iova_to_phys,
	.free		= mock_domain_free,
};

/* DMA domains need an IOMMU_DMA cookie, which UML cannot have. */
static struct iommu_domain *mock_domain_alloc(unsigned int type)
{
	const struct mock_shape *shape = READ_ONCE(mock_cur_shape);
	struct mock_domain *fd;

	if (type != IOMMU_DOMAIN_UNMANAGED && type != IOMMU_DOMAIN_BLOCKED &&
	    (type != IOMMU_DOMAIN_IDENTITY || !shape->default_domain))
		return NULL;

	fd = kzalloc(sizeof(*fd), GFP_KERNEL);
	if (!fd)
		return NULL;
	fd->domain.ops = shape->detach_dev ? &mock_domain_ops :
					     &mock_domain_ops_no_detach;
	return &fd->domain;
}

static struct iommu_device *mock_probe_device(struct device *dev)
{
	struct mock_rec *rec;

	if (!dev_is_platform(dev) ||
	    strcmp(to_platform_device(dev)->name, MOCK_DEV_NAME))
		return ERR_PTR(-ENODEV);

	spin_lock(&mock_lock);
	rec = mock_rec_find(dev);
	if (rec) {
		rec->st.probes++;
		mock_log(rec, MOCK_EV_PROBE, NULL);
	}
	spin_unlock(&mock_lock);

	return rec ? &mock_iommu : ERR_PTR(-ENODEV);
}

static void mock_release_device(struct device *dev)
{
	const struct mock_shape *shape = READ_ONCE(mock_cur_shape);
	/* The device is still alive here; its group is what it left. */
	struct iommu_group *group = dev->iommu_group;
	struct iommu_domain *attached;
	struct mock_rec *rec;
	bool gated;

	spin_lock(&mock_lock);
	rec = mock_rec_find(dev);
	attached = rec ? rec->st.attached : NULL;
	spin_unlock(&mock_lock);
	if (!rec)
		return;

	/*
	 * ipmmu-vmsa's release_device() as each tree has it: v6.1 detaches
	 * the device itself with arm_iommu_detach_device(), which takes
	 * group->mutex; where the core holds that mutex around the release,
	 * release_locking.cocci has turned it into arm_iommu_release_device(),
	 * which only drops the driver's own state.
	 */
	if (shape->detach_in_release && group && attached &&
	    !mutex_is_locked(&group->mutex))
		iommu_detach_device(attached, dev);

	spin_lock(&mock_lock);
	rec->st.releases++;
	rec->st.release_started = true;
	if (rec->st.in_flight)
		rec->st.release_during_op++;
	if (shape->detach_dev && rec->st.attached &&
	    (!group || rec->st.attached != group->default_domain))
		rec->st.release_unclean++;
	mock_log(rec, MOCK_EV_RELEASE, NULL);
	gated = mock_gate_match(rec, MOCK_OP_RELEASE, NULL);
	if (rec->shared_group)
		mock_shared_releasing++;
	spin_unlock(&mock_lock);

	mock_op_wait(rec, MOCK_OP_RELEASE, gated);

	spin_lock(&mock_lock);
	if (rec->shared_group)
		mock_shared_releasing--;
	rec->st.release_finished = true;
	spin_unlock(&mock_lock);
}

/* Probe paths are serialised by iommu_probe_device_lock. */
static struct iommu_group *mock_device_group(struct device *dev)
{
	struct iommu_group **shared = NULL;
	struct iommu_group *group;
	struct mock_rec *rec;
	bool fail = false;

	spin_lock(&mock_lock);
	rec = mock_rec_find(dev);
	if (rec) {
		shared = rec->shared_group;
		fail = rec->fail_group;
	}
	spin_unlock(&mock_lock);
	if (rec)
		complete(&rec->entered[MOCK_OP_GROUP]);

	if (fail)
		return ERR_PTR(-ENOSPC);
	if (!shared)
		return generic_device_group(dev);
	if (*shared)
		return iommu_group_ref_get(*shared);

	group = iommu_group_alloc();
	if (!IS_ERR(group))
		*shared = iommu_group_ref_get(group);
	return group;
}

static int mock_def_domain_type(struct device *dev)
{
	struct mock_rec *rec;
	int type = 0;

	spin_lock(&mock_lock);
	rec = mock_rec_find(dev);
	if (rec)
		type = rec->def_domain_type;
	spin_unlock(&mock_lock);
	return type;
}

static bool mock_is_attach_deferred(struct device *dev)
{
	struct mock_rec *rec;
	bool deferred = false;

	spin_lock(&mock_lock);
	rec = mock_rec_find(dev);
	if (rec)
		deferred = rec->attach_deferred;
	spin_unlock(&mock_lock);
	return deferred;
}

static const struct iommu_ops mock_ops = {
	.domain_alloc		= mock_domain_alloc,
	.probe_device		= mock_probe_device,
	.release_device		= mock_release_device,
	.device_group		= mock_device_group,
	.is_attach_deferred	= mock_is_attach_deferred,
	.def_domain_type	= mock_def_domain_type,
	.default_domain_ops	= &mock_domain_ops,
	.pgsize_bitmap		= SZ_4K,
};

/*
 * v6.1 leaves the ops of the last IOMMU driver on the buses; take the mock's
 * off again so that later devices do not see an IOMMU that is gone.
 */
static void mock_clear_bus_ops(void)
{
	int i;

	mutex_lock(&iommu_probe_device_lock);
	for (i = 0; i < ARRAY_SIZE(iommu_buses); i++)
		if (iommu_buses[i]->iommu_ops == &mock_ops)
			iommu_buses[i]->iommu_ops = NULL;
	mutex_unlock(&iommu_probe_device_lock);
}

/* Register the mock on the platform bus; it probes what is already there. */
static int mock_register(void)
{
	int ret;

	ret = iommu_device_sysfs_add(&mock_iommu, NULL, NULL, "%s",
				     "iommu-fence-mock");
	if (ret)
		return ret;

	ret = iommu_device_register(&mock_iommu, &mock_ops, NULL);
	if (ret) {
		mock_clear_bus_ops();
		iommu_device_sysfs_remove(&mock_iommu);
	}
	return ret;
}

static void mock_unregister(void)
{
	iommu_device_unregister(&mock_iommu);
	mock_clear_bus_ops();
	iommu_device_sysfs_remove(&mock_iommu);
}

/**
 * mock_set_op_work_ns() - make the mock's attach and detach take time
 * @ns: how long each attach_dev() and detach_dev() spends outside the
 *	mock's lock, as a driver programming its hardware does; 0 for none
 *
 * The benchmarks set it; fence_test_exit() resets it.
 */
void mock_set_op_work_ns(unsigned int ns)
{
	WRITE_ONCE(mock_op_work_ns, ns);
}

/**
 * mock_gate_arm() - hold the next op of a type on a device in the mock
 * @rec: the device's record
 * @op: the type of op
 * @domain: hold only an op on this domain; NULL for any
 *
 * The next matching op signals mock_gate_entered() and blocks until
 * mock_gate_open(), or until MOCK_GATE_MS have passed, which the device's
 * &mock_stats.gate_timeouts counts.
 */
void mock_gate_arm(struct mock_rec *rec, enum mock_op op,
		   struct iommu_domain *domain)
{
	struct mock_gate *gate = &rec->gate[op];

	spin_lock(&mock_lock);
	reinit_completion(&gate->entered);
	reinit_completion(&gate->open);
	gate->domain = domain;
	gate->armed = true;
	spin_unlock(&mock_lock);
}

/**
 * mock_gate_open() - let an op held by mock_gate_arm() go
 * @rec: the device's record
 * @op: the type of op
 *
 * Also disarms the gate, if no op has reached it yet.
 */
void mock_gate_open(struct mock_rec *rec, enum mock_op op)
{
	spin_lock(&mock_lock);
	rec->gate[op].armed = false;
	spin_unlock(&mock_lock);
	complete_all(&rec->gate[op].open);
}

/**
 * mock_gate_entered() - wait until an op is held at a gate
 * @rec: the device's record
 * @op: the type of op
 *
 * Return: true once an op is blocked at the gate of type @op of @rec, false
 * if none got there within FENCE_TEST_WAIT_MS.
 */
bool mock_gate_entered(struct mock_rec *rec, enum mock_op op)
{
	return wait_for_completion_timeout(&rec->gate[op].entered,
					   msecs_to_jiffies(FENCE_TEST_WAIT_MS));
}

/* Forget earlier ops of type @op, to watch for the next one. */
static void mock_watch(struct mock_rec *rec, enum mock_op op)
{
	reinit_completion(&rec->entered[op]);
}

/* Did an op of type @op enter within FENCE_TEST_QUIET_MS?  Expected: no. */
static bool mock_entered_soon(struct mock_rec *rec, enum mock_op op)
{
	return wait_for_completion_timeout(&rec->entered[op],
					   msecs_to_jiffies(FENCE_TEST_QUIET_MS));
}

static struct mock_stats mock_get_stats(struct mock_rec *rec)
{
	struct mock_stats st;

	spin_lock(&mock_lock);
	st = rec->st;
	spin_unlock(&mock_lock);
	return st;
}

static void mock_set_def_domain_type(struct mock_rec *rec, int type)
{
	spin_lock(&mock_lock);
	rec->def_domain_type = type;
	spin_unlock(&mock_lock);
}

static void mock_set_attach_deferred(struct mock_rec *rec, bool deferred)
{
	spin_lock(&mock_lock);
	rec->attach_deferred = deferred;
	spin_unlock(&mock_lock);
}

/**
 * mock_rec_new() - a device for the mock to take, and its record
 *
 * Allocates a platform device that the mock takes, not added yet, and the
 * record through which the mock reports on it and the test steers it.  The
 * record holds a reference on the device.  It is not kunit_kzalloc()ed: it
 * must stay until nothing can reach the mock any more, which may be after
 * the case; mock_rec_free() frees it.
 *
 * Return: the record on mock_recs, or NULL if out of memory.
 */
struct mock_rec *mock_rec_new(void)
{
	struct platform_device *pdev;
	struct mock_rec *rec;
	int op;

	rec = kzalloc(sizeof(*rec), GFP_KERNEL);
	if (!rec)
		return NULL;
	pdev = platform_device_alloc(MOCK_DEV_NAME,
				     atomic_inc_return(&mock_dev_id));
	if (!pdev) {
		kfree(rec);
		return NULL;
	}
	for (op = 0; op < MOCK_OP_NR; op++) {
		init_completion(&rec->gate[op].entered);
		init_completion(&rec->gate[op].open);
		init_completion(&rec->entered[op]);
	}
	rec->pdev = pdev;
	rec->dev = get_device(&pdev->dev);
	rec->def_domain_type = IOMMU_DOMAIN_IDENTITY;

	spin_lock(&mock_lock);
	list_add(&rec->node, &mock_recs);
	spin_unlock(&mock_lock);
	return rec;
}

/**
 * mock_rec_free() - free a record from mock_rec_new()
 * @rec: the record
 *
 * Takes @rec off mock_recs, drops its reference on its device and frees it.
 * Call it once the device is gone or was never added and no thread can
 * reach the mock for it.
 */
void mock_rec_free(struct mock_rec *rec)
{
	spin_lock(&mock_lock);
	list_del(&rec->node);
	spin_unlock(&mock_lock);
	put_device(rec->dev);
	kfree(rec);
}

/* Play @shape for the rest of the case; before its first device. */
static void mock_set_shape(unsigned int shape)
{
	spin_lock(&mock_lock);
	WRITE_ONCE(mock_cur_shape, &mock_shapes[shape]);
	mock_xlate = NULL;
	mock_cached = NULL;
	mock_cached_freed = false;
	spin_unlock(&mock_lock);
}

static struct iommu_domain *mock_get_xlate(void)
{
	struct iommu_domain *xlate;

	spin_lock(&mock_lock);
	xlate = mock_xlate;
	spin_unlock(&mock_lock);
	return xlate;
}

/* WARNs seen since the suite started, if the error_report tracepoint exists. */
static atomic_t fence_test_warnings = ATOMIC_INIT(0);
static bool fence_test_counting_warnings;

static void fence_test_error_report(void *ignore, enum error_detector det,
				    unsigned long id)
{
	if (det == ERROR_DETECTOR_WARN)
		atomic_inc(&fence_test_warnings);
}

/**
 * struct fence_test_ctx - what one case created, for the teardown
 * @recs: the records of the devices it created
 * @nrecs: number of @recs
 * @shared_group: the mock's reference to a group shared by @recs
 * @domains: domains the case allocated
 * @ndomains: number of @domains
 * @threads: helper threads the case started
 * @nthreads: number of @threads
 * @warnings: fence_test_warnings when the case started
 * @tainted: TAINT_WARN was already set when the case started
 * @debug_locks: lockdep had found no problem when the case started
 */
struct fence_test_ctx {
	struct mock_rec *recs[FENCE_TEST_MAX_DEVS];
	unsigned int nrecs;
	struct iommu_group *shared_group;
	struct iommu_domain *domains[FENCE_TEST_MAX_DOMAINS];
	unsigned int ndomains;
	struct fence_test_thread threads[FENCE_TEST_MAX_THREADS];
	unsigned int nthreads;
	int warnings;
	bool tainted;
	bool debug_locks;
};

static int fence_test_thread_fn(void *data)
{
	struct fence_test_thread *t = data;

	t->ret = t->fn(t);
	t->done_ns = ktime_get_ns();
	/* complete_all(): both the case and its teardown wait for it. */
	complete_all(&t->done);
	return 0;
}

static int fence_test_do_unregister(struct fence_test_thread *t)
{
	platform_device_unregister(t->rec->pdev);
	return 0;
}

/**
 * fence_test_do_attach_group() - for fence_test_start(): attach a group
 * @t: the thread, with the group and the domain
 *
 * Return: what iommu_attach_group() returned.
 */
int fence_test_do_attach_group(struct fence_test_thread *t)
{
	return iommu_attach_group(t->domain, t->group);
}

static int fence_test_do_detach_group(struct fence_test_thread *t)
{
	iommu_detach_group(t->domain, t->group);
	return 0;
}

static int fence_test_do_attach_detach_group(struct fence_test_thread *t)
{
	int ret = iommu_attach_group(t->domain, t->group);

	iommu_detach_group(t->domain, t->group);
	return ret;
}

static int fence_test_do_store_type(struct fence_test_thread *t)
{
	return iommu_group_store_type(t->group, "auto", 4);
}

static int fence_test_do_deferred_attach(struct fence_test_thread *t)
{
	return iommu_deferred_attach(t->rec->dev, t->domain);
}

static int fence_test_do_add(struct fence_test_thread *t)
{
	return platform_device_add(t->rec->pdev);
}

/* The single-device API of the ARM DMA mapping code and tegra users. */
static int fence_test_do_attach_device(struct fence_test_thread *t)
{
	return iommu_attach_device(t->domain, t->rec->dev);
}

static int fence_test_do_detach_device(struct fence_test_thread *t)
{
	iommu_detach_device(t->domain, t->rec->dev);
	return 0;
}

/**
 * fence_test_start() - run a core call in a helper thread of the case
 * @test: the case
 * @fn: the call, one of the fence_test_do_*() helpers
 * @rec: the device it concerns, if any
 * @group: the group it concerns, if any
 * @domain: the domain it concerns, if any
 *
 * The case's teardown joins the thread before it frees anything that the
 * thread may reach.  Fails the case if the thread cannot be started.
 *
 * Return: the thread, to wait for with fence_test_join() and read its
 * &fence_test_thread.ret.
 */
struct fence_test_thread *fence_test_start(struct kunit *test,
					   int (*fn)(struct fence_test_thread *t),
					   struct mock_rec *rec,
					   struct iommu_group *group,
					   struct iommu_domain *domain)
{
	struct fence_test_ctx *ctx = test->priv;
	struct task_struct *task;
	struct fence_test_thread *t;

	KUNIT_ASSERT_LT(test, ctx->nthreads, FENCE_TEST_MAX_THREADS);
	t = &ctx->threads[ctx->nthreads];
	t->fn = fn;
	t->rec = rec;
	t->group = group;
	t->domain = domain;
	init_completion(&t->done);

	task = kthread_run(fence_test_thread_fn, t, "iommu-fence/%u", ctx->nthreads);
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(task), "kthread_run: %ld",
			       PTR_ERR(task));
	ctx->nthreads++;
	return t;
}

/**
 * fence_test_start_release() - unregister a device in a helper thread
 * @test: the case
 * @rec: the device's record
 *
 * platform_device_unregister() ends in iommu_release_device(), and with it
 * in the mock's release_device().
 *
 * Return: the thread, as fence_test_start().
 */
struct fence_test_thread *fence_test_start_release(struct kunit *test,
						   struct mock_rec *rec)
{
	struct fence_test_thread *t;

	t = fence_test_start(test, fence_test_do_unregister, rec, NULL, NULL);
	rec->unregistered = true;
	return t;
}

/**
 * fence_test_join() - wait for a helper thread's call to return
 * @t: the thread
 *
 * Return: true if the call returned within FENCE_TEST_WAIT_MS.
 */
bool fence_test_join(struct fence_test_thread *t)
{
	return wait_for_completion_timeout(&t->done,
					   msecs_to_jiffies(FENCE_TEST_WAIT_MS));
}

/*
 * A record for a device of the case, in the case's shared group if @shared,
 * and the platform device, not added yet.
 */
static struct mock_rec *fence_test_new_device(struct kunit *test, bool shared)
{
	struct fence_test_ctx *ctx = test->priv;
	struct mock_rec *rec;

	KUNIT_ASSERT_LT(test, ctx->nrecs, FENCE_TEST_MAX_DEVS);
	rec = mock_rec_new();
	KUNIT_ASSERT_NOT_NULL_MSG(test, rec, "out of memory");
	/* Not added yet: device_group() cannot read this concurrently. */
	if (shared)
		rec->shared_group = &ctx->shared_group;
	ctx->recs[ctx->nrecs++] = rec;
	return rec;
}

/* The checks of fence_test_add_device() once platform_device_add() returned. */
static void fence_test_added(struct kunit *test, struct mock_rec *rec)
{
	struct mock_stats st;

	rec->group = iommu_group_get(rec->dev);
	KUNIT_ASSERT_NOT_NULL_MSG(test, rec->group, "device was not probed");
	if (mock_cur_shape->default_domain)
		KUNIT_ASSERT_NOT_NULL(test, rec->group->default_domain);

	st = mock_get_stats(rec);
	KUNIT_ASSERT_EQ(test, st.probes, 1U);
	KUNIT_ASSERT_PTR_EQ_MSG(test, st.attached, rec->group->domain,
				"a new device is not on its group's domain");
}

/**
 * fence_test_add_device() - create a test device and let the core probe it
 * @test: the case
 * @shared: put the device in the case's shared group
 *
 * The device is probed through BUS_NOTIFY_ADD_DEVICE and must end on its
 * group's domain: a new identity default domain for a new group of a shape
 * that has one.  The record holds a reference on the device until the
 * teardown, so the device's memory outlives its release.  The case fails
 * if the device cannot be added or probed.
 *
 * Return: the device's record.
 */
struct mock_rec *fence_test_add_device(struct kunit *test, bool shared)
{
	struct mock_rec *rec = fence_test_new_device(test, shared);
	int ret;

	ret = platform_device_add(rec->pdev);
	KUNIT_ASSERT_EQ_MSG(test, ret, 0, "platform_device_add failed");
	rec->added = true;
	fence_test_added(test, rec);
	return rec;
}

/**
 * fence_test_alloc_domain() - an unmanaged domain of the mock for the case
 * @test: the case
 *
 * The teardown takes the case's groups off the domain and frees it.  The
 * case fails if it cannot be allocated.
 *
 * Return: the domain.
 */
struct iommu_domain *fence_test_alloc_domain(struct kunit *test)
{
	struct fence_test_ctx *ctx = test->priv;
	struct iommu_domain *domain;

	KUNIT_ASSERT_LT(test, ctx->ndomains, FENCE_TEST_MAX_DOMAINS);
	domain = iommu_domain_alloc(&platform_bus_type);
	KUNIT_ASSERT_NOT_NULL(test, domain);
	ctx->domains[ctx->ndomains++] = domain;
	return domain;
}

/**
 * fence_test_expect_clean() - check the rules of the fence for a device
 * @test: the case
 * @rec: the device's record
 *
 * After the fact: no attach or detach reached the driver after the device's
 * release_device() started or during the release of another device of its
 * shared group, release_device() did not enter with an op in flight or,
 * where the shape has detach_dev(), on a domain other than the default
 * one, and no gated op timed out.
 */
void fence_test_expect_clean(struct kunit *test, struct mock_rec *rec)
{
	struct mock_stats st = mock_get_stats(rec);

	KUNIT_EXPECT_EQ_MSG(test, st.late_ops, 0U,
			    "attach/detach reached the driver after release_device() started");
	KUNIT_EXPECT_EQ_MSG(test, st.group_overlaps, 0U,
			    "attach/detach reached the driver during the release of another device of its group");
	KUNIT_EXPECT_EQ_MSG(test, st.release_during_op, 0U,
			    "release_device() entered with attach/detach in flight");
	KUNIT_EXPECT_EQ_MSG(test, st.release_unclean, 0U,
			    "release_device() entered on a non-default domain");
	KUNIT_EXPECT_EQ_MSG(test, st.gate_timeouts, 0U,
			    "a gated op timed out");
}

/* No WARN and no lockdep report since the case started. */
static void fence_test_expect_no_warn(struct kunit *test)
{
	struct fence_test_ctx *ctx = test->priv;

	if (fence_test_counting_warnings)
		KUNIT_EXPECT_EQ_MSG(test, atomic_read(&fence_test_warnings),
				    ctx->warnings, "the case hit a WARN");
	else if (!ctx->tainted)
		KUNIT_EXPECT_FALSE_MSG(test, test_taint(TAINT_WARN),
				       "the case hit a WARN");
	if (ctx->debug_locks)
		KUNIT_EXPECT_TRUE_MSG(test, debug_locks,
				      "lockdep reported a problem during the case");
}

/**
 * sanity_lifecycle() - probe, attach, detach and release, nothing racing
 * @test: the case
 *
 * Probe, attach to an unmanaged domain, detach back to the default domain
 * and release, with nothing racing: the mock sees exactly these ops, in
 * this order, and no violation.  Passes with and without the fence.
 */
static void sanity_lifecycle(struct kunit *test)
{
	struct mock_event want[] = {
		{ MOCK_EV_PROBE }, { MOCK_EV_ATTACH }, { MOCK_EV_ATTACH },
		{ MOCK_EV_ATTACH }, { MOCK_EV_RELEASE },
	};
	struct iommu_domain *dflt, *domain;
	struct mock_event log[MOCK_LOG_LEN];
	struct fence_test_thread *rel;
	struct mock_stats st;
	struct mock_rec *rec;
	unsigned int nlog, i;

	rec = fence_test_add_device(test, false);
	dflt = rec->group->default_domain;
	KUNIT_EXPECT_EQ(test, dflt->type, IOMMU_DOMAIN_IDENTITY);
	domain = fence_test_alloc_domain(test);

	KUNIT_ASSERT_EQ(test, iommu_attach_group(domain, rec->group), 0);
	KUNIT_EXPECT_PTR_EQ(test, mock_get_stats(rec).attached, domain);
	KUNIT_EXPECT_PTR_EQ(test, iommu_get_domain_for_dev(rec->dev), domain);

	iommu_detach_group(domain, rec->group);
	KUNIT_EXPECT_PTR_EQ(test, mock_get_stats(rec).attached, dflt);
	KUNIT_EXPECT_PTR_EQ(test, iommu_get_domain_for_dev(rec->dev), dflt);

	rel = fence_test_start_release(test, rec);
	KUNIT_ASSERT_TRUE_MSG(test, fence_test_join(rel), "release did not finish");

	st = mock_get_stats(rec);
	KUNIT_EXPECT_EQ(test, st.probes, 1U);
	KUNIT_EXPECT_EQ(test, st.attaches, 3U);
	KUNIT_EXPECT_EQ(test, st.detaches, 0U);
	KUNIT_EXPECT_EQ(test, st.releases, 1U);
	KUNIT_EXPECT_TRUE(test, st.release_finished);

	spin_lock(&mock_lock);
	nlog = rec->nlog;
	memcpy(log, rec->log, sizeof(log));
	spin_unlock(&mock_lock);

	/* probe, attach(default), attach(domain), attach(default), release */
	want[1].domain = dflt;
	want[2].domain = domain;
	want[3].domain = dflt;
	KUNIT_ASSERT_EQ(test, nlog, (unsigned int)ARRAY_SIZE(want));
	for (i = 0; i < ARRAY_SIZE(want); i++) {
		KUNIT_EXPECT_EQ_MSG(test, log[i].kind, want[i].kind, "op %u", i);
		KUNIT_EXPECT_PTR_EQ_MSG(test, log[i].domain, want[i].domain,
					"op %u", i);
	}

	fence_test_expect_clean(test, rec);
	fence_test_expect_no_warn(test);
}

/*
 * Start @fn in a thread, hold the attach_dev() of @target it makes in the
 * driver, and unregister the device meanwhile: release_device() must not
 * start until that attach_dev() has returned.  Returns what @fn returned.
 */
static int fence_test_release_during_attach(struct kunit *test,
					    struct mock_rec *rec,
					    int (*fn)(struct fence_test_thread *t),
					    struct iommu_domain *arg,
					    struct iommu_domain *target,
					    const char *what)
{
	struct fence_test_thread *op, *rel;

	mock_gate_arm(rec, MOCK_OP_ATTACH, target);
	op = fence_test_start(test, fn, rec, rec->group, arg);
	KUNIT_ASSERT_TRUE_MSG(test, mock_gate_entered(rec, MOCK_OP_ATTACH),
			      "%s never reached the driver", what);

	rel = fence_test_start_release(test, rec);
	KUNIT_EXPECT_FALSE_MSG(test,
			       mock_entered_soon(rec, MOCK_OP_RELEASE),
			       "release_device() entered while %s was in flight",
			       what);

	mock_gate_open(rec, MOCK_OP_ATTACH);
	KUNIT_ASSERT_TRUE_MSG(test, fence_test_join(op), "%s did not return", what);
	KUNIT_ASSERT_TRUE_MSG(test, fence_test_join(rel), "release did not finish");
	KUNIT_EXPECT_TRUE(test, mock_get_stats(rec).release_finished);
	return op->ret;
}

/*
 * Unregister the device of @rec and hold its release_device() in the mock,
 * so that the case can start a competing path; returns the release thread.
 */
static struct fence_test_thread *fence_test_hold_release(struct kunit *test,
							 struct mock_rec *rec)
{
	struct fence_test_thread *rel;

	mock_gate_arm(rec, MOCK_OP_RELEASE, NULL);
	rel = fence_test_start_release(test, rec);
	KUNIT_ASSERT_TRUE_MSG(test, mock_gate_entered(rec, MOCK_OP_RELEASE),
			      "release_device() never reached the driver");
	return rel;
}

/* Let the release held by fence_test_hold_release() go and wait for it. */
static void fence_test_finish_release(struct kunit *test, struct mock_rec *rec,
				      struct fence_test_thread *rel)
{
	mock_gate_open(rec, MOCK_OP_RELEASE);
	KUNIT_ASSERT_TRUE_MSG(test, fence_test_join(rel), "release did not finish");
}

/**
 * attach_race() - a release waits for a group attach in flight
 * @test: the case
 *
 * iommu_attach_group() to an unmanaged domain is held inside attach_dev();
 * the device is then unregistered.  release_device() must not start until
 * attach_dev() has returned, and must then find the device detached from
 * the unmanaged domain.
 */
static void attach_race(struct kunit *test)
{
	struct iommu_domain *domain;
	struct mock_rec *rec;
	int ret;

	rec = fence_test_add_device(test, false);
	domain = fence_test_alloc_domain(test);

	ret = fence_test_release_during_attach(test, rec, fence_test_do_attach_group,
					       domain, domain, "attach_dev()");
	KUNIT_EXPECT_EQ(test, ret, 0);

	fence_test_expect_clean(test, rec);
	fence_test_expect_no_warn(test);
}

/**
 * detach_race() - a release waits for a group detach in flight
 * @test: the case
 *
 * With the group on an unmanaged domain, iommu_detach_group() is held inside
 * the attach_dev() that puts the device back on its default domain; the
 * device is then unregistered.  release_device() must not start until that
 * attach_dev() has returned.
 */
static void detach_race(struct kunit *test)
{
	struct iommu_domain *dflt, *domain;
	struct mock_rec *rec;

	rec = fence_test_add_device(test, false);
	dflt = rec->group->default_domain;
	domain = fence_test_alloc_domain(test);
	KUNIT_ASSERT_EQ(test, iommu_attach_group(domain, rec->group), 0);

	fence_test_release_during_attach(test, rec, fence_test_do_detach_group,
					 domain, dflt, "the detach");

	fence_test_expect_clean(test, rec);
	fence_test_expect_no_warn(test);
}

static bool fence_test_ret_clean(int ret)
{
	return ret == 0 || ret == -ENODEV;
}

/**
 * group_op_race() - group attach and detach reach no op of a releasing device
 * @test: the case
 *
 * release_device() is held in the mock; iommu_attach_group() and then
 * iommu_detach_group() are started on the device's group.  Neither may reach
 * the driver for the releasing device, and each must return cleanly.  Once
 * the release has finished, the same calls again must not reach it either.
 */
static void group_op_race(struct kunit *test)
{
	struct fence_test_thread *ops, *rel;
	struct iommu_domain *domain;
	struct mock_rec *rec;
	int ret;

	rec = fence_test_add_device(test, false);
	domain = fence_test_alloc_domain(test);

	rel = fence_test_hold_release(test, rec);

	mock_watch(rec, MOCK_OP_ATTACH);
	ops = fence_test_start(test, fence_test_do_attach_detach_group, rec, rec->group,
			       domain);
	KUNIT_EXPECT_FALSE_MSG(test, mock_entered_soon(rec, MOCK_OP_ATTACH),
			       "attach_dev() reached the driver during release_device()");

	fence_test_finish_release(test, rec, rel);
	KUNIT_ASSERT_TRUE_MSG(test, fence_test_join(ops), "attach/detach did not return");
	KUNIT_EXPECT_TRUE_MSG(test, fence_test_ret_clean(ops->ret),
			      "iommu_attach_group() during release: %d", ops->ret);

	/* Again, now that the device is gone. */
	ret = iommu_attach_group(domain, rec->group);
	KUNIT_EXPECT_TRUE_MSG(test, fence_test_ret_clean(ret),
			      "iommu_attach_group() after release: %d", ret);
	iommu_detach_group(domain, rec->group);

	KUNIT_EXPECT_EQ(test, mock_get_stats(rec).releases, 1U);
	fence_test_expect_clean(test, rec);
	fence_test_expect_no_warn(test);
}

/**
 * shared_clean() - a release takes its device off its group's domain first
 * @test: the case
 *
 * A group of two devices is attached to an unmanaged domain and one device
 * is released.  The released device must be off the unmanaged domain before
 * its release_device(); the other one stays attached, untouched, and the
 * domain still maps.  A later iommu_detach_group() touches only the device
 * that is left.
 */
static void shared_clean(struct kunit *test)
{
	struct mock_stats a_st, b_st, st;
	struct iommu_domain *dflt, *domain;
	struct iommu_group *group;
	struct mock_rec *a, *b;
	struct fence_test_thread *rel;

	a = fence_test_add_device(test, true);
	b = fence_test_add_device(test, true);
	group = a->group;
	KUNIT_ASSERT_PTR_EQ(test, b->group, group);
	dflt = group->default_domain;
	domain = fence_test_alloc_domain(test);

	KUNIT_ASSERT_EQ(test, iommu_attach_group(domain, group), 0);
	KUNIT_ASSERT_PTR_EQ(test, mock_get_stats(a).attached, domain);
	KUNIT_ASSERT_PTR_EQ(test, mock_get_stats(b).attached, domain);

	b_st = mock_get_stats(b);
	rel = fence_test_start_release(test, a);
	KUNIT_ASSERT_TRUE_MSG(test, fence_test_join(rel), "release did not finish");
	KUNIT_EXPECT_TRUE(test, mock_get_stats(a).release_finished);

	/* The survivor was not touched and still translates. */
	st = mock_get_stats(b);
	KUNIT_EXPECT_PTR_EQ(test, st.attached, domain);
	KUNIT_EXPECT_EQ(test, st.attaches, b_st.attaches);
	KUNIT_EXPECT_EQ(test, st.detaches, b_st.detaches);
	KUNIT_EXPECT_PTR_EQ(test, group->domain, domain);
	KUNIT_EXPECT_EQ(test, iommu_map(domain, FENCE_TEST_IOVA, FENCE_TEST_PADDR, SZ_4K,
					IOMMU_READ | IOMMU_WRITE), 0);
	KUNIT_EXPECT_EQ(test, iommu_iova_to_phys(domain, FENCE_TEST_IOVA),
			(phys_addr_t)FENCE_TEST_PADDR);
	KUNIT_EXPECT_EQ(test, iommu_unmap(domain, FENCE_TEST_IOVA, SZ_4K),
			(size_t)SZ_4K);

	/* Detaching the group now concerns the survivor only. */
	a_st = mock_get_stats(a);
	b_st = mock_get_stats(b);
	iommu_detach_group(domain, group);
	st = mock_get_stats(b);
	KUNIT_EXPECT_PTR_EQ(test, st.attached, dflt);
	KUNIT_EXPECT_EQ(test, st.attaches, b_st.attaches + 1);
	st = mock_get_stats(a);
	KUNIT_EXPECT_EQ(test, st.attaches, a_st.attaches);
	KUNIT_EXPECT_EQ(test, st.detaches, a_st.detaches);

	fence_test_expect_clean(test, a);
	fence_test_expect_clean(test, b);
	fence_test_expect_no_warn(test);
}

/**
 * store_type_race() - a default domain change skips a releasing device
 * @test: the case
 *
 * release_device() is held in the mock while the group's type is set to
 * "auto", with def_domain_type() asking for an unmanaged domain, so that
 * iommu_group_store_type() would allocate a new default domain and attach
 * the device to it.  No attach may reach the releasing device and the store
 * must fail cleanly.
 */
static void store_type_race(struct kunit *test)
{
	struct fence_test_thread *rel, *store;
	struct mock_rec *rec;

	rec = fence_test_add_device(test, false);
	mock_set_def_domain_type(rec, IOMMU_DOMAIN_UNMANAGED);

	rel = fence_test_hold_release(test, rec);

	mock_watch(rec, MOCK_OP_ATTACH);
	store = fence_test_start(test, fence_test_do_store_type, rec, rec->group, NULL);
	KUNIT_EXPECT_FALSE_MSG(test, mock_entered_soon(rec, MOCK_OP_ATTACH),
			       "a default domain change attached the releasing device");

	fence_test_finish_release(test, rec, rel);
	KUNIT_ASSERT_TRUE_MSG(test, fence_test_join(store), "store did not return");
	KUNIT_EXPECT_LT_MSG(test, store->ret, 0,
			    "iommu_group_store_type() succeeded on a released device");

	fence_test_expect_clean(test, rec);
	fence_test_expect_no_warn(test);
}

/**
 * deferred_race() - a release waits for a deferred attach in flight
 * @test: the case
 *
 * iommu_deferred_attach() of the default domain is held inside attach_dev()
 * and the device is then unregistered.  release_device() must not start
 * until the attach has returned.
 */
static void deferred_race(struct kunit *test)
{
	struct iommu_domain *dflt;
	struct mock_rec *rec;
	int ret;

	rec = fence_test_add_device(test, false);
	dflt = rec->group->default_domain;
	mock_set_attach_deferred(rec, true);

	ret = fence_test_release_during_attach(test, rec, fence_test_do_deferred_attach,
					       dflt, dflt, "a deferred attach");
	KUNIT_EXPECT_EQ(test, ret, 0);

	fence_test_expect_clean(test, rec);
	fence_test_expect_no_warn(test);
}

/**
 * device_api_race() - the device API reaches no op of a releasing device
 * @test: the case
 *
 * release_device() is held in the mock while iommu_attach_device() and
 * iommu_detach_device(), the single-device API of the ARM DMA mapping code,
 * are called for the same device from two threads.  Neither may reach the
 * driver; once the device is gone, the attach fails with -ENODEV and the
 * detach does nothing, without a WARN.
 */
static void device_api_race(struct kunit *test)
{
	struct fence_test_thread *att, *det, *rel;
	struct iommu_domain *domain;
	struct mock_rec *rec;

	rec = fence_test_add_device(test, false);
	domain = fence_test_alloc_domain(test);

	rel = fence_test_hold_release(test, rec);

	mock_watch(rec, MOCK_OP_ATTACH);
	mock_watch(rec, MOCK_OP_DETACH);
	att = fence_test_start(test, fence_test_do_attach_device, rec, NULL, domain);
	det = fence_test_start(test, fence_test_do_detach_device, rec, NULL, domain);
	KUNIT_EXPECT_FALSE_MSG(test, mock_entered_soon(rec, MOCK_OP_ATTACH),
			       "iommu_attach_device() reached the driver during release_device()");
	KUNIT_EXPECT_FALSE_MSG(test, mock_entered_soon(rec, MOCK_OP_DETACH),
			       "iommu_detach_device() reached the driver during release_device()");

	fence_test_finish_release(test, rec, rel);
	KUNIT_ASSERT_TRUE_MSG(test, fence_test_join(att), "the attach did not return");
	KUNIT_ASSERT_TRUE_MSG(test, fence_test_join(det), "the detach did not return");
	KUNIT_EXPECT_EQ_MSG(test, att->ret, -ENODEV,
			    "iommu_attach_device() of a released device");

	fence_test_expect_clean(test, rec);
	fence_test_expect_no_warn(test);
}

/**
 * deferred_after_release() - a deferred attach during a release gets -ENODEV
 * @test: the case
 *
 * A deferred attach starts while release_device() is held in the mock, so it
 * finds the device still deferred.  It must not reach the driver, and once
 * the release is done it must fail with -ENODEV without looking at the
 * device's IOMMU data, which the release frees.
 */
static void deferred_after_release(struct kunit *test)
{
	struct fence_test_thread *op, *rel;
	struct iommu_domain *dflt;
	struct mock_rec *rec;

	rec = fence_test_add_device(test, false);
	dflt = rec->group->default_domain;
	mock_set_attach_deferred(rec, true);

	rel = fence_test_hold_release(test, rec);

	mock_watch(rec, MOCK_OP_ATTACH);
	op = fence_test_start(test, fence_test_do_deferred_attach, rec, NULL, dflt);
	KUNIT_EXPECT_FALSE_MSG(test, mock_entered_soon(rec, MOCK_OP_ATTACH),
			       "a deferred attach reached the driver during release_device()");

	fence_test_finish_release(test, rec, rel);
	KUNIT_ASSERT_TRUE_MSG(test, fence_test_join(op), "the deferred attach did not return");
	KUNIT_EXPECT_EQ_MSG(test, op->ret, -ENODEV,
			    "deferred attach of a released device");

	fence_test_expect_clean(test, rec);
	fence_test_expect_no_warn(test);
}

/**
 * probe_publish() - a device's group is published with the device on it
 * @test: the case
 *
 * While the test holds the mutex of a group, a second device is probed into
 * it.  Its group must not be published through the device before the device
 * is on the group's list: whoever finds a group through a device and takes
 * the mutex must find the device in it.  On v6.1 the device's group is set
 * before the mutex is taken, and a claim of such a group built its blocking
 * domain from an empty list.
 */
static void probe_publish(struct kunit *test)
{
	bool entered, published = false, on_list = false;
	struct group_device *gdev;
	struct iommu_group *group;
	struct mock_rec *a, *b;
	struct fence_test_thread *add;
	unsigned int i;

	a = fence_test_add_device(test, true);
	group = a->group;
	b = fence_test_new_device(test, true);

	mutex_lock(&group->mutex);
	add = fence_test_start(test, fence_test_do_add, b, NULL, NULL);
	entered = wait_for_completion_timeout(&b->entered[MOCK_OP_GROUP],
					      msecs_to_jiffies(FENCE_TEST_WAIT_MS));
	for (i = 0; entered && !published && i < FENCE_TEST_QUIET_MS / 20; i++) {
		msleep(20);
		published = !!READ_ONCE(b->dev->iommu_group);
	}
	list_for_each_entry(gdev, &group->devices, list)
		on_list |= gdev->dev == b->dev;
	mutex_unlock(&group->mutex);

	KUNIT_EXPECT_TRUE_MSG(test, entered, "the probe never reached device_group()");
	KUNIT_EXPECT_FALSE_MSG(test, published && !on_list,
			       "the device's group was published before the device joined it");

	KUNIT_ASSERT_TRUE_MSG(test, fence_test_join(add), "the probe did not finish");
	KUNIT_ASSERT_EQ(test, add->ret, 0);
	b->added = true;
	fence_test_added(test, b);
	fence_test_expect_no_warn(test);
}

/**
 * probe_joins_domain() - a new device joins its group's current domain
 * @test: the case
 *
 * A kernel user attaches a group to its own domain without claiming it, and
 * a second device then joins the group.  The new device must end on the
 * group's domain, like the rest of the group, not on the default domain,
 * which v6.1's probe attaches after the join.
 */
static void probe_joins_domain(struct kunit *test)
{
	struct iommu_domain *domain;
	struct mock_rec *a, *b;

	a = fence_test_add_device(test, true);
	domain = fence_test_alloc_domain(test);
	KUNIT_ASSERT_EQ(test, iommu_attach_group(domain, a->group), 0);

	b = fence_test_add_device(test, true);
	KUNIT_EXPECT_PTR_EQ(test, b->group->domain, domain);
	KUNIT_EXPECT_PTR_EQ(test, mock_get_stats(b).attached, domain);
	KUNIT_EXPECT_PTR_EQ(test, mock_get_stats(a).attached, domain);
	fence_test_expect_no_warn(test);
}

/**
 * claim_empty() - a group with no device left cannot be claimed
 * @test: the case
 *
 * A group outlives its only device, which was claimed and released once.
 * Claiming it again must fail with -ENODEV: it has nothing to own.  A device
 * that joins it later finds a group with no domain left, gets a new default
 * domain and is attached to it.
 */
static void claim_empty(struct kunit *test)
{
	struct iommu_group *group;
	struct fence_test_thread *rel;
	struct mock_rec *a, *b;
	int ret;

	a = fence_test_add_device(test, true);
	group = a->group;
	KUNIT_ASSERT_EQ(test, iommu_group_claim_dma_owner(group, test), 0);
	iommu_group_release_dma_owner(group);

	rel = fence_test_start_release(test, a);
	KUNIT_ASSERT_TRUE_MSG(test, fence_test_join(rel), "release did not finish");

	ret = iommu_group_claim_dma_owner(group, test);
	if (!ret)
		iommu_group_release_dma_owner(group);
	KUNIT_EXPECT_EQ_MSG(test, ret, -ENODEV, "claimed a group with no device");

	b = fence_test_add_device(test, true);
	KUNIT_EXPECT_PTR_EQ(test, b->group, group);
	KUNIT_EXPECT_PTR_EQ(test, group->domain, group->default_domain);
	fence_test_expect_clean(test, a);
	fence_test_expect_no_warn(test);
}

/*
 * Bracket a report that a case provokes on purpose: the harness (bin/kunit)
 * leaves the lines in between out of its clean-log check and requires a
 * line with the text after the colon among them.
 */
#define FENCE_TEST_EXPECT_BEGIN	"iommu-fence-test: expected report begins: "
#define FENCE_TEST_EXPECT_END	"iommu-fence-test: expected report ends\n"

#ifdef CONFIG_DEBUG_ATOMIC_SLEEP
/**
 * deferred_atomic() - a deferred attach in atomic context is reported
 * @test: the case
 *
 * The first DMA map of a device whose attach the driver deferred (the kdump
 * case of intel and amd) takes group->mutex in iommu_deferred_attach()
 * with the series (6.12 still calls __iommu_attach_device() there without
 * it).  A DMA map may run in atomic context.  With CONFIG_DEBUG_ATOMIC_SLEEP
 * such a first map is reported: the case makes one with preemption
 * disabled and checks that the kernel reports it and that the attach
 * still happens.  UML has no preemption count, so the case exists only
 * where the option does (bin/kunit on x86_64).
 */
static void deferred_atomic(struct kunit *test)
{
	struct iommu_domain *dflt;
	struct mock_rec *rec;
	unsigned int attaches;
	int ret;

	/*
	 * The report is seen only as TAINT_WARN, which nothing clears: once
	 * set, by an earlier report of any case, the case cannot judge.  A
	 * skip, not a failure, so that a base run cannot count it as red.
	 */
	if (test_taint(TAINT_WARN))
		kunit_skip(test, "TAINT_WARN is already set: a report cannot be seen");
	rec = fence_test_add_device(test, false);
	dflt = rec->group->default_domain;
	mock_set_attach_deferred(rec, true);
	attaches = mock_get_stats(rec).attaches;

	pr_info(FENCE_TEST_EXPECT_BEGIN "BUG: sleeping function called from invalid context\n");
	preempt_disable();
	ret = iommu_deferred_attach(rec->dev, dflt);
	preempt_enable();
	pr_info(FENCE_TEST_EXPECT_END);

	KUNIT_EXPECT_EQ(test, ret, 0);
	KUNIT_EXPECT_EQ(test, mock_get_stats(rec).attaches, attaches + 1);
	KUNIT_EXPECT_TRUE_MSG(test, test_taint(TAINT_WARN),
			      "a deferred attach in atomic context was not reported");
}
#endif

/**
 * lockdep_enforced() - an op reached without group->mutex is reported
 * @test: the case
 *
 * The core's op helper is called without group->mutex, as a path that the
 * fence does not cover would.  Lockdep must report it, exactly once, and the
 * op itself still works.
 */
static void lockdep_enforced(struct kunit *test)
{
	struct iommu_domain *dflt;
	struct mock_rec *rec;
	int before, ret;

	KUNIT_ASSERT_TRUE_MSG(test, fence_test_counting_warnings,
			      "needs the error_report tracepoint to count reports");
	rec = fence_test_add_device(test, false);
	dflt = rec->group->default_domain;

	before = atomic_read(&fence_test_warnings);
	pr_info(FENCE_TEST_EXPECT_BEGIN "WARNING:\n");
	ret = __iommu_attach_device(dflt, rec->dev);
	pr_info(FENCE_TEST_EXPECT_END);

	KUNIT_EXPECT_EQ(test, ret, 0);
	KUNIT_EXPECT_EQ_MSG(test, atomic_read(&fence_test_warnings) - before, 1,
			    "attach_dev() reached without group->mutex was not reported");
	KUNIT_EXPECT_TRUE(test, debug_locks);
}

/**
 * group_release_race() - a group attach waits for a release in its group
 * @test: the case
 *
 * A driver without detach_dev() whose devices share a translation record:
 * release_device() of one device is held in the mock while the group is
 * attached to a domain.  The attach must not reach the other device of the
 * group until the release has returned, because the release tears down
 * state that device shares (a stream-map entry behind a DMA alias); once it
 * has, the other device is attached and the shared record points at the
 * domain.
 */
static void group_release_race(struct kunit *test)
{
	struct fence_test_thread *att, *rel;
	struct iommu_domain *domain;
	struct mock_rec *a, *b;

	mock_set_shape(MOCK_SHAPE_SHARED_XLATE);
	a = fence_test_add_device(test, true);
	b = fence_test_add_device(test, true);
	domain = fence_test_alloc_domain(test);

	rel = fence_test_hold_release(test, a);

	mock_watch(b, MOCK_OP_ATTACH);
	att = fence_test_start(test, fence_test_do_attach_group, b, b->group, domain);
	KUNIT_EXPECT_FALSE_MSG(test, mock_entered_soon(b, MOCK_OP_ATTACH),
			       "the group's other device was attached during release_device()");

	fence_test_finish_release(test, a, rel);
	KUNIT_ASSERT_TRUE_MSG(test, fence_test_join(att), "the attach did not return");
	KUNIT_EXPECT_EQ(test, att->ret, 0);
	KUNIT_EXPECT_PTR_EQ(test, mock_get_stats(b).attached, domain);
	KUNIT_EXPECT_PTR_EQ(test, mock_get_xlate(), domain);
	fence_test_expect_clean(test, a);
	fence_test_expect_clean(test, b);
	fence_test_expect_no_warn(test);
}

/**
 * shared_xlate_release() - a release keeps its group's shared translation
 * @test: the case
 *
 * Regression: a driver without detach_dev() whose two devices of a group
 * share one translation record (an SMMU stream-map entry behind a PCI DMA
 * alias).  The group is on an unmanaged domain and one device is released:
 * the record must still point at that domain, for the device that stays.
 * The series first attached the default domain to the departing device
 * instead of a detach, which rewrote the shared record.
 */
static void shared_xlate_release(struct kunit *test)
{
	struct iommu_domain *domain;
	struct fence_test_thread *rel;
	struct mock_stats a_st;
	struct mock_rec *a, *b;

	mock_set_shape(MOCK_SHAPE_SHARED_XLATE);
	a = fence_test_add_device(test, true);
	b = fence_test_add_device(test, true);
	KUNIT_ASSERT_PTR_EQ(test, b->group, a->group);
	domain = fence_test_alloc_domain(test);
	KUNIT_ASSERT_EQ(test, iommu_attach_group(domain, a->group), 0);
	KUNIT_ASSERT_PTR_EQ(test, mock_get_xlate(), domain);

	a_st = mock_get_stats(a);
	rel = fence_test_start_release(test, a);
	KUNIT_ASSERT_TRUE_MSG(test, fence_test_join(rel), "release did not finish");

	KUNIT_EXPECT_PTR_EQ_MSG(test, mock_get_xlate(), domain,
				"releasing one device retargeted the translation its group shares");
	KUNIT_EXPECT_EQ(test, mock_get_stats(a).attaches, a_st.attaches);
	KUNIT_EXPECT_PTR_EQ(test, mock_get_stats(b).attached, domain);
	KUNIT_EXPECT_PTR_EQ(test, b->group->domain, domain);
	fence_test_expect_clean(test, a);
	fence_test_expect_clean(test, b);
	fence_test_expect_no_warn(test);
}

/**
 * cached_default_release() - an outliving group keeps its default domain
 * @test: the case
 *
 * Regression: the group of the case outlives its only device, and the mock
 * keeps a pointer to the group's default domain, as mtk_iommu, rockchip and
 * sun50i keep the domain they last attached.  Once the device is released
 * the default domain must still be there and the group on it.  The series
 * first freed the default domain with the group's last device, as upstream
 * does only since its drivers stopped keeping such pointers.
 */
static void cached_default_release(struct kunit *test)
{
	struct iommu_domain *dflt;
	struct fence_test_thread *rel;
	struct mock_rec *rec;
	bool freed;

	rec = fence_test_add_device(test, true);
	dflt = rec->group->default_domain;
	spin_lock(&mock_lock);
	mock_cached = dflt;
	spin_unlock(&mock_lock);

	rel = fence_test_start_release(test, rec);
	KUNIT_ASSERT_TRUE_MSG(test, fence_test_join(rel), "release did not finish");

	spin_lock(&mock_lock);
	freed = mock_cached_freed;
	mock_cached = NULL;
	spin_unlock(&mock_lock);
	KUNIT_EXPECT_FALSE_MSG(test, freed,
			       "the default domain went with the last device of a group that outlives it");
	KUNIT_EXPECT_PTR_EQ(test, rec->group->default_domain, dflt);
	KUNIT_EXPECT_PTR_EQ(test, rec->group->domain, dflt);
	fence_test_expect_clean(test, rec);
	fence_test_expect_no_warn(test);
}

/**
 * no_default_readd() - a group with no default domain is left with none
 * @test: the case
 *
 * Regression: a driver with no default domain, as the users of the ARM
 * DMA mapping API, and a group that outlives its device.  A device attached
 * through iommu_attach_device(), as arm_iommu_attach_device() does, is
 * released; the group must have no domain left, and a device that joins it
 * later must be able to attach a domain of its own.  The series first left the departed
 * device's domain on the group, so the next attach failed with -EBUSY.
 */
static void no_default_readd(struct kunit *test)
{
	struct iommu_domain *first, *second;
	struct iommu_group *group;
	struct fence_test_thread *rel;
	struct mock_rec *a, *b;

	mock_set_shape(MOCK_SHAPE_NO_DEFAULT);
	a = fence_test_add_device(test, true);
	group = a->group;
	KUNIT_ASSERT_PTR_EQ(test, group->default_domain, NULL);
	first = fence_test_alloc_domain(test);
	KUNIT_ASSERT_EQ(test, iommu_attach_device(first, a->dev), 0);

	rel = fence_test_start_release(test, a);
	KUNIT_ASSERT_TRUE_MSG(test, fence_test_join(rel), "release did not finish");
	KUNIT_EXPECT_PTR_EQ_MSG(test, group->domain, NULL,
				"a group with no device left still has a domain");

	b = fence_test_add_device(test, true);
	KUNIT_ASSERT_PTR_EQ(test, b->group, group);
	second = fence_test_alloc_domain(test);
	KUNIT_EXPECT_EQ_MSG(test, iommu_attach_device(second, b->dev), 0,
			    "attach after the group's last device left");
	KUNIT_EXPECT_PTR_EQ(test, mock_get_stats(b).attached, second);
	fence_test_expect_clean(test, a);
	fence_test_expect_clean(test, b);
	fence_test_expect_no_warn(test);
}

/**
 * claim_unset_default() - no claim before the default domain exists
 * @test: the case
 *
 * With a device tree or ACPI VIOT a PCI device's IOMMU is probed when a
 * driver binds it, and iommu_probe_device() lists the device in its group
 * before it allocates the group's default domain.  A driver without
 * detach_dev() can only go back to that domain: an owner that claimed the
 * group in between could not be released (a WARN, and the group left on
 * its blocking domain, where the probe then leaves the device too).  That
 * claim must fail with -EBUSY, without a WARN.  Controls: the refusal is
 * for that state only, a group with detach_dev() and no default domain
 * (s390's) and one without detach_dev() that has its default domain are
 * claimed and released.
 */
static void claim_unset_default(struct kunit *test)
{
	static const unsigned int claimable[] = {
		MOCK_SHAPE_NO_DEFAULT, MOCK_SHAPE_SHARED_XLATE,
	};
	struct fence_test_thread *rel;
	struct mock_rec *a;
	unsigned int i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(claimable); i++) {
		mock_set_shape(claimable[i]);
		a = fence_test_add_device(test, false);
		ret = iommu_group_claim_dma_owner(a->group, test);
		KUNIT_EXPECT_EQ_MSG(test, ret, 0, "no claim on shape \"%s\"",
				    mock_shapes[claimable[i]].name);
		if (!ret)
			iommu_group_release_dma_owner(a->group);
		rel = fence_test_start_release(test, a);
		KUNIT_ASSERT_TRUE_MSG(test, fence_test_join(rel), "release did not finish");
	}

	mock_set_shape(MOCK_SHAPE_NO_DETACH_UNSET);
	a = fence_test_add_device(test, true);
	KUNIT_ASSERT_PTR_EQ(test, a->group->default_domain, NULL);

	ret = iommu_group_claim_dma_owner(a->group, test);
	if (!ret)
		iommu_group_release_dma_owner(a->group);
	KUNIT_EXPECT_EQ_MSG(test, ret, -EBUSY,
			    "claimed a group that has no domain to be released to");
	fence_test_expect_no_warn(test);
}

/**
 * probe_failure() - a failed probe releases its device once
 * @test: the case
 *
 * A device whose first attach fails is released by the probe itself, and a
 * device whose device_group() fails is released without a group.  Both must
 * be released once, without a WARN or a lockdep report, and leave no group.
 */
static void probe_failure(struct kunit *test)
{
	struct mock_rec *recs[2];
	struct iommu_group *group;
	unsigned int i;

	recs[0] = fence_test_new_device(test, false);
	recs[0]->fail_attach = true;
	recs[1] = fence_test_new_device(test, false);
	recs[1]->fail_group = true;

	for (i = 0; i < ARRAY_SIZE(recs); i++) {
		KUNIT_ASSERT_EQ(test, platform_device_add(recs[i]->pdev), 0);
		recs[i]->added = true;
		group = iommu_group_get(recs[i]->dev);
		KUNIT_EXPECT_PTR_EQ_MSG(test, group, NULL, "device %u", i);
		iommu_group_put(group);
		KUNIT_EXPECT_EQ_MSG(test, mock_get_stats(recs[i]).releases, 1U,
				    "device %u", i);
		fence_test_expect_clean(test, recs[i]);
	}
	fence_test_expect_no_warn(test);
}

/**
 * fence_test_init() - the init of every iommu-fence suite
 * @test: the case
 *
 * Allocates the case's &struct fence_test_ctx and notes the WARN and lockdep
 * state, so that fence_test_exit() can undo what the case did and the case
 * can tell its own reports from earlier ones.
 *
 * Return: 0, or -ENOMEM.
 */
int fence_test_init(struct kunit *test)
{
	struct fence_test_ctx *ctx;

	/*
	 * Not kunit_kzalloc(): a helper thread that is stuck in the core
	 * still points into the context, which fence_test_exit() then leaks.
	 */
	ctx = kzalloc(sizeof(*ctx), GFP_KERNEL);
	if (!ctx)
		return -ENOMEM;
	ctx->warnings = atomic_read(&fence_test_warnings);
	ctx->tainted = test_taint(TAINT_WARN);
	ctx->debug_locks = debug_locks;
	test->priv = ctx;
	return 0;
}

/**
 * fence_test_exit() - the exit of every iommu-fence suite
 * @test: the case
 *
 * Undo whatever the case did, in an order that works whether it passed,
 * failed an expectation or was aborted by an assertion half way: open every
 * gate, join every helper thread, put the groups back on a core domain,
 * unregister the devices and free the domains and the records.  If a helper
 * thread is stuck, the case fails and its state is leaked rather than freed
 * under the thread.
 */
void fence_test_exit(struct kunit *test)
{
	struct fence_test_ctx *ctx = test->priv;
	struct mock_rec *rec;
	unsigned int i, j;
	int op;

	if (!ctx)
		return;
	mock_set_op_work_ns(0);

	/* Nothing may stay blocked in the mock ... */
	for (i = 0; i < ctx->nrecs; i++)
		for (op = 0; op < MOCK_OP_NR; op++)
			mock_gate_open(ctx->recs[i], op);

	/* ... and no helper thread may still reach a record or a domain. */
	for (i = 0; i < ctx->nthreads; i++) {
		if (!wait_for_completion_timeout(&ctx->threads[i].done,
						 msecs_to_jiffies(FENCE_TEST_JOIN_MS))) {
			KUNIT_FAIL(test, "helper thread %u is stuck; leaking the case's state",
				   i);
			return;
		}
	}

	/* Put groups back on a core domain before the case's domains go. */
	for (i = 0; i < ctx->ndomains; i++) {
		for (j = 0; j < ctx->nrecs; j++) {
			rec = ctx->recs[j];
			if (rec->group && rec->group->domain == ctx->domains[i])
				iommu_detach_group(ctx->domains[i], rec->group);
		}
	}

	for (i = 0; i < ctx->nrecs; i++) {
		rec = ctx->recs[i];
		if (!rec->added)
			platform_device_put(rec->pdev);
		else if (!rec->unregistered)
			platform_device_unregister(rec->pdev);
	}

	for (i = 0; i < ctx->ndomains; i++)
		iommu_domain_free(ctx->domains[i]);

	for (i = 0; i < ctx->nrecs; i++) {
		rec = ctx->recs[i];
		iommu_group_put(rec->group);
		mock_rec_free(rec);
	}
	iommu_group_put(ctx->shared_group);
	mock_set_shape(MOCK_SHAPE_DETACH);

	kfree(ctx);
	test->priv = NULL;
}

static void fence_test_stop_counting_warnings(void)
{
	if (!fence_test_counting_warnings)
		return;
	unregister_trace_error_report_end(fence_test_error_report, NULL);
	tracepoint_synchronize_unregister();
	fence_test_counting_warnings = false;
}

/**
 * fence_test_suite_init() - the suite_init of every iommu-fence suite
 * @suite: the suite
 *
 * Starts counting WARNs through the error_report tracepoint, where the
 * kernel has it, and registers the mock IOMMU driver, which probes the
 * platform devices that the cases add.
 *
 * Return: 0, or the error of registering the mock.
 */
int fence_test_suite_init(struct kunit_suite *suite)
{
	int ret;

	/* Without tracepoints this fails and TAINT_WARN is used instead. */
	fence_test_counting_warnings =
		!register_trace_error_report_end(fence_test_error_report, NULL);

	ret = mock_register();
	if (ret)
		fence_test_stop_counting_warnings();
	return ret;
}

/**
 * fence_test_suite_exit() - the suite_exit of every iommu-fence suite
 * @suite: the suite
 *
 * Unregisters the mock IOMMU driver and stops counting WARNs.
 */
void fence_test_suite_exit(struct kunit_suite *suite)
{
	mock_unregister();
	fence_test_stop_counting_warnings();
}

/*
 * The suites share their init and exit.  The last word of a suite's name is
 * its class, which the project's harness reads from the results.
 */
static struct kunit_case fence_test_sanity_cases[] = {
	KUNIT_CASE(sanity_lifecycle),
	KUNIT_CASE(probe_failure),
	{}
};

static struct kunit_case fence_test_race_cases[] = {
	/* First: it needs a kernel that no report has tainted yet. */
#ifdef CONFIG_DEBUG_ATOMIC_SLEEP
	KUNIT_CASE(deferred_atomic),
#endif
	KUNIT_CASE(attach_race),
	KUNIT_CASE(detach_race),
	KUNIT_CASE(group_op_race),
	KUNIT_CASE(shared_clean),
	KUNIT_CASE(store_type_race),
	KUNIT_CASE(deferred_race),
	KUNIT_CASE(device_api_race),
	KUNIT_CASE(deferred_after_release),
	KUNIT_CASE(probe_publish),
	KUNIT_CASE(probe_joins_domain),
	KUNIT_CASE(claim_empty),
	KUNIT_CASE(claim_unset_default),
	KUNIT_CASE(lockdep_enforced),
	KUNIT_CASE(group_release_race),
	{}
};

static struct kunit_case fence_test_regression_cases[] = {
	KUNIT_CASE(shared_xlate_release),
	KUNIT_CASE(no_default_readd),
	KUNIT_CASE(cached_default_release),
	{}
};

static struct kunit_suite fence_test_sanity_suite = {
	.name		= "iommu-fence-sanity",
	.suite_init	= fence_test_suite_init,
	.suite_exit	= fence_test_suite_exit,
	.init		= fence_test_init,
	.exit		= fence_test_exit,
	.test_cases	= fence_test_sanity_cases,
};

static struct kunit_suite fence_test_race_suite = {
	.name		= "iommu-fence-race",
	.suite_init	= fence_test_suite_init,
	.suite_exit	= fence_test_suite_exit,
	.init		= fence_test_init,
	.exit		= fence_test_exit,
	.test_cases	= fence_test_race_cases,
};

static struct kunit_suite fence_test_regression_suite = {
	.name		= "iommu-fence-regression",
	.suite_init	= fence_test_suite_init,
	.suite_exit	= fence_test_suite_exit,
	.init		= fence_test_init,
	.exit		= fence_test_exit,
	.test_cases	= fence_test_regression_cases,
};

kunit_test_suites(&fence_test_sanity_suite, &fence_test_race_suite,
		  &fence_test_regression_suite);

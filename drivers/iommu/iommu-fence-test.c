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
 * Without the fence the race cases listed below fail.  shared_clean is not a
 * timing race, but only a fenced release takes a device off its group's
 * unmanaged domain before release_device().
 *
 * The mock plays one of a few driver shapes per case (struct fence_shape):
 * per-device detach_dev() with a default domain, as intel, amd and s390; no
 * detach_dev() and one translation record shared by a group, as arm-smmu or
 * arm-smmu-v3 with devices behind a PCI DMA alias; and no default domain,
 * as the users of the 32-bit ARM DMA mapping API (ipmmu-vmsa, mtk_iommu_v1).
 * A case's group can outlive its devices, as the groups that mtk_iommu,
 * rockchip and sun50i keep a reference to.
 *
 * A mock IOMMU driver is registered on the platform bus.  It takes only the
 * suite's own "iommu-fence-test" platform devices and keeps a record per
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
/*
 * The cases by class, for the harness (bin/kunit): a race case must fail on
 * the base and pass on the series; a regression case must pass on both and
 * failed on the series before the fix named in its kernel-doc; every other
 * case is a sanity case and must pass on both.
 *
 * Race cases: attach_race detach_race group_op_race shared_clean
 *	store_type_race deferred_race device_api_race deferred_after_release
 *	probe_publish probe_joins_domain claim_empty lockdep_enforced
 *	group_release_race
 * Regression cases: shared_xlate_release no_default_readd
 *	cached_default_release
 */

#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/debug_locks.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/panic.h>
#include <linux/platform_device.h>
#include <linux/sizes.h>
#include <linux/spinlock.h>
#include <trace/events/error_report.h>

#define FENCE_DEV_NAME		"iommu-fence-test"
#define FENCE_MAX_DEVS		4
#define FENCE_MAX_THREADS	8
#define FENCE_MAX_DOMAINS	2
#define FENCE_LOG_LEN		16
#define FENCE_MAP_SLOTS		4

/* How long an event that must happen may take. */
#define FENCE_WAIT_MS		5000
/* How long an event that must not happen yet is watched for. */
#define FENCE_QUIET_MS		200
/* Bound on a gated op; the test or its teardown opens the gate long before. */
#define FENCE_GATE_MS		10000
/* Bound on joining a helper thread in the teardown. */
#define FENCE_JOIN_MS		30000

#define FENCE_IOVA		0x100000UL
#define FENCE_PADDR		0x200000UL

enum fence_op {
	FENCE_OP_ATTACH,
	FENCE_OP_DETACH,
	FENCE_OP_RELEASE,
	FENCE_OP_GROUP,
	FENCE_OP_NR,
};

enum fence_ev {
	FENCE_EV_PROBE,
	FENCE_EV_ATTACH,
	FENCE_EV_DETACH,
	FENCE_EV_RELEASE,
};

/**
 * struct fence_event - one driver op, as the mock saw it
 * @kind: which op
 * @domain: the domain it was called with, or NULL
 */
struct fence_event {
	enum fence_ev kind;
	struct iommu_domain *domain;
};

/**
 * struct fence_gate - holds one driver op in the mock until it is opened
 * @armed: the next matching op blocks; the gate then disarms itself
 * @domain: only an op on this domain matches; NULL matches any
 * @entered: completed once a matching op has entered and is blocking
 * @open: completed with complete_all() to let the blocked op return
 */
struct fence_gate {
	bool armed;
	struct iommu_domain *domain;
	struct completion entered;
	struct completion open;
};

/**
 * struct fence_stats - what the mock driver saw for one device
 * @probes: probe_device() calls
 * @attaches: attach_dev() calls
 * @detaches: detach_dev() calls
 * @releases: release_device() calls
 * @in_flight: attach_dev()/detach_dev() calls not yet returned
 * @release_started: release_device() has been entered
 * @release_finished: release_device() has returned
 * @attached: the domain the mock believes the device is attached to
 * @late_ops: attach_dev()/detach_dev() entered after release_device() started
 * @group_overlaps: attach_dev()/detach_dev() entered while release_device()
 *	of another device of the same shared group was in flight
 * @release_during_op: release_device() entered with an op in flight
 * @release_unclean: release_device() entered while the device was attached
 *	to a domain other than its group's default domain
 * @gate_timeouts: gated ops that gave up waiting for their gate
 */
struct fence_stats {
	unsigned int probes;
	unsigned int attaches;
	unsigned int detaches;
	unsigned int releases;
	unsigned int in_flight;
	bool release_started;
	bool release_finished;
	struct iommu_domain *attached;
	unsigned int late_ops;
	unsigned int group_overlaps;
	unsigned int release_during_op;
	unsigned int release_unclean;
	unsigned int gate_timeouts;
};

/**
 * struct fence_rec - the mock driver's record of one test device
 * @node: entry in fence_recs
 * @dev: the device; a key only, the mock never dereferences it once
 *	release_device() has returned
 * @pdev: the platform device, for the test's own use
 * @group: the test's reference to the device's group
 * @shared_group: where device_group() keeps a group shared by the test's
 *	devices, or NULL for a group of one
 * @def_domain_type: what def_domain_type() returns for the device
 * @attach_deferred: what is_attach_deferred() returns for the device
 * @fail_group: device_group() fails for the device
 * @fail_attach: attach_dev() fails for the device
 * @added: platform_device_add() succeeded
 * @unregistered: platform_device_unregister() has been started
 * @st: counters and state, under fence_lock
 * @nlog: number of ops seen, may exceed FENCE_LOG_LEN
 * @log: the first FENCE_LOG_LEN ops, under fence_lock
 * @gate: one gate per op type
 * @entered: completed each time an op of that type enters
 *
 * The test allocates the record before the device exists and frees it only
 * after the device and every thread that could reach the mock are gone, so
 * a record outlives its device.
 */
struct fence_rec {
	struct list_head node;
	struct device *dev;
	struct platform_device *pdev;
	struct iommu_group *group;
	struct iommu_group **shared_group;
	int def_domain_type;
	bool attach_deferred;
	bool fail_group;
	bool fail_attach;
	bool added;
	bool unregistered;
	struct fence_stats st;
	unsigned int nlog;
	struct fence_event log[FENCE_LOG_LEN];
	struct fence_gate gate[FENCE_OP_NR];
	struct completion entered[FENCE_OP_NR];
};

/**
 * struct fence_domain - a mock domain
 * @domain: the core's domain
 * @map: a handful of mappings, enough to show the domain still works
 */
struct fence_domain {
	struct iommu_domain domain;
	struct {
		unsigned long iova;
		phys_addr_t paddr;
		size_t size;
	} map[FENCE_MAP_SLOTS];
};

/* Protects fence_recs, every fence_rec's st, log and gates, and the maps. */
static DEFINE_SPINLOCK(fence_lock);
static LIST_HEAD(fence_recs);
static struct iommu_device fence_iommu;
static atomic_t fence_dev_id = ATOMIC_INIT(0);

/**
 * struct fence_shape - a driver shape the mock plays
 * @name: for messages
 * @detach_dev: domains have a per-device detach_dev(), and the rules of
 *	fence_expect_clean() include that release_device() finds the device
 *	off any domain but the default one
 * @default_domain: groups get an identity default domain; without one only
 *	unmanaged and blocking domains exist, as with the ARM DMA mapping API
 * @shared_xlate: the devices of a shared group reach one translation record
 *	(fence_xlate), which attach_dev() of any of them rewrites, as an SMMU
 *	stream-map entry or STE reached through a PCI DMA alias
 * @detach_in_release: release_device() detaches the device from its domain
 *	through iommu_detach_device() where the core lets it, as ipmmu-vmsa's
 *	arm_iommu_detach_device() on v6.1
 */
struct fence_shape {
	const char *name;
	bool detach_dev;
	bool default_domain;
	bool shared_xlate;
	bool detach_in_release;
};

enum {
	FENCE_SHAPE_DETACH,
	FENCE_SHAPE_SHARED_XLATE,
	FENCE_SHAPE_NO_DEFAULT,
};

static const struct fence_shape fence_shapes[] = {
	[FENCE_SHAPE_DETACH] = {
		.name = "detach_dev, default domain",
		.detach_dev = true,
		.default_domain = true,
	},
	[FENCE_SHAPE_SHARED_XLATE] = {
		.name = "no detach_dev, shared translation",
		.default_domain = true,
		.shared_xlate = true,
	},
	[FENCE_SHAPE_NO_DEFAULT] = {
		.name = "detach_dev, no default domain",
		.detach_dev = true,
		.detach_in_release = true,
	},
};

/* The shape of the current case; set before it adds a device. */
static const struct fence_shape *fence_shape = &fence_shapes[FENCE_SHAPE_DETACH];

/* The translation record of a shared_xlate group, under fence_lock. */
static struct iommu_domain *fence_xlate;
/* release_device() calls in flight on devices of the shared group. */
static unsigned int fence_shared_releasing;
/*
 * A domain the mock keeps a pointer to, as drivers that keep their group
 * alive keep the domain they last attached, and whether it was freed.
 */
static struct iommu_domain *fence_cached;
static bool fence_cached_freed;

/*
 * Time an attach_dev()/detach_dev() spends outside the mock's lock, as a
 * real driver does programming its hardware; only the benchmarks set it.
 */
static unsigned int fence_op_work_ns;

/* WARNs seen since the suite started, if the error_report tracepoint exists. */
static atomic_t fence_warnings = ATOMIC_INIT(0);
static bool fence_counting_warnings;

static void fence_probe_error_report(void *ignore, enum error_detector det,
				     unsigned long id)
{
	if (det == ERROR_DETECTOR_WARN)
		atomic_inc(&fence_warnings);
}

static struct fence_domain *to_fence_domain(struct iommu_domain *domain)
{
	return container_of(domain, struct fence_domain, domain);
}

static struct fence_rec *fence_rec_find(struct device *dev)
{
	struct fence_rec *rec;

	lockdep_assert_held(&fence_lock);
	list_for_each_entry(rec, &fence_recs, node)
		if (rec->dev == dev)
			return rec;
	return NULL;
}

static void fence_log(struct fence_rec *rec, enum fence_ev kind,
		      struct iommu_domain *domain)
{
	lockdep_assert_held(&fence_lock);
	if (rec->nlog < FENCE_LOG_LEN) {
		rec->log[rec->nlog].kind = kind;
		rec->log[rec->nlog].domain = domain;
	}
	rec->nlog++;
}

/* Does an op of type @op on @domain stop at its gate?  Disarms the gate. */
static bool fence_gate_match(struct fence_rec *rec, enum fence_op op,
			     struct iommu_domain *domain)
{
	struct fence_gate *gate = &rec->gate[op];

	lockdep_assert_held(&fence_lock);
	if (!gate->armed || (gate->domain && gate->domain != domain))
		return false;
	gate->armed = false;
	return true;
}

/* Signal that an op entered and, if it was gated, wait for the gate. */
static void fence_op_wait(struct fence_rec *rec, enum fence_op op, bool gated)
{
	struct fence_gate *gate = &rec->gate[op];
	unsigned int work_ns = READ_ONCE(fence_op_work_ns);

	if (work_ns && op != FENCE_OP_RELEASE)
		ndelay(work_ns);
	complete(&rec->entered[op]);
	if (!gated)
		return;

	complete(&gate->entered);
	if (!wait_for_completion_timeout(&gate->open,
					 msecs_to_jiffies(FENCE_GATE_MS))) {
		spin_lock(&fence_lock);
		rec->st.gate_timeouts++;
		spin_unlock(&fence_lock);
	}
}

/* Account for an attach_dev()/detach_dev() entering; NULL if not ours. */
static struct fence_rec *fence_op_enter(struct device *dev, enum fence_op op,
					struct iommu_domain *domain,
					bool *gated)
{
	struct fence_rec *rec;

	spin_lock(&fence_lock);
	rec = fence_rec_find(dev);
	if (rec) {
		if (op == FENCE_OP_ATTACH) {
			rec->st.attaches++;
			fence_log(rec, FENCE_EV_ATTACH, domain);
		} else {
			rec->st.detaches++;
			fence_log(rec, FENCE_EV_DETACH, domain);
		}
		if (rec->st.release_started)
			rec->st.late_ops++;
		else if (rec->shared_group && fence_shared_releasing)
			rec->st.group_overlaps++;
		rec->st.in_flight++;
		*gated = fence_gate_match(rec, op, domain);
	}
	spin_unlock(&fence_lock);
	return rec;
}

static int fence_attach_dev(struct iommu_domain *domain, struct device *dev)
{
	struct fence_rec *rec;
	bool gated;

	rec = fence_op_enter(dev, FENCE_OP_ATTACH, domain, &gated);
	if (!rec)
		return -ENODEV;

	fence_op_wait(rec, FENCE_OP_ATTACH, gated);

	spin_lock(&fence_lock);
	rec->st.in_flight--;
	if (rec->fail_attach) {
		spin_unlock(&fence_lock);
		return -EIO;
	}
	rec->st.attached = domain;
	if (fence_shape->shared_xlate && rec->shared_group)
		fence_xlate = domain;
	spin_unlock(&fence_lock);
	return 0;
}

static void fence_detach_dev(struct iommu_domain *domain, struct device *dev)
{
	struct fence_rec *rec;
	bool gated;

	rec = fence_op_enter(dev, FENCE_OP_DETACH, domain, &gated);
	if (!rec)
		return;

	fence_op_wait(rec, FENCE_OP_DETACH, gated);

	spin_lock(&fence_lock);
	rec->st.in_flight--;
	if (rec->st.attached == domain)
		rec->st.attached = NULL;
	spin_unlock(&fence_lock);
}

static int fence_map(struct iommu_domain *domain, unsigned long iova,
		     phys_addr_t paddr, size_t size, int prot, gfp_t gfp)
{
	struct fence_domain *fd = to_fence_domain(domain);
	int i, ret = -ENOSPC;

	spin_lock(&fence_lock);
	for (i = 0; i < FENCE_MAP_SLOTS; i++) {
		if (fd->map[i].size)
			continue;
		fd->map[i].iova = iova;
		fd->map[i].paddr = paddr;
		fd->map[i].size = size;
		ret = 0;
		break;
	}
	spin_unlock(&fence_lock);
	return ret;
}

static size_t fence_unmap(struct iommu_domain *domain, unsigned long iova,
			  size_t size, struct iommu_iotlb_gather *gather)
{
	struct fence_domain *fd = to_fence_domain(domain);
	size_t unmapped = 0;
	int i;

	spin_lock(&fence_lock);
	for (i = 0; i < FENCE_MAP_SLOTS; i++) {
		if (!fd->map[i].size || fd->map[i].iova != iova)
			continue;
		unmapped = fd->map[i].size;
		fd->map[i].size = 0;
		break;
	}
	spin_unlock(&fence_lock);
	return unmapped;
}

static phys_addr_t fence_iova_to_phys(struct iommu_domain *domain,
				      dma_addr_t iova)
{
	struct fence_domain *fd = to_fence_domain(domain);
	phys_addr_t paddr = 0;
	int i;

	spin_lock(&fence_lock);
	for (i = 0; i < FENCE_MAP_SLOTS; i++) {
		if (fd->map[i].size && iova >= fd->map[i].iova &&
		    iova - fd->map[i].iova < fd->map[i].size) {
			paddr = fd->map[i].paddr + (iova - fd->map[i].iova);
			break;
		}
	}
	spin_unlock(&fence_lock);
	return paddr;
}

static void fence_domain_free(struct iommu_domain *domain)
{
	spin_lock(&fence_lock);
	if (domain == fence_cached)
		fence_cached_freed = true;
	spin_unlock(&fence_lock);
	kfree(to_fence_domain(domain));
}

static const struct iommu_domain_ops fence_domain_ops = {
	.attach_dev	= fence_attach_dev,
	.detach_dev	= fence_detach_dev,
	.map		= fence_map,
	.unmap		= fence_unmap,
	.iova_to_phys	= fence_iova_to_phys,
	.free		= fence_domain_free,
};

static const struct iommu_domain_ops fence_domain_ops_no_detach = {
	.attach_dev	= fence_attach_dev,
	.map		= fence_map,
	.unmap		= fence_unmap,
	.iova_to_phys	= fence_iova_to_phys,
	.free		= fence_domain_free,
};

/* DMA domains need an IOMMU_DMA cookie, which UML cannot have. */
static struct iommu_domain *fence_domain_alloc(unsigned int type)
{
	const struct fence_shape *shape = READ_ONCE(fence_shape);
	struct fence_domain *fd;

	if (type != IOMMU_DOMAIN_UNMANAGED && type != IOMMU_DOMAIN_BLOCKED &&
	    (type != IOMMU_DOMAIN_IDENTITY || !shape->default_domain))
		return NULL;

	fd = kzalloc(sizeof(*fd), GFP_KERNEL);
	if (!fd)
		return NULL;
	fd->domain.ops = shape->detach_dev ? &fence_domain_ops :
					     &fence_domain_ops_no_detach;
	return &fd->domain;
}

static struct iommu_device *fence_probe_device(struct device *dev)
{
	struct fence_rec *rec;

	if (!dev_is_platform(dev) ||
	    strcmp(to_platform_device(dev)->name, FENCE_DEV_NAME))
		return ERR_PTR(-ENODEV);

	spin_lock(&fence_lock);
	rec = fence_rec_find(dev);
	if (rec) {
		rec->st.probes++;
		fence_log(rec, FENCE_EV_PROBE, NULL);
	}
	spin_unlock(&fence_lock);

	return rec ? &fence_iommu : ERR_PTR(-ENODEV);
}

static void fence_release_device(struct device *dev)
{
	const struct fence_shape *shape = READ_ONCE(fence_shape);
	/* The device is still alive here; its group is what it left. */
	struct iommu_group *group = dev->iommu_group;
	struct iommu_domain *attached;
	struct fence_rec *rec;
	bool gated;

	spin_lock(&fence_lock);
	rec = fence_rec_find(dev);
	attached = rec ? rec->st.attached : NULL;
	spin_unlock(&fence_lock);
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

	spin_lock(&fence_lock);
	rec->st.releases++;
	rec->st.release_started = true;
	if (rec->st.in_flight)
		rec->st.release_during_op++;
	if (shape->detach_dev && rec->st.attached &&
	    (!group || rec->st.attached != group->default_domain))
		rec->st.release_unclean++;
	fence_log(rec, FENCE_EV_RELEASE, NULL);
	gated = fence_gate_match(rec, FENCE_OP_RELEASE, NULL);
	if (rec->shared_group)
		fence_shared_releasing++;
	spin_unlock(&fence_lock);

	fence_op_wait(rec, FENCE_OP_RELEASE, gated);

	spin_lock(&fence_lock);
	if (rec->shared_group)
		fence_shared_releasing--;
	rec->st.release_finished = true;
	spin_unlock(&fence_lock);
}

/* Probe paths are serialised by iommu_probe_device_lock. */
static struct iommu_group *fence_device_group(struct device *dev)
{
	struct iommu_group **shared = NULL;
	struct iommu_group *group;
	struct fence_rec *rec;
	bool fail = false;

	spin_lock(&fence_lock);
	rec = fence_rec_find(dev);
	if (rec) {
		shared = rec->shared_group;
		fail = rec->fail_group;
	}
	spin_unlock(&fence_lock);
	if (rec)
		complete(&rec->entered[FENCE_OP_GROUP]);

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

static int fence_def_domain_type(struct device *dev)
{
	struct fence_rec *rec;
	int type = 0;

	spin_lock(&fence_lock);
	rec = fence_rec_find(dev);
	if (rec)
		type = rec->def_domain_type;
	spin_unlock(&fence_lock);
	return type;
}

static bool fence_is_attach_deferred(struct device *dev)
{
	struct fence_rec *rec;
	bool deferred = false;

	spin_lock(&fence_lock);
	rec = fence_rec_find(dev);
	if (rec)
		deferred = rec->attach_deferred;
	spin_unlock(&fence_lock);
	return deferred;
}

static const struct iommu_ops fence_ops = {
	.domain_alloc		= fence_domain_alloc,
	.probe_device		= fence_probe_device,
	.release_device		= fence_release_device,
	.device_group		= fence_device_group,
	.is_attach_deferred	= fence_is_attach_deferred,
	.def_domain_type	= fence_def_domain_type,
	.default_domain_ops	= &fence_domain_ops,
	.pgsize_bitmap		= SZ_4K,
};

/**
 * struct fence_thread - a helper thread running one core call
 * @fn: the call
 * @rec: the device it concerns
 * @group: the group it concerns
 * @domain: the domain it concerns
 * @done: completed when @fn has returned
 * @ret: what @fn returned
 * @done_ns: ktime_get_ns() when @fn returned
 */
struct fence_thread {
	int (*fn)(struct fence_thread *t);
	struct fence_rec *rec;
	struct iommu_group *group;
	struct iommu_domain *domain;
	struct completion done;
	int ret;
	u64 done_ns;
};

/**
 * struct fence_ctx - what one case created, for the teardown
 * @recs: the records of the devices it created
 * @nrecs: number of @recs
 * @shared_group: the mock's reference to a group shared by @recs
 * @domains: domains the case allocated
 * @ndomains: number of @domains
 * @threads: helper threads the case started
 * @nthreads: number of @threads
 * @warnings: fence_warnings when the case started
 * @tainted: TAINT_WARN was already set when the case started
 * @debug_locks: lockdep had found no problem when the case started
 */
struct fence_ctx {
	struct fence_rec *recs[FENCE_MAX_DEVS];
	unsigned int nrecs;
	struct iommu_group *shared_group;
	struct iommu_domain *domains[FENCE_MAX_DOMAINS];
	unsigned int ndomains;
	struct fence_thread threads[FENCE_MAX_THREADS];
	unsigned int nthreads;
	int warnings;
	bool tainted;
	bool debug_locks;
};

static int fence_thread_fn(void *data)
{
	struct fence_thread *t = data;

	t->ret = t->fn(t);
	t->done_ns = ktime_get_ns();
	/* complete_all(): both the case and its teardown wait for it. */
	complete_all(&t->done);
	return 0;
}

static int fence_do_unregister(struct fence_thread *t)
{
	platform_device_unregister(t->rec->pdev);
	return 0;
}

static int fence_do_attach_group(struct fence_thread *t)
{
	return iommu_attach_group(t->domain, t->group);
}

static int fence_do_detach_group(struct fence_thread *t)
{
	iommu_detach_group(t->domain, t->group);
	return 0;
}

static int fence_do_attach_detach_group(struct fence_thread *t)
{
	int ret = iommu_attach_group(t->domain, t->group);

	iommu_detach_group(t->domain, t->group);
	return ret;
}

static int fence_do_store_type(struct fence_thread *t)
{
	return iommu_group_store_type(t->group, "auto", 4);
}

static int fence_do_deferred_attach(struct fence_thread *t)
{
	return iommu_deferred_attach(t->rec->dev, t->domain);
}

static int fence_do_add(struct fence_thread *t)
{
	return platform_device_add(t->rec->pdev);
}

/* The single-device API of the ARM DMA mapping code and tegra users. */
static int fence_do_attach_device(struct fence_thread *t)
{
	return iommu_attach_device(t->domain, t->rec->dev);
}

static int fence_do_detach_device(struct fence_thread *t)
{
	iommu_detach_device(t->domain, t->rec->dev);
	return 0;
}

static struct fence_thread *fence_start(struct kunit *test,
					int (*fn)(struct fence_thread *t),
					struct fence_rec *rec,
					struct iommu_group *group,
					struct iommu_domain *domain)
{
	struct fence_ctx *ctx = test->priv;
	struct task_struct *task;
	struct fence_thread *t;

	KUNIT_ASSERT_LT(test, ctx->nthreads, FENCE_MAX_THREADS);
	t = &ctx->threads[ctx->nthreads];
	t->fn = fn;
	t->rec = rec;
	t->group = group;
	t->domain = domain;
	init_completion(&t->done);

	task = kthread_run(fence_thread_fn, t, "iommu-fence/%u", ctx->nthreads);
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(task), "kthread_run: %ld",
			       PTR_ERR(task));
	ctx->nthreads++;
	return t;
}

/* platform_device_unregister() ends in iommu_release_device(). */
static struct fence_thread *fence_start_release(struct kunit *test,
						struct fence_rec *rec)
{
	struct fence_thread *t;

	t = fence_start(test, fence_do_unregister, rec, NULL, NULL);
	rec->unregistered = true;
	return t;
}

static bool fence_join(struct fence_thread *t)
{
	return wait_for_completion_timeout(&t->done,
					   msecs_to_jiffies(FENCE_WAIT_MS));
}

static void fence_gate_arm(struct fence_rec *rec, enum fence_op op,
			   struct iommu_domain *domain)
{
	struct fence_gate *gate = &rec->gate[op];

	spin_lock(&fence_lock);
	reinit_completion(&gate->entered);
	reinit_completion(&gate->open);
	gate->domain = domain;
	gate->armed = true;
	spin_unlock(&fence_lock);
}

static void fence_gate_open(struct fence_rec *rec, enum fence_op op)
{
	spin_lock(&fence_lock);
	rec->gate[op].armed = false;
	spin_unlock(&fence_lock);
	complete_all(&rec->gate[op].open);
}

/* Wait until an op is blocked at the gate of type @op. */
static bool fence_gate_entered(struct fence_rec *rec, enum fence_op op)
{
	return wait_for_completion_timeout(&rec->gate[op].entered,
					   msecs_to_jiffies(FENCE_WAIT_MS));
}

/* Forget earlier ops of type @op, to watch for the next one. */
static void fence_watch(struct fence_rec *rec, enum fence_op op)
{
	reinit_completion(&rec->entered[op]);
}

/* Did an op of type @op enter within FENCE_QUIET_MS?  Expected: no. */
static bool fence_entered_soon(struct fence_rec *rec, enum fence_op op)
{
	return wait_for_completion_timeout(&rec->entered[op],
					   msecs_to_jiffies(FENCE_QUIET_MS));
}

static struct fence_stats fence_get_stats(struct fence_rec *rec)
{
	struct fence_stats st;

	spin_lock(&fence_lock);
	st = rec->st;
	spin_unlock(&fence_lock);
	return st;
}

static void fence_set_def_domain_type(struct fence_rec *rec, int type)
{
	spin_lock(&fence_lock);
	rec->def_domain_type = type;
	spin_unlock(&fence_lock);
}

static void fence_set_attach_deferred(struct fence_rec *rec, bool deferred)
{
	spin_lock(&fence_lock);
	rec->attach_deferred = deferred;
	spin_unlock(&fence_lock);
}

/*
 * A record on fence_recs and the platform device it is for, not added yet;
 * the record holds a reference on the device.  NULL if out of memory.
 */
static struct fence_rec *fence_rec_new(void)
{
	struct platform_device *pdev;
	struct fence_rec *rec;
	int op;

	rec = kzalloc(sizeof(*rec), GFP_KERNEL);
	if (!rec)
		return NULL;
	pdev = platform_device_alloc(FENCE_DEV_NAME,
				     atomic_inc_return(&fence_dev_id));
	if (!pdev) {
		kfree(rec);
		return NULL;
	}
	for (op = 0; op < FENCE_OP_NR; op++) {
		init_completion(&rec->gate[op].entered);
		init_completion(&rec->gate[op].open);
		init_completion(&rec->entered[op]);
	}
	rec->pdev = pdev;
	rec->dev = get_device(&pdev->dev);
	rec->def_domain_type = IOMMU_DOMAIN_IDENTITY;

	spin_lock(&fence_lock);
	list_add(&rec->node, &fence_recs);
	spin_unlock(&fence_lock);
	return rec;
}

/* Take @rec off fence_recs and free it, once nothing can reach the mock. */
static void fence_rec_free(struct fence_rec *rec)
{
	spin_lock(&fence_lock);
	list_del(&rec->node);
	spin_unlock(&fence_lock);
	put_device(rec->dev);
	kfree(rec);
}

/*
 * A record for a device of the case, in the case's shared group if @shared,
 * and the platform device, not added yet.
 */
static struct fence_rec *fence_new_device(struct kunit *test, bool shared)
{
	struct fence_ctx *ctx = test->priv;
	struct fence_rec *rec;

	KUNIT_ASSERT_LT(test, ctx->nrecs, FENCE_MAX_DEVS);
	rec = fence_rec_new();
	KUNIT_ASSERT_NOT_NULL_MSG(test, rec, "out of memory");
	/* Not added yet: device_group() cannot read this concurrently. */
	if (shared)
		rec->shared_group = &ctx->shared_group;
	ctx->recs[ctx->nrecs++] = rec;
	return rec;
}

/* The checks of fence_add_device() once platform_device_add() returned. */
static void fence_added(struct kunit *test, struct fence_rec *rec)
{
	struct fence_stats st;

	rec->group = iommu_group_get(rec->dev);
	KUNIT_ASSERT_NOT_NULL_MSG(test, rec->group, "device was not probed");
	if (fence_shape->default_domain)
		KUNIT_ASSERT_NOT_NULL(test, rec->group->default_domain);

	st = fence_get_stats(rec);
	KUNIT_ASSERT_EQ(test, st.probes, 1U);
	KUNIT_ASSERT_PTR_EQ_MSG(test, st.attached, rec->group->domain,
				"a new device is not on its group's domain");
}

/**
 * fence_add_device() - create a test device and let the core probe it
 * @test: the case
 * @shared: put the device in the case's shared group
 *
 * The device is probed through BUS_NOTIFY_ADD_DEVICE and must end on its
 * group's domain: a new identity default domain for a new group of a shape
 * that has one.  The record holds a reference on the device until the
 * teardown, so the device's memory outlives its release.
 *
 * Return: the device's record.
 */
static struct fence_rec *fence_add_device(struct kunit *test, bool shared)
{
	struct fence_rec *rec = fence_new_device(test, shared);
	int ret;

	ret = platform_device_add(rec->pdev);
	KUNIT_ASSERT_EQ_MSG(test, ret, 0, "platform_device_add failed");
	rec->added = true;
	fence_added(test, rec);
	return rec;
}

/* Play @shape for the rest of the case; before its first device. */
static void fence_set_shape(unsigned int shape)
{
	spin_lock(&fence_lock);
	WRITE_ONCE(fence_shape, &fence_shapes[shape]);
	fence_xlate = NULL;
	fence_cached = NULL;
	fence_cached_freed = false;
	spin_unlock(&fence_lock);
}

static struct iommu_domain *fence_get_xlate(void)
{
	struct iommu_domain *xlate;

	spin_lock(&fence_lock);
	xlate = fence_xlate;
	spin_unlock(&fence_lock);
	return xlate;
}

static struct iommu_domain *fence_alloc_domain(struct kunit *test)
{
	struct fence_ctx *ctx = test->priv;
	struct iommu_domain *domain;

	KUNIT_ASSERT_LT(test, ctx->ndomains, FENCE_MAX_DOMAINS);
	domain = iommu_domain_alloc(&platform_bus_type);
	KUNIT_ASSERT_NOT_NULL(test, domain);
	ctx->domains[ctx->ndomains++] = domain;
	return domain;
}

/* The rules the fence must keep for @rec, checked after the fact. */
static void fence_expect_clean(struct kunit *test, struct fence_rec *rec)
{
	struct fence_stats st = fence_get_stats(rec);

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
static void fence_expect_no_warn(struct kunit *test)
{
	struct fence_ctx *ctx = test->priv;

	if (fence_counting_warnings)
		KUNIT_EXPECT_EQ_MSG(test, atomic_read(&fence_warnings),
				    ctx->warnings, "the case hit a WARN");
	else if (!ctx->tainted)
		KUNIT_EXPECT_FALSE_MSG(test, test_taint(TAINT_WARN),
				       "the case hit a WARN");
	if (ctx->debug_locks)
		KUNIT_EXPECT_TRUE_MSG(test, debug_locks,
				      "lockdep reported a problem during the case");
}

/**
 * fence_test_sanity() - sanity_lifecycle
 * @test: the case
 *
 * Probe, attach to an unmanaged domain, detach back to the default domain
 * and release, with nothing racing: the mock sees exactly these ops, in
 * this order, and no violation.  Passes with and without the fence.
 */
static void fence_test_sanity(struct kunit *test)
{
	struct fence_event want[] = {
		{ FENCE_EV_PROBE }, { FENCE_EV_ATTACH }, { FENCE_EV_ATTACH },
		{ FENCE_EV_ATTACH }, { FENCE_EV_RELEASE },
	};
	struct iommu_domain *dflt, *domain;
	struct fence_event log[FENCE_LOG_LEN];
	struct fence_thread *rel;
	struct fence_stats st;
	struct fence_rec *rec;
	unsigned int nlog, i;

	rec = fence_add_device(test, false);
	dflt = rec->group->default_domain;
	KUNIT_EXPECT_EQ(test, dflt->type, IOMMU_DOMAIN_IDENTITY);
	domain = fence_alloc_domain(test);

	KUNIT_ASSERT_EQ(test, iommu_attach_group(domain, rec->group), 0);
	KUNIT_EXPECT_PTR_EQ(test, fence_get_stats(rec).attached, domain);
	KUNIT_EXPECT_PTR_EQ(test, iommu_get_domain_for_dev(rec->dev), domain);

	iommu_detach_group(domain, rec->group);
	KUNIT_EXPECT_PTR_EQ(test, fence_get_stats(rec).attached, dflt);
	KUNIT_EXPECT_PTR_EQ(test, iommu_get_domain_for_dev(rec->dev), dflt);

	rel = fence_start_release(test, rec);
	KUNIT_ASSERT_TRUE_MSG(test, fence_join(rel), "release did not finish");

	st = fence_get_stats(rec);
	KUNIT_EXPECT_EQ(test, st.probes, 1U);
	KUNIT_EXPECT_EQ(test, st.attaches, 3U);
	KUNIT_EXPECT_EQ(test, st.detaches, 0U);
	KUNIT_EXPECT_EQ(test, st.releases, 1U);
	KUNIT_EXPECT_TRUE(test, st.release_finished);

	spin_lock(&fence_lock);
	nlog = rec->nlog;
	memcpy(log, rec->log, sizeof(log));
	spin_unlock(&fence_lock);

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

	fence_expect_clean(test, rec);
	fence_expect_no_warn(test);
}

/*
 * Start @fn in a thread, hold the attach_dev() of @target it makes in the
 * driver, and unregister the device meanwhile: release_device() must not
 * start until that attach_dev() has returned.  Returns what @fn returned.
 */
static int fence_release_during_attach(struct kunit *test,
				       struct fence_rec *rec,
				       int (*fn)(struct fence_thread *t),
				       struct iommu_domain *arg,
				       struct iommu_domain *target,
				       const char *what)
{
	struct fence_thread *op, *rel;

	fence_gate_arm(rec, FENCE_OP_ATTACH, target);
	op = fence_start(test, fn, rec, rec->group, arg);
	KUNIT_ASSERT_TRUE_MSG(test, fence_gate_entered(rec, FENCE_OP_ATTACH),
			      "%s never reached the driver", what);

	rel = fence_start_release(test, rec);
	KUNIT_EXPECT_FALSE_MSG(test,
			       fence_entered_soon(rec, FENCE_OP_RELEASE),
			       "release_device() entered while %s was in flight",
			       what);

	fence_gate_open(rec, FENCE_OP_ATTACH);
	KUNIT_ASSERT_TRUE_MSG(test, fence_join(op), "%s did not return", what);
	KUNIT_ASSERT_TRUE_MSG(test, fence_join(rel), "release did not finish");
	KUNIT_EXPECT_TRUE(test, fence_get_stats(rec).release_finished);
	return op->ret;
}

/*
 * Unregister the device of @rec and hold its release_device() in the mock,
 * so that the case can start a competing path; returns the release thread.
 */
static struct fence_thread *fence_hold_release(struct kunit *test,
					       struct fence_rec *rec)
{
	struct fence_thread *rel;

	fence_gate_arm(rec, FENCE_OP_RELEASE, NULL);
	rel = fence_start_release(test, rec);
	KUNIT_ASSERT_TRUE_MSG(test, fence_gate_entered(rec, FENCE_OP_RELEASE),
			      "release_device() never reached the driver");
	return rel;
}

/* Let the release held by fence_hold_release() go and wait for it. */
static void fence_finish_release(struct kunit *test, struct fence_rec *rec,
				 struct fence_thread *rel)
{
	fence_gate_open(rec, FENCE_OP_RELEASE);
	KUNIT_ASSERT_TRUE_MSG(test, fence_join(rel), "release did not finish");
}

/**
 * fence_test_attach_race() - attach_race
 * @test: the case
 *
 * iommu_attach_group() to an unmanaged domain is held inside attach_dev();
 * the device is then unregistered.  release_device() must not start until
 * attach_dev() has returned, and must then find the device detached from
 * the unmanaged domain.
 */
static void fence_test_attach_race(struct kunit *test)
{
	struct iommu_domain *domain;
	struct fence_rec *rec;

	rec = fence_add_device(test, false);
	domain = fence_alloc_domain(test);

	KUNIT_EXPECT_EQ(test,
			fence_release_during_attach(test, rec,
						    fence_do_attach_group,
						    domain, domain,
						    "attach_dev()"), 0);

	fence_expect_clean(test, rec);
	fence_expect_no_warn(test);
}

/**
 * fence_test_detach_race() - detach_race
 * @test: the case
 *
 * With the group on an unmanaged domain, iommu_detach_group() is held inside
 * the attach_dev() that puts the device back on its default domain; the
 * device is then unregistered.  release_device() must not start until that
 * attach_dev() has returned.
 */
static void fence_test_detach_race(struct kunit *test)
{
	struct iommu_domain *dflt, *domain;
	struct fence_rec *rec;

	rec = fence_add_device(test, false);
	dflt = rec->group->default_domain;
	domain = fence_alloc_domain(test);
	KUNIT_ASSERT_EQ(test, iommu_attach_group(domain, rec->group), 0);

	fence_release_during_attach(test, rec, fence_do_detach_group,
				    domain, dflt, "the detach");

	fence_expect_clean(test, rec);
	fence_expect_no_warn(test);
}

static bool fence_ret_clean(int ret)
{
	return ret == 0 || ret == -ENODEV;
}

/**
 * fence_test_group_op_race() - group_op_race
 * @test: the case
 *
 * release_device() is held in the mock; iommu_attach_group() and then
 * iommu_detach_group() are started on the device's group.  Neither may reach
 * the driver for the releasing device, and each must return cleanly.  Once
 * the release has finished, the same calls again must not reach it either.
 */
static void fence_test_group_op_race(struct kunit *test)
{
	struct fence_thread *ops, *rel;
	struct iommu_domain *domain;
	struct fence_rec *rec;
	int ret;

	rec = fence_add_device(test, false);
	domain = fence_alloc_domain(test);

	rel = fence_hold_release(test, rec);

	fence_watch(rec, FENCE_OP_ATTACH);
	ops = fence_start(test, fence_do_attach_detach_group, rec, rec->group,
			  domain);
	KUNIT_EXPECT_FALSE_MSG(test, fence_entered_soon(rec, FENCE_OP_ATTACH),
			       "attach_dev() reached the driver during release_device()");

	fence_finish_release(test, rec, rel);
	KUNIT_ASSERT_TRUE_MSG(test, fence_join(ops), "attach/detach did not return");
	KUNIT_EXPECT_TRUE_MSG(test, fence_ret_clean(ops->ret),
			      "iommu_attach_group() during release: %d", ops->ret);

	/* Again, now that the device is gone. */
	ret = iommu_attach_group(domain, rec->group);
	KUNIT_EXPECT_TRUE_MSG(test, fence_ret_clean(ret),
			      "iommu_attach_group() after release: %d", ret);
	iommu_detach_group(domain, rec->group);

	KUNIT_EXPECT_EQ(test, fence_get_stats(rec).releases, 1U);
	fence_expect_clean(test, rec);
	fence_expect_no_warn(test);
}

/**
 * fence_test_shared_clean() - shared_clean
 * @test: the case
 *
 * A group of two devices is attached to an unmanaged domain and one device
 * is released.  The released device must be off the unmanaged domain before
 * its release_device(); the other one stays attached, untouched, and the
 * domain still maps.  A later iommu_detach_group() touches only the device
 * that is left.
 */
static void fence_test_shared_clean(struct kunit *test)
{
	struct fence_stats a_st, b_st, st;
	struct iommu_domain *dflt, *domain;
	struct iommu_group *group;
	struct fence_rec *a, *b;
	struct fence_thread *rel;

	a = fence_add_device(test, true);
	b = fence_add_device(test, true);
	group = a->group;
	KUNIT_ASSERT_PTR_EQ(test, b->group, group);
	dflt = group->default_domain;
	domain = fence_alloc_domain(test);

	KUNIT_ASSERT_EQ(test, iommu_attach_group(domain, group), 0);
	KUNIT_ASSERT_PTR_EQ(test, fence_get_stats(a).attached, domain);
	KUNIT_ASSERT_PTR_EQ(test, fence_get_stats(b).attached, domain);

	b_st = fence_get_stats(b);
	rel = fence_start_release(test, a);
	KUNIT_ASSERT_TRUE_MSG(test, fence_join(rel), "release did not finish");
	KUNIT_EXPECT_TRUE(test, fence_get_stats(a).release_finished);

	/* The survivor was not touched and still translates. */
	st = fence_get_stats(b);
	KUNIT_EXPECT_PTR_EQ(test, st.attached, domain);
	KUNIT_EXPECT_EQ(test, st.attaches, b_st.attaches);
	KUNIT_EXPECT_EQ(test, st.detaches, b_st.detaches);
	KUNIT_EXPECT_PTR_EQ(test, group->domain, domain);
	KUNIT_EXPECT_EQ(test, iommu_map(domain, FENCE_IOVA, FENCE_PADDR, SZ_4K,
					IOMMU_READ | IOMMU_WRITE), 0);
	KUNIT_EXPECT_EQ(test, iommu_iova_to_phys(domain, FENCE_IOVA),
			(phys_addr_t)FENCE_PADDR);
	KUNIT_EXPECT_EQ(test, iommu_unmap(domain, FENCE_IOVA, SZ_4K),
			(size_t)SZ_4K);

	/* Detaching the group now concerns the survivor only. */
	a_st = fence_get_stats(a);
	b_st = fence_get_stats(b);
	iommu_detach_group(domain, group);
	st = fence_get_stats(b);
	KUNIT_EXPECT_PTR_EQ(test, st.attached, dflt);
	KUNIT_EXPECT_EQ(test, st.attaches, b_st.attaches + 1);
	st = fence_get_stats(a);
	KUNIT_EXPECT_EQ(test, st.attaches, a_st.attaches);
	KUNIT_EXPECT_EQ(test, st.detaches, a_st.detaches);

	fence_expect_clean(test, a);
	fence_expect_clean(test, b);
	fence_expect_no_warn(test);
}

/**
 * fence_test_store_type_race() - store_type_race
 * @test: the case
 *
 * release_device() is held in the mock while the group's type is set to
 * "auto", with def_domain_type() asking for an unmanaged domain, so that
 * iommu_group_store_type() would allocate a new default domain and attach
 * the device to it.  No attach may reach the releasing device and the store
 * must fail cleanly.
 */
static void fence_test_store_type_race(struct kunit *test)
{
	struct fence_thread *rel, *store;
	struct fence_rec *rec;

	rec = fence_add_device(test, false);
	fence_set_def_domain_type(rec, IOMMU_DOMAIN_UNMANAGED);

	rel = fence_hold_release(test, rec);

	fence_watch(rec, FENCE_OP_ATTACH);
	store = fence_start(test, fence_do_store_type, rec, rec->group, NULL);
	KUNIT_EXPECT_FALSE_MSG(test, fence_entered_soon(rec, FENCE_OP_ATTACH),
			       "a default domain change attached the releasing device");

	fence_finish_release(test, rec, rel);
	KUNIT_ASSERT_TRUE_MSG(test, fence_join(store), "store did not return");
	KUNIT_EXPECT_LT_MSG(test, store->ret, 0,
			    "iommu_group_store_type() succeeded on a released device");

	fence_expect_clean(test, rec);
	fence_expect_no_warn(test);
}

/**
 * fence_test_deferred_race() - deferred_race
 * @test: the case
 *
 * iommu_deferred_attach() of the default domain is held inside attach_dev()
 * and the device is then unregistered.  release_device() must not start
 * until the attach has returned.
 */
static void fence_test_deferred_race(struct kunit *test)
{
	struct iommu_domain *dflt;
	struct fence_rec *rec;

	rec = fence_add_device(test, false);
	dflt = rec->group->default_domain;
	fence_set_attach_deferred(rec, true);

	KUNIT_EXPECT_EQ(test,
			fence_release_during_attach(test, rec,
						    fence_do_deferred_attach,
						    dflt, dflt,
						    "a deferred attach"), 0);

	fence_expect_clean(test, rec);
	fence_expect_no_warn(test);
}

/**
 * fence_test_device_api_race() - device_api_race
 * @test: the case
 *
 * release_device() is held in the mock while iommu_attach_device() and
 * iommu_detach_device(), the single-device API of the ARM DMA mapping code,
 * are called for the same device from two threads.  Neither may reach the
 * driver; once the device is gone, the attach fails with -ENODEV and the
 * detach does nothing, without a WARN.
 */
static void fence_test_device_api_race(struct kunit *test)
{
	struct fence_thread *att, *det, *rel;
	struct iommu_domain *domain;
	struct fence_rec *rec;

	rec = fence_add_device(test, false);
	domain = fence_alloc_domain(test);

	rel = fence_hold_release(test, rec);

	fence_watch(rec, FENCE_OP_ATTACH);
	fence_watch(rec, FENCE_OP_DETACH);
	att = fence_start(test, fence_do_attach_device, rec, NULL, domain);
	det = fence_start(test, fence_do_detach_device, rec, NULL, domain);
	KUNIT_EXPECT_FALSE_MSG(test, fence_entered_soon(rec, FENCE_OP_ATTACH),
			       "iommu_attach_device() reached the driver during release_device()");
	KUNIT_EXPECT_FALSE_MSG(test, fence_entered_soon(rec, FENCE_OP_DETACH),
			       "iommu_detach_device() reached the driver during release_device()");

	fence_finish_release(test, rec, rel);
	KUNIT_ASSERT_TRUE_MSG(test, fence_join(att), "the attach did not return");
	KUNIT_ASSERT_TRUE_MSG(test, fence_join(det), "the detach did not return");
	KUNIT_EXPECT_EQ_MSG(test, att->ret, -ENODEV,
			    "iommu_attach_device() of a released device");

	fence_expect_clean(test, rec);
	fence_expect_no_warn(test);
}

/**
 * fence_test_deferred_after_release() - deferred_after_release
 * @test: the case
 *
 * A deferred attach starts while release_device() is held in the mock, so it
 * finds the device still deferred.  It must not reach the driver, and once
 * the release is done it must fail with -ENODEV without looking at the
 * device's IOMMU data, which the release frees.
 */
static void fence_test_deferred_after_release(struct kunit *test)
{
	struct fence_thread *op, *rel;
	struct iommu_domain *dflt;
	struct fence_rec *rec;

	rec = fence_add_device(test, false);
	dflt = rec->group->default_domain;
	fence_set_attach_deferred(rec, true);

	rel = fence_hold_release(test, rec);

	fence_watch(rec, FENCE_OP_ATTACH);
	op = fence_start(test, fence_do_deferred_attach, rec, NULL, dflt);
	KUNIT_EXPECT_FALSE_MSG(test, fence_entered_soon(rec, FENCE_OP_ATTACH),
			       "a deferred attach reached the driver during release_device()");

	fence_finish_release(test, rec, rel);
	KUNIT_ASSERT_TRUE_MSG(test, fence_join(op), "the deferred attach did not return");
	KUNIT_EXPECT_EQ_MSG(test, op->ret, -ENODEV,
			    "deferred attach of a released device");

	fence_expect_clean(test, rec);
	fence_expect_no_warn(test);
}

/**
 * fence_test_probe_publish() - probe_publish
 * @test: the case
 *
 * While the test holds the mutex of a group, a second device is probed into
 * it.  Its group must not be published through the device before the device
 * is on the group's list: whoever finds a group through a device and takes
 * the mutex must find the device in it.  On v6.1 the device's group is set
 * before the mutex is taken, and a claim of such a group built its blocking
 * domain from an empty list.
 */
static void fence_test_probe_publish(struct kunit *test)
{
	bool entered, published = false, on_list = false;
	struct group_device *gdev;
	struct iommu_group *group;
	struct fence_rec *a, *b;
	struct fence_thread *add;
	unsigned int i;

	a = fence_add_device(test, true);
	group = a->group;
	b = fence_new_device(test, true);

	mutex_lock(&group->mutex);
	add = fence_start(test, fence_do_add, b, NULL, NULL);
	entered = wait_for_completion_timeout(&b->entered[FENCE_OP_GROUP],
					      msecs_to_jiffies(FENCE_WAIT_MS));
	for (i = 0; entered && !published && i < FENCE_QUIET_MS / 20; i++) {
		msleep(20);
		published = !!READ_ONCE(b->dev->iommu_group);
	}
	list_for_each_entry(gdev, &group->devices, list)
		on_list |= gdev->dev == b->dev;
	mutex_unlock(&group->mutex);

	KUNIT_EXPECT_TRUE_MSG(test, entered, "the probe never reached device_group()");
	KUNIT_EXPECT_FALSE_MSG(test, published && !on_list,
			       "the device's group was published before the device joined it");

	KUNIT_ASSERT_TRUE_MSG(test, fence_join(add), "the probe did not finish");
	KUNIT_ASSERT_EQ(test, add->ret, 0);
	b->added = true;
	fence_added(test, b);
	fence_expect_no_warn(test);
}

/**
 * fence_test_probe_joins_domain() - probe_joins_domain
 * @test: the case
 *
 * A kernel user attaches a group to its own domain without claiming it, and
 * a second device then joins the group.  The new device must end on the
 * group's domain, like the rest of the group, not on the default domain,
 * which v6.1's probe attaches after the join.
 */
static void fence_test_probe_joins_domain(struct kunit *test)
{
	struct iommu_domain *domain;
	struct fence_rec *a, *b;

	a = fence_add_device(test, true);
	domain = fence_alloc_domain(test);
	KUNIT_ASSERT_EQ(test, iommu_attach_group(domain, a->group), 0);

	b = fence_add_device(test, true);
	KUNIT_EXPECT_PTR_EQ(test, b->group->domain, domain);
	KUNIT_EXPECT_PTR_EQ(test, fence_get_stats(b).attached, domain);
	KUNIT_EXPECT_PTR_EQ(test, fence_get_stats(a).attached, domain);
	fence_expect_no_warn(test);
}

/**
 * fence_test_claim_empty() - claim_empty
 * @test: the case
 *
 * A group outlives its only device, which was claimed and released once.
 * Claiming it again must fail with -ENODEV: it has nothing to own.  A device
 * that joins it later finds a group with no domain left, gets a new default
 * domain and is attached to it.
 */
static void fence_test_claim_empty(struct kunit *test)
{
	struct iommu_group *group;
	struct fence_thread *rel;
	struct fence_rec *a, *b;
	int ret;

	a = fence_add_device(test, true);
	group = a->group;
	KUNIT_ASSERT_EQ(test, iommu_group_claim_dma_owner(group, test), 0);
	iommu_group_release_dma_owner(group);

	rel = fence_start_release(test, a);
	KUNIT_ASSERT_TRUE_MSG(test, fence_join(rel), "release did not finish");

	ret = iommu_group_claim_dma_owner(group, test);
	if (!ret)
		iommu_group_release_dma_owner(group);
	KUNIT_EXPECT_EQ_MSG(test, ret, -ENODEV, "claimed a group with no device");

	b = fence_add_device(test, true);
	KUNIT_EXPECT_PTR_EQ(test, b->group, group);
	KUNIT_EXPECT_PTR_EQ(test, group->domain, group->default_domain);
	fence_expect_clean(test, a);
	fence_expect_no_warn(test);
}

/*
 * Bracket a report that a case provokes on purpose: the harness (bin/kunit)
 * leaves the lines in between out of its clean-log check and requires a
 * line with the text after the colon among them.
 */
#define FENCE_EXPECT_BEGIN	"iommu-fence-test: expected report begins: "
#define FENCE_EXPECT_END	"iommu-fence-test: expected report ends\n"

#ifdef CONFIG_DEBUG_ATOMIC_SLEEP
/**
 * fence_test_deferred_atomic() - deferred_atomic
 * @test: the case
 *
 * The first DMA map of a device whose attach the driver deferred (the kdump
 * case of intel and amd) takes group->mutex in iommu_deferred_attach(), as
 * upstream does since it locked that path.  A DMA map may run in atomic
 * context.  With CONFIG_DEBUG_ATOMIC_SLEEP such a first map is reported:
 * the case makes one with preemption disabled and checks that the kernel
 * reports it and that the attach still happens.  UML has no preemption
 * count, so the case exists only where the option does (bin/kunit on
 * x86_64).
 */
static void fence_test_deferred_atomic(struct kunit *test)
{
	struct iommu_domain *dflt;
	struct fence_rec *rec;
	unsigned int attaches;
	int ret;

	KUNIT_ASSERT_FALSE_MSG(test, test_taint(TAINT_WARN),
			       "TAINT_WARN is already set: a report cannot be seen");
	rec = fence_add_device(test, false);
	dflt = rec->group->default_domain;
	fence_set_attach_deferred(rec, true);
	attaches = fence_get_stats(rec).attaches;

	pr_info(FENCE_EXPECT_BEGIN "BUG: sleeping function called from invalid context\n");
	preempt_disable();
	ret = iommu_deferred_attach(rec->dev, dflt);
	preempt_enable();
	pr_info(FENCE_EXPECT_END);

	KUNIT_EXPECT_EQ(test, ret, 0);
	KUNIT_EXPECT_EQ(test, fence_get_stats(rec).attaches, attaches + 1);
	KUNIT_EXPECT_TRUE_MSG(test, test_taint(TAINT_WARN),
			      "a deferred attach in atomic context was not reported");
}
#endif

/**
 * fence_test_lockdep_enforced() - lockdep_enforced
 * @test: the case
 *
 * The core's op helper is called without group->mutex, as a path that the
 * fence does not cover would.  Lockdep must report it, exactly once, and the
 * op itself still works.
 */
static void fence_test_lockdep_enforced(struct kunit *test)
{
	struct iommu_domain *dflt;
	struct fence_rec *rec;
	int before, ret;

	KUNIT_ASSERT_TRUE_MSG(test, fence_counting_warnings,
			      "needs the error_report tracepoint to count reports");
	rec = fence_add_device(test, false);
	dflt = rec->group->default_domain;

	before = atomic_read(&fence_warnings);
	pr_info(FENCE_EXPECT_BEGIN "WARNING:\n");
	ret = __iommu_attach_device(dflt, rec->dev);
	pr_info(FENCE_EXPECT_END);

	KUNIT_EXPECT_EQ(test, ret, 0);
	KUNIT_EXPECT_EQ_MSG(test, atomic_read(&fence_warnings) - before, 1,
			    "attach_dev() reached without group->mutex was not reported");
	KUNIT_EXPECT_TRUE(test, debug_locks);
}

/**
 * fence_test_group_release_race() - group_release_race
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
static void fence_test_group_release_race(struct kunit *test)
{
	struct fence_thread *att, *rel;
	struct iommu_domain *domain;
	struct fence_rec *a, *b;

	fence_set_shape(FENCE_SHAPE_SHARED_XLATE);
	a = fence_add_device(test, true);
	b = fence_add_device(test, true);
	domain = fence_alloc_domain(test);

	rel = fence_hold_release(test, a);

	fence_watch(b, FENCE_OP_ATTACH);
	att = fence_start(test, fence_do_attach_group, b, b->group, domain);
	KUNIT_EXPECT_FALSE_MSG(test, fence_entered_soon(b, FENCE_OP_ATTACH),
			       "the group's other device was attached during release_device()");

	fence_finish_release(test, a, rel);
	KUNIT_ASSERT_TRUE_MSG(test, fence_join(att), "the attach did not return");
	KUNIT_EXPECT_EQ(test, att->ret, 0);
	KUNIT_EXPECT_PTR_EQ(test, fence_get_stats(b).attached, domain);
	KUNIT_EXPECT_PTR_EQ(test, fence_get_xlate(), domain);
	fence_expect_clean(test, a);
	fence_expect_clean(test, b);
	fence_expect_no_warn(test);
}

/**
 * fence_test_shared_xlate_release() - shared_xlate_release
 * @test: the case
 *
 * Regression: a driver without detach_dev() whose two devices of a group
 * share one translation record (an SMMU stream-map entry behind a PCI DMA
 * alias).  The group is on an unmanaged domain and one device is released:
 * the record must still point at that domain, for the device that stays.
 * The series first attached the default domain to the departing device
 * instead of a detach, which rewrote the shared record.
 */
static void fence_test_shared_xlate_release(struct kunit *test)
{
	struct iommu_domain *domain;
	struct fence_thread *rel;
	struct fence_stats a_st;
	struct fence_rec *a, *b;

	fence_set_shape(FENCE_SHAPE_SHARED_XLATE);
	a = fence_add_device(test, true);
	b = fence_add_device(test, true);
	KUNIT_ASSERT_PTR_EQ(test, b->group, a->group);
	domain = fence_alloc_domain(test);
	KUNIT_ASSERT_EQ(test, iommu_attach_group(domain, a->group), 0);
	KUNIT_ASSERT_PTR_EQ(test, fence_get_xlate(), domain);

	a_st = fence_get_stats(a);
	rel = fence_start_release(test, a);
	KUNIT_ASSERT_TRUE_MSG(test, fence_join(rel), "release did not finish");

	KUNIT_EXPECT_PTR_EQ_MSG(test, fence_get_xlate(), domain,
				"releasing one device retargeted the translation its group shares");
	KUNIT_EXPECT_EQ(test, fence_get_stats(a).attaches, a_st.attaches);
	KUNIT_EXPECT_PTR_EQ(test, fence_get_stats(b).attached, domain);
	KUNIT_EXPECT_PTR_EQ(test, b->group->domain, domain);
	fence_expect_clean(test, a);
	fence_expect_clean(test, b);
	fence_expect_no_warn(test);
}

/**
 * fence_test_cached_default_release() - cached_default_release
 * @test: the case
 *
 * Regression: the group of the case outlives its only device, and the mock
 * keeps a pointer to the group's default domain, as mtk_iommu, rockchip and
 * sun50i keep the domain they last attached.  Once the device is released
 * the default domain must still be there and the group on it.  The series
 * first freed the default domain with the group's last device, as upstream
 * does only since its drivers stopped keeping such pointers.
 */
static void fence_test_cached_default_release(struct kunit *test)
{
	struct iommu_domain *dflt;
	struct fence_thread *rel;
	struct fence_rec *rec;
	bool freed;

	rec = fence_add_device(test, true);
	dflt = rec->group->default_domain;
	spin_lock(&fence_lock);
	fence_cached = dflt;
	spin_unlock(&fence_lock);

	rel = fence_start_release(test, rec);
	KUNIT_ASSERT_TRUE_MSG(test, fence_join(rel), "release did not finish");

	spin_lock(&fence_lock);
	freed = fence_cached_freed;
	fence_cached = NULL;
	spin_unlock(&fence_lock);
	KUNIT_EXPECT_FALSE_MSG(test, freed,
			       "the default domain went with the last device of a group that outlives it");
	KUNIT_EXPECT_PTR_EQ(test, rec->group->default_domain, dflt);
	KUNIT_EXPECT_PTR_EQ(test, rec->group->domain, dflt);
	fence_expect_clean(test, rec);
	fence_expect_no_warn(test);
}

/**
 * fence_test_no_default_readd() - no_default_readd
 * @test: the case
 *
 * Regression: a driver with no default domain, as the users of the ARM
 * DMA mapping API, and a group that outlives its device.  A device attached
 * through iommu_attach_device(), as arm_iommu_attach_device() does, is
 * released; the group must have no domain left, and a device that joins it
 * later must be able to attach a domain of its own.  The series first left the departed
 * device's domain on the group, so the next attach failed with -EBUSY.
 */
static void fence_test_no_default_readd(struct kunit *test)
{
	struct iommu_domain *first, *second;
	struct iommu_group *group;
	struct fence_thread *rel;
	struct fence_rec *a, *b;

	fence_set_shape(FENCE_SHAPE_NO_DEFAULT);
	a = fence_add_device(test, true);
	group = a->group;
	KUNIT_ASSERT_PTR_EQ(test, group->default_domain, NULL);
	first = fence_alloc_domain(test);
	KUNIT_ASSERT_EQ(test, iommu_attach_device(first, a->dev), 0);

	rel = fence_start_release(test, a);
	KUNIT_ASSERT_TRUE_MSG(test, fence_join(rel), "release did not finish");
	KUNIT_EXPECT_PTR_EQ_MSG(test, group->domain, NULL,
				"a group with no device left still has a domain");

	b = fence_add_device(test, true);
	KUNIT_ASSERT_PTR_EQ(test, b->group, group);
	second = fence_alloc_domain(test);
	KUNIT_EXPECT_EQ_MSG(test, iommu_attach_device(second, b->dev), 0,
			    "attach after the group's last device left");
	KUNIT_EXPECT_PTR_EQ(test, fence_get_stats(b).attached, second);
	fence_expect_clean(test, a);
	fence_expect_clean(test, b);
	fence_expect_no_warn(test);
}

/**
 * fence_test_probe_failure() - probe_failure
 * @test: the case
 *
 * A device whose first attach fails is released by the probe itself, and a
 * device whose device_group() fails is released without a group.  Both must
 * be released once, without a WARN or a lockdep report, and leave no group.
 */
static void fence_test_probe_failure(struct kunit *test)
{
	struct fence_rec *recs[2];
	struct iommu_group *group;
	unsigned int i;

	recs[0] = fence_new_device(test, false);
	recs[0]->fail_attach = true;
	recs[1] = fence_new_device(test, false);
	recs[1]->fail_group = true;

	for (i = 0; i < ARRAY_SIZE(recs); i++) {
		KUNIT_ASSERT_EQ(test, platform_device_add(recs[i]->pdev), 0);
		recs[i]->added = true;
		group = iommu_group_get(recs[i]->dev);
		KUNIT_EXPECT_PTR_EQ_MSG(test, group, NULL, "device %u", i);
		iommu_group_put(group);
		KUNIT_EXPECT_EQ_MSG(test, fence_get_stats(recs[i]).releases, 1U,
				    "device %u", i);
		fence_expect_clean(test, recs[i]);
	}
	fence_expect_no_warn(test);
}

static int fence_test_init(struct kunit *test)
{
	struct fence_ctx *ctx;

	ctx = kzalloc(sizeof(*ctx), GFP_KERNEL);
	if (!ctx)
		return -ENOMEM;
	ctx->warnings = atomic_read(&fence_warnings);
	ctx->tainted = test_taint(TAINT_WARN);
	ctx->debug_locks = debug_locks;
	test->priv = ctx;
	return 0;
}

/*
 * Undo whatever the case did, in an order that works whether it passed,
 * failed an expectation or was aborted by an assertion half way.
 */
static void fence_test_exit(struct kunit *test)
{
	struct fence_ctx *ctx = test->priv;
	struct fence_rec *rec;
	unsigned int i, j;
	int op;

	if (!ctx)
		return;
	WRITE_ONCE(fence_op_work_ns, 0);

	/* Nothing may stay blocked in the mock ... */
	for (i = 0; i < ctx->nrecs; i++)
		for (op = 0; op < FENCE_OP_NR; op++)
			fence_gate_open(ctx->recs[i], op);

	/* ... and no helper thread may still reach a record or a domain. */
	for (i = 0; i < ctx->nthreads; i++) {
		if (!wait_for_completion_timeout(&ctx->threads[i].done,
						 msecs_to_jiffies(FENCE_JOIN_MS))) {
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
		fence_rec_free(rec);
	}
	iommu_group_put(ctx->shared_group);
	fence_set_shape(FENCE_SHAPE_DETACH);

	kfree(ctx);
	test->priv = NULL;
}

static void fence_stop_counting_warnings(void)
{
	if (!fence_counting_warnings)
		return;
	unregister_trace_error_report_end(fence_probe_error_report, NULL);
	tracepoint_synchronize_unregister();
	fence_counting_warnings = false;
}

/*
 * v6.1 leaves the ops of the last IOMMU driver on the buses; take the mock's
 * off again so that later devices do not see an IOMMU that is gone.
 */
static void fence_clear_bus_ops(void)
{
	int i;

	mutex_lock(&iommu_probe_device_lock);
	for (i = 0; i < ARRAY_SIZE(iommu_buses); i++)
		if (iommu_buses[i]->iommu_ops == &fence_ops)
			iommu_buses[i]->iommu_ops = NULL;
	mutex_unlock(&iommu_probe_device_lock);
}

static int fence_suite_init(struct kunit_suite *suite)
{
	int ret;

	/* Without tracepoints this fails and TAINT_WARN is used instead. */
	fence_counting_warnings =
		!register_trace_error_report_end(fence_probe_error_report, NULL);

	ret = iommu_device_sysfs_add(&fence_iommu, NULL, NULL, "%s",
				     "iommu-fence-mock");
	if (ret)
		goto err_warnings;

	/* Sets the ops on the platform bus and probes what is already there. */
	ret = iommu_device_register(&fence_iommu, &fence_ops, NULL);
	if (ret)
		goto err_sysfs;
	return 0;

err_sysfs:
	fence_clear_bus_ops();
	iommu_device_sysfs_remove(&fence_iommu);
err_warnings:
	fence_stop_counting_warnings();
	return ret;
}

static void fence_suite_exit(struct kunit_suite *suite)
{
	iommu_device_unregister(&fence_iommu);
	fence_clear_bus_ops();
	iommu_device_sysfs_remove(&fence_iommu);
	fence_stop_counting_warnings();
}

#define FENCE_CASE(fn, case_name) { .run_case = (fn), .name = (case_name) }

static struct kunit_case fence_test_cases[] = {
	FENCE_CASE(fence_test_sanity, "sanity_lifecycle"),
	FENCE_CASE(fence_test_probe_failure, "probe_failure"),
	FENCE_CASE(fence_test_attach_race, "attach_race"),
	FENCE_CASE(fence_test_detach_race, "detach_race"),
	FENCE_CASE(fence_test_group_op_race, "group_op_race"),
	FENCE_CASE(fence_test_shared_clean, "shared_clean"),
	FENCE_CASE(fence_test_store_type_race, "store_type_race"),
	FENCE_CASE(fence_test_deferred_race, "deferred_race"),
	FENCE_CASE(fence_test_device_api_race, "device_api_race"),
	FENCE_CASE(fence_test_deferred_after_release, "deferred_after_release"),
	FENCE_CASE(fence_test_probe_publish, "probe_publish"),
	FENCE_CASE(fence_test_probe_joins_domain, "probe_joins_domain"),
	FENCE_CASE(fence_test_claim_empty, "claim_empty"),
#ifdef CONFIG_DEBUG_ATOMIC_SLEEP
	FENCE_CASE(fence_test_deferred_atomic, "deferred_atomic"),
#endif
	FENCE_CASE(fence_test_lockdep_enforced, "lockdep_enforced"),
	FENCE_CASE(fence_test_group_release_race, "group_release_race"),
	FENCE_CASE(fence_test_shared_xlate_release, "shared_xlate_release"),
	FENCE_CASE(fence_test_no_default_readd, "no_default_readd"),
	FENCE_CASE(fence_test_cached_default_release, "cached_default_release"),
	{}
};

static struct kunit_suite fence_test_suite = {
	.name		= "iommu-fence",
	.suite_init	= fence_suite_init,
	.suite_exit	= fence_suite_exit,
	.init		= fence_test_init,
	.exit		= fence_test_exit,
	.test_cases	= fence_test_cases,
};

#if IS_ENABLED(CONFIG_IOMMU_FENCE_KUNIT_BENCH)
/*
 * Benchmarks of the control paths that the release fence changes, on the
 * same mock driver.  They check nothing about the fence; each prints its
 * figures as "bench <case> <metric> <value>" lines for a harness that runs
 * them on kernels with and without the fence and compares.
 */

#define FENCE_BENCH_ROUNDS	11
#define FENCE_BENCH_CYCLES	2000
#define FENCE_BENCH_ADDS	200
#define FENCE_BENCH_SPAN_MS	300
#define FENCE_BENCH_SCALE_ROUNDS 5
#define FENCE_BENCH_WORK_NS	2000

static const unsigned int fence_bench_hold_ms[] = { 10, 50, 100 };

/*
 * Add a device of its own group, let the core probe it, then unregister it,
 * which releases it.  Returns 0 or a negative errno; never leaves a device
 * or a record behind.
 */
static int fence_bench_add_remove_one(void)
{
	struct fence_rec *rec;
	int ret;

	rec = fence_rec_new();
	if (!rec)
		return -ENOMEM;
	ret = platform_device_add(rec->pdev);
	if (ret)
		platform_device_put(rec->pdev);
	else
		platform_device_unregister(rec->pdev);
	fence_rec_free(rec);
	return ret;
}

/**
 * fence_bench_attach_detach() - time iommu_attach_group()/detach_group()
 * @test: the case
 *
 * FENCE_BENCH_ROUNDS rounds of FENCE_BENCH_CYCLES attach/detach cycles of
 * one single-device group to an unmanaged domain; one line per round.
 */
static void fence_bench_attach_detach(struct kunit *test)
{
	struct iommu_domain *domain;
	struct fence_rec *rec;
	unsigned int r, i;
	int ret = 0;
	u64 t;

	rec = fence_add_device(test, false);
	domain = fence_alloc_domain(test);
	for (r = 0; r < FENCE_BENCH_ROUNDS; r++) {
		t = ktime_get_ns();
		for (i = 0; i < FENCE_BENCH_CYCLES; i++) {
			ret = iommu_attach_group(domain, rec->group);
			if (ret)
				break;
			iommu_detach_group(domain, rec->group);
		}
		t = ktime_get_ns() - t;
		KUNIT_ASSERT_EQ(test, ret, 0);
		kunit_info(test, "bench attach_detach ns_per_cycle %llu\n",
			   div_u64(t, FENCE_BENCH_CYCLES));
	}
	fence_expect_clean(test, rec);
}

/**
 * fence_bench_add_remove() - time device add and release
 * @test: the case
 *
 * FENCE_BENCH_ROUNDS rounds of FENCE_BENCH_ADDS cycles of adding a platform
 * device (probe, group, default domain, attach) and unregistering it
 * (release); one line per round.
 */
static void fence_bench_add_remove(struct kunit *test)
{
	unsigned int r, i;
	int ret = 0;
	u64 t;

	for (r = 0; r < FENCE_BENCH_ROUNDS; r++) {
		t = ktime_get_ns();
		for (i = 0; i < FENCE_BENCH_ADDS && !ret; i++)
			ret = fence_bench_add_remove_one();
		t = ktime_get_ns() - t;
		KUNIT_ASSERT_EQ(test, ret, 0);
		kunit_info(test, "bench add_remove ns_per_cycle %llu\n",
			   div_u64(t, FENCE_BENCH_ADDS));
	}
}

/**
 * fence_bench_release_bound() - release latency with an op in flight
 * @test: the case
 *
 * For each hold time, an attach_dev() is held in the driver for that long
 * while the device is unregistered.  Prints how long the release took from
 * its start and how long after the op was let go it finished: with the
 * fence the release waits for the op in flight and no longer.
 */
static void fence_bench_release_bound(struct kunit *test)
{
	struct fence_thread *op, *rel;
	struct iommu_domain *domain;
	struct fence_rec *rec;
	unsigned int i, hold;
	u64 start, open;

	domain = fence_alloc_domain(test);
	for (i = 0; i < ARRAY_SIZE(fence_bench_hold_ms); i++) {
		hold = fence_bench_hold_ms[i];
		rec = fence_add_device(test, false);
		fence_gate_arm(rec, FENCE_OP_ATTACH, domain);
		op = fence_start(test, fence_do_attach_group, rec, rec->group,
				 domain);
		KUNIT_ASSERT_TRUE(test, fence_gate_entered(rec, FENCE_OP_ATTACH));

		start = ktime_get_ns();
		rel = fence_start_release(test, rec);
		msleep(hold);
		open = ktime_get_ns();
		fence_gate_open(rec, FENCE_OP_ATTACH);
		KUNIT_ASSERT_TRUE(test, fence_join(op));
		KUNIT_ASSERT_TRUE(test, fence_join(rel));

		kunit_info(test, "bench release_hold_%ums release_us %llu\n",
			   hold, div_u64(rel->done_ns - start, NSEC_PER_USEC));
		kunit_info(test, "bench release_hold_%ums after_op_us %lld\n",
			   hold, div_s64((s64)(rel->done_ns - open),
					 NSEC_PER_USEC));
	}
}

/**
 * struct fence_worker - a thread of the scaling benchmark
 * @group: the group it attaches and detaches
 * @domain: the domain it attaches @group to
 * @churn: add and release devices instead
 * @stop: set to end the loop
 * @cycles: cycles done
 * @ret: the first error
 * @done: completed when the thread ends
 */
struct fence_worker {
	struct iommu_group *group;
	struct iommu_domain *domain;
	bool churn;
	bool stop;
	unsigned long cycles;
	int ret;
	struct completion done;
};

static int fence_worker_fn(void *data)
{
	struct fence_worker *w = data;

	while (!READ_ONCE(w->stop) && !w->ret) {
		if (w->churn) {
			w->ret = fence_bench_add_remove_one();
			usleep_range(1000, 2000);
		} else {
			w->ret = iommu_attach_group(w->domain, w->group);
			if (!w->ret)
				iommu_detach_group(w->domain, w->group);
		}
		w->cycles++;
		cond_resched();
	}
	complete_all(&w->done);
	return 0;
}

static int fence_worker_start(struct fence_worker *w, unsigned int id)
{
	struct task_struct *task;

	WRITE_ONCE(w->stop, false);
	w->cycles = 0;
	w->ret = 0;
	init_completion(&w->done);
	task = kthread_run(fence_worker_fn, w, "iommu-fence-b/%u", id);
	if (IS_ERR(task)) {
		complete_all(&w->done);
		return PTR_ERR(task);
	}
	return 0;
}

/* Stop @w and wait for it; false if it is stuck. */
static bool fence_worker_stop(struct fence_worker *w)
{
	WRITE_ONCE(w->stop, true);
	return wait_for_completion_timeout(&w->done,
					   msecs_to_jiffies(FENCE_JOIN_MS));
}

/**
 * fence_bench_scaling() - one and two threads on different groups
 * @test: the case
 *
 * Attach/detach throughput of one thread, then of two threads on two
 * different groups, while a third thread keeps adding and releasing devices
 * of further groups.  Each mock op spends FENCE_BENCH_WORK_NS outside any
 * lock, as a driver programming its hardware would.  Without a global lock
 * on these paths two threads on two CPUs get more done than one.
 */
static void fence_bench_scaling(struct kunit *test)
{
	struct fence_worker *w;
	unsigned long c1, c2;
	unsigned int r, i;
	bool stuck = false;
	int ret;

	/* Not on the stack: a stuck thread keeps it, and it is leaked. */
	w = kcalloc(3, sizeof(*w), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, w);
	for (i = 0; i < 2; i++) {
		w[i].group = fence_add_device(test, false)->group;
		w[i].domain = fence_alloc_domain(test);
	}
	w[2].churn = true;
	WRITE_ONCE(fence_op_work_ns, FENCE_BENCH_WORK_NS);

	ret = fence_worker_start(&w[2], 2);
	for (r = 0; r < FENCE_BENCH_SCALE_ROUNDS && !ret && !stuck; r++) {
		ret = fence_worker_start(&w[0], 0);
		if (ret)
			break;
		msleep(FENCE_BENCH_SPAN_MS);
		stuck |= !fence_worker_stop(&w[0]);
		c1 = w[0].cycles;
		ret = w[0].ret;

		for (i = 0; i < 2 && !ret; i++)
			ret = fence_worker_start(&w[i], i);
		if (!ret)
			msleep(FENCE_BENCH_SPAN_MS);
		for (i = 0; i < 2; i++)
			stuck |= !fence_worker_stop(&w[i]);
		c2 = w[0].cycles + w[1].cycles;
		ret = ret ?: w[0].ret ?: w[1].ret;

		kunit_info(test, "bench scaling threads1_per_s %lu\n",
			   c1 * MSEC_PER_SEC / FENCE_BENCH_SPAN_MS);
		kunit_info(test, "bench scaling threads2_per_s %lu\n",
			   c2 * MSEC_PER_SEC / FENCE_BENCH_SPAN_MS);
	}
	stuck |= !fence_worker_stop(&w[2]);
	KUNIT_ASSERT_FALSE_MSG(test, stuck, "a benchmark thread is stuck");
	KUNIT_EXPECT_EQ(test, ret, 0);
	KUNIT_EXPECT_EQ(test, w[2].ret, 0);
	kunit_info(test, "bench scaling churn_cycles %lu\n", w[2].cycles);
	kfree(w);
}

static struct kunit_case fence_bench_cases[] = {
	FENCE_CASE(fence_bench_attach_detach, "attach_detach"),
	FENCE_CASE(fence_bench_add_remove, "add_remove"),
	FENCE_CASE(fence_bench_release_bound, "release_bound"),
	FENCE_CASE(fence_bench_scaling, "scaling"),
	{}
};

static struct kunit_suite fence_bench_suite = {
	.name		= "iommu-fence-bench",
	.suite_init	= fence_suite_init,
	.suite_exit	= fence_suite_exit,
	.init		= fence_test_init,
	.exit		= fence_test_exit,
	.test_cases	= fence_bench_cases,
};

kunit_test_suites(&fence_test_suite, &fence_bench_suite);
#else
kunit_test_suite(fence_test_suite);
#endif

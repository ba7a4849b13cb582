/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The mock IOMMU driver and the test harness of the IOMMU release fence
 * KUnit suites.  Both live in iommu-fence-test.c, which is built into
 * iommu.c; this header lets the benchmark suite, iommu-fence-bench.c, run
 * on the same mock.
 */
#ifndef __IOMMU_FENCE_TEST_H
#define __IOMMU_FENCE_TEST_H

#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/iommu.h>
#include <linux/list.h>
#include <linux/platform_device.h>
#include <linux/types.h>

#define MOCK_LOG_LEN		16
/* Devices per case, enough for the benchmarks' largest group. */
#define FENCE_TEST_MAX_DEVS	64

/* The driver ops that the mock can hold at a gate and signal. */
enum mock_op {
	MOCK_OP_ATTACH,
	MOCK_OP_DETACH,
	MOCK_OP_RELEASE,
	MOCK_OP_GROUP,
	MOCK_OP_NR,
};

enum mock_ev {
	MOCK_EV_PROBE,
	MOCK_EV_ATTACH,
	MOCK_EV_DETACH,
	MOCK_EV_RELEASE,
};

/**
 * struct mock_event - one driver op, as the mock saw it
 * @kind: which op
 * @domain: the domain it was called with, or NULL
 */
struct mock_event {
	enum mock_ev kind;
	struct iommu_domain *domain;
};

/**
 * struct mock_gate - holds one driver op in the mock until it is opened
 * @armed: the next matching op blocks; the gate then disarms itself
 * @domain: only an op on this domain matches; NULL matches any
 * @entered: completed once a matching op has entered and is blocking
 * @open: completed with complete_all() to let the blocked op return
 */
struct mock_gate {
	bool armed;
	struct iommu_domain *domain;
	struct completion entered;
	struct completion open;
};

/**
 * struct mock_stats - what the mock driver saw for one device
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
struct mock_stats {
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
 * struct mock_rec - the mock driver's record of one test device
 * @node: entry in mock_recs
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
 * @st: counters and state, under mock_lock
 * @nlog: number of ops seen, may exceed MOCK_LOG_LEN
 * @log: the first MOCK_LOG_LEN ops, under mock_lock
 * @gate: one gate per op type
 * @entered: completed each time an op of that type enters
 *
 * The test allocates the record before the device exists and frees it only
 * after the device and every thread that could reach the mock are gone, so
 * a record outlives its device.
 */
struct mock_rec {
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
	struct mock_stats st;
	unsigned int nlog;
	struct mock_event log[MOCK_LOG_LEN];
	struct mock_gate gate[MOCK_OP_NR];
	struct completion entered[MOCK_OP_NR];
};

/**
 * struct fence_test_thread - a helper thread running one core call
 * @fn: the call
 * @rec: the device it concerns
 * @group: the group it concerns
 * @domain: the domain it concerns
 * @done: completed when @fn has returned
 * @ret: what @fn returned
 * @done_ns: ktime_get_ns() when @fn returned
 */
struct fence_test_thread {
	int (*fn)(struct fence_test_thread *t);
	struct mock_rec *rec;
	struct iommu_group *group;
	struct iommu_domain *domain;
	struct completion done;
	int ret;
	u64 done_ns;
};

/* The mock IOMMU driver. */
struct mock_rec *mock_rec_new(void);
void mock_rec_free(struct mock_rec *rec);
void mock_gate_arm(struct mock_rec *rec, enum mock_op op,
		   struct iommu_domain *domain);
void mock_gate_open(struct mock_rec *rec, enum mock_op op);
bool mock_gate_entered(struct mock_rec *rec, enum mock_op op);
void mock_set_op_work_ns(unsigned int ns);

/* The test harness: suite and case setup, devices, domains, threads. */
int fence_test_suite_init(struct kunit_suite *suite);
void fence_test_suite_exit(struct kunit_suite *suite);
int fence_test_init(struct kunit *test);
void fence_test_exit(struct kunit *test);
struct mock_rec *fence_test_add_device(struct kunit *test, bool shared);
struct iommu_domain *fence_test_alloc_domain(struct kunit *test);
struct fence_test_thread *fence_test_start(struct kunit *test,
					   int (*fn)(struct fence_test_thread *t),
					   struct mock_rec *rec,
					   struct iommu_group *group,
					   struct iommu_domain *domain);
struct fence_test_thread *fence_test_start_release(struct kunit *test,
						   struct mock_rec *rec);
bool fence_test_join(struct fence_test_thread *t);
int fence_test_do_attach_group(struct fence_test_thread *t);
void fence_test_expect_clean(struct kunit *test, struct mock_rec *rec);

#endif /* __IOMMU_FENCE_TEST_H */

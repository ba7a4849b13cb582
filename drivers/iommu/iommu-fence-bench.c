// SPDX-License-Identifier: GPL-2.0
/*
 * Benchmarks of the control paths that the IOMMU release fence changes, on
 * the mock IOMMU driver of iommu-fence-test.c.  They check nothing about the
 * fence: each case prints its figures as "bench CASE METRIC VALUE" lines, and
 * the goals that its figures must meet, series against base, as
 * "bench-goal NAME METRIC VALUE" lines, for a harness that runs them on
 * kernels with and without the fence, compares and judges.
 */

#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/err.h>
#include <linux/iommu.h>
#include <linux/kthread.h>
#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/platform_device.h>
#include <linux/slab.h>

#include "iommu-fence-test.h"

/* What the cases do ... */
#define FENCE_BENCH_ROUNDS	11
#define FENCE_BENCH_CYCLES	2000
#define FENCE_BENCH_ADDS	200
#define FENCE_BENCH_SPAN_MS	300
#define FENCE_BENCH_SCALE_ROUNDS 5
#define FENCE_BENCH_WORK_NS	2000
#define FENCE_BENCH_JOIN_MS	30000
#define FENCE_BENCH_GROUP_MAX	64

/* ... how long release_bound holds an op in flight, in ms ... */
static const unsigned int fence_bench_hold_ms[] = { 10, 50, 100 };

/**
 * struct fence_bench_group - one group size of group_attach
 * @devs: devices in the group
 * @cycles: attach/detach cycles per round
 */
struct fence_bench_group {
	unsigned int devs;
	unsigned int cycles;
};

/* ... the group sizes of group_attach, growing ... */
static const struct fence_bench_group fence_bench_groups[] = {
	{ .devs = 1,			.cycles = 2000 },
	{ .devs = 8,			.cycles = 500 },
	{ .devs = FENCE_BENCH_GROUP_MAX, .cycles = 100 },
};

/**
 * struct fence_bench_goal - what the figures must meet, series against base
 * @name: the goal, printed by the case of that name or, for release_hold,
 *	by release_bound
 * @metric: what is compared, and whether @value is a maximum or a minimum
 * @value: the bound
 */
struct fence_bench_goal {
	const char *name;
	const char *metric;
	int value;
};

/* ... and the goals. */
static const struct fence_bench_goal fence_bench_goals[] = {
	/* Median ns per cycle, series over base, in permille. */
	{ "attach_detach", "median_ratio_permille_max", 1050 },
	/* The release ends this long after the op it waits for, at most. */
	{ "release_hold", "after_op_us_max", 20000 },
	/* Two threads' speed-up over one, series over base, in permille. */
	{ "scaling", "speedup_vs_base_permille_min", 900 },
	/*
	 * The base's own speed-up, in permille: below it the mock's work
	 * outside its lock is too short for the figure above to show a lock
	 * that all groups share.
	 */
	{ "scaling", "base_speedup_permille_min", 1200 },
	/* Median ns per cycle of each group size, series over base. */
	{ "group_attach", "median_ratio_permille_max", 1050 },
};

static_assert(FENCE_BENCH_GROUP_MAX <= FENCE_TEST_MAX_DEVS);

/* Print the goals called @name, one line each, for the judge. */
static void fence_bench_print_goals(struct kunit *test, const char *name)
{
	const struct fence_bench_goal *goal;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(fence_bench_goals); i++) {
		goal = &fence_bench_goals[i];
		if (!strcmp(goal->name, name))
			kunit_info(test, "bench-goal %s %s %d\n", goal->name,
				   goal->metric, goal->value);
	}
}

/*
 * Add a device of its own group, let the core probe it, then unregister it,
 * which releases it.  Returns 0 or a negative errno; never leaves a device
 * or a record behind.
 */
static int fence_bench_add_remove_one(void)
{
	struct mock_rec *rec;
	int ret;

	rec = mock_rec_new();
	if (!rec)
		return -ENOMEM;
	ret = platform_device_add(rec->pdev);
	if (ret)
		platform_device_put(rec->pdev);
	else
		platform_device_unregister(rec->pdev);
	mock_rec_free(rec);
	return ret;
}

/**
 * attach_detach() - time iommu_attach_group()/detach_group()
 * @test: the case
 *
 * FENCE_BENCH_ROUNDS rounds of FENCE_BENCH_CYCLES attach/detach cycles of
 * one single-device group to an unmanaged domain; one line per round.
 */
static void attach_detach(struct kunit *test)
{
	struct iommu_domain *domain;
	struct mock_rec *rec;
	unsigned int r, i;
	int ret = 0;
	u64 t;

	fence_bench_print_goals(test, "attach_detach");
	rec = fence_test_add_device(test, false);
	domain = fence_test_alloc_domain(test);
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
		kunit_info(test, "bench %s ns_per_cycle %llu\n", __func__,
			   div_u64(t, FENCE_BENCH_CYCLES));
	}
	fence_test_expect_clean(test, rec);
}

/**
 * group_attach() - time attach/detach of groups of several sizes
 * @test: the case
 *
 * For each size of fence_bench_groups, grows the case's shared group to that
 * many devices and runs FENCE_BENCH_ROUNDS rounds of attach/detach cycles of
 * the whole group to an unmanaged domain; one line per round and size.
 */
static void group_attach(struct kunit *test)
{
	const struct fence_bench_group *size;
	struct iommu_domain *domain;
	struct iommu_group *group;
	struct mock_rec **recs;
	unsigned int s, r, i, n = 0;
	int ret = 0;
	u64 t;

	fence_bench_print_goals(test, "group_attach");
	recs = kunit_kcalloc(test, FENCE_BENCH_GROUP_MAX, sizeof(*recs),
			     GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, recs);
	domain = fence_test_alloc_domain(test);
	for (s = 0; s < ARRAY_SIZE(fence_bench_groups); s++) {
		size = &fence_bench_groups[s];
		while (n < size->devs)
			recs[n++] = fence_test_add_device(test, true);
		group = recs[0]->group;
		for (r = 0; r < FENCE_BENCH_ROUNDS; r++) {
			t = ktime_get_ns();
			for (i = 0; i < size->cycles; i++) {
				ret = iommu_attach_group(domain, group);
				if (ret)
					break;
				iommu_detach_group(domain, group);
			}
			t = ktime_get_ns() - t;
			KUNIT_ASSERT_EQ(test, ret, 0);
			kunit_info(test, "bench group_attach_%u ns_per_cycle %llu\n",
				   n, div_u64(t, size->cycles));
		}
	}
	for (i = 0; i < n; i++)
		fence_test_expect_clean(test, recs[i]);
}

/**
 * add_remove() - time device add and release
 * @test: the case
 *
 * FENCE_BENCH_ROUNDS rounds of FENCE_BENCH_ADDS cycles of adding a platform
 * device (probe, group, default domain, attach) and unregistering it
 * (release); one line per round.
 */
static void add_remove(struct kunit *test)
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
		kunit_info(test, "bench %s ns_per_cycle %llu\n", __func__,
			   div_u64(t, FENCE_BENCH_ADDS));
	}
}

/**
 * release_bound() - release latency with an op in flight
 * @test: the case
 *
 * For each hold time, an attach_dev() is held in the driver for that long
 * while the device is unregistered.  Prints how long the release took from
 * its start and how long after the op was let go it finished: with the
 * fence the release waits for the op in flight and no longer.
 */
static void release_bound(struct kunit *test)
{
	struct fence_test_thread *op, *rel;
	struct iommu_domain *domain;
	struct mock_rec *rec;
	unsigned int i, hold;
	u64 start, open;

	fence_bench_print_goals(test, "release_hold");
	domain = fence_test_alloc_domain(test);
	for (i = 0; i < ARRAY_SIZE(fence_bench_hold_ms); i++) {
		hold = fence_bench_hold_ms[i];
		rec = fence_test_add_device(test, false);
		mock_gate_arm(rec, MOCK_OP_ATTACH, domain);
		op = fence_test_start(test, fence_test_do_attach_group, rec,
				      rec->group, domain);
		KUNIT_ASSERT_TRUE(test, mock_gate_entered(rec, MOCK_OP_ATTACH));

		start = ktime_get_ns();
		rel = fence_test_start_release(test, rec);
		msleep(hold);
		open = ktime_get_ns();
		mock_gate_open(rec, MOCK_OP_ATTACH);
		KUNIT_ASSERT_TRUE(test, fence_test_join(op));
		KUNIT_ASSERT_TRUE(test, fence_test_join(rel));

		kunit_info(test, "bench release_hold_%ums release_us %llu\n",
			   hold, div_u64(rel->done_ns - start, NSEC_PER_USEC));
		kunit_info(test, "bench release_hold_%ums after_op_us %lld\n",
			   hold, div_s64((s64)(rel->done_ns - open),
					 NSEC_PER_USEC));
	}
}

/**
 * struct fence_bench_worker - a thread of the scaling benchmark
 * @group: the group it attaches and detaches
 * @domain: the domain it attaches @group to
 * @churn: add and release devices instead
 * @stop: set to end the loop
 * @cycles: cycles done
 * @ret: the first error
 * @done: completed when the thread ends
 */
struct fence_bench_worker {
	struct iommu_group *group;
	struct iommu_domain *domain;
	bool churn;
	bool stop;
	unsigned long cycles;
	int ret;
	struct completion done;
};

static int fence_bench_worker_fn(void *data)
{
	struct fence_bench_worker *w = data;

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

static int fence_bench_worker_start(struct fence_bench_worker *w,
				    unsigned int id)
{
	struct task_struct *task;

	WRITE_ONCE(w->stop, false);
	w->cycles = 0;
	w->ret = 0;
	init_completion(&w->done);
	task = kthread_run(fence_bench_worker_fn, w, "iommu-fence-b/%u", id);
	if (IS_ERR(task)) {
		complete_all(&w->done);
		return PTR_ERR(task);
	}
	return 0;
}

/* Stop @w and wait for it; false if it is stuck. */
static bool fence_bench_worker_stop(struct fence_bench_worker *w)
{
	WRITE_ONCE(w->stop, true);
	return wait_for_completion_timeout(&w->done,
					   msecs_to_jiffies(FENCE_BENCH_JOIN_MS));
}

/**
 * scaling() - one and two threads on different groups
 * @test: the case
 *
 * Attach/detach throughput of one thread, then of two threads on two
 * different groups, while a third thread keeps adding and releasing devices
 * of further groups.  Each mock op spends FENCE_BENCH_WORK_NS outside any
 * lock, as a driver programming its hardware would.  Without a global lock
 * on these paths two threads on two CPUs get more done than one.
 */
static void scaling(struct kunit *test)
{
	struct fence_bench_worker *w;
	unsigned long c1, c2;
	unsigned int r, i;
	bool stuck = false;
	int ret;

	fence_bench_print_goals(test, "scaling");
	/*
	 * Neither on the stack nor kunit_kzalloc()ed: a stuck thread keeps
	 * it, and it is leaked.
	 */
	w = kcalloc(3, sizeof(*w), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, w);
	for (i = 0; i < 2; i++) {
		w[i].group = fence_test_add_device(test, false)->group;
		w[i].domain = fence_test_alloc_domain(test);
	}
	w[2].churn = true;
	mock_set_op_work_ns(FENCE_BENCH_WORK_NS);

	ret = fence_bench_worker_start(&w[2], 2);
	for (r = 0; r < FENCE_BENCH_SCALE_ROUNDS && !ret && !stuck; r++) {
		ret = fence_bench_worker_start(&w[0], 0);
		if (ret)
			break;
		msleep(FENCE_BENCH_SPAN_MS);
		stuck |= !fence_bench_worker_stop(&w[0]);
		c1 = w[0].cycles;
		ret = w[0].ret;

		for (i = 0; i < 2 && !ret; i++)
			ret = fence_bench_worker_start(&w[i], i);
		if (!ret)
			msleep(FENCE_BENCH_SPAN_MS);
		for (i = 0; i < 2; i++)
			stuck |= !fence_bench_worker_stop(&w[i]);
		c2 = w[0].cycles + w[1].cycles;
		ret = ret ?: w[0].ret ?: w[1].ret;

		kunit_info(test, "bench %s threads1_per_s %lu\n", __func__,
			   c1 * MSEC_PER_SEC / FENCE_BENCH_SPAN_MS);
		kunit_info(test, "bench %s threads2_per_s %lu\n", __func__,
			   c2 * MSEC_PER_SEC / FENCE_BENCH_SPAN_MS);
	}
	stuck |= !fence_bench_worker_stop(&w[2]);
	KUNIT_ASSERT_FALSE_MSG(test, stuck, "a benchmark thread is stuck");
	KUNIT_EXPECT_EQ(test, ret, 0);
	KUNIT_EXPECT_EQ(test, w[2].ret, 0);
	kunit_info(test, "bench %s churn_cycles %lu\n", __func__,
		   w[2].cycles);
	kfree(w);
}

static struct kunit_case fence_bench_cases[] = {
	KUNIT_CASE(attach_detach),
	KUNIT_CASE(group_attach),
	KUNIT_CASE(add_remove),
	KUNIT_CASE(release_bound),
	KUNIT_CASE(scaling),
	{}
};

static struct kunit_suite fence_bench_suite = {
	.name		= "iommu-fence-bench",
	.suite_init	= fence_test_suite_init,
	.suite_exit	= fence_test_suite_exit,
	.init		= fence_test_init,
	.exit		= fence_test_exit,
	.test_cases	= fence_bench_cases,
};

kunit_test_suites(&fence_bench_suite);

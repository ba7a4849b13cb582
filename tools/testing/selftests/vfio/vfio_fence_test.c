// SPDX-License-Identifier: GPL-2.0
/*
 * VFIO under device hot-unplug: the group fd that outlives its devices,
 * a device leaving a multi-device group that a container holds, and the
 * container ioctls racing VFIO_GROUP_UNSET_CONTAINER.
 *
 * The devices come from the environment; a test whose device is not set
 * or not present is skipped:
 *   VFIO_FENCE_PLUG   slot:NAME (zPCI slot power) or remove (sysfs)
 *   VFIO_FENCE_DEV    a PCI function alone in its IOMMU group
 *   VFIO_FENCE_OTHER  a PCI function in another group
 *   VFIO_FENCE_MULTI  two PCI functions of one group, "DEV,OTHER"
 *                     (or "DEV+OTHER")
 * Every device must have no driver but vfio-pci.  The tests unplug and
 * plug devices back; run them on a test machine only.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <sys/mman.h>

#include "../kselftest_harness.h"
#include "vfio_fence.h"

#define DMA_SIZE	(64 * 1024)

struct vf_ctx {
	int container;
	int group;
	int device;
	void *buf;
	unsigned long long iova;
};

static int vf_map(struct vf_ctx *v)
{
	return vf_dma_map(v->container, v->iova, v->buf, DMA_SIZE);
}

/* Bytes unmapped, or -errno. */
static long long vf_unmap(struct vf_ctx *v)
{
	return vf_dma_unmap(v->container, v->iova, DMA_SIZE);
}

static int vf_open_group(int gnum)
{
	char path[64];

	snprintf(path, sizeof(path), "/dev/vfio/%d", gnum);
	return open(path, O_RDWR);
}

/* Bind @dev, open its group into a new container with type1 and a map. */
static int vf_setup(struct vf_ctx *v, const char *dev)
{
	int gnum;

	memset(v, 0, sizeof(*v));
	v->container = -1;
	v->group = -1;
	v->device = -1;
	gnum = vf_bind(dev);
	if (gnum < 0)
		return gnum;
	v->buf = mmap(NULL, DMA_SIZE, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (v->buf == MAP_FAILED)
		return -ENOMEM;
	v->container = open("/dev/vfio/vfio", O_RDWR);
	v->group = vf_open_group(gnum);
	if (v->container < 0 || v->group < 0)
		return -errno;
	if (ioctl(v->group, VFIO_GROUP_SET_CONTAINER, &v->container) ||
	    ioctl(v->container, VFIO_SET_IOMMU, VFIO_TYPE1_IOMMU))
		return -errno;
	v->iova = vf_first_iova(v->container);
	return vf_map(v);
}

static void vf_close(struct vf_ctx *v)
{
	if (v->device >= 0)
		close(v->device);
	if (v->group >= 0)
		close(v->group);
	if (v->container >= 0)
		close(v->container);
	if (v->buf && v->buf != MAP_FAILED)
		munmap(v->buf, DMA_SIZE);
	v->device = -1;
	v->group = -1;
	v->container = -1;
	v->buf = NULL;
}

static const char *env_or_null(const char *name)
{
	const char *s = getenv(name);

	return s && *s ? s : NULL;
}

/*
 * orphan: DEV, alone in its group, is held through VFIO (group fd,
 * container, type1, one mapping) and unplugged.  The group fd stays open.
 */
FIXTURE(orphan) {
	struct vf_ctx v;
	const char *mode;
	const char *dev;
};

FIXTURE_SETUP(orphan)
{
	self->v.container = -1;
	self->v.group = -1;
	self->v.device = -1;
	self->mode = env_or_null("VFIO_FENCE_PLUG");
	self->dev = env_or_null("VFIO_FENCE_DEV");
	if (!self->mode || !self->dev || !vf_present(self->dev))
		SKIP(return, "VFIO_FENCE_PLUG/VFIO_FENCE_DEV not set or device absent");
	ASSERT_EQ(0, vf_setup(&self->v, self->dev));
	ASSERT_EQ(0, vf_unplug(self->mode, self->dev));
}

FIXTURE_TEARDOWN(orphan)
{
	vf_close(&self->v);
	if (self->dev && !vf_present(self->dev))
		EXPECT_EQ(0, vf_plug(self->mode, self->dev));
}

TEST_F(orphan, get_status_enodev)
{
	struct vfio_group_status st = { .argsz = sizeof(st) };

	if (_metadata->skip)
		return;
	ASSERT_EQ(-1, ioctl(self->v.group, VFIO_GROUP_GET_STATUS, &st));
	ASSERT_EQ(ENODEV, errno);
}

TEST_F(orphan, set_container_enodev)
{
	if (_metadata->skip)
		return;
	ASSERT_EQ(-1, ioctl(self->v.group, VFIO_GROUP_SET_CONTAINER,
			    &self->v.container));
	ASSERT_EQ(ENODEV, errno);
}

TEST_F(orphan, unset_container_enodev)
{
	if (_metadata->skip)
		return;
	ASSERT_EQ(-1, ioctl(self->v.group, VFIO_GROUP_UNSET_CONTAINER));
	ASSERT_EQ(ENODEV, errno);
}

TEST_F(orphan, get_device_fd_enodev)
{
	if (_metadata->skip)
		return;
	ASSERT_EQ(-1, ioctl(self->v.group, VFIO_GROUP_GET_DEVICE_FD,
			    self->dev));
	ASSERT_EQ(ENODEV, errno);
}

/* The container lost its only group; it takes another one and maps. */
TEST_F(orphan, container_serves_other_group)
{
	const char *other = env_or_null("VFIO_FENCE_OTHER");
	int gnum, g;

	if (_metadata->skip)
		return;
	if (!other || !vf_present(other))
		SKIP(return, "VFIO_FENCE_OTHER not set or device absent");
	gnum = vf_bind(other);
	ASSERT_LE(0, gnum);
	g = vf_open_group(gnum);
	ASSERT_LE(0, g);
	ASSERT_EQ(0, ioctl(g, VFIO_GROUP_SET_CONTAINER, &self->v.container));
	ASSERT_EQ(0, ioctl(self->v.container, VFIO_SET_IOMMU, VFIO_TYPE1_IOMMU));
	self->v.iova = vf_first_iova(self->v.container);
	EXPECT_EQ(0, vf_map(&self->v));
	EXPECT_EQ(DMA_SIZE, vf_unmap(&self->v));
	EXPECT_EQ(0, ioctl(g, VFIO_GROUP_UNSET_CONTAINER));
	close(g);
}

/* Closing the orphaned group fd and its container is clean. */
TEST_F(orphan, close_clean)
{
	if (_metadata->skip)
		return;
	ASSERT_EQ(0, close(self->v.group));
	self->v.group = -1;
	ASSERT_EQ(0, close(self->v.container));
	self->v.container = -1;
}

/* The device plugged back gets a fresh group that works. */
TEST_F(orphan, replug_fresh_group)
{
	struct vfio_group_status st = { .argsz = sizeof(st) };
	struct vf_ctx w;

	if (_metadata->skip)
		return;
	ASSERT_EQ(0, vf_plug(self->mode, self->dev));
	ASSERT_EQ(0, vf_setup(&w, self->dev));
	EXPECT_EQ(0, ioctl(w.group, VFIO_GROUP_GET_STATUS, &st));
	EXPECT_EQ(VFIO_GROUP_FLAGS_VIABLE | VFIO_GROUP_FLAGS_CONTAINER_SET,
		  st.flags);
	EXPECT_EQ(DMA_SIZE, vf_unmap(&w));
	vf_close(&w);
	/* The old fd still sees no device; the new group is not its own. */
	EXPECT_EQ(-1, ioctl(self->v.group, VFIO_GROUP_GET_STATUS, &st));
}

/*
 * multi: DEV and OTHER share a group that a container holds with a
 * mapping; OTHER's device fd is open.  DEV is unplugged.
 */
FIXTURE(multi) {
	struct vf_ctx v;
	const char *mode;
	char dev[64];
	char other[64];
};

FIXTURE_SETUP(multi)
{
	const char *pair = env_or_null("VFIO_FENCE_MULTI");
	const char *comma;
	int gnum;

	self->v.container = -1;
	self->v.group = -1;
	self->v.device = -1;
	self->mode = env_or_null("VFIO_FENCE_PLUG");
	comma = pair ? strpbrk(pair, ",+") : NULL;
	if (!self->mode || !comma)
		SKIP(return, "VFIO_FENCE_MULTI not set");
	snprintf(self->dev, sizeof(self->dev), "%.*s", (int)(comma - pair), pair);
	snprintf(self->other, sizeof(self->other), "%s", comma + 1);
	/* vf_bind() gives them their group where a driver does (arm64) */
	if (!vf_exists(self->dev) || !vf_exists(self->other)) {
		self->dev[0] = '\0';
		SKIP(return, "VFIO_FENCE_MULTI devices absent");
	}
	gnum = vf_bind(self->other);
	ASSERT_LE(0, gnum);
	ASSERT_EQ(gnum, vf_bind(self->dev));
	ASSERT_EQ(0, vf_setup(&self->v, self->dev));
	self->v.device = ioctl(self->v.group, VFIO_GROUP_GET_DEVICE_FD,
			       self->other);
	ASSERT_LE(0, self->v.device);
	ASSERT_EQ(0, vf_unplug(self->mode, self->dev));
}

FIXTURE_TEARDOWN(multi)
{
	vf_close(&self->v);
	if (self->dev[0] && !vf_present(self->dev))
		EXPECT_EQ(0, vf_plug(self->mode, self->dev));
}

TEST_F(multi, group_stays_attached)
{
	struct vfio_group_status st = { .argsz = sizeof(st) };

	if (_metadata->skip)
		return;
	ASSERT_EQ(0, ioctl(self->v.group, VFIO_GROUP_GET_STATUS, &st));
	ASSERT_EQ(VFIO_GROUP_FLAGS_VIABLE | VFIO_GROUP_FLAGS_CONTAINER_SET,
		  st.flags);
}

TEST_F(multi, mapping_kept)
{
	if (_metadata->skip)
		return;
	ASSERT_EQ(DMA_SIZE, vf_unmap(&self->v));
	ASSERT_EQ(0, vf_map(&self->v));
}

TEST_F(multi, other_device_works)
{
	struct vfio_region_info ri = {
		.argsz = sizeof(ri),
		.index = VFIO_PCI_CONFIG_REGION_INDEX,
	};
	unsigned short vendor = 0;

	if (_metadata->skip)
		return;
	ASSERT_EQ(0, ioctl(self->v.device, VFIO_DEVICE_GET_REGION_INFO, &ri));
	ASSERT_EQ(sizeof(vendor),
		  pread(self->v.device, &vendor, sizeof(vendor), ri.offset));
	ASSERT_NE(0xffff, vendor);
	ASSERT_NE(0, vendor);
}

/* UNSET_CONTAINER afterwards detaches the devices that are left. */
TEST_F(multi, unset_detaches_rest)
{
	struct vfio_group_status st = { .argsz = sizeof(st) };

	if (_metadata->skip)
		return;
	close(self->v.device);
	self->v.device = -1;
	ASSERT_EQ(0, ioctl(self->v.group, VFIO_GROUP_UNSET_CONTAINER));
	ASSERT_EQ(0, ioctl(self->v.group, VFIO_GROUP_GET_STATUS, &st));
	ASSERT_EQ(VFIO_GROUP_FLAGS_VIABLE, st.flags);
}

struct race {
	struct vf_ctx *v;
	atomic_int stop;
};

static void *race_unset(void *arg)
{
	struct race *r = arg;

	while (!atomic_load(&r->stop)) {
		ioctl(r->v->group, VFIO_GROUP_UNSET_CONTAINER);
		ioctl(r->v->group, VFIO_GROUP_SET_CONTAINER, &r->v->container);
		ioctl(r->v->container, VFIO_SET_IOMMU, VFIO_TYPE1_IOMMU);
	}
	return NULL;
}

/*
 * container: DEV's group in a container with type1 and a mapping, no
 * unplug.  Container ioctls (MAP_DMA, UNMAP_DMA) run on one thread while
 * another unsets and sets the container: the IOMMU driver data that the
 * last unset frees must not be in use.  The kernel log judges.
 */
FIXTURE(container) {
	struct vf_ctx v;
};

FIXTURE_SETUP(container)
{
	const char *dev = env_or_null("VFIO_FENCE_DEV");

	self->v.container = -1;
	self->v.group = -1;
	self->v.device = -1;
	if (!dev || !vf_present(dev))
		SKIP(return, "VFIO_FENCE_DEV not set or device absent");
	ASSERT_EQ(0, vf_setup(&self->v, dev));
}

FIXTURE_TEARDOWN(container)
{
	vf_close(&self->v);
}

TEST_F(container, unset_race)
{
	struct vf_ctx *v = &self->v;
	struct race r = { .v = v };
	pthread_t t;
	time_t end;
	long n = 0;

	if (_metadata->skip)
		return;
	ASSERT_EQ(0, pthread_create(&t, NULL, race_unset, &r));
	for (end = time(NULL) + 3; time(NULL) < end; n++) {
		vf_map(v);
		vf_unmap(v);
	}
	atomic_store(&r.stop, 1);
	pthread_join(t, NULL);
	TH_LOG("%ld map/unmap pairs", n);
	/* Both sides still work afterwards. */
	ioctl(v->group, VFIO_GROUP_UNSET_CONTAINER);
	ASSERT_EQ(0, ioctl(v->group, VFIO_GROUP_SET_CONTAINER, &v->container));
	ASSERT_EQ(0, ioctl(v->container, VFIO_SET_IOMMU, VFIO_TYPE1_IOMMU));
	EXPECT_EQ(0, vf_map(v));
	EXPECT_EQ(DMA_SIZE, vf_unmap(v));
}

TEST_HARNESS_MAIN

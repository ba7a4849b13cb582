// SPDX-License-Identifier: GPL-2.0
/*
 * fence-boot: the guest side of the iommu-fence boot tests.
 *
 * Pulls a PCI function out from under its IOMMU group users and plugs it
 * back, many times, while other threads drive the group through VFIO (or
 * while the in-kernel stress client drives it), and prints KTAP.  The
 * kernel log is the verdict: the host fails the run on any WARNING, BUG,
 * lockdep report, list corruption or KASAN report; this program fails it
 * when a step it needs does not work (the device does not come back, VFIO
 * refuses a container it must accept).
 *
 *   fence-boot vfio   PLUG DEV CYCLES        the seed's scenario
 *   fence-boot multi  PLUG DEV OTHER CYCLES  DEV leaves a two-device group
 *   fence-boot alias  PLUG DEV OTHER CYCLES  the same, for the group of a
 *                                            DMA alias (behind a bridge)
 *   fence-boot stress PLUG DEV CYCLES        the in-kernel stress client
 *
 * PLUG is "slot:NAME" (s390 zPCI: /sys/bus/pci/slots/NAME/power 0 and 1)
 * or "remove" (/sys/bus/pci/devices/DEV/remove, then /sys/bus/pci/rescan).
 * DEV is a PCI name (for s390 zPCI, domain N is the function of uid N).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <linux/vfio.h>

#include "vfio_fence.h"

#define DMA_SIZE	(64 * 1024)

static const char *plug_mode;
static char dev_name[64];
static int failures;

static void die(const char *fmt, ...)
{
	va_list ap;

	printf("# error: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\nBail out! fence-boot\n");
	exit(1);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Put a line into the kernel log, so it orders with the kernel's. */
static void kmsg(const char *fmt, ...)
{
	char line[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	vf_write("/dev/kmsg", line);
}

static void unplug(const char *dev)
{
	int ret = vf_unplug(plug_mode, dev);

	if (ret)
		die("unplug of %s: %s", dev, strerror(-ret));
}

static void plug(const char *dev)
{
	int ret = vf_plug(plug_mode, dev);

	if (ret)
		die("plug of %s: %s", dev, strerror(-ret));
}

static int bind_vfio(const char *dev)
{
	int gnum = vf_bind(dev);

	if (gnum < 0)
		die("vfio-pci bind of %s: %s", dev, strerror(-gnum));
	return gnum;
}

struct vfio_ctx {
	int container;
	int group;
	int device;
	unsigned long long iova;
	void *buf;
	atomic_int stop;
	atomic_long ops;
	atomic_long errs;
};

static int open_group(struct vfio_ctx *v, int gnum)
{
	struct vfio_group_status st = { .argsz = sizeof(st) };
	char path[64];

	snprintf(path, sizeof(path), "/dev/vfio/%d", gnum);
	v->group = open(path, O_RDWR);
	if (v->group < 0)
		return -errno;
	if (ioctl(v->group, VFIO_GROUP_GET_STATUS, &st))
		return -errno;
	if (!(st.flags & VFIO_GROUP_FLAGS_VIABLE))
		return -EBUSY;
	return 0;
}

static int dma_map(struct vfio_ctx *v)
{
	return vf_dma_map(v->container, v->iova, v->buf, DMA_SIZE);
}

/* Unmap; return the bytes unmapped or -errno. */
static long long dma_unmap(struct vfio_ctx *v)
{
	return vf_dma_unmap(v->container, v->iova, DMA_SIZE);
}

/* Group fd, container, type1, one mapping: the state QEMU keeps. */
static void vfio_setup(struct vfio_ctx *v, int gnum)
{
	int ret;

	memset(v, 0, sizeof(*v));
	v->device = -1;
	v->buf = mmap(NULL, DMA_SIZE, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (v->buf == MAP_FAILED)
		die("mmap: %s", strerror(errno));
	v->container = open("/dev/vfio/vfio", O_RDWR);
	if (v->container < 0)
		die("/dev/vfio/vfio: %s", strerror(errno));
	if (ioctl(v->container, VFIO_CHECK_EXTENSION, VFIO_TYPE1_IOMMU) <= 0)
		die("no VFIO type1 IOMMU");
	ret = open_group(v, gnum);
	if (ret)
		die("group %d: %s", gnum, strerror(-ret));
	if (ioctl(v->group, VFIO_GROUP_SET_CONTAINER, &v->container))
		die("VFIO_GROUP_SET_CONTAINER: %s", strerror(errno));
	if (ioctl(v->container, VFIO_SET_IOMMU, VFIO_TYPE1_IOMMU))
		die("VFIO_SET_IOMMU: %s", strerror(errno));
	v->iova = vf_first_iova(v->container);
	ret = dma_map(v);
	if (ret)
		die("VFIO_IOMMU_MAP_DMA at %#llx: %s", v->iova, strerror(-ret));
}

static void vfio_teardown(struct vfio_ctx *v)
{
	if (v->device >= 0)
		close(v->device);
	close(v->group);
	close(v->container);
	munmap(v->buf, DMA_SIZE);
}

static void count(struct vfio_ctx *v, int ret)
{
	atomic_fetch_add(&v->ops, 1);
	if (ret)
		atomic_fetch_add(&v->errs, 1);
}

/* VFIO_GROUP_UNSET_CONTAINER and back: iommu_detach_group()/attach. */
static void *race_container(void *arg)
{
	struct vfio_ctx *v = arg;

	while (!atomic_load(&v->stop)) {
		count(v, ioctl(v->group, VFIO_GROUP_UNSET_CONTAINER));
		count(v, ioctl(v->group, VFIO_GROUP_SET_CONTAINER,
			       &v->container));
		count(v, ioctl(v->container, VFIO_SET_IOMMU,
			       VFIO_TYPE1_IOMMU));
	}
	return NULL;
}

static void *race_dma(void *arg)
{
	struct vfio_ctx *v = arg;

	while (!atomic_load(&v->stop)) {
		count(v, dma_map(v));
		count(v, dma_unmap(v) < 0);
	}
	return NULL;
}

/* The offset in the device fd of VFIO region @index. */
static int region(int device, unsigned int index, unsigned long long *off)
{
	struct vfio_region_info ri = { .argsz = sizeof(ri), .index = index };

	if (ioctl(device, VFIO_DEVICE_GET_REGION_INFO, &ri))
		return -errno;
	*off = ri.offset;
	return 0;
}

/* Config space reads of the device that stays (multi-device groups). */
static void *race_device(void *arg)
{
	struct vfio_ctx *v = arg;
	unsigned long long cfg = 0;
	unsigned int id;

	if (region(v->device, VFIO_PCI_CONFIG_REGION_INDEX, &cfg))
		return NULL;
	while (!atomic_load(&v->stop))
		count(v, pread(v->device, &id, sizeof(id), cfg) != sizeof(id));
	return NULL;
}

/*
 * QEMU's edu device (hw/misc/edu.c, docs/specs/edu.rst) as the device that
 * stays in a multi-device group: a DMA engine between memory and a 4 KiB
 * buffer at 0x40000 of its own address space.  A transfer is source,
 * destination and count, then the command register; it runs 100 ms of
 * virtual time later and clears the run bit when done.  edu stops QEMU on
 * a range outside its buffer and masks bus addresses to 28 bits, so the
 * test keeps to both.  A transfer that the IOMMU does not translate is
 * dropped (reads give zeros), which the comparison of the data sees.
 */
#define EDU_ID		0x11e81234	/* config dword 0: device, vendor */
#define EDU_DMA_SRC	0x80
#define EDU_DMA_DST	0x88
#define EDU_DMA_CNT	0x90
#define EDU_DMA_CMD	0x98
#define EDU_CMD_RUN	0x1
#define EDU_CMD_TO_RAM	0x2
#define EDU_BUF		0x40000
#define EDU_LEN		256
#define EDU_IOVA_LIMIT	(1ULL << 28)

struct edu {
	int device;
	unsigned long long cfg, bar;	/* region offsets in the device fd */
	unsigned long long iova;	/* of page: source, then destination */
	unsigned char *page;
	unsigned int seq;
	bool stuck;	/* a transfer did not end: edu is not touched again */
};

static int edu_write(struct edu *e, unsigned int reg, unsigned int val)
{
	return pwrite(e->device, &val, 4, e->bar + reg) == 4 ? 0 : -EIO;
}

/*
 * One transfer; 0 when the run bit cleared within two seconds.  edu
 * ignores register writes while a transfer runs, so programming it again
 * after one that did not end could start a transfer of old and new
 * registers, out of range, which stops QEMU: after a timeout, every
 * later transfer fails without touching the device.
 */
static int edu_transfer(struct edu *e, unsigned long long src,
			unsigned long long dst, unsigned int cmd)
{
	unsigned int val = EDU_CMD_RUN;
	int i;

	if (e->stuck)
		return -EIO;
	if (edu_write(e, EDU_DMA_SRC, src) || edu_write(e, EDU_DMA_DST, dst) ||
	    edu_write(e, EDU_DMA_CNT, EDU_LEN) ||
	    edu_write(e, EDU_DMA_CMD, EDU_CMD_RUN | cmd))
		return -EIO;
	for (i = 0; i < 2000 && (val & EDU_CMD_RUN); i++) {
		vf_sleep_us(1000);
		if (pread(e->device, &val, 4, e->bar + EDU_DMA_CMD) != 4)
			return -EIO;
	}
	if (val & EDU_CMD_RUN) {
		e->stuck = true;
		return -ETIMEDOUT;
	}
	return 0;
}

/*
 * The data goes memory -> edu -> memory through the group's domain: a
 * fresh pattern out of the page's first half comes back in its second.
 */
static bool edu_dma_ok(struct edu *e)
{
	unsigned char *src = e->page, *dst = e->page + EDU_LEN;
	int i;

	e->seq++;
	for (i = 0; i < EDU_LEN; i++) {
		src[i] = (unsigned char)(e->seq * 31 + i);
		dst[i] = ~src[i];
	}
	return !edu_transfer(e, e->iova, EDU_BUF, 0) &&
	       !edu_transfer(e, EDU_BUF, e->iova + EDU_LEN, EDU_CMD_TO_RAM) &&
	       !memcmp(src, dst, EDU_LEN);
}

/* The edu function behind @device: bus mastering on, its page mapped. */
static void edu_open(struct edu *e, int device, const char *name)
{
	unsigned int id;
	unsigned short cmd;

	e->device = device;
	if (region(device, VFIO_PCI_CONFIG_REGION_INDEX, &e->cfg) ||
	    region(device, VFIO_PCI_BAR0_REGION_INDEX, &e->bar))
		die("%s: no config or BAR0 region", name);
	if (pread(device, &id, 4, e->cfg) != 4 || id != EDU_ID)
		die("%s is not QEMU's edu device (id %#x): the multi test needs its DMA",
		    name, id);
	if (pread(device, &cmd, 2, e->cfg + 4) != 2)
		die("%s: cannot read the command register", name);
	cmd |= 0x6;	/* memory space, bus master */
	if (pwrite(device, &cmd, 2, e->cfg + 4) != 2)
		die("%s: cannot enable bus mastering", name);
	if (!e->page) {
		e->page = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (e->page == MAP_FAILED)
			die("mmap: %s", strerror(errno));
	}
}

/* Map edu's page in @container, one MiB above the race's own mapping. */
static int edu_map(struct edu *e, struct vfio_ctx *v)
{
	e->iova = v->iova + (1ULL << 20);
	if (e->iova + 4096 > EDU_IOVA_LIMIT)
		die("IOVA %#llx is beyond edu's 28-bit DMA mask", e->iova);
	vf_dma_unmap(v->container, e->iova, 4096);
	return vf_dma_map(v->container, e->iova, e->page, 4096);
}

static void ktap(bool ok, int n, const char *name, const char *fmt, ...)
{
	va_list ap;

	printf("%s %d %s # ", ok ? "ok" : "not ok", n, name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (!ok)
		failures++;
}

/* Delay before the unplug, swept over 0..3.75 ms in 250 us steps. */
static long sweep_us(int cycle)
{
	return (cycle % 16) * 250L;
}

/*
 * Race threads on @v (the container, DMA, and the device that stays when
 * @v has one) against the unplug of DEV, after a delay swept by @cycle.
 */
static void race_unplug(struct vfio_ctx *v, int cycle)
{
	void *(*fn[])(void *) = { race_container, race_dma, race_device };
	int i, n = v->device >= 0 ? 3 : 2;
	pthread_t t[3];

	for (i = 0; i < n; i++)
		pthread_create(&t[i], NULL, fn[i], v);
	vf_sleep_us(sweep_us(cycle));
	unplug(dev_name);
	vf_sleep_us(1000);
	atomic_store(&v->stop, 1);
	for (i = 0; i < n; i++)
		pthread_join(t[i], NULL);
}

/*
 * The seed: the device is held through VFIO (group fd, container, type1,
 * a DMA mapping) and its slot is powered off while other threads unset
 * and set the container and map and unmap DMA.
 */
static void test_vfio(int cycles)
{
	struct vfio_ctx v;
	long ops = 0, errs = 0;
	double t0 = now();
	int c, gnum;

	for (c = 1; c <= cycles; c++) {
		kmsg("iommu-fence-boot: vfio cycle %d", c);
		gnum = bind_vfio(dev_name);
		vfio_setup(&v, gnum);
		race_unplug(&v, c);
		ops += v.ops;
		errs += v.errs;
		vfio_teardown(&v);
		plug(dev_name);
	}
	ktap(true, 1, "vfio_unplug_race",
	     "cycles=%d ioctls=%ld failed_ioctls=%ld s_per_cycle=%.3f",
	     cycles, ops, errs, (now() - t0) / cycles);
}

/*
 * A two-device group held by a container: DEV is removed while the group
 * stays attached and OTHER is in use; the container keeps its mapping and
 * OTHER keeps working; afterwards UNSET_CONTAINER detaches only OTHER.
 * OTHER is an edu device that does DMA through the group's domain before
 * DEV leaves and after, every cycle: a group whose remaining device lost
 * its translation (a context or stream table entry that DEV's release
 * cleared for both) fails here even when config space still answers.
 */
static void test_multi(const char *shape, const char *other, int cycles)
{
	char name[64];

	struct vfio_ctx v;
	struct edu e = { 0 };
	long ops = 0, errs = 0, kept = 0, before = 0, after = 0;
	double t0 = now();
	int c, gnum, gother;
	unsigned int id;

	for (c = 1; c <= cycles; c++) {
		kmsg("iommu-fence-boot: multi cycle %d", c);
		gnum = bind_vfio(dev_name);
		gother = bind_vfio(other);
		if (gnum != gother)
			die("%s and %s are in groups %d and %d, not one",
			    dev_name, other, gnum, gother);
		vfio_setup(&v, gnum);
		v.device = ioctl(v.group, VFIO_GROUP_GET_DEVICE_FD, other);
		if (v.device < 0)
			die("VFIO_GROUP_GET_DEVICE_FD %s: %s", other,
			    strerror(errno));
		edu_open(&e, v.device, other);
		if (edu_map(&e, &v))
			die("VFIO_IOMMU_MAP_DMA of edu's page at %#llx", e.iova);
		before += edu_dma_ok(&e);
		race_unplug(&v, c);
		ops += v.ops;
		errs += v.errs;

		/*
		 * OTHER and the container go on after DEV left.  The race
		 * may have ended with the container unset, which dropped its
		 * mappings: set it again and map edu's page again.
		 */
		if (ioctl(v.group, VFIO_GROUP_SET_CONTAINER, &v.container) == 0)
			ioctl(v.container, VFIO_SET_IOMMU, VFIO_TYPE1_IOMMU);
		dma_unmap(&v);
		if (dma_map(&v) == 0 && dma_unmap(&v) == DMA_SIZE &&
		    pread(v.device, &id, sizeof(id), 0) >= 0)
			kept++;
		if (!edu_map(&e, &v) && edu_dma_ok(&e))
			after++;
		else
			kmsg("iommu-fence-boot: multi cycle %d: %s's DMA failed after %s left",
			     c, other, dev_name);
		vfio_teardown(&v);
		plug(dev_name);
	}
	snprintf(name, sizeof(name), "%s_device_unplug_race", shape);
	ktap(kept == cycles && before == cycles && after == cycles, 1, name,
	     "cycles=%d other_device_kept_working=%ld dma_before=%ld dma_after=%ld ioctls=%ld failed_ioctls=%ld s_per_cycle=%.3f",
	     cycles, kept, before, after, ops, errs, (now() - t0) / cycles);
}

static long stress_stat(const char *stats, const char *key)
{
	const char *p = strstr(stats, key);

	return p ? atol(p + strlen(key) + 1) : -1;
}

/* The in-kernel client attaches and detaches while the device goes. */
static void test_stress(int cycles)
{
	const char *dir = "/sys/kernel/debug/iommu-fence-stress";
	char path[PATH_MAX], stats[512];
	double t0 = now();
	int c, fd;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/target", dir);
	if (vf_write(path, dev_name))
		die("%s: no stress client in this kernel", path);
	snprintf(path, sizeof(path), "%s/run", dir);
	for (c = 1; c <= cycles; c++) {
		/* Arm the client for the device that is now fully back. */
		if (vf_write(path, "1"))
			die("cannot arm the stress client");
		kmsg("iommu-fence-boot: stress cycle %d", c);
		vf_sleep_us(1000 + sweep_us(c));
		unplug(dev_name);
		vf_sleep_us(sweep_us(c + 8));
		plug(dev_name);
	}
	if (vf_write(path, "0"))
		die("cannot stop the stress client");
	snprintf(path, sizeof(path), "%s/stats", dir);
	fd = open(path, O_RDONLY);
	n = fd < 0 ? -1 : read(fd, stats, sizeof(stats) - 1);
	if (n < 0)
		die("cannot read %s", path);
	stats[n] = '\0';
	close(fd);
	ktap(stress_stat(stats, "attached") > 0, 1, "stress_unplug_race",
	     "cycles=%d rounds=%ld attached=%ld attach_failed=%ld attach_enodev=%ld lost=%ld s_per_cycle=%.3f",
	     cycles, stress_stat(stats, "rounds"),
	     stress_stat(stats, "attached"),
	     stress_stat(stats, "attach_failed"),
	     stress_stat(stats, "attach_enodev"),
	     stress_stat(stats, "lost"), (now() - t0) / cycles);
}

static int cycles_arg(const char *s)
{
	char *end;
	long n = strtol(s, &end, 10);

	if (*end || n < 1 || n > 1000000)
		die("CYCLES must be a number from 1 to 1000000, not '%s'", s);
	return n;
}

static void usage(void)
{
	die("usage: fence-boot vfio|stress PLUG DEV CYCLES | multi|alias PLUG DEV OTHER CYCLES");
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 5)
		usage();
	plug_mode = argv[2];
	if (strncmp(plug_mode, "slot:", 5) && strcmp(plug_mode, "remove"))
		die("PLUG must be slot:NAME or remove, not '%s'", plug_mode);
	snprintf(dev_name, sizeof(dev_name), "%s", argv[3]);
	printf("TAP version 13\n1..1\n# device %s, plug %s\n", dev_name,
	       plug_mode);
	if (!vf_present(dev_name))
		die("%s is not present or has no IOMMU group", dev_name);

	if (!strcmp(argv[1], "vfio") && argc == 5)
		test_vfio(cycles_arg(argv[4]));
	else if (!strcmp(argv[1], "stress") && argc == 5)
		test_stress(cycles_arg(argv[4]));
	else if ((!strcmp(argv[1], "multi") || !strcmp(argv[1], "alias")) &&
		 argc == 6)
		test_multi(argv[1], argv[4], cycles_arg(argv[5]));
	else
		usage();
	return failures ? 1 : 0;
}

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers of the VFIO hot-unplug tests: sysfs plug and unplug of a PCI
 * function and its binding to vfio-pci.  Functions return 0 or -errno.
 *
 * A "plug mode" is "slot:NAME" (s390 zPCI: /sys/bus/pci/slots/NAME/power
 * 0 and 1) or "remove" (/sys/bus/pci/devices/DEV/remove, then
 * /sys/bus/pci/rescan).
 */
#ifndef VFIO_FENCE_H
#define VFIO_FENCE_H

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <linux/vfio.h>

#define VFIO_FENCE_WAIT_MS	20000

static inline void vf_sleep_us(long us)
{
	struct timespec ts = { us / 1000000, (us % 1000000) * 1000 };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static inline int vf_write(const char *path, const char *val)
{
	int fd, ret = 0;

	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -errno;
	if (write(fd, val, strlen(val)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

static inline int vf_read(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

/* @dev is on the bus, with or without a driver and an IOMMU group yet. */
static inline bool vf_exists(const char *dev)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s", dev);
	return access(path, F_OK) == 0;
}

/* Present means probed by the IOMMU core: it has an iommu_group link. */
static inline bool vf_present(const char *dev)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/iommu_group", dev);
	return access(path, F_OK) == 0;
}

static inline int vf_wait(const char *dev, bool present)
{
	int ms;

	for (ms = 0; ms < VFIO_FENCE_WAIT_MS; ms++) {
		if (vf_present(dev) == present)
			return 0;
		vf_sleep_us(1000);
	}
	return -ETIMEDOUT;
}

static inline int vf_unplug(const char *mode, const char *dev)
{
	char path[PATH_MAX];
	int ret;

	if (!strncmp(mode, "slot:", 5)) {
		snprintf(path, sizeof(path), "/sys/bus/pci/slots/%s/power", mode + 5);
		ret = vf_write(path, "0");
	} else {
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/remove", dev);
		ret = vf_write(path, "1");
	}
	return ret ? ret : vf_wait(dev, false);
}

static inline int vf_plug(const char *mode, const char *dev)
{
	char path[PATH_MAX];
	int ret;

	if (!strncmp(mode, "slot:", 5)) {
		snprintf(path, sizeof(path), "/sys/bus/pci/slots/%s/power", mode + 5);
		ret = vf_write(path, "1");
	} else {
		ret = vf_write("/sys/bus/pci/rescan", "1");
	}
	return ret ? ret : vf_wait(dev, true);
}

/*
 * Bind @dev to vfio-pci, unbinding the driver it has first (with a device
 * tree, arm64 gives a PCI device its IOMMU group only when a driver binds
 * it, so the test devices there come up bound); return its IOMMU group
 * number or -errno.
 */
static inline int vf_bind(const char *dev)
{
	char path[PATH_MAX], link[PATH_MAX], *p;
	ssize_t n;
	int ms;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver_override", dev);
	if (vf_write(path, "vfio-pci"))
		return -ENODEV;
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver", dev);
	n = readlink(path, link, sizeof(link) - 1);
	if (n > 0) {
		link[n] = '\0';
		if (strcmp(strrchr(link, '/') + 1, "vfio-pci")) {
			snprintf(path, sizeof(path),
				 "/sys/bus/pci/devices/%s/driver/unbind", dev);
			if (vf_write(path, dev))
				return -ENODEV;
		}
	}
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver", dev);
	if (access(path, F_OK) && vf_write("/sys/bus/pci/drivers_probe", dev))
		return -ENODEV;
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/iommu_group", dev);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		return -ENODEV;
	link[n] = '\0';
	p = strrchr(link, '/') + 1;
	snprintf(path, sizeof(path), "/dev/vfio/%s", p);
	for (ms = 0; access(path, F_OK); ms++) {
		if (ms == VFIO_FENCE_WAIT_MS)
			return -ETIMEDOUT;
		vf_sleep_us(1000);
	}
	return atoi(p);
}

/* First IOVA of the container's usable ranges (the s390 aperture). */
static inline unsigned long long vf_first_iova(int container)
{
	struct vfio_iommu_type1_info_cap_iova_range *r;
	unsigned long long iova = 1ULL << 20;
	struct vfio_iommu_type1_info *info;
	struct vfio_info_cap_header *hdr;
	size_t sz = 4096;

	info = calloc(1, sz);
	if (!info)
		return iova;
	info->argsz = sz;
	if (ioctl(container, VFIO_IOMMU_GET_INFO, info) == 0 &&
	    (info->flags & VFIO_IOMMU_INFO_CAPS) && info->cap_offset) {
		hdr = (void *)((char *)info + info->cap_offset);
		for (;;) {
			if (hdr->id == VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE) {
				r = (void *)hdr;
				if (r->nr_iovas)
					iova = (r->iova_ranges[0].start +
						0xfffff) & ~0xfffffULL;
				break;
			}
			if (!hdr->next)
				break;
			hdr = (void *)((char *)info + hdr->next);
		}
	}
	free(info);
	return iova;
}

/* Map @size bytes at @vaddr to @iova, read and write; 0 or -errno. */
static inline int vf_dma_map(int container, unsigned long long iova,
			     void *vaddr, unsigned long long size)
{
	struct vfio_iommu_type1_dma_map map = {
		.argsz = sizeof(map),
		.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
		.vaddr = (unsigned long)vaddr,
		.iova = iova,
		.size = size,
	};

	return ioctl(container, VFIO_IOMMU_MAP_DMA, &map) ? -errno : 0;
}

/* Unmap @size bytes at @iova; the bytes unmapped, or -errno. */
static inline long long vf_dma_unmap(int container, unsigned long long iova,
				     unsigned long long size)
{
	struct vfio_iommu_type1_dma_unmap unmap = {
		.argsz = sizeof(unmap),
		.iova = iova,
		.size = size,
	};

	if (ioctl(container, VFIO_IOMMU_UNMAP_DMA, &unmap))
		return -errno;
	return unmap.size;
}

#endif /* VFIO_FENCE_H */

/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/queue.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rte_errno.h>
#include <rte_vfio.h>

#include "dw_log.h"
#include "dw_pci.h"

RTE_LOG_REGISTER(dw_pci_logtype, pmd.bus.dw_pci, INFO);
#define PCI_LOG(level, fmt, ...) DW_LOG(dw_pci_logtype, level, fmt, ##__VA_ARGS__)

#define PCI_NB_BARS 6
#define PCI_CFG_COMMAND 0x04
#define PCI_CMD_MEMORY (1u << 1)
#define PCI_CMD_MASTER (1u << 2)

struct dw_pci_dev {
	struct dw_pci_addr addr;
	char name[DW_PCI_ADDR_LEN];
	char sysfs[PATH_MAX]; /* sysfs devices directory, for release. */
	uint16_t vendor, device;
	int fd; /* VFIO device fd. */
	uint64_t cfg_off, cfg_size;
	unsigned int msix_count;       /* Vectors the device offers. */
	unsigned int msix_on;	       /* Vectors enabled (0: off). */
	int msix_fd[DW_PCI_MSIX_MAX];  /* Eventfds of the enabled vectors. */
	void *bar_va[PCI_NB_BARS];     /* Mappings made by dw_pci_bar_map(). */
	uint64_t bar_len[PCI_NB_BARS]; /* Sizes of those mappings. */
	TAILQ_ENTRY(dw_pci_dev) next;  /* pci_devs, under pci_lock. */
};

/* Devices open through this layer: a second open of one fails with EBUSY. */
static pthread_mutex_t pci_lock = PTHREAD_MUTEX_INITIALIZER;
static TAILQ_HEAD(, dw_pci_dev) pci_devs = TAILQ_HEAD_INITIALIZER(pci_devs);

static int
hex_field(const char *s, unsigned int maxdigits, uint32_t max, uint32_t *out, const char **end)
{
	uint32_t v = 0;
	unsigned int n = 0;

	while (n < maxdigits) {
		char c = s[n];
		int d;

		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			break;
		v = v * 16 + (uint32_t)d;
		n++;
	}
	if (n == 0 || v > max)
		return -EINVAL;
	*out = v;
	*end = s + n;
	return 0;
}

int
dw_pci_addr_parse(const char *s, struct dw_pci_addr *addr)
{
	uint32_t f[4];
	const char *p, *e;
	unsigned int nf = 0;

	if (s == NULL || addr == NULL)
		return -EINVAL;
	/* Up to four fields: [domain:]bus:dev.func */
	p = s;
	if (hex_field(p, 8, UINT32_MAX, &f[nf++], &e) < 0 || *e != ':')
		return -EINVAL;
	p = e + 1;
	if (hex_field(p, 2, 0xff, &f[nf++], &e) < 0)
		return -EINVAL;
	if (*e == ':') {
		p = e + 1;
		if (hex_field(p, 2, 0x1f, &f[nf++], &e) < 0)
			return -EINVAL;
	} else if (f[0] > 0xff || (e - p) > 2) {
		return -EINVAL;
	}
	if (*e != '.')
		return -EINVAL;
	p = e + 1;
	if (hex_field(p, 1, 7, &f[nf++], &e) < 0)
		return -EINVAL;
	if (*e != '\0' && *e != ',')
		return -EINVAL;
	if (nf == 4) {
		addr->domain = f[0];
		addr->bus = (uint8_t)f[1];
		addr->dev = (uint8_t)f[2];
		addr->func = (uint8_t)f[3];
	} else {
		if (f[0] > 0xff || f[1] > 0x1f)
			return -EINVAL;
		addr->domain = 0;
		addr->bus = (uint8_t)f[0];
		addr->dev = (uint8_t)f[1];
		addr->func = (uint8_t)f[2];
	}
	return (int)(e - s);
}

int
dw_pci_addr_fmt(const struct dw_pci_addr *addr, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%04" PRIx32 ":%02x:%02x.%x", addr->domain, addr->bus, addr->dev,
			 addr->func);

	return n < 0 || (size_t)n >= len ? -ENOSPC : 0;
}

/* Read a sysfs file holding "0xNNNN". */
static int
sysfs_read_id(const char *dir, const char *file, uint16_t *id)
{
	char path[PATH_MAX + 16], buf[32];
	unsigned long v;
	ssize_t n;
	char *end;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	buf[n] = '\0';
	v = strtoul(buf, &end, 16);
	if (end == buf || v > UINT16_MAX)
		return -EIO;
	*id = (uint16_t)v;
	return 0;
}

static bool
device_accepted(const struct dw_pci_conf *c, uint16_t vendor, uint16_t device)
{
	const uint16_t *d;

	if (c->vendor != 0 && vendor != c->vendor)
		return false;
	if (c->devices == NULL)
		return true;
	for (d = c->devices; *d != 0; d++) {
		if (*d == device)
			return true;
	}
	return false;
}

/* The sysfs checks that need no VFIO: presence, ids, driver, IOMMU group. */
static int
pci_sysfs_checks(struct dw_pci_dev *dev, const struct dw_pci_conf *c)
{
	char dir[PATH_MAX + DW_PCI_ADDR_LEN], link[PATH_MAX + 32], target[PATH_MAX];
	struct stat st;
	ssize_t n;
	int ret;

	snprintf(dir, sizeof(dir), "%s/%s", dev->sysfs, dev->name);
	if (stat(dir, &st) < 0) {
		PCI_LOG(ERR, "%s: no such PCI device (%s: %s)", dev->name, dir, strerror(errno));
		return -ENODEV;
	}
	ret = sysfs_read_id(dir, "vendor", &dev->vendor);
	if (ret == 0)
		ret = sysfs_read_id(dir, "device", &dev->device);
	if (ret < 0) {
		PCI_LOG(ERR, "%s: cannot read its vendor/device ids: %s", dev->name,
			strerror(-ret));
		return -ENODEV;
	}
	if (!device_accepted(c, dev->vendor, dev->device)) {
		PCI_LOG(ERR, "%s: unsupported device %04x:%04x", dev->name, dev->vendor,
			dev->device);
		return -ENOTSUP;
	}
	snprintf(link, sizeof(link), "%s/driver", dir);
	n = readlink(link, target, sizeof(target) - 1);
	if (n < 0) {
		PCI_LOG(ERR, "%s: bound to no driver, not vfio-pci (bind it: driver_override)",
			dev->name);
		return -EPERM;
	}
	target[n] = '\0';
	if (strcmp(strrchr(target, '/') != NULL ? strrchr(target, '/') + 1 : target, "vfio-pci") !=
	    0) {
		PCI_LOG(ERR, "%s: bound to %s, not vfio-pci", dev->name,
			strrchr(target, '/') != NULL ? strrchr(target, '/') + 1 : target);
		return -EPERM;
	}
	snprintf(link, sizeof(link), "%s/iommu_group", dir);
	if (lstat(link, &st) < 0) {
		PCI_LOG(ERR, "%s: no IOMMU group (no IOMMU, or it is off: intel_iommu=on)",
			dev->name);
		return -ENXIO;
	}
	return 0;
}

static int
pci_region_info(struct dw_pci_dev *dev, unsigned int index, struct vfio_region_info *ri)
{
	memset(ri, 0, sizeof(*ri));
	ri->argsz = sizeof(*ri);
	ri->index = index;
	if (ioctl(dev->fd, VFIO_DEVICE_GET_REGION_INFO, ri) < 0)
		return -errno;
	return 0;
}

/* The VFIO steps: device fd, config region, required BAR, MSI-X count. */
static int
pci_vfio_setup(struct dw_pci_dev *dev, const struct dw_pci_conf *c)
{
	struct vfio_device_info info = { .argsz = sizeof(info) };
	struct vfio_irq_info irq = { .argsz = sizeof(irq), .index = VFIO_PCI_MSIX_IRQ_INDEX };
	struct vfio_region_info ri;
	int ret;

	ret = rte_vfio_setup_device(dev->sysfs, dev->name, &dev->fd, &info);
	if (ret != 0) {
		PCI_LOG(ERR,
			"%s: VFIO gave no device fd (is EAL's VFIO on, the group viable, "
			"/dev/vfio present?)",
			dev->name);
		dev->fd = -1;
		return -EIO;
	}
	ret = pci_region_info(dev, VFIO_PCI_CONFIG_REGION_INDEX, &ri);
	if (ret < 0 || ri.size == 0) {
		PCI_LOG(ERR, "%s: no config region: %s", dev->name, strerror(ret < 0 ? -ret : EIO));
		return -EIO;
	}
	dev->cfg_off = ri.offset;
	dev->cfg_size = ri.size;
	if (c->bar_min_size != 0) {
		ret = c->bar < PCI_NB_BARS ? pci_region_info(dev, c->bar, &ri) : -EINVAL;
		if (ret < 0 || ri.size < c->bar_min_size) {
			PCI_LOG(ERR, "%s: BAR %u is %s (%" PRIu64 " bytes, needs %" PRIu64 ")",
				dev->name, c->bar,
				ret < 0 || ri.size == 0 ? "missing" : "too small",
				ret < 0 ? 0 : (uint64_t)ri.size, c->bar_min_size);
			return -ENOSPC;
		}
	}
	if (ioctl(dev->fd, VFIO_DEVICE_GET_IRQ_INFO, &irq) == 0 &&
	    (irq.flags & VFIO_IRQ_INFO_EVENTFD))
		dev->msix_count = irq.count;
	if (dev->msix_count == 0 && (c->flags & DW_PCI_F_NEED_MSIX)) {
		PCI_LOG(ERR, "%s: MSI-X not available", dev->name);
		return -ENOTSUP;
	}
	return 0;
}

struct dw_pci_dev *
dw_pci_open(const char *addr, const struct dw_pci_conf *conf)
{
	struct dw_pci_conf dflt = { .size = sizeof(dflt) };
	const struct dw_pci_conf *c = conf != NULL ? conf : &dflt;
	struct dw_pci_dev *dev, *o;
	int ret, i;

	if (c->size != sizeof(*c) || (c->flags & ~DW_PCI_F_ALL)) {
		PCI_LOG(ERR, "%s: bad dw_pci_conf (size or flags)", addr != NULL ? addr : "(null)");
		rte_errno = EINVAL;
		return NULL;
	}
	dev = calloc(1, sizeof(*dev));
	if (dev == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	dev->fd = -1;
	for (i = 0; i < DW_PCI_MSIX_MAX; i++)
		dev->msix_fd[i] = -1;
	if (addr == NULL || dw_pci_addr_parse(addr, &dev->addr) < 0 ||
	    dw_pci_addr_fmt(&dev->addr, dev->name, sizeof(dev->name)) < 0) {
		PCI_LOG(ERR, "'%s': not a PCI address (DDDD:BB:DD.F)",
			addr != NULL ? addr : "(null)");
		ret = -EINVAL;
		goto free_dev;
	}
	snprintf(dev->sysfs, sizeof(dev->sysfs), "%s",
		 c->sysfs_devices != NULL ? c->sysfs_devices : DW_PCI_SYSFS_DEVICES);

	pthread_mutex_lock(&pci_lock);
	TAILQ_FOREACH(o, &pci_devs, next) {
		if (strcmp(o->name, dev->name) == 0)
			break;
	}
	if (o == NULL)
		TAILQ_INSERT_TAIL(&pci_devs, dev, next);
	pthread_mutex_unlock(&pci_lock);
	if (o != NULL) {
		PCI_LOG(ERR, "%s: already open", dev->name);
		ret = -EBUSY;
		goto free_dev;
	}

	ret = pci_sysfs_checks(dev, c);
	if (ret < 0)
		goto unlist;
	ret = pci_vfio_setup(dev, c);
	if (ret < 0)
		goto release;
	PCI_LOG(INFO, "%s: %04x:%04x open through VFIO, %u MSI-X vectors", dev->name, dev->vendor,
		dev->device, dev->msix_count);
	return dev;

release:
	if (dev->fd >= 0)
		rte_vfio_release_device(dev->sysfs, dev->name, dev->fd);
unlist:
	pthread_mutex_lock(&pci_lock);
	TAILQ_REMOVE(&pci_devs, dev, next);
	pthread_mutex_unlock(&pci_lock);
free_dev:
	free(dev);
	rte_errno = -ret;
	return NULL;
}

int
dw_pci_close(struct dw_pci_dev *dev)
{
	int ret = 0, r;
	unsigned int b;

	if (dev == NULL)
		return 0;
	r = dw_pci_msix_disable(dev);
	if (r < 0 && ret == 0)
		ret = r;
	for (b = 0; b < PCI_NB_BARS; b++) {
		if (dev->bar_va[b] != NULL)
			munmap(dev->bar_va[b], dev->bar_len[b]);
	}
	r = dw_pci_bus_master(dev, false);
	if (r < 0 && ret == 0)
		ret = r;
	if (rte_vfio_release_device(dev->sysfs, dev->name, dev->fd) < 0) {
		PCI_LOG(ERR, "%s: VFIO release failed", dev->name);
		if (ret == 0)
			ret = -EIO;
	}
	pthread_mutex_lock(&pci_lock);
	TAILQ_REMOVE(&pci_devs, dev, next);
	pthread_mutex_unlock(&pci_lock);
	PCI_LOG(INFO, "%s: closed", dev->name);
	free(dev);
	return ret;
}

const struct dw_pci_addr *
dw_pci_dev_addr(const struct dw_pci_dev *dev)
{
	return &dev->addr;
}

const char *
dw_pci_dev_name(const struct dw_pci_dev *dev)
{
	return dev->name;
}

uint16_t
dw_pci_vendor_id(const struct dw_pci_dev *dev)
{
	return dev->vendor;
}

uint16_t
dw_pci_device_id(const struct dw_pci_dev *dev)
{
	return dev->device;
}

/* One config space access: @p write selects pwrite over pread. */
static int
pci_cfg_rw(struct dw_pci_dev *dev, unsigned int off, void *buf, size_t len, bool write)
{
	ssize_t n;

	if (dev == NULL || buf == NULL || off + len > dev->cfg_size) {
		PCI_LOG(ERR, "%s: bad config access (%u + %zu)", dev != NULL ? dev->name : "-", off,
			len);
		return -EINVAL;
	}
	n = write ? pwrite(dev->fd, buf, len, (off_t)(dev->cfg_off + off))
		  : pread(dev->fd, buf, len, (off_t)(dev->cfg_off + off));
	if (n != (ssize_t)len) {
		PCI_LOG(ERR, "%s: config %s at 0x%x failed", dev->name, write ? "write" : "read",
			off);
		return -EIO;
	}
	return 0;
}

int
dw_pci_cfg_read(struct dw_pci_dev *dev, unsigned int off, void *buf, size_t len)
{
	return pci_cfg_rw(dev, off, buf, len, false);
}

int
dw_pci_cfg_write(struct dw_pci_dev *dev, unsigned int off, const void *buf, size_t len)
{
	return pci_cfg_rw(dev, off, (void *)(uintptr_t)buf, len, true);
}

int
dw_pci_bus_master(struct dw_pci_dev *dev, bool on)
{
	uint16_t cmd;
	int ret;

	ret = dw_pci_cfg_read(dev, PCI_CFG_COMMAND, &cmd, sizeof(cmd));
	if (ret < 0)
		return ret;
	if (on)
		cmd |= PCI_CMD_MASTER | PCI_CMD_MEMORY;
	else
		cmd &= (uint16_t)~PCI_CMD_MASTER;
	return dw_pci_cfg_write(dev, PCI_CFG_COMMAND, &cmd, sizeof(cmd));
}

void *
dw_pci_bar_map(struct dw_pci_dev *dev, unsigned int bar, uint64_t *len)
{
	struct vfio_region_info ri;
	void *va;

	if (dev == NULL || bar >= PCI_NB_BARS) {
		PCI_LOG(ERR, "NULL device or BAR %u out of range", bar);
		rte_errno = EINVAL;
		return NULL;
	}
	if (dev->bar_va[bar] == NULL) {
		if (pci_region_info(dev, bar, &ri) < 0 || ri.size == 0) {
			PCI_LOG(ERR, "%s: no BAR %u", dev->name, bar);
			rte_errno = ENOENT;
			return NULL;
		}
		if (!(ri.flags & VFIO_REGION_INFO_FLAG_MMAP)) {
			PCI_LOG(ERR, "%s: BAR %u cannot be mapped (I/O BAR or no mmap)", dev->name,
				bar);
			rte_errno = ENOTSUP;
			return NULL;
		}
		va = mmap(NULL, ri.size, PROT_READ | PROT_WRITE, MAP_SHARED, dev->fd,
			  (off_t)ri.offset);
		if (va == MAP_FAILED) {
			PCI_LOG(ERR, "%s: mmap of BAR %u: %s", dev->name, bar, strerror(errno));
			rte_errno = ENOMEM;
			return NULL;
		}
		dev->bar_va[bar] = va;
		dev->bar_len[bar] = ri.size;
	}
	if (len != NULL)
		*len = dev->bar_len[bar];
	return dev->bar_va[bar];
}

unsigned int
dw_pci_msix_count(const struct dw_pci_dev *dev)
{
	return dev != NULL ? dev->msix_count : 0;
}

/* VFIO_DEVICE_SET_IRQS for MSI-X: @p n eventfds from @p fds, or off when n is 0. */
static int
pci_msix_set(struct dw_pci_dev *dev, const int *fds, unsigned int n)
{
	char buf[sizeof(struct vfio_irq_set) + sizeof(int) * DW_PCI_MSIX_MAX];
	struct vfio_irq_set *s = (struct vfio_irq_set *)buf;

	memset(buf, 0, sizeof(buf));
	s->argsz = (uint32_t)(sizeof(*s) + sizeof(int) * n);
	s->flags = VFIO_IRQ_SET_ACTION_TRIGGER |
		   (n > 0 ? VFIO_IRQ_SET_DATA_EVENTFD : VFIO_IRQ_SET_DATA_NONE);
	s->index = VFIO_PCI_MSIX_IRQ_INDEX;
	s->start = 0;
	s->count = n;
	if (n > 0)
		memcpy(s->data, fds, sizeof(int) * n);
	if (ioctl(dev->fd, VFIO_DEVICE_SET_IRQS, s) < 0)
		return -errno;
	return 0;
}

static void
pci_msix_close_fds(struct dw_pci_dev *dev)
{
	unsigned int v;

	for (v = 0; v < DW_PCI_MSIX_MAX; v++) {
		if (dev->msix_fd[v] >= 0)
			close(dev->msix_fd[v]);
		dev->msix_fd[v] = -1;
	}
	dev->msix_on = 0;
}

int
dw_pci_msix_enable(struct dw_pci_dev *dev, unsigned int n)
{
	unsigned int v;
	int ret;

	if (dev == NULL || n == 0 || n > DW_PCI_MSIX_MAX) {
		PCI_LOG(ERR, "NULL device or %u MSI-X vectors (1..%d)", n, DW_PCI_MSIX_MAX);
		return -EINVAL;
	}
	if (dev->msix_on != 0) {
		PCI_LOG(ERR, "%s: MSI-X already enabled", dev->name);
		return -EBUSY;
	}
	if (n > dev->msix_count) {
		PCI_LOG(ERR, "%s: %u MSI-X vectors asked, device has %u", dev->name, n,
			dev->msix_count);
		return -ENOTSUP;
	}
	for (v = 0; v < n; v++) {
		dev->msix_fd[v] = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		if (dev->msix_fd[v] < 0) {
			ret = -errno;
			PCI_LOG(ERR, "%s: eventfd: %s", dev->name, strerror(-ret));
			goto close_fds;
		}
	}
	ret = pci_msix_set(dev, dev->msix_fd, n);
	if (ret < 0) {
		PCI_LOG(ERR, "%s: VFIO_DEVICE_SET_IRQS (MSI-X, %u vectors): %s", dev->name, n,
			strerror(-ret));
		ret = -EIO;
		goto close_fds;
	}
	dev->msix_on = n;
	return 0;

close_fds:
	pci_msix_close_fds(dev);
	return ret;
}

int
dw_pci_msix_fd(const struct dw_pci_dev *dev, unsigned int v)
{
	if (dev == NULL || v >= dev->msix_on)
		return -EINVAL;
	return dev->msix_fd[v];
}

int
dw_pci_msix_disable(struct dw_pci_dev *dev)
{
	int ret = 0;

	if (dev == NULL)
		return -EINVAL;
	if (dev->msix_on == 0)
		return 0;
	if (pci_msix_set(dev, NULL, 0) < 0) {
		PCI_LOG(ERR, "%s: cannot disable MSI-X", dev->name);
		ret = -EIO;
	}
	pci_msix_close_fds(dev);
	return ret;
}

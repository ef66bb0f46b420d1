/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DW_ETHDEV_H
#define DW_ETHDEV_H

/**
 * @file
 * The dwork netdev driver over DPDK ethdev ports.
 *
 * dw_netdev_open() hands it devargs that start with "net_" (DPDK vdevs such as
 * "net_null0", "net_tap0,iface=dtap0", "net_virtio_user0,path=...") or that
 * look like a PCI address ("0000:00:04.0", a device bound to vfio-pci), and
 * devargs prefixed with "ethdev:" (the prefix is stripped). The device is
 * hot-plugged with rte_dev_probe() unless EAL already probed it (--vdev,
 * PCI scan); only a device it plugged itself is detached again at close.
 */

#include <stdint.h>

#include <rte_ethdev.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * The DPDK ethdev port behind dwork port @p port.
 * @return The ethdev port id; -ENODEV if @p port is not an open ethdev port.
 * Context: any thread.
 */
int dw_ethdev_eth_port(uint16_t port);

#ifdef __cplusplus
}
#endif

#endif /* DW_ETHDEV_H */

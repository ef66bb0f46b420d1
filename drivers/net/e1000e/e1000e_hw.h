/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef E1000E_HW_H
#define E1000E_HW_H

/*
 * Intel 82574L facts (registers, bits, descriptors) from Intel's public
 * 82574 GbE Controller Family datasheet, and the pure helpers of the driver
 * (ring arithmetic, IVAR/IMS encoding, devargs) that the host tests check.
 * Private to drivers/net/e1000e; never installed.
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_bitops.h>
#include <rte_common.h>

#include "dw_log.h"
#include "dw_pci.h"

/* The driver's one log type, pmd.net.dw_e1000e. */
extern int e1000e_logtype;
#define E1000E_LOG(level, fmt, ...) DW_LOG(e1000e_logtype, level, fmt, ##__VA_ARGS__)

#define E1000E_VENDOR_INTEL 0x8086
#define E1000E_DEV_82574L 0x10d3
#define E1000E_BAR0_MIN (128 * 1024) /* Memory BAR 0: CSR space. */

/* Registers (byte offsets in BAR 0). */
#define E1000E_CTRL 0x00000
#define E1000E_STATUS 0x00008
#define E1000E_EERD 0x00014
#define E1000E_CTRL_EXT 0x00018
#define E1000E_MDIC 0x00020
#define E1000E_ICR 0x000c0
#define E1000E_ITR 0x000c4
#define E1000E_IMS 0x000d0
#define E1000E_IMC 0x000d8
#define E1000E_EIAC 0x000dc
#define E1000E_IVAR 0x000e4
#define E1000E_EITR(v) (0x000e8 + 4 * (v))
#define E1000E_RCTL 0x00100
#define E1000E_TCTL 0x00400
#define E1000E_TIPG 0x00410
#define E1000E_RDBAL 0x02800
#define E1000E_RDBAH 0x02804
#define E1000E_RDLEN 0x02808
#define E1000E_RDH 0x02810
#define E1000E_RDT 0x02818
#define E1000E_RDTR 0x02820
#define E1000E_RADV 0x0282c
#define E1000E_TDBAL 0x03800
#define E1000E_TDBAH 0x03804
#define E1000E_TDLEN 0x03808
#define E1000E_TDH 0x03810
#define E1000E_TDT 0x03818
#define E1000E_TIDV 0x03820
#define E1000E_TXDCTL 0x03828
#define E1000E_TADV 0x0382c
#define E1000E_TARC0 0x03840
#define E1000E_RXCSUM 0x05000
#define E1000E_RFCTL 0x05008
#define E1000E_MTA 0x05200 /* 128 registers. */
#define E1000E_RAL0 0x05400
#define E1000E_RAH0 0x05404
/* Statistics (clear on read). */
#define E1000E_CRCERRS 0x04000
#define E1000E_MPC 0x04010
#define E1000E_GPRC 0x04074
#define E1000E_GPTC 0x04080
#define E1000E_GORCL 0x04088
#define E1000E_GORCH 0x0408c
#define E1000E_GOTCL 0x04090
#define E1000E_GOTCH 0x04094
#define E1000E_RNBC 0x040a0

#define E1000E_CTRL_FD RTE_BIT32(0)
#define E1000E_CTRL_ASDE RTE_BIT32(5)
#define E1000E_CTRL_SLU RTE_BIT32(6)
#define E1000E_CTRL_RST RTE_BIT32(26)

#define E1000E_STATUS_FD RTE_BIT32(0)
#define E1000E_STATUS_LU RTE_BIT32(1)
#define E1000E_STATUS_SPEED_SHIFT 6

#define E1000E_EERD_START RTE_BIT32(0)
#define E1000E_EERD_DONE RTE_BIT32(1)
#define E1000E_EERD_ADDR_SHIFT 2
#define E1000E_EERD_DATA_SHIFT 16

#define E1000E_CTRL_EXT_DRV_LOAD RTE_BIT32(28)

#define E1000E_MDIC_REG_SHIFT 16
#define E1000E_MDIC_PHY_SHIFT 21
#define E1000E_MDIC_OP_WRITE (1u << 26)
#define E1000E_MDIC_OP_READ (2u << 26)
#define E1000E_MDIC_READY RTE_BIT32(28)
#define E1000E_MDIC_ERROR RTE_BIT32(30)
#define E1000E_PHY_ADDR 1 /* The 82574's internal PHY. */
/* PHY registers (IEEE 802.3 clause 22). */
#define E1000E_PHY_BMCR 0
#define E1000E_PHY_BMSR 1
#define E1000E_PHY_ID1 2
#define E1000E_PHY_ID2 3
#define E1000E_BMCR_ANENABLE RTE_BIT32(12)
#define E1000E_BMCR_ANRESTART RTE_BIT32(9)
#define E1000E_BMSR_LSTATUS RTE_BIT32(2)

/* Interrupt causes: ICR, IMS, IMC, EIAC bits. */
#define E1000E_ICR_TXDW RTE_BIT32(0)
#define E1000E_ICR_LSC RTE_BIT32(2)
#define E1000E_ICR_RXDMT0 RTE_BIT32(4)
#define E1000E_ICR_RXO RTE_BIT32(6)
#define E1000E_ICR_RXT0 RTE_BIT32(7)
#define E1000E_ICR_MDAC RTE_BIT32(9)
#define E1000E_ICR_RXQ0 RTE_BIT32(20)
#define E1000E_ICR_TXQ0 RTE_BIT32(22)
#define E1000E_ICR_OTHER RTE_BIT32(24)
/* The causes the "other" vector reports and its handler acknowledges. */
#define E1000E_ICR_OTHER_CAUSES                                                                    \
	(E1000E_ICR_LSC | E1000E_ICR_RXO | E1000E_ICR_MDAC | E1000E_ICR_OTHER)

#define E1000E_RCTL_EN RTE_BIT32(1)
#define E1000E_RCTL_UPE RTE_BIT32(3)
#define E1000E_RCTL_MPE RTE_BIT32(4)
#define E1000E_RCTL_BAM RTE_BIT32(15)
#define E1000E_RCTL_SECRC RTE_BIT32(26) /* BSIZE 00: 2048-byte buffers. */
#define E1000E_RX_BUF_SIZE 2048

#define E1000E_TCTL_EN RTE_BIT32(1)
#define E1000E_TCTL_PSP RTE_BIT32(3)
#define E1000E_TCTL_CT (0x0fu << 4)
#define E1000E_TCTL_COLD (0x3fu << 12)
#define E1000E_TXDCTL_INIT (RTE_BIT32(22) | RTE_BIT32(24) | (1u << 16))
#define E1000E_TARC_ENABLE RTE_BIT32(10)
#define E1000E_TIPG_DEFAULT (8u | (8u << 10) | (6u << 20))
#define E1000E_RAH_AV RTE_BIT32(31)

/* MSI-X: three vectors, as DPDK's PMDs number them (vfio-msix[1] is rx). */
#define E1000E_VEC_OTHER 0
#define E1000E_VEC_RXQ0 1
#define E1000E_VEC_TXQ0 2
#define E1000E_NB_VEC 3
/* Throttle registers count in 256 ns units. */
#define E1000E_ITR_UNIT_NS 256

/* Legacy receive descriptor. */
struct e1000e_rx_desc {
	uint64_t addr;
	uint16_t length;
	uint16_t csum;
	uint8_t status;
	uint8_t errors;
	uint16_t special;
};
#define E1000E_RXD_STAT_DD 0x01
#define E1000E_RXD_STAT_EOP 0x02

/* Legacy transmit descriptor. */
struct e1000e_tx_desc {
	uint64_t addr;
	uint16_t length;
	uint8_t cso;
	uint8_t cmd;
	uint8_t status;
	uint8_t css;
	uint16_t special;
};
#define E1000E_TXD_CMD_EOP 0x01
#define E1000E_TXD_CMD_IFCS 0x02
#define E1000E_TXD_CMD_RS 0x08
#define E1000E_TXD_STAT_DD 0x01

/* Ring sizes: powers of two (index arithmetic by mask), the ring a multiple of 128 bytes. */
#define E1000E_RING_MIN 64
#define E1000E_RING_MAX 4096
#define E1000E_RING_DEFAULT 512

/*
 * The descriptor count a request of @p n gives: 0 means the default, others
 * round up to a power of two within E1000E_RING_MIN..MAX. Returns 0 for a
 * request above the maximum.
 */
static inline uint16_t
e1000e_ring_size(uint16_t n)
{
	if (n == 0)
		return E1000E_RING_DEFAULT;
	if (n > E1000E_RING_MAX)
		return 0;
	if (n < E1000E_RING_MIN)
		n = E1000E_RING_MIN;
	return (uint16_t)rte_align32pow2(n);
}

/* Descriptors in flight from @p clean (oldest) to @p tail (next to fill). */
static inline uint16_t
e1000e_ring_used(uint16_t clean, uint16_t tail, uint16_t size)
{
	return (uint16_t)((tail - clean) & (size - 1));
}

/* Descriptors free for the producer; one stays empty so tail never meets head. */
static inline uint16_t
e1000e_ring_free(uint16_t clean, uint16_t tail, uint16_t size)
{
	return (uint16_t)(size - 1 - e1000e_ring_used(clean, tail, size));
}

/* Index @p i moved by @p n within a ring of @p size. */
static inline uint16_t
e1000e_ring_add(uint16_t i, uint16_t n, uint16_t size)
{
	return (uint16_t)((i + n) & (size - 1));
}

/* One IVAR field: vector number (3 bits) and the valid bit. */
static inline uint32_t
e1000e_ivar_entry(unsigned int vec)
{
	return (vec & 0x7) | 0x8;
}

/* IVAR routing rx queue 0, tx queue 0 and "other" each to its own vector. */
static inline uint32_t
e1000e_ivar(unsigned int rxq0_vec, unsigned int txq0_vec, unsigned int other_vec)
{
	return e1000e_ivar_entry(rxq0_vec) | (e1000e_ivar_entry(txq0_vec) << 8) |
	       (e1000e_ivar_entry(other_vec) << 16);
}

/* IMS bits of the "other" vector: link changes (and the summary bit). */
static inline uint32_t
e1000e_ims_other(void)
{
	return E1000E_ICR_LSC | E1000E_ICR_OTHER;
}

/* Causes the device clears (ICR) and masks (IMS) itself when their vector fires. */
static inline uint32_t
e1000e_eiac(void)
{
	return E1000E_ICR_RXQ0 | E1000E_ICR_TXQ0;
}

/* Throttle register value for at most one interrupt per @p us (0: no throttling). */
static inline uint32_t
e1000e_itr_reg(uint32_t us)
{
	uint64_t v = ((uint64_t)us * 1000 + E1000E_ITR_UNIT_NS - 1) / E1000E_ITR_UNIT_NS;

	return v > 0xffff ? 0xffff : (uint32_t)v;
}

/* MDIC command reading (write false) or writing @p data to PHY register @p reg. */
static inline uint32_t
e1000e_mdic_cmd(unsigned int reg, bool write, uint16_t data)
{
	return ((uint32_t)(reg & 0x1f) << E1000E_MDIC_REG_SHIFT) |
	       ((uint32_t)E1000E_PHY_ADDR << E1000E_MDIC_PHY_SHIFT) |
	       (write ? E1000E_MDIC_OP_WRITE | data : E1000E_MDIC_OP_READ);
}

/* Speed in Mb/s from STATUS. */
static inline uint32_t
e1000e_status_speed(uint32_t status)
{
	switch ((status >> E1000E_STATUS_SPEED_SHIFT) & 3) {
	case 0:
		return 10;
	case 1:
		return 100;
	default:
		return 1000;
	}
}

/*
 * Tx hang detection, one call per watchdog period with the head and tail read
 * from the device: true once descriptors were pending (head != tail) with the
 * link up and the head did not move for two periods in a row. The watchdog
 * then asks lib/netdev for a reset. State zeroed at every (re)start.
 */
struct e1000e_tx_watch {
	uint16_t last_tdh; /* Head at the previous period. */
	bool stuck_once;   /* The previous period found it stuck already. */
};

static inline bool
e1000e_tx_hung(struct e1000e_tx_watch *w, uint16_t tdh, uint16_t tdt, bool link_up)
{
	bool stuck = tdh != tdt && tdh == w->last_tdh && link_up;

	w->last_tdh = tdh;
	if (!stuck) {
		w->stuck_once = false;
		return false;
	}
	if (!w->stuck_once) {
		w->stuck_once = true; /* One more period before calling it hung. */
		return false;
	}
	return true;
}

/* Devargs: "e1000e:ADDR[,key=value...]". */
#define E1000E_PREFIX "e1000e:"
/* Default interrupt throttle: latency first (see doc/guides/e1000e.md). */
#define E1000E_ITR_US_DEFAULT 20
#define E1000E_WATCHDOG_MS_DEFAULT 2000

struct e1000e_args {
	struct dw_pci_addr addr;
	char name[DW_PCI_ADDR_LEN];
	uint32_t itr_us;      /* itr_us=N: 0 .. 16000. */
	bool poll;	      /* intr=poll (default intr=msix). */
	uint32_t watchdog_ms; /* watchdog_ms=N: 100 .. 60000. */
	uint32_t
	    test_tx_hang_pkts; /* test_tx_hang_pkts=N: stop the transmitter after N sent (tests). */
};

/*
 * Parse @p devargs (with the prefix). Returns 0, or -EINVAL after logging
 * one line that names the bad part.
 */
int e1000e_args_parse(const char *devargs, struct e1000e_args *a);

#endif /* E1000E_HW_H */

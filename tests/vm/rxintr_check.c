/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * rxintr_check: echo frames back on port 0 while sleeping on the rx queue's
 * interrupt, to show that rx interrupts of a NIC bound to vfio-pci arrive as
 * VFIO MSI-X eventfds (the path lib/irq and lib/napi will use).
 *
 * Idle loop: poll; when nothing came, arm the queue's interrupt, poll again
 * (a frame that landed before arming raises no interrupt), then sleep in
 * epoll on the queue's eventfd. Wakeups with an event are counted apart from
 * epoll time-outs, so a run where frames were echoed but every wakeup was a
 * time-out shows that interrupts did not arrive.
 *
 * usage: rxintr_check [EAL args] -- STOP_FILE [MAX_SEC]
 * Exits 0 when frames were echoed and at least one wakeup came from an
 * interrupt, 1 otherwise, 2 on setup errors.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_epoll.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_interrupts.h>
#include <rte_mbuf.h>

#define BURST 32
#define NB_DESC 512
#define EPOLL_TIMEOUT_MS 200

struct counts {
	uint64_t rx;
	uint64_t tx;
	uint64_t dropped;
	uint64_t wakeups;  /* epoll returned an event: an interrupt arrived */
	uint64_t timeouts; /* epoll returned nothing */
	uint64_t raced;	   /* frames found by the poll right after arming */
};

static int
port_setup(uint16_t port, struct rte_mempool *pool)
{
	struct rte_eth_conf conf;
	uint16_t nb_rxd = NB_DESC, nb_txd = NB_DESC;
	int ret;

	memset(&conf, 0, sizeof(conf));
	conf.intr_conf.rxq = 1;
	ret = rte_eth_dev_configure(port, 1, 1, &conf);
	if (ret < 0)
		return ret;
	ret = rte_eth_dev_adjust_nb_rx_tx_desc(port, &nb_rxd, &nb_txd);
	if (ret < 0)
		return ret;
	ret = rte_eth_rx_queue_setup(port, 0, nb_rxd, rte_eth_dev_socket_id(port), NULL, pool);
	if (ret < 0)
		return ret;
	ret = rte_eth_tx_queue_setup(port, 0, nb_txd, rte_eth_dev_socket_id(port), NULL);
	if (ret < 0)
		return ret;
	ret = rte_eth_dev_start(port);
	if (ret < 0)
		return ret;
	/* Add the queue's eventfd to this thread's epoll set. */
	return rte_eth_dev_rx_intr_ctl_q(port, 0, RTE_EPOLL_PER_THREAD, RTE_INTR_EVENT_ADD, NULL);
}

/* Echo one burst back; returns how many frames were received. */
static uint16_t
echo_burst(uint16_t port, struct counts *c)
{
	struct rte_mbuf *pkts[BURST];
	uint16_t nb_rx, nb_tx;

	nb_rx = rte_eth_rx_burst(port, 0, pkts, BURST);
	if (nb_rx == 0)
		return 0;
	nb_tx = rte_eth_tx_burst(port, 0, pkts, nb_rx);
	c->rx += nb_rx;
	c->tx += nb_tx;
	if (nb_tx < nb_rx) {
		c->dropped += nb_rx - nb_tx;
		rte_pktmbuf_free_bulk(&pkts[nb_tx], nb_rx - nb_tx);
	}
	return nb_rx;
}

/* The guest kernel's view: one line per VFIO vector, with its count. */
static void
print_vfio_interrupts(void)
{
	char line[512];
	FILE *f = fopen("/proc/interrupts", "r");

	if (f == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strstr(line, "vfio") != NULL)
			printf("rxintr_check: /proc/interrupts:%s", line);
	fclose(f);
}

static int
run(uint16_t port, const char *stop_file, unsigned int max_sec, struct counts *c)
{
	uint64_t deadline = rte_get_timer_cycles() + (uint64_t)max_sec * rte_get_timer_hz();
	struct rte_epoll_event ev;
	unsigned int spins = 0;
	int n, ret;

	while (rte_get_timer_cycles() < deadline) {
		if (echo_burst(port, c) > 0) {
			/* Busy: keep polling, but still look for the stop file now and then. */
			if (++spins % 4096 == 0 && access(stop_file, F_OK) == 0)
				return 0;
			continue;
		}
		ret = rte_eth_dev_rx_intr_enable(port, 0);
		if (ret < 0) {
			fprintf(stderr, "rxintr_check: rx_intr_enable: %s\n", strerror(-ret));
			return ret;
		}
		if (echo_burst(port, c) > 0) {
			c->raced++;
			rte_eth_dev_rx_intr_disable(port, 0);
			continue;
		}
		n = rte_epoll_wait(RTE_EPOLL_PER_THREAD, &ev, 1, EPOLL_TIMEOUT_MS);
		rte_eth_dev_rx_intr_disable(port, 0);
		if (n > 0)
			c->wakeups++;
		else if (n == 0)
			c->timeouts++;
		if (n == 0 && access(stop_file, F_OK) == 0)
			return 0;
	}
	fprintf(stderr, "rxintr_check: no stop file after %us\n", max_sec);
	return 0;
}

int
main(int argc, char **argv)
{
	struct rte_mempool *pool = NULL;
	struct counts c = { 0 };
	const char *stop_file;
	unsigned int max_sec = 120;
	uint16_t port = 0;
	int ret, status = 2;
	int efd;

	ret = rte_eal_init(argc, argv);
	if (ret < 0) {
		fprintf(stderr, "rxintr_check: EAL: %s\n", rte_strerror(rte_errno));
		return 2;
	}
	argc -= ret;
	argv += ret;
	if (argc < 2) {
		fprintf(stderr, "usage: rxintr_check [EAL args] -- STOP_FILE [MAX_SEC]\n");
		goto out_eal;
	}
	stop_file = argv[1];
	if (argc > 2)
		max_sec = (unsigned int)strtoul(argv[2], NULL, 0);
	if (rte_eth_dev_count_avail() == 0) {
		fprintf(stderr, "rxintr_check: no ethdev port\n");
		goto out_eal;
	}

	pool = rte_pktmbuf_pool_create("rxintr", 2047, 64, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				       rte_socket_id());
	if (pool == NULL) {
		fprintf(stderr, "rxintr_check: mbuf pool: %s\n", rte_strerror(rte_errno));
		goto out_eal;
	}
	ret = port_setup(port, pool);
	if (ret < 0) {
		fprintf(stderr, "rxintr_check: port %u setup: %s\n", port, strerror(-ret));
		goto out_port;
	}
	efd = rte_eth_dev_rx_intr_ctl_q_get_fd(port, 0);
	printf("rxintr_check: port %u rx queue 0 interrupt eventfd %d, waiting for frames\n", port,
	       efd);
	fflush(stdout);

	ret = run(port, stop_file, max_sec, &c);
	printf("rxintr_check: rx=%" PRIu64 " tx=%" PRIu64 " dropped=%" PRIu64
	       " irq_wakeups=%" PRIu64 " timeouts=%" PRIu64 " raced=%" PRIu64 "\n",
	       c.rx, c.tx, c.dropped, c.wakeups, c.timeouts, c.raced);
	print_vfio_interrupts();
	status = (ret == 0 && c.rx > 0 && c.wakeups > 0) ? 0 : 1;
	rte_eth_dev_stop(port);

out_port:
	rte_eth_dev_close(port);
	rte_mempool_free(pool);
out_eal:
	rte_eal_cleanup();
	return status;
}

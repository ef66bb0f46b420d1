/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * net_tap through lib/netdev, with the kernel side driven by the test: rx
 * interrupt fd in the test's own edge-triggered epoll, arm/re-check, packets
 * injected from a raw AF_PACKET socket, link changes delivered as work items.
 *
 * Each test (Check forks one process per test) first moves itself into a
 * fresh network namespace (unshare(CLONE_NEWNET)) and only then starts EAL,
 * so the tap interface, the PMD's ioctl and netlink sockets and the test's
 * injecting socket all live in a namespace that disappears with the process:
 * nothing leaks into the host's network, even when a test crashes. Needs
 * root (CAP_NET_ADMIN); without it every test passes after saying so.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include "dw_ethdev.h"
#include "ethdev_testhook.h"
#include "dw_netdev.h"
#include "dw_test.h"
#include "dw_work.h"

#define IFACE "dwtap0"
#define ETHERTYPE_TEST 0x88b5 /* IEEE local experimental: nothing else sends it. */
#define BURST 32

static struct rte_mempool *mp;

/* No IPv6 autoconfiguration chatter on the interface (in the caller's namespace). */
static void
iface_quiet(void)
{
	FILE *f = fopen("/proc/sys/net/ipv6/conf/" IFACE "/disable_ipv6", "w");

	if (f != NULL) {
		fputs("1", f);
		fclose(f);
	}
}

/* false (after saying why) when the test cannot run here. */
static bool
setup(void)
{
	static const char *const args[] = { "--vdev=net_tap0,iface=" IFACE, NULL };

	if (geteuid() != 0) {
		printf("SKIP: net_tap tests need root (tap device, network namespace)\n");
		return false;
	}
	ck_assert_msg(unshare(CLONE_NEWNET) == 0, "unshare(CLONE_NEWNET): %s", strerror(errno));
	ck_assert_int_ge(dw_test_eal_init(args), 0);
	iface_quiet();
	mp =
	    rte_pktmbuf_pool_create("tap_mp", 2047, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	ck_assert_ptr_nonnull(mp);
	return true;
}

static struct dw_netdev_conf
tap_conf(struct dw_wq *ctrl_wq)
{
	struct dw_netdev_conf c = {
		.size = sizeof(c),
		.nb_rxq = 1,
		.nb_txq = 1,
		.nb_rxd = 512,
		.nb_txd = 512,
		.mp = mp,
		.ctrl_wq = ctrl_wq,
	};
	return c;
}

static uint16_t
open_tap(struct dw_wq *ctrl_wq)
{
	struct dw_netdev_conf c = tap_conf(ctrl_wq);
	int port = dw_netdev_open("net_tap0");

	ck_assert_int_ge(port, 0);
	ck_assert_int_eq(dw_netdev_configure((uint16_t)port, &c), 0);
	ck_assert_int_eq(dw_netdev_start((uint16_t)port), 0);
	return (uint16_t)port;
}

/* Raw socket sending on the kernel side of the tap: what it sends, the PMD receives. */
static int
kernel_sock(void)
{
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(ETH_P_ALL),
		.sll_ifindex = (int)if_nametoindex(IFACE),
	};
	int s;

	ck_assert_int_gt(sll.sll_ifindex, 0);
	s = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
	ck_assert_int_ge(s, 0);
	ck_assert_int_eq(bind(s, (struct sockaddr *)&sll, sizeof(sll)), 0);
	return s;
}

static void
kernel_send(int s, unsigned int n, uint32_t first_seq)
{
	uint8_t frame[64];
	unsigned int i;

	for (i = 0; i < n; i++) {
		uint32_t seq = htonl(first_seq + i);

		memset(frame, 0, sizeof(frame));
		memset(frame, 0xff, 6); /* broadcast destination */
		memcpy(frame + 6, "\x02\x00\x00\x00\x00\x01", 6);
		frame[12] = ETHERTYPE_TEST >> 8;
		frame[13] = ETHERTYPE_TEST & 0xff;
		memcpy(frame + 14, &seq, sizeof(seq));
		ck_assert_int_eq(send(s, frame, sizeof(frame), 0), (ssize_t)sizeof(frame));
	}
}

/* Receive until @p want test frames came in or @p timeout_ms passed; other frames are dropped. */
static unsigned int
rx_test_frames(uint16_t port, unsigned int want, uint32_t first_seq, unsigned int timeout_ms)
{
	uint64_t deadline = dw_test_now_ms() + timeout_ms;
	struct rte_mbuf *pkts[BURST];
	unsigned int got = 0;
	uint16_t n, i;

	while (got < want && dw_test_now_ms() < deadline) {
		n = dw_netdev_rx_burst(port, 0, pkts, BURST);
		for (i = 0; i < n; i++) {
			const uint8_t *d = rte_pktmbuf_mtod(pkts[i], const uint8_t *);
			uint32_t seq;

			if (rte_pktmbuf_data_len(pkts[i]) >= 18 && d[12] == (ETHERTYPE_TEST >> 8) &&
			    d[13] == (ETHERTYPE_TEST & 0xff)) {
				memcpy(&seq, d + 14, sizeof(seq));
				ck_assert_uint_eq(ntohl(seq), first_seq + got);
				got++;
			}
		}
		rte_pktmbuf_free_bulk(pkts, n);
		if (n == 0)
			dw_test_sleep_us(200);
	}
	return got;
}

static int
epoll_with(int fd)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLET, .data.fd = fd };
	int ep = epoll_create1(EPOLL_CLOEXEC);

	ck_assert_int_ge(ep, 0);
	ck_assert_int_eq(epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev), 0);
	return ep;
}

/* Drain the queue and any pending edge, then arm until it reports an empty queue. */
static void
quiesce_and_arm(uint16_t port, int ep)
{
	struct rte_mbuf *pkts[BURST];
	struct epoll_event ev;
	int ret, tries = 0;
	uint16_t n;

	do {
		while ((n = dw_netdev_rx_burst(port, 0, pkts, BURST)) > 0)
			rte_pktmbuf_free_bulk(pkts, n);
		ret = dw_netdev_rx_intr_arm(port, 0);
		ck_assert(ret == 0 || ret == -EAGAIN);
	} while (ret == -EAGAIN && ++tries < 100);
	ck_assert_int_eq(ret, 0);
	while (epoll_wait(ep, &ev, 1, 0) > 0)
		;
}

/* One sleep cycle on the queue's current fd: arm, inject @p n frames, wake, receive them all. */
static void
sleep_wake_receive(uint16_t port, unsigned int n, uint32_t first_seq)
{
	struct epoll_event ev;
	int fd, ep, s;

	fd = dw_netdev_rx_intr_fd(port, 0);
	ck_assert_int_ge(fd, 0);
	ep = epoll_with(fd);
	s = kernel_sock();
	quiesce_and_arm(port, ep);
	kernel_send(s, n, first_seq);
	ck_assert_int_eq(epoll_wait(ep, &ev, 1, 3000), 1);
	ck_assert_uint_eq(rx_test_frames(port, n, first_seq, 3000), n);
	close(s);
	close(ep);
}

START_TEST(test_tap_rx_intr)
{
	struct dw_netdev_stats st;
	struct dw_netdev_info info;
	struct epoll_event ev;
	uint16_t port;
	int fd, ep, s;

	if (!setup())
		return;
	port = open_tap(NULL);
	ck_assert_int_eq(dw_netdev_info_get(port, &info), 0);
	ck_assert_uint_eq(info.nb_rxq_intr, 1);
	fd = dw_netdev_rx_intr_fd(port, 0);
	ck_assert_int_ge(fd, 0);
	ep = epoll_with(fd);
	s = kernel_sock();

	/* Empty queue, armed: no wakeup. */
	quiesce_and_arm(port, ep);
	ck_assert_int_eq(epoll_wait(ep, &ev, 1, 100), 0);

	/* Packets arrive while armed: the fd fires in our edge-triggered epoll. */
	kernel_send(s, 8, 1000);
	ck_assert_int_eq(epoll_wait(ep, &ev, 1, 3000), 1);
	ck_assert_int_eq(ev.data.fd, fd);
	/* Arming with packets waiting says so: poll again. */
	ck_assert_int_eq(dw_netdev_rx_intr_arm(port, 0), -EAGAIN);
	ck_assert_uint_eq(rx_test_frames(port, 8, 1000, 3000), 8);
	ck_assert_int_eq(dw_netdev_rx_intr_disarm(port, 0), 0);

	/* The cycle repeats: drained, armed, a new edge for new packets. */
	quiesce_and_arm(port, ep);
	kernel_send(s, 100, 2000);
	ck_assert_int_eq(epoll_wait(ep, &ev, 1, 3000), 1);
	ck_assert_uint_eq(rx_test_frames(port, 100, 2000, 3000), 100);

	ck_assert_int_eq(dw_netdev_stats_get(port, &st), 0);
	ck_assert_uint_ge(st.ipackets, 108);
	close(s);
	close(ep);
	ck_assert_int_eq(dw_netdev_close(port), 0);
}
END_TEST

START_TEST(test_tap_stop_start)
{
	struct dw_netdev_conf conf;
	uint16_t port;
	int s;

	if (!setup())
		return;
	port = open_tap(NULL);
	ck_assert_int_ge(dw_netdev_rx_intr_fd(port, 0), 0);
	ck_assert_int_eq(dw_netdev_stop(port), 0);
	ck_assert_int_eq(dw_netdev_rx_intr_fd(port, 0), -EIO);
	ck_assert_int_eq(dw_netdev_start(port), 0);
	/* Fetched again after start, as the API asks. */
	sleep_wake_receive(port, 4, 1);

	/* Without rx interrupts: no fd, arm refuses, polling still receives. */
	ck_assert_int_eq(dw_netdev_stop(port), 0);
	conf = tap_conf(NULL);
	conf.flags = DW_NETDEV_F_NO_RX_INTR;
	ck_assert_int_eq(dw_netdev_configure(port, &conf), 0);
	ck_assert_int_eq(dw_netdev_start(port), 0);
	ck_assert_int_eq(dw_netdev_rx_intr_fd(port, 0), -ENOTSUP);
	ck_assert_int_eq(dw_netdev_rx_intr_arm(port, 0), -ENOTSUP);
	s = kernel_sock();
	kernel_send(s, 4, 9);
	ck_assert_uint_eq(rx_test_frames(port, 4, 9, 3000), 4);
	close(s);
	ck_assert_int_eq(dw_netdev_close(port), 0);
}
END_TEST

/* Link events seen by the subscriber, and where its callback ran. */
struct link_rec {
	uint32_t ups, downs;  /* Atomic. */
	uint32_t off_work;    /* Atomic: callbacks outside a work item. */
	uint32_t resets, fds; /* Atomic. */
};

static void
link_cb(uint16_t port, uint32_t event, void *arg)
{
	struct link_rec *r = arg;
	struct dw_netdev_link link;

	if (dw_current_work() == NULL)
		__atomic_fetch_add(&r->off_work, 1, __ATOMIC_RELAXED);
	if (event == DW_NETDEV_EV_RESET)
		__atomic_fetch_add(&r->resets, 1, __ATOMIC_RELEASE);
	if (event == DW_NETDEV_EV_RXQ_FD)
		__atomic_fetch_add(&r->fds, 1, __ATOMIC_RELEASE);
	if (event != DW_NETDEV_EV_LSC)
		return;
	/* Slow path: reading the link (a driver call that may sleep) is allowed here. */
	ck_assert_int_eq(dw_netdev_link_get(port, &link), 0);
	__atomic_fetch_add(link.up ? &r->ups : &r->downs, 1, __ATOMIC_RELEASE);
}

static void
iface_set_up(bool up)
{
	struct ifreq ifr;
	int s = socket(AF_INET, SOCK_DGRAM, 0);

	ck_assert_int_ge(s, 0);
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", IFACE);
	ck_assert_int_eq(ioctl(s, SIOCGIFFLAGS, &ifr), 0);
	if (up)
		ifr.ifr_flags |= IFF_UP;
	else
		ifr.ifr_flags &= ~IFF_UP;
	ck_assert_int_eq(ioctl(s, SIOCSIFFLAGS, &ifr), 0);
	close(s);
}

static uint32_t
load(uint32_t *v)
{
	return __atomic_load_n(v, __ATOMIC_ACQUIRE);
}

START_TEST(test_tap_link_events)
{
	struct dw_wq_conf wc = { .size = sizeof(wc), .flags = DW_WQ_ORDERED };
	struct link_rec rec = { 0 };
	struct dw_netdev_info info;
	struct dw_wq *wq;
	uint16_t port;
	int sub;

	if (!setup())
		return;
	ck_assert_int_eq(dw_work_lib_init(NULL), 0);
	wq = dw_wq_create("tap_events", &wc);
	ck_assert_ptr_nonnull(wq);
	port = open_tap(wq);
	ck_assert_int_eq(dw_netdev_info_get(port, &info), 0);
	ck_assert(info.lsc_intr);
	sub = dw_netdev_event_subscribe(port, DW_NETDEV_EV_ALL, wq, link_cb, &rec);
	ck_assert_int_ge(sub, 0);

	/* The kernel side takes the interface down, then up again. */
	iface_set_up(false);
	ck_assert_msg(DW_TEST_WAIT(load(&rec.downs) >= 1, 5000), "no link-down event");
	iface_set_up(true);
	ck_assert_msg(DW_TEST_WAIT(load(&rec.ups) >= 1, 5000), "no link-up event");
	ck_assert_uint_eq(load(&rec.off_work), 0);

	/* A reset request: handled by the driver on wq (stop, set up, start), announced. */
	ck_assert_int_eq(dw_ethdev_event_inject(port, RTE_ETH_EVENT_INTR_RESET), 0);
	ck_assert(DW_TEST_WAIT(load(&rec.resets) == 1, 5000));
	/* Restarted: the fds are announced again (they may be new files). */
	ck_assert(DW_TEST_WAIT(load(&rec.fds) >= 1, 5000));
	ck_assert_int_eq(dw_netdev_info_get(port, &info), 0);
	ck_assert_uint_eq(info.resets, 1);
	ck_assert(info.started);
	/* The port still delivers rx interrupts on its (possibly new) fd. */
	sleep_wake_receive(port, 16, 77);

	ck_assert_int_eq(dw_netdev_event_unsubscribe(port, sub), 0);
	ck_assert_int_eq(dw_netdev_close(port), 0);
	ck_assert_int_eq(dw_wq_destroy(wq), 0);
	ck_assert_int_eq(dw_work_lib_fini(), 0);
}
END_TEST

/*
 * The layout an operator would use: the PMD's process stays where it is and
 * the kernel side of the tap is moved into a named namespace (ip netns add,
 * ip link set ... netns), from which the test injects through setns().
 */
START_TEST(test_tap_moved_to_netns)
{
	char ns[32], cmd[128], path[64];
	struct dw_netdev_link link;
	struct epoll_event ev;
	int self_ns, peer_ns, fd, ep, s;
	uint16_t port;

	if (!setup())
		return;
	port = open_tap(NULL);
	snprintf(ns, sizeof(ns), "dwnd%d", (int)getpid());
	snprintf(cmd, sizeof(cmd), "ip netns add %s && ip link set %s netns %s", ns, IFACE, ns);
	ck_assert_msg(system(cmd) == 0, "%s failed", cmd);

	/* This thread visits the namespace to bring the interface up and open the
	 * injecting socket there (a socket keeps its namespace), then returns. */
	snprintf(path, sizeof(path), "/var/run/netns/%s", ns);
	self_ns = open("/proc/thread-self/ns/net", O_RDONLY);
	peer_ns = open(path, O_RDONLY);
	ck_assert_int_ge(self_ns, 0);
	ck_assert_int_ge(peer_ns, 0);
	/* Our fd (then the socket) keeps the namespace alive: drop its name now so
	 * that nothing is left behind even if the test dies. */
	snprintf(cmd, sizeof(cmd), "ip netns del %s", ns);
	ck_assert_int_eq(system(cmd), 0);
	ck_assert_int_eq(setns(peer_ns, CLONE_NEWNET), 0);
	iface_quiet();
	iface_set_up(true);
	s = kernel_sock();
	ck_assert_int_eq(setns(self_ns, CLONE_NEWNET), 0);
	close(peer_ns);
	close(self_ns);

	/* Same rx interrupt protocol, across namespaces. */
	fd = dw_netdev_rx_intr_fd(port, 0);
	ck_assert_int_ge(fd, 0);
	ep = epoll_with(fd);
	quiesce_and_arm(port, ep);
	ck_assert_int_eq(epoll_wait(ep, &ev, 1, 100), 0);
	kernel_send(s, 32, 500);
	ck_assert_int_eq(epoll_wait(ep, &ev, 1, 3000), 1);
	ck_assert_int_eq(dw_netdev_rx_intr_arm(port, 0), -EAGAIN);
	ck_assert_uint_eq(rx_test_frames(port, 32, 500, 3000), 32);
	/* net_tap reads the link by name in its own namespace: gone, so down. */
	ck_assert_int_eq(dw_netdev_link_get(port, &link), 0);
	printf("moved tap: link %s as seen by the PMD\n", link.up ? "up" : "down");
	close(s);
	close(ep);
	ck_assert_int_eq(dw_netdev_close(port), 0);
}
END_TEST

/*
 * A minimal napi lcore on an EAL worker: poll until empty, arm (an -EAGAIN
 * is an aborted park: disarm, poll again), sleep in the edge-triggered epoll,
 * disarm. Every sleep must end by a frame (fd edge or, for net_tap, its
 * SIGIO), never by the 1 s timeout while a frame waits.
 */
struct park_loop {
	uint16_t port;
	int ep;
	uint32_t stop;	   /* atomic: set by the test */
	uint32_t parked;   /* atomic: 1 while in epoll_wait */
	uint64_t frames;   /* atomic: test frames received */
	uint64_t parks;	   /* loop thread only, read after join */
	uint64_t aborts;   /* idem */
	uint64_t timeouts; /* idem: sleeps that ended without a wake */
};

static int
park_loop_run(void *arg)
{
	struct park_loop *pl = arg;
	struct rte_mbuf *pkts[BURST];
	struct epoll_event ev;
	uint16_t n, i;
	int ret;

	while (!__atomic_load_n(&pl->stop, __ATOMIC_ACQUIRE)) {
		n = dw_netdev_rx_burst(pl->port, 0, pkts, BURST);
		for (i = 0; i < n; i++) {
			const uint8_t *d = rte_pktmbuf_mtod(pkts[i], const uint8_t *);

			if (d[12] == (ETHERTYPE_TEST >> 8) && d[13] == (ETHERTYPE_TEST & 0xff))
				__atomic_fetch_add(&pl->frames, 1, __ATOMIC_RELEASE);
		}
		rte_pktmbuf_free_bulk(pkts, n);
		if (n > 0)
			continue;
		ret = dw_netdev_rx_intr_arm(pl->port, 0);
		if (ret == -EAGAIN) {
			pl->aborts++;
			dw_netdev_rx_intr_disarm(pl->port, 0);
			continue;
		}
		ck_assert_int_eq(ret, 0);
		pl->parks++;
		__atomic_store_n(&pl->parked, 1, __ATOMIC_RELEASE);
		ret = epoll_wait(pl->ep, &ev, 1, 1000);
		__atomic_store_n(&pl->parked, 0, __ATOMIC_RELEASE);
		pl->timeouts += ret == 0;
		dw_netdev_rx_intr_disarm(pl->port, 0);
	}
	return 0;
}

#define PARK_FRAMES 100

/* A thread asleep in read() that takes SIGIO when the fd names it (SA_RESTART resumes the read). */
struct sigio_sink {
	int pipe[2];
	pid_t tid; /* atomic: set by the sink */
};

static void *
sigio_sink_run(void *arg)
{
	struct sigio_sink *k = arg;
	char c;

	__atomic_store_n(&k->tid, (pid_t)rte_gettid(), __ATOMIC_RELEASE);
	while (read(k->pipe[0], &c, 1) < 0 && errno == EINTR)
		;
	return NULL;
}

/*
 * One frame at a time at a few hundred frames/s into a parked loop: each frame
 * wakes the sleep and the loop parks again at the first try. net_tap points
 * its fd's SIGIO at the process and the kernel hands it to some thread; the
 * test makes that a thread asleep on the loop's CPU (F_SETOWN_EX to a sink),
 * which runs only when the scheduler preempts the loop: the worst case an
 * app meets (dw-testpmd's control threads share CPUs with lcores). Before the fix the loop's burst
 * returned nothing until the sink ran the handler, the re-check's poll() saw the frame and the loop
 * aborted park after park; now its first arm takes the signal over.
 */
START_TEST(test_tap_park_first_try)
{
	struct park_loop pl = { .stop = 0 };
	struct sigio_sink sink = { .tid = 0 };
	struct f_owner_ex own = { .type = F_OWNER_TID };
	unsigned int i, worker;
	rte_cpuset_t cpus;
	pthread_t th;
	int s, fd;

	if (!setup())
		return;
	worker = rte_get_next_lcore(-1, 1, 0);
	ck_assert_msg(worker < RTE_MAX_LCORE, "needs an EAL worker lcore (2 CPUs)");
	pl.port = open_tap(NULL);
	fd = dw_netdev_rx_intr_fd(pl.port, 0);
	ck_assert_int_ge(fd, 0);
	pl.ep = epoll_with(fd);
	s = kernel_sock();
	ck_assert_int_eq(pipe(sink.pipe), 0);
	ck_assert_int_eq(pthread_create(&th, NULL, sigio_sink_run, &sink), 0);
	cpus = rte_lcore_cpuset(worker);
	ck_assert_int_eq(pthread_setaffinity_np(th, sizeof(cpus), &cpus), 0);
	ck_assert(DW_TEST_WAIT(__atomic_load_n(&sink.tid, __ATOMIC_ACQUIRE) != 0, 2000));
	own.pid = sink.tid;
	ck_assert_int_eq(fcntl(fd, F_SETOWN_EX, &own), 0);
	ck_assert_int_eq(rte_eal_remote_launch(park_loop_run, &pl, worker), 0);
	for (i = 0; i < PARK_FRAMES; i++) {
		ck_assert(DW_TEST_WAIT(__atomic_load_n(&pl.parked, __ATOMIC_ACQUIRE), 2000));
		kernel_send(s, 1, i);
		ck_assert_msg(
		    DW_TEST_WAIT(__atomic_load_n(&pl.frames, __ATOMIC_ACQUIRE) == i + 1, 3000),
		    "frame %u not received", i);
		dw_test_sleep_us(3000);
	}
	__atomic_store_n(&pl.stop, 1, __ATOMIC_RELEASE);
	kernel_send(s, 1, PARK_FRAMES); /* wakes the last sleep */
	ck_assert_int_eq(rte_eal_wait_lcore(worker), 0);
	printf("park loop: %u frames, %" PRIu64 " parks, %" PRIu64 " aborted parks, %" PRIu64
	       " sleep timeouts\n",
	       PARK_FRAMES, pl.parks, pl.aborts, pl.timeouts);
	ck_assert_uint_ge(pl.parks, PARK_FRAMES);
	ck_assert_uint_eq(pl.timeouts, 0);
	/* At most one aborted park in ten: the signal and the frame race by microseconds. */
	ck_assert_uint_le(pl.aborts * 10, pl.parks);
	close(sink.pipe[1]);
	ck_assert_int_eq(pthread_join(th, NULL), 0);
	close(sink.pipe[0]);
	close(s);
	close(pl.ep);
	ck_assert_int_eq(dw_netdev_close(pl.port), 0);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("ethdev_tap");
	TCase *tc = tcase_create("ethdev_tap");

	tcase_add_test(tc, test_tap_rx_intr);
	tcase_add_test(tc, test_tap_stop_start);
	tcase_add_test(tc, test_tap_link_events);
	tcase_add_test(tc, test_tap_moved_to_netns);
	tcase_add_test(tc, test_tap_park_first_try);
	suite_add_tcase(s, tc);
	return dw_test_run(s);
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * net_virtio_user and net_vhost through lib/netdev, in two processes joined
 * by a vhost-user socket: the child (its own EAL, its own --file-prefix) runs
 * a vhost port that echoes what it receives, sleeping on its rx interrupt fd;
 * the parent drives a virtio-user port the same way. Both sides check the
 * arm / re-check / epoll protocol, and the vhost side gets its fds only after
 * the virtio side connects (link-up), announced by DW_NETDEV_EV_RXQ_FD.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_mbuf.h>

#include "dw_bh.h"
#include "dw_ethdev.h"
#include "dw_napi.h"
#include "dw_netdev.h"
#include "dw_test.h"
#include "dw_work.h"

#define BURST 32
#define NB_PKTS 64

static struct rte_mempool *
make_pool(void)
{
	struct rte_mempool *mp =
	    rte_pktmbuf_pool_create("vh_mp", 4095, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);

	ck_assert_ptr_nonnull(mp);
	return mp;
}

static uint16_t
open_port(const char *devargs, struct rte_mempool *mp)
{
	struct dw_netdev_conf c = {
		.size = sizeof(c), .nb_rxq = 1, .nb_txq = 1, .nb_rxd = 256, .nb_txd = 256, .mp = mp
	};
	int port = dw_netdev_open(devargs);

	ck_assert_msg(port >= 0, "open %s: %d", devargs, port);
	/* Also what links the ethdev driver in from the static libdwork. */
	ck_assert_int_ge(dw_ethdev_eth_port((uint16_t)port), 0);
	ck_assert_int_eq(dw_netdev_configure((uint16_t)port, &c), 0);
	ck_assert_int_eq(dw_netdev_start((uint16_t)port), 0);
	return (uint16_t)port;
}

/* Set by the RXQ_FD callback; the echo loop re-reads the fd when it changes. */
static uint32_t fd_events;

static void
fd_cb(uint16_t port, uint32_t event, void *arg)
{
	__atomic_fetch_add(&fd_events, 1, __ATOMIC_RELEASE);
}

/* Link-down events seen by the virtio-user side. */
static uint32_t link_downs;

static void
lsc_cb(uint16_t port, uint32_t event, void *arg)
{
	struct dw_netdev_link link;

	if (dw_netdev_link_get(port, &link) == 0 && !link.up)
		__atomic_fetch_add(&link_downs, 1, __ATOMIC_RELEASE);
}

/* Keep @p port's current rx fd (*cur_fd) in @p ep; returns it or a negative errno. */
static int
watch_rx_fd(uint16_t port, int ep, int *cur_fd)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLET };
	int fd = dw_netdev_rx_intr_fd(port, 0);

	if (fd != *cur_fd) {
		if (*cur_fd >= 0)
			epoll_ctl(ep, EPOLL_CTL_DEL, *cur_fd, NULL);
		if (fd >= 0 && epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0)
			return -errno;
		*cur_fd = fd;
	}
	return fd;
}

/* Arm and sleep on @p port's rx fd: > 0 woken (or packets waiting), 0 timeout, < 0 error. */
static int
wait_rx(uint16_t port, int ep, int *cur_fd, int timeout_ms)
{
	struct epoll_event ev;
	int fd = watch_rx_fd(port, ep, cur_fd), ret;

	if (fd < 0)
		return fd;
	ret = dw_netdev_rx_intr_arm(port, 0);
	if (ret == -EAGAIN)
		return 1;
	if (ret < 0)
		return ret;
	ret = epoll_wait(ep, &ev, 1, timeout_ms);
	dw_netdev_rx_intr_disarm(port, 0);
	return ret;
}

/* Arm @p port's queue 0 before the peer sends, so that the first wakeup is certain. */
static bool
arm_first(uint16_t port, int ep, int *cur_fd)
{
	int ret;

	if (watch_rx_fd(port, ep, cur_fd) < 0)
		return false;
	ret = dw_netdev_rx_intr_arm(port, 0);
	return ret == 0 || ret == -EAGAIN;
}

static bool
link_is_up(uint16_t port)
{
	struct dw_netdev_link link;

	return dw_netdev_link_get(port, &link) == 0 && link.up;
}

/*
 * Child: vhost echo server. Says 'r' on @p ready_fd once listening, and 'a'
 * once the virtio side is connected and its queue armed; must then be woken
 * by the parent's packets. After echoing NB_PKTS packets, waits for the
 * parent to hang up @p done_fd (it got them all back), closes and exits 0
 * (2-10 on errors).
 */
static void
vhost_child(const char *sock, int ready_fd, int done_fd)
{
	struct pollfd pfd = { .fd = done_fd, .events = POLLIN };
	char vdev[256];
	struct rte_mbuf *pkts[BURST];
	unsigned int echoed = 0, wakeups = 0;
	uint64_t deadline;
	uint16_t port, n;
	int ep, cur_fd = -1;

	if (dw_test_eal_init(NULL) < 0)
		_exit(2);
	if (dw_work_lib_init(NULL) < 0)
		_exit(3);
	snprintf(vdev, sizeof(vdev), "net_vhost0,iface=%s,queues=1", sock);
	port = open_port(vdev, make_pool());
	if (dw_netdev_event_subscribe(port, DW_NETDEV_EV_RXQ_FD, dw_system_wq, fd_cb, NULL) < 0)
		_exit(4);
	ep = epoll_create1(0);
	if (write(ready_fd, "r", 1) != 1)
		_exit(5);
	/* vhost's vrings exist once the virtio side is up: arm then, not before. */
	if (!DW_TEST_WAIT(link_is_up(port), 10000) || !arm_first(port, ep, &cur_fd))
		_exit(9);
	if (write(ready_fd, "a", 1) != 1)
		_exit(5);
	close(ready_fd);
	if (epoll_wait(ep, &(struct epoll_event){ 0 }, 1, 10000) != 1)
		_exit(10);
	wakeups++;
	deadline = dw_test_now_ms() + 20000;
	while (echoed < NB_PKTS && dw_test_now_ms() < deadline) {
		n = dw_netdev_rx_burst(port, 0, pkts, BURST);
		if (n > 0) {
			uint16_t sent = 0;

			while (sent < n)
				sent += dw_netdev_tx_burst(port, 0, pkts + sent, n - sent);
			echoed += n;
			continue;
		}
		/* Before the virtio side connects there is no fd: nap and retry. */
		if (wait_rx(port, ep, &cur_fd, 500) > 0)
			wakeups++;
		else if (cur_fd < 0)
			dw_test_sleep_us(1000);
	}
	printf("vhost child: echoed %u packets, %u wakeups, %u fd events, fd %d\n", echoed, wakeups,
	       __atomic_load_n(&fd_events, __ATOMIC_ACQUIRE), cur_fd);
	fflush(stdout);
	if (echoed < NB_PKTS)
		_exit(6);
	if (wakeups == 0 || cur_fd < 0)
		_exit(7);
	/* Until the parent has everything back. */
	poll(&pfd, 1, 20000);
	if (dw_netdev_close(port) < 0)
		_exit(8);
	dw_work_lib_fini();
	rte_eal_cleanup();
	_exit(0);
}

START_TEST(test_virtio_user_vhost)
{
	struct rte_mbuf *pkts[BURST];
	char sock[64], vdev[256], c;
	unsigned int sent = 0, got = 0, wakeups = 0;
	uint64_t deadline;
	int pipefd[2], donefd[2], status, ep, cur_fd = -1, ret;
	uint16_t port, n, i;
	pid_t child;
	struct rte_mempool *mp;
	struct dw_netdev_info info;

	/* The vhost side going away must fail calls, not kill us. */
	signal(SIGPIPE, SIG_IGN);
	snprintf(sock, sizeof(sock), "/tmp/dwvh%d.sock", (int)getpid());
	unlink(sock);
	ck_assert_int_eq(pipe(pipefd), 0);
	ck_assert_int_eq(pipe(donefd), 0);
	child = fork();
	ck_assert_int_ge(child, 0);
	if (child == 0) {
		close(pipefd[0]);
		close(donefd[1]);
		vhost_child(sock, pipefd[1], donefd[0]);
	}
	close(pipefd[1]);
	close(donefd[0]);
	/* The vhost side listens once it is started. */
	ck_assert_int_eq(read(pipefd[0], &c, 1), 1);
	ck_assert_int_eq(c, 'r');

	ck_assert_int_ge(dw_test_eal_init(NULL), 0);
	ck_assert_int_eq(dw_work_lib_init(NULL), 0);
	mp = make_pool();
	snprintf(vdev, sizeof(vdev), "net_virtio_user0,path=%s,queues=1", sock);
	port = open_port(vdev, mp);
	ep = epoll_create1(0);
	ck_assert_int_ge(
	    dw_netdev_event_subscribe(port, DW_NETDEV_EV_LSC, dw_system_wq, lsc_cb, NULL), 0);
	ck_assert_int_ge(dw_netdev_rx_intr_fd(port, 0), 0);
	/* virtio has neither queue count nor descriptor status in 22.11. */
	ck_assert_int_eq(dw_netdev_info_get(port, &info), 0);
	ck_assert_uint_eq(info.nb_rxq_intr, 1);
	ck_assert_uint_eq(info.nb_rxq_intr_nocheck, 1);

	/* Both sides armed before the first packet: each must be woken. */
	ck_assert_int_eq(read(pipefd[0], &c, 1), 1);
	ck_assert_int_eq(c, 'a');
	close(pipefd[0]);
	ck_assert(arm_first(port, ep, &cur_fd));
	for (sent = 0; sent < NB_PKTS; sent += i) {
		n = (uint16_t)RTE_MIN((unsigned int)BURST, NB_PKTS - sent);
		ck_assert_int_eq(rte_pktmbuf_alloc_bulk(mp, pkts, n), 0);
		for (i = 0; i < n; i++)
			memset(rte_pktmbuf_append(pkts[i], 60), 0xab, 60);
		i = dw_netdev_tx_burst(port, 0, pkts, n);
		rte_pktmbuf_free_bulk(pkts + i, n - i);
	}
	ck_assert_int_eq(epoll_wait(ep, &(struct epoll_event){ 0 }, 1, 10000), 1);
	wakeups++;

	deadline = dw_test_now_ms() + 20000;
	while (got < NB_PKTS && dw_test_now_ms() < deadline) {
		n = dw_netdev_rx_burst(port, 0, pkts, BURST);
		got += n;
		rte_pktmbuf_free_bulk(pkts, n);
		if (n == 0) {
			/* No re-check on virtio-user: a bounded sleep, as the API says. */
			ret = wait_rx(port, ep, &cur_fd, 100);
			ck_assert_int_ge(ret, 0);
			wakeups += ret > 0;
		}
	}
	printf("virtio-user parent: sent %u, received %u, %u wakeups\n", sent, got, wakeups);
	fflush(stdout);
	ck_assert_uint_eq(got, NB_PKTS);
	/*
	 * The vhost side goes first: virtio-user in DPDK 22.11 leaves its socket
	 * handler on the interrupt thread after close, which then crashes when
	 * the peer hangs up (seen under ASan). Seen from here, the backend going
	 * away is a link-down: the port survives it and closes cleanly.
	 */
	close(donefd[1]);
	ck_assert_int_eq(waitpid(child, &status, 0), child);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "vhost child status 0x%x",
		      status);
	ck_assert_msg(DW_TEST_WAIT(__atomic_load_n(&link_downs, __ATOMIC_ACQUIRE) > 0, 5000),
		      "no link-down event after the backend left");
	ck_assert_int_eq(dw_netdev_close(port), 0);
	ck_assert_int_eq(dw_work_lib_fini(), 0);
	unlink(sock);
	/* Stop EAL's threads before exit() runs destructors under them. */
	rte_eal_cleanup();
}
END_TEST

/*
 * Reconnect (issue 9, suspected defect 9): a virtio-user peer that dies and a
 * new one that connects while the vhost side's napi lcore is parked in
 * interrupt mode with a proven interrupt (no sleep bound). The suspicion was
 * that the new peer's kick fd, under the old number, would not be in the
 * lcore's epoll set (no DW_NETDEV_EV_RXQ_FD: the number did not change) and
 * the lcore would sleep for good. The test asserts the lcore is woken by an
 * rx interrupt after the reconnect; with DPDK 22.11 it is, with the same fd
 * number and no re-registration (the run prints both), so the suspicion is
 * refuted there.
 */
static uint64_t rc_rx; /* atomic: packets the parent's lcore received */

static void
rc_handler(uint16_t port, uint16_t q, struct rte_mbuf **pkts, uint16_t n, void *arg)
{
	RTE_SET_USED(port);
	RTE_SET_USED(q);
	RTE_SET_USED(arg);
	__atomic_fetch_add(&rc_rx, n, __ATOMIC_RELAXED);
	rte_pktmbuf_free_bulk(pkts, n);
}

/* Child: waits for 'g', connects a virtio-user port, says 'c', sends on 's', dies on 'x'. */
static void
virtio_peer(const char *sock, int to_parent, int from_parent)
{
	struct rte_mbuf *pkts[BURST];
	char vdev[256], c;
	uint16_t port, i, n;
	struct rte_mempool *mp;

	if (read(from_parent, &c, 1) != 1 || c != 'g')
		_exit(2);
	if (dw_test_eal_init(NULL) < 0 || dw_work_lib_init(NULL) < 0)
		_exit(3);
	mp = make_pool();
	snprintf(vdev, sizeof(vdev), "net_virtio_user0,path=%s,queues=1", sock);
	port = open_port(vdev, mp);
	if (write(to_parent, "c", 1) != 1)
		_exit(4);
	while (read(from_parent, &c, 1) == 1 && c == 's') {
		n = NB_PKTS / 2;
		if (rte_pktmbuf_alloc_bulk(mp, pkts, n) != 0)
			_exit(5);
		for (i = 0; i < n; i++)
			memset(rte_pktmbuf_append(pkts[i], 60), 0xab, 60);
		i = dw_netdev_tx_burst(port, 0, pkts, n);
		rte_pktmbuf_free_bulk(pkts + i, n - i);
	}
	/* 'x': die without closing, as a crashed or restarted guest would. */
	_exit(0);
}

struct peer {
	pid_t pid;
	int to, from; /* pipes: parent -> child, child -> parent */
};

static void
peer_fork(struct peer *p, const char *sock)
{
	int down[2], up[2];

	ck_assert_int_eq(pipe(down), 0);
	ck_assert_int_eq(pipe(up), 0);
	p->pid = fork();
	ck_assert_int_ge(p->pid, 0);
	if (p->pid == 0) {
		close(down[1]);
		close(up[0]);
		virtio_peer(sock, up[1], down[0]);
	}
	close(down[0]);
	close(up[1]);
	p->to = down[1];
	p->from = up[0];
}

static bool
lcore_parked(unsigned int lcore)
{
	struct dw_lcore_stats st;

	return dw_lcore_stats_get(lcore, &st) == 0 && st.parked;
}

static uint64_t
rx_wakes(unsigned int lcore)
{
	struct dw_lcore_stats st;

	return dw_lcore_stats_get(lcore, &st) == 0 ? st.wakeups[DW_NAPI_WAKE_RX] : 0;
}

/* Peer @p p connects; once the lcore is parked it sends: the lcore must wake by rx interrupt. */
static void
peer_round(struct peer *p, uint16_t port, unsigned int worker, uint64_t want_rx)
{
	uint64_t wakes;
	char c;

	ck_assert_int_eq(write(p->to, "g", 1), 1);
	ck_assert_int_eq(read(p->from, &c, 1), 1);
	ck_assert_int_eq(c, 'c');
	ck_assert(DW_TEST_WAIT(link_is_up(port), 10000));
	/* Parked after the link-up's fd refresh has been handled (not a stale park). */
	dw_test_sleep_us(300000);
	ck_assert(DW_TEST_WAIT(lcore_parked(worker), 5000));
	wakes = rx_wakes(worker);
	ck_assert_int_eq(write(p->to, "s", 1), 1);
	ck_assert_msg(DW_TEST_WAIT(__atomic_load_n(&rc_rx, __ATOMIC_RELAXED) >= want_rx, 5000),
		      "parked lcore not woken after the peer (re)connected: rx %" PRIu64
		      " of %" PRIu64,
		      __atomic_load_n(&rc_rx, __ATOMIC_RELAXED), want_rx);
	ck_assert_msg(rx_wakes(worker) > wakes, "received, but not woken by an rx interrupt");
}

START_TEST(test_vhost_reconnect)
{
	struct dw_lcore_conf lc = { .size = sizeof(lc),
				    .mode = DW_NAPI_MODE_INTERRUPT,
				    .trustee = -1 };
	struct dw_napi_source *src;
	struct peer p1, p2;
	char sock[64], vdev[256];
	unsigned int worker;
	struct dw_lcore_stats st;
	uint64_t upd1;
	int status, fd1;
	uint16_t port;

	signal(SIGPIPE, SIG_IGN);
	snprintf(sock, sizeof(sock), "/tmp/dwvr%d.sock", (int)getpid());
	unlink(sock);
	/* Children first: none inherits an EAL. */
	peer_fork(&p1, sock);
	peer_fork(&p2, sock);
	ck_assert_int_ge(dw_test_eal_init(NULL), 0);
	ck_assert_int_eq(dw_work_lib_init(NULL), 0);
	ck_assert_int_eq(dw_bh_init(), 0);
	worker = rte_get_next_lcore(-1, 1, 0);
	ck_assert_uint_lt(worker, RTE_MAX_LCORE);
	snprintf(vdev, sizeof(vdev), "net_vhost0,iface=%s,queues=1", sock);
	port = open_port(vdev, make_pool());

	/* First peer: the rx fd exists once it is connected; the source proves it. */
	ck_assert_int_eq(write(p1.to, "g", 1), 1);
	ck_assert_int_eq(read(p1.from, &(char){ 0 }, 1), 1);
	ck_assert(DW_TEST_WAIT(link_is_up(port) && dw_netdev_rx_intr_fd(port, 0) >= 0, 10000));
	src = dw_napi_source_from_rxq(port, 0, "vhost:rx0", 0, rc_handler, NULL, dw_system_wq);
	ck_assert_ptr_nonnull(src);
	ck_assert_int_eq(dw_napi_source_register(worker, src), 0);
	ck_assert_int_eq(dw_lcore_launch(worker, &lc), 0);
	ck_assert(DW_TEST_WAIT(lcore_parked(worker), 5000));
	ck_assert_int_eq(write(p1.to, "s", 1), 1);
	ck_assert(DW_TEST_WAIT(__atomic_load_n(&rc_rx, __ATOMIC_RELAXED) >= NB_PKTS / 2, 5000));
	ck_assert_int_eq(write(p1.to, "s", 1), 1); /* a second wake, by now a proven interrupt */
	ck_assert(DW_TEST_WAIT(__atomic_load_n(&rc_rx, __ATOMIC_RELAXED) >= NB_PKTS, 5000));
	fd1 = dw_netdev_rx_intr_fd(port, 0);
	ck_assert_int_eq(dw_lcore_stats_get(worker, &st), 0);
	upd1 = st.fd_updates;
	ck_assert_int_eq(write(p1.to, "x", 1), 1);
	ck_assert_int_eq(waitpid(p1.pid, &status, 0), p1.pid);
	ck_assert(DW_TEST_WAIT(!link_is_up(port), 10000));

	/* Second peer: new kick fds, maybe under the old numbers. */
	peer_round(&p2, port, worker, NB_PKTS + NB_PKTS / 2);
	ck_assert_int_eq(dw_lcore_stats_get(worker, &st), 0);
	printf("vhost reconnect: rx %" PRIu64 ", rx-intr wakeups %" PRIu64
	       ", fd %d then %d, lcore fd updates %" PRIu64 " then %" PRIu64 "\n",
	       __atomic_load_n(&rc_rx, __ATOMIC_RELAXED), rx_wakes(worker), fd1,
	       dw_netdev_rx_intr_fd(port, 0), upd1, st.fd_updates);
	ck_assert_int_eq(write(p2.to, "x", 1), 1);
	ck_assert_int_eq(waitpid(p2.pid, &status, 0), p2.pid);

	ck_assert_int_eq(dw_lcore_stop(worker), 0);
	ck_assert_int_eq(rte_eal_wait_lcore(worker), 0);
	ck_assert_int_eq(dw_napi_source_unregister(src), 0);
	ck_assert_int_eq(dw_napi_source_free(src), 0);
	ck_assert_int_eq(dw_netdev_close(port), 0);
	ck_assert_int_eq(dw_work_lib_fini(), 0);
	unlink(sock);
	rte_eal_cleanup();
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("ethdev_vhost");
	TCase *tc = tcase_create("ethdev_vhost");

	tcase_add_test(tc, test_virtio_user_vhost);
	tcase_add_test(tc, test_vhost_reconnect);
	suite_add_tcase(s, tc);
	return dw_test_run(s);
}

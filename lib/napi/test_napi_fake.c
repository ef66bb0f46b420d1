/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_lcore.h>

#include "dw_bh.h"
#include "dw_common.h"
#include "dw_test.h"
#include "dw_work.h"
#include "test_napi_fake.h"

static unsigned int
fake_poll(struct dw_napi_source *src, unsigned int budget)
{
	struct fake_src *f = container_of(src, struct fake_src, src);
	uint64_t p = __atomic_load_n(&f->pending, __ATOMIC_ACQUIRE);

	if (p == 0)
		return 0;
	if (p > budget)
		p = budget;
	__atomic_fetch_sub(&f->pending, p, __ATOMIC_RELAXED);
	__atomic_fetch_add(&f->handled, p, __ATOMIC_RELEASE);
	__atomic_store_n(&f->last_ns, dw_now_ns(), __ATOMIC_RELAXED);
	return (unsigned int)p;
}

static int
fake_arm(struct dw_napi_source *src)
{
	struct fake_src *f = container_of(src, struct fake_src, src);
	uint32_t e = __atomic_load_n(&f->eagain, __ATOMIC_RELAXED);

	__atomic_fetch_add(&f->arms, 1, __ATOMIC_RELAXED);
	if (e > 0) {
		__atomic_store_n(&f->eagain, e - 1, __ATOMIC_RELAXED);
		return -EAGAIN;
	}
	/* The re-check a real arm does. */
	return __atomic_load_n(&f->pending, __ATOMIC_ACQUIRE) ? -EAGAIN : 0;
}

static void
fake_disarm(struct dw_napi_source *src)
{
	struct fake_src *f = container_of(src, struct fake_src, src);

	__atomic_fetch_add(&f->disarms, 1, __ATOMIC_RELAXED);
}

void
fake_init(struct fake_src *f, const char *name, bool with_fd, bool fire)
{
	struct dw_napi_source_conf c = {
		.size = sizeof(c),
		.name = name,
		.poll = fake_poll,
		.fd = -1,
		.weight = 16,
	};

	*f = (struct fake_src){ .efd = -1, .fire = fire };
	if (with_fd) {
		f->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		ck_assert_int_ge(f->efd, 0);
		c.fd = f->efd;
		c.arm = fake_arm;
		c.disarm = fake_disarm;
	}
	ck_assert_int_eq(dw_napi_source_init(&f->src, &c), 0);
}

void
fake_fini(struct fake_src *f)
{
	if (f->efd >= 0)
		close(f->efd);
	f->efd = -1;
}

void
fake_add(struct fake_src *f, uint64_t n)
{
	__atomic_fetch_add(&f->pending, n, __ATOMIC_RELEASE);
}

void
fake_inject(struct fake_src *f, uint64_t n)
{
	uint64_t one = 1;

	fake_add(f, n);
	if (f->fire && f->efd >= 0)
		ck_assert_int_eq(write(f->efd, &one, sizeof(one)), (ssize_t)sizeof(one));
}

uint64_t
fake_handled(struct fake_src *f)
{
	return __atomic_load_n(&f->handled, __ATOMIC_ACQUIRE);
}

unsigned int
fake_env_up(void)
{
	return fake_env_up_vdev(NULL);
}

unsigned int
fake_env_up_vdev(const char *vdev)
{
	const char *args[] = { "-l", "0-1", vdev, NULL };
	unsigned int worker;

	ck_assert_int_ge(dw_test_eal_init(args), 0);
	ck_assert_int_eq(dw_work_lib_init(NULL), 0);
	ck_assert_int_eq(dw_bh_init(), 0);
	ck_assert_ptr_nonnull(dw_system_bh_wq);
	worker = rte_get_next_lcore(-1, 1, 0);
	ck_assert_uint_lt(worker, RTE_MAX_LCORE);
	return worker;
}

void
fake_env_down(void)
{
	rte_eal_mp_wait_lcore();
	ck_assert_int_eq(dw_work_lib_fini(), 0);
	rte_eal_cleanup();
}

void
fake_stop_worker(unsigned int worker)
{
	struct dw_lcore_stats st;

	ck_assert_int_eq(dw_lcore_stop(worker), 0);
	ck_assert_int_eq(rte_eal_wait_lcore(worker), 0);
	ck_assert_int_eq(dw_lcore_stats_get(worker, &st), 0);
	ck_assert(!st.running);
}

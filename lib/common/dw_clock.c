/* SPDX-License-Identifier: BSD-3-Clause */
/* The fake clock of test builds (dw_clock.h). */
#include <errno.h>
#include <pthread.h>

#include <rte_common.h>

#include "dw_clock.h"
#include "dw_log.h"

#define CLOCK_LOG(level, ...) DW_LOG(dw_common_logtype, level, __VA_ARGS__)

#define CLOCK_HOOKS_MAX 8
#define CLOCK_SLICE_NS (10 * DW_NS_PER_MS)
#define CLOCK_ACK_TIMEOUT_NS (10 * DW_NS_PER_S)

#if DW_TEST_CLOCK

/* Non-zero while the fake clock runs; written under clk.lock, read by dw_now_ns(). */
uint64_t dw_clock_fake_ns;

static struct {
	pthread_mutex_t lock; /* protects everything below; hooks run under it */
	pthread_cond_t cond;  /* a sleeper checked the time, or left */
	bool cond_ready;
	struct {
		dw_clock_hook_t fn;
		void *arg;
	} hooks[CLOCK_HOOKS_MAX];
	unsigned int n_hooks;
	uint64_t gen;		 /* advances so far */
	unsigned int n_sleepers; /* threads between sleep_begin and sleep_end */
	unsigned int n_seen;	 /* of those, how many checked the time since the last advance */
} clk = { .lock = PTHREAD_MUTEX_INITIALIZER };

/* Lock held. The condition waits on CLOCK_MONOTONIC (real time: the fake one stands still). */
static void
clock_cond_init(void)
{
	pthread_condattr_t ca;

	if (clk.cond_ready)
		return;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&clk.cond, &ca);
	pthread_condattr_destroy(&ca);
	clk.cond_ready = true;
}

int
dw_clock_hook_add(dw_clock_hook_t fn, void *arg)
{
	int rc = 0;

	pthread_mutex_lock(&clk.lock);
	if (clk.n_hooks == CLOCK_HOOKS_MAX) {
		CLOCK_LOG(ERR, "fake clock: more than %d hooks", CLOCK_HOOKS_MAX);
		rc = -ENOSPC;
	} else {
		clk.hooks[clk.n_hooks].fn = fn;
		clk.hooks[clk.n_hooks].arg = arg;
		clk.n_hooks++;
	}
	pthread_mutex_unlock(&clk.lock);
	return rc;
}

void
dw_clock_hook_del(dw_clock_hook_t fn, void *arg)
{
	unsigned int i;

	pthread_mutex_lock(&clk.lock);
	for (i = 0; i < clk.n_hooks; i++)
		if (clk.hooks[i].fn == fn && clk.hooks[i].arg == arg) {
			clk.hooks[i] = clk.hooks[--clk.n_hooks];
			break;
		}
	pthread_mutex_unlock(&clk.lock);
}

struct timespec
dw_clock_abstime(uint64_t deadline)
{
	uint64_t fake = __atomic_load_n(&dw_clock_fake_ns, __ATOMIC_ACQUIRE);

	if (fake == 0)
		return dw_ns_to_timespec(deadline);
	/* Fake time moves only when a test advances it: look again after a slice. */
	return dw_ns_to_timespec(dw_real_now_ns() +
				 (deadline > fake ? RTE_MIN(deadline - fake, CLOCK_SLICE_NS) : 0));
}

void
dw_clock_sleep_begin(struct dw_clock_sleeper *s)
{
	pthread_mutex_lock(&clk.lock);
	clk.n_sleepers++;
	s->gen = clk.gen;
	clk.n_seen++; /* it reads the time after this, so it has seen the last advance */
	pthread_mutex_unlock(&clk.lock);
}

bool
dw_clock_sleep_check(struct dw_clock_sleeper *s, uint64_t deadline)
{
	uint64_t now;

	pthread_mutex_lock(&clk.lock);
	now = dw_clock_fake_ns;
	if (s->gen != clk.gen) {
		s->gen = clk.gen;
		clk.n_seen++;
		clock_cond_init();
		pthread_cond_broadcast(&clk.cond);
	}
	pthread_mutex_unlock(&clk.lock);
	return now == 0 || now >= deadline;
}

void
dw_clock_sleep_end(struct dw_clock_sleeper *s)
{
	pthread_mutex_lock(&clk.lock);
	clk.n_sleepers--;
	if (s->gen == clk.gen)
		clk.n_seen--;
	clock_cond_init();
	pthread_cond_broadcast(&clk.cond);
	pthread_mutex_unlock(&clk.lock);
}

/* Lock held: a new time is visible; let everyone who waits on it know. */
static int
clock_moved(void)
{
	struct timespec dl;
	unsigned int i;
	int rc = 0;

	clk.gen++;
	clk.n_seen = 0;
	for (i = 0; i < clk.n_hooks; i++)
		clk.hooks[i].fn(clk.hooks[i].arg);
	clock_cond_init();
	dl = dw_ns_to_timespec(dw_real_now_ns() + CLOCK_ACK_TIMEOUT_NS);
	while (clk.n_seen < clk.n_sleepers && rc == 0)
		rc = -pthread_cond_timedwait(&clk.cond, &clk.lock, &dl);
	if (rc != 0)
		CLOCK_LOG(ERR, "fake clock: %u of %u sleepers did not look at the new time",
			  clk.n_sleepers - clk.n_seen, clk.n_sleepers);
	return rc;
}

int
dw_clock_fake_start(void)
{
	int rc = 0;

	pthread_mutex_lock(&clk.lock);
	if (dw_clock_fake_ns != 0)
		rc = -EBUSY;
	else
		__atomic_store_n(&dw_clock_fake_ns, dw_real_now_ns(), __ATOMIC_RELEASE);
	pthread_mutex_unlock(&clk.lock);
	return rc;
}

void
dw_clock_fake_stop(void)
{
	pthread_mutex_lock(&clk.lock);
	if (dw_clock_fake_ns != 0) {
		/* Release: pairs with the acquire in dw_now_ns(). */
		__atomic_store_n(&dw_clock_fake_ns, 0, __ATOMIC_RELEASE);
		clock_moved();
	}
	pthread_mutex_unlock(&clk.lock);
}

int
dw_clock_fake_advance(uint64_t ns)
{
	int rc;

	pthread_mutex_lock(&clk.lock);
	if (dw_clock_fake_ns == 0) {
		pthread_mutex_unlock(&clk.lock);
		CLOCK_LOG(ERR, "fake clock advanced while not running");
		return -EINVAL;
	}
	/* Release: pairs with the acquire in dw_now_ns(). */
	__atomic_store_n(&dw_clock_fake_ns, dw_clock_fake_ns + ns, __ATOMIC_RELEASE);
	rc = clock_moved();
	pthread_mutex_unlock(&clk.lock);
	return rc;
}

unsigned int
dw_clock_fake_sleepers(void)
{
	unsigned int n;

	pthread_mutex_lock(&clk.lock);
	n = clk.n_sleepers;
	pthread_mutex_unlock(&clk.lock);
	return n;
}

#else /* !DW_TEST_CLOCK */

int
dw_clock_fake_start(void)
{
	CLOCK_LOG(ERR, "this build has no fake clock (-Dpause_points)");
	return -ENOTSUP;
}

void
dw_clock_fake_stop(void)
{
}

int
dw_clock_fake_advance(uint64_t ns)
{
	(void)ns;
	return -ENOTSUP;
}

unsigned int
dw_clock_fake_sleepers(void)
{
	return 0;
}

#endif /* DW_TEST_CLOCK */

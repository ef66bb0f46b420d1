/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Debug assertions and test-only pause points (see dw_debug.h).
 *
 * The pause table is small and lives under one mutex: a point is hit only
 * while a test has armed something, so its cost never reaches a release
 * build or an unarmed test build beyond the relaxed load in the macro.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>

#include "dw_common.h"
#include "dw_debug.h"
#include "dw_log.h"

void
dw_assert_fail(const char *expr, const char *file, int line, const char *func)
{
	rte_log(RTE_LOG_CRIT, dw_common_logtype, "assertion failed: %s (%s:%d, %s())\n", expr, file,
		line, func);
	abort();
}

/*
 * The caller's tid, asked of the kernel once per thread: asserts sit on hot
 * pool paths. A forked child (Check runs each test in one) starts afresh.
 */
static __thread int self_tid_cache;

static void
self_tid_forget(void)
{
	self_tid_cache = 0;
}

RTE_INIT(dw_debug_atfork)
{
	pthread_atfork(NULL, NULL, self_tid_forget);
}

static int
self_tid(void)
{
	if (self_tid_cache == 0)
		self_tid_cache = (int)syscall(SYS_gettid);
	return self_tid_cache;
}

bool
dw_mutex_held(pthread_mutex_t *m)
{
#ifdef __GLIBC__
	return __atomic_load_n(&m->__data.__owner, __ATOMIC_RELAXED) == self_tid();
#else
	(void)m;
	return true;
#endif
}

#if DW_PAUSE_POINTS

#define PAUSE_MAX 8

struct pause_point {
	char name[64];	   /* "" = free slot */
	unsigned int skip; /* passes left before one parks */
	bool parked;	   /* a thread waits here */
	bool released;	   /* the test let it go */
};

int dw_pause_active;

static pthread_mutex_t pause_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t pause_cond = PTHREAD_COND_INITIALIZER;
static struct pause_point points[PAUSE_MAX];
static dw_pause_hook_t pause_hook;
static void *pause_hook_arg;

static struct pause_point *
point_find(const char *name)
{
	for (unsigned int i = 0; i < PAUSE_MAX; i++)
		if (points[i].name[0] != '\0' && strcmp(points[i].name, name) == 0)
			return &points[i];
	return NULL;
}

static void
point_free(struct pause_point *p)
{
	memset(p, 0, sizeof(*p));
	__atomic_fetch_sub(&dw_pause_active, 1, __ATOMIC_RELAXED);
}

void
dw_pause_hit(const char *name)
{
	struct pause_point *p;
	dw_pause_hook_t hook;
	void *arg;

	pthread_mutex_lock(&pause_lock);
	hook = pause_hook;
	arg = pause_hook_arg;
	p = point_find(name);
	if (p != NULL && !p->parked) {
		if (p->skip > 0) {
			p->skip--;
		} else {
			p->parked = true;
			pthread_cond_broadcast(&pause_cond);
			while (!p->released)
				pthread_cond_wait(&pause_cond, &pause_lock);
			point_free(p);
			pthread_cond_broadcast(&pause_cond);
		}
	}
	pthread_mutex_unlock(&pause_lock);
	if (hook != NULL)
		hook(name, arg);
}

int
dw_pause_arm(const char *name, unsigned int skip)
{
	struct pause_point *p = NULL;
	int rc = 0;

	if (name == NULL || name[0] == '\0' || strlen(name) >= sizeof(p->name))
		return -EINVAL;
	pthread_mutex_lock(&pause_lock);
	if (point_find(name) != NULL) {
		rc = -EBUSY;
		goto unlock;
	}
	for (unsigned int i = 0; i < PAUSE_MAX && p == NULL; i++)
		if (points[i].name[0] == '\0')
			p = &points[i];
	if (p == NULL) {
		rc = -ENOSPC;
		goto unlock;
	}
	strcpy(p->name, name);
	p->skip = skip;
	__atomic_fetch_add(&dw_pause_active, 1, __ATOMIC_RELAXED);
unlock:
	pthread_mutex_unlock(&pause_lock);
	return rc;
}

int
dw_pause_wait(const char *name, unsigned int timeout_ms)
{
	struct timespec dl;
	struct pause_point *p;
	int rc = 0;

	clock_gettime(CLOCK_REALTIME, &dl);
	dl.tv_sec += timeout_ms / 1000;
	dl.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (dl.tv_nsec >= 1000000000L) {
		dl.tv_sec++;
		dl.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&pause_lock);
	while ((p = point_find(name)) != NULL && !p->parked && rc == 0)
		rc = pthread_cond_timedwait(&pause_cond, &pause_lock, &dl);
	if (p == NULL)
		rc = -ENOENT;
	else if (!p->parked)
		rc = -ETIMEDOUT;
	else
		rc = 0;
	pthread_mutex_unlock(&pause_lock);
	return rc;
}

bool
dw_pause_parked(const char *name)
{
	struct pause_point *p;
	bool parked;

	pthread_mutex_lock(&pause_lock);
	p = point_find(name);
	parked = p != NULL && p->parked;
	pthread_mutex_unlock(&pause_lock);
	return parked;
}

int
dw_pause_release(const char *name)
{
	struct pause_point *p;
	int rc = 0;

	pthread_mutex_lock(&pause_lock);
	p = point_find(name);
	if (p == NULL)
		rc = -ENOENT;
	else if (p->parked)
		p->released = true; /* the parked thread frees the slot */
	else
		point_free(p);
	pthread_cond_broadcast(&pause_cond);
	pthread_mutex_unlock(&pause_lock);
	return rc;
}

void
dw_pause_reset(void)
{
	pthread_mutex_lock(&pause_lock);
	for (unsigned int i = 0; i < PAUSE_MAX; i++) {
		if (points[i].name[0] == '\0')
			continue;
		if (points[i].parked)
			points[i].released = true;
		else
			point_free(&points[i]);
	}
	if (pause_hook != NULL) {
		pause_hook = NULL;
		__atomic_fetch_sub(&dw_pause_active, 1, __ATOMIC_RELAXED);
	}
	pthread_cond_broadcast(&pause_cond);
	pthread_mutex_unlock(&pause_lock);
}

int
dw_pause_hook_set(dw_pause_hook_t hook, void *arg)
{
	pthread_mutex_lock(&pause_lock);
	if (pause_hook == NULL && hook != NULL)
		__atomic_fetch_add(&dw_pause_active, 1, __ATOMIC_RELAXED);
	else if (pause_hook != NULL && hook == NULL)
		__atomic_fetch_sub(&dw_pause_active, 1, __ATOMIC_RELAXED);
	pause_hook = hook;
	pause_hook_arg = arg;
	pthread_mutex_unlock(&pause_lock);
	return 0;
}

#else /* !DW_PAUSE_POINTS */

int
dw_pause_arm(const char *name, unsigned int skip)
{
	(void)name;
	(void)skip;
	return -ENOTSUP;
}

int
dw_pause_wait(const char *name, unsigned int timeout_ms)
{
	(void)name;
	(void)timeout_ms;
	return -ENOTSUP;
}

bool
dw_pause_parked(const char *name)
{
	(void)name;
	return false;
}

int
dw_pause_release(const char *name)
{
	(void)name;
	return -ENOTSUP;
}

void
dw_pause_reset(void)
{
}

int
dw_pause_hook_set(dw_pause_hook_t hook, void *arg)
{
	(void)hook;
	(void)arg;
	return -ENOTSUP;
}

#endif /* DW_PAUSE_POINTS */

/* SPDX-License-Identifier: BSD-3-Clause */
/* CSV output: one file per scenario under the output directory, rows flushed as they come. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

int
bench_csv_open(struct bench_csv *c, const char *dir, const char *name, const char *header)
{
	char *path = NULL;

	if (asprintf(&path, "%s/%s.csv", dir, name) < 0)
		return -ENOMEM;
	c->f = fopen(path, "w");
	if (c->f == NULL) {
		fprintf(stderr, "dw-bench: cannot write %s: %s\n", path, strerror(errno));
		free(path);
		return -errno;
	}
	c->path = path;
	fprintf(c->f, "%s\n", header);
	return 0;
}

void
bench_csv_row(struct bench_csv *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(c->f, fmt, ap);
	va_end(ap);
	fputc('\n', c->f);
	fflush(c->f);
}

void
bench_csv_close(struct bench_csv *c)
{
	if (c->f != NULL)
		fclose(c->f);
	free((char *)(uintptr_t)c->path);
	c->f = NULL;
	c->path = NULL;
}

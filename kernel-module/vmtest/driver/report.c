// SPDX-License-Identifier: GPL-2.0-only
/* PASS/FAIL lines: one per check, which the runner counts. */
#include <stdarg.h>
#include <stdio.h>

#include "vmtest.h"

static int n_pass, n_fail;
static long started;

void check_start(void)
{
	started = now_ms();
}

void pass(const char *name)
{
	printf("PASS %s (%ld ms)\n", name, now_ms() - started);
	n_pass++;
}

void fail(const char *name, const char *fmt, ...)
{
	va_list ap;

	printf("FAIL %s: ", name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	n_fail++;
}

int failures(void)
{
	return n_fail;
}

int passes(void)
{
	return n_pass;
}

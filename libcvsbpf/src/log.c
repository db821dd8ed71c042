// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Diagnostics go to one process-wide callback, libbpf's included. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/libbpf.h>

#include "internal.h"

static cvs_log_fn log_fn;
static void *log_ctx;

void cvs_log(int level, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (!log_fn)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_fn(level, msg, log_ctx);
}

/*
 * libbpf ends its lines with a newline; the callback gets lines. A message
 * of several lines (a verifier log, whose end says why a program was
 * rejected) is passed on line by line, however long.
 */
static int libbpf_print(enum libbpf_print_level level, const char *fmt,
			va_list ap)
{
	char small[512], *msg = small, *line, *next;
	va_list again;
	int n, ours;

	if (!log_fn)
		return 0;
	va_copy(again, ap);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	if (n >= (int)sizeof(small)) {
		msg = malloc(n + 1);
		if (msg)
			vsnprintf(msg, n + 1, fmt, again);
		else
			msg = small;	/* the truncated message, then */
	}
	va_end(again);
	if (n < 0)
		return n;
	ours = level == LIBBPF_WARN ? CVS_LOG_WARN :
	       level == LIBBPF_INFO ? CVS_LOG_INFO : CVS_LOG_DEBUG;
	for (line = msg; line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (*line)
			log_fn(ours, line, log_ctx);
	}
	if (msg != small)
		free(msg);
	return n;
}

/* libbpf prints to stderr by default; a library must not. */
__attribute__((constructor)) static void cvs_log_init(void)
{
	libbpf_set_print(libbpf_print);
}

CVS_API void cvs_set_log(cvs_log_fn fn, void *ctx)
{
	log_ctx = ctx;
	log_fn = fn;
}

// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Diagnostics go to one process-wide callback, libbpf's included. */
#include <stdarg.h>
#include <stdio.h>

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

static int libbpf_print(enum libbpf_print_level level, const char *fmt,
			va_list ap)
{
	char msg[512];
	int n, ours;

	if (!log_fn)
		return 0;
	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	/* libbpf ends its lines with a newline; the callback gets lines */
	if (n > 0 && (size_t)n < sizeof(msg) && msg[n - 1] == '\n')
		msg[n - 1] = '\0';
	ours = level == LIBBPF_WARN ? CVS_LOG_WARN :
	       level == LIBBPF_INFO ? CVS_LOG_INFO : CVS_LOG_DEBUG;
	log_fn(ours, msg, log_ctx);
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

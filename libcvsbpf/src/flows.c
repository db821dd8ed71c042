// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Flow sweeps of the socket-LB: ending the sockets it sent to a backend that
 * is gone (cvsbpf.h). Not implemented yet: nothing can be swept.
 */
#include <errno.h>
#include <string.h>

#include "internal.h"

CVS_API int cvs_flows_status(struct cvs_maps *m, struct cvs_flows_status *out)
{
	if (!m || !out)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	return 0;
}

CVS_API int cvs_flows_sweep(struct cvs_maps *m, const char *cgroup_path,
			    const struct cvs_service_key *reset_tcp,
			    __u32 n_reset, struct cvs_flow_count *out,
			    __u32 cap, __u32 *count)
{
	(void)cgroup_path;
	(void)reset_tcp;
	(void)n_reset;
	(void)out;
	(void)cap;
	if (!m || !count)
		return -EINVAL;
	*count = 0;
	return -EOPNOTSUPP;
}

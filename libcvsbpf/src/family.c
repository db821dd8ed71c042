// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The two address families. The API names a service by one key for both
 * (struct cvs_service_key); the maps key IPv4 services by struct cvs_svc_key
 * in cvs_svc_v1 and IPv6 ones by struct cvs_svc6_key in cvs_svc6_v1, and keep
 * an IPv6 backend's address in cvs_be6_v1 beside its cvs_be_v1 record. This
 * file is the only one that knows how the two spellings correspond.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <bpf/bpf.h>

#include "internal.h"

int cvs_check_addr(bool v6, const __be32 addr[4])
{
	if (!(addr[0] | addr[1] | addr[2] | addr[3]))
		return -EINVAL;
	if (!v6)
		return addr[1] | addr[2] | addr[3] ? -EINVAL : 0;
	/* ::ffff:a.b.c.d is the IPv4 service's, which IPv6 sockets reach
	 * through it: an IPv6 service there would shadow it. */
	if (!addr[0] && !addr[1] && addr[2] == htonl(0xffff))
		return -EINVAL;
	return 0;
}

int cvs_map_key(const struct cvs_service_key *key, struct cvs_map_key *out)
{
	int err;

	if (!key)
		return -EINVAL;
	if (key->family != AF_INET && key->family != AF_INET6)
		return -EAFNOSUPPORT;
	if (!key->port)
		return -EINVAL;
	if (key->proto != IPPROTO_TCP && key->proto != IPPROTO_UDP)
		return -EPROTONOSUPPORT;
	out->v6 = key->family == AF_INET6;
	err = cvs_check_addr(out->v6, key->addr);
	if (err)
		return err;
	memset(&out->u, 0, sizeof(out->u));	/* pad: the key is hashed */
	if (out->v6) {
		out->map = CVS_M_SERVICES6;
		memcpy(out->u.v6.addr, key->addr, sizeof(out->u.v6.addr));
		out->u.v6.port = key->port;
		out->u.v6.proto = key->proto;
	} else {
		out->map = CVS_M_SERVICES;
		out->u.v4.addr = key->addr[0];
		out->u.v4.port = key->port;
		out->u.v4.proto = key->proto;
	}
	return 0;
}

void cvs_key_of4(const struct cvs_svc_key *k, struct cvs_service_key *out)
{
	*out = (struct cvs_service_key){ .addr = { k->addr }, .port = k->port,
		.proto = k->proto, .family = AF_INET };
}

void cvs_key_of6(const struct cvs_svc6_key *k, struct cvs_service_key *out)
{
	*out = (struct cvs_service_key){ .port = k->port, .proto = k->proto,
		.family = AF_INET6 };
	memcpy(out->addr, k->addr, sizeof(out->addr));
}

int cvs_endpoint_cmp(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct cvs_endpoint));
}

void cvs_endpoint_of(const struct cvs_backend *be,
		     const struct cvs_backend6 *be6, struct cvs_endpoint *out)
{
	memset(out, 0, sizeof(*out));
	if (be->flags & CVS_BACKEND_F_INET6) {
		memcpy(out->addr, be6->addr, sizeof(out->addr));
		out->port = be6->port;
	} else {
		out->addr[0] = be->addr;
		out->port = be->port;
	}
}

void cvs_endpoint_of_spec(const struct cvs_backend_spec *b,
			  struct cvs_endpoint *out)
{
	memset(out, 0, sizeof(*out));
	memcpy(out->addr, b->addr, sizeof(out->addr));
	out->port = b->port;
}

void cvs_records_of(bool v6, __u32 svc_id, const struct cvs_backend_spec *b,
		    struct cvs_backend *be, struct cvs_backend6 *be6)
{
	memset(be6, 0, sizeof(*be6));
	*be = (struct cvs_backend){ .port = b->port, .svc_id = svc_id };
	if (!v6) {
		be->addr = b->addr[0];
		return;
	}
	be->flags = CVS_BACKEND_F_INET6;
	memcpy(be6->addr, b->addr, sizeof(be6->addr));
	be6->port = b->port;
	be6->svc_id = svc_id;
	be6->flags = CVS_BACKEND_F_INET6;
}

int cvs_backend_lookup(struct cvs_maps *m, __u32 id, struct cvs_backend *be,
		       struct cvs_backend6 *be6)
{
	int err = bpf_map_lookup_elem(m->fds[CVS_M_BACKENDS], &id, be);

	memset(be6, 0, sizeof(*be6));
	if (err || !(be->flags & CVS_BACKEND_F_INET6))
		return err;
	return bpf_map_lookup_elem(m->fds[CVS_M_BACKENDS6], &id, be6);
}

bool cvs_backend_bad(const struct cvs_backend *be,
		     const struct cvs_backend6 *be6, __u32 svc_id, bool v6,
		     char *why, size_t len)
{
	static const __be32 none[4];

	if (!!(be->flags & CVS_BACKEND_F_INET6) != v6)
		snprintf(why, len, v6 ?
			 "whose record is not CVS_BACKEND_F_INET6" :
			 "whose record is CVS_BACKEND_F_INET6");
	else if (!be->port ||
		 (v6 ? !memcmp(be6->addr, none, sizeof(none)) : !be->addr))
		snprintf(why, len, "whose record has no address or port");
	else if (be->svc_id != svc_id)
		snprintf(why, len, "whose record is service id %u's",
			 be->svc_id);
	else if (v6 && (be->addr || be6->port != be->port ||
			be6->svc_id != svc_id ||
			be6->flags != CVS_BACKEND_F_INET6))
		snprintf(why, len,
			 "whose %s record disagrees with its %s record",
			 CVS_MAP_BACKENDS6, CVS_MAP_BACKENDS);
	else
		return false;
	return true;
}

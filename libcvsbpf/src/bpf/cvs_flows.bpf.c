// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Flow sweeps of the socket-LB (cvs_flows_sweep in cvsbpf.h): socket
 * iterators that end the sockets the socket-LB sent to a backend that is no
 * longer selectable. Each socket's record (cvs_sklb_v1, written by
 * cvs_sock.bpf.c) says which service and backend it was given; the map set
 * says whether that backend is still a member, and not down, of the
 * service's current generation. libcvsbpf runs the iterators in every
 * network namespace it sweeps (an iterator sees only the namespace it was
 * created in) and reads what was ended from cvs_flow_counts.
 *
 * Linux 6.5+: bpf_sock_destroy() is what lets an iterator end a socket.
 */
#include <linux/bpf.h>
#include <linux/in.h>
#include <stdbool.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "cvs_maps.bpf.h"

/*
 * The kernel's types, only the fields read here; CO-RE relocates them to
 * the running kernel's layout, so no vmlinux.h is needed to build.
 */
struct in6_addr___cvs {
	__be32 u6_addr32[4];
};

struct sock_common {
	__be32 skc_daddr;
	__be16 skc_dport;
	unsigned short skc_family;
	struct in6_addr___cvs skc_v6_daddr;
} __attribute__((preserve_access_index));

struct sock {
	struct sock_common __sk_common;
} __attribute__((preserve_access_index));

struct udp_sock;

struct bpf_iter_meta;

struct bpf_iter__tcp {
	struct bpf_iter_meta *meta;
	struct sock_common *sk_common;
} __attribute__((preserve_access_index));

struct bpf_iter__udp {
	struct bpf_iter_meta *meta;
	struct udp_sock *udp_sk;
} __attribute__((preserve_access_index));

extern int bpf_sock_destroy(struct sock_common *sk) __ksym;

/* cvs_meta_v1's max_members; set by libcvsbpf before the object loads. */
const volatile __u32 cvs_max_members = 1;

/* cvs_sock.bpf.c's socket-local storage, reused by fd from its pin. */
struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct cvs_sock_flow);
} cvs_sklb_v1 SEC(".maps");

/* struct cvs_service_key of cvsbpf.h, the library's header, which a BPF
 * object cannot include; libcvsbpf checks that the sizes agree. */
struct flow_service {
	__be32 addr[4];
	__be16 port;
	__u8 proto;
	__u8 family;
};

/* Services whose TCP flows are reset too; filled before the run. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);		/* sized by libcvsbpf */
	__type(key, struct flow_service);
	__type(value, __u8);
} cvs_flow_reset SEC(".maps");

struct flow_key {
	struct flow_service service;
	__be32 backend[4];
	__be16 backend_port;
	__u16 pad;
};

struct flow_ended {
	__u32 tcp;
	__u32 udp;
};

/* What was ended, per (service, backend); read by libcvsbpf after the run.
 * A pair beyond max_entries is ended but not counted. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 65536);
	__type(key, struct flow_key);
	__type(value, struct flow_ended);
} cvs_flow_counts SEC(".maps");

/* The state of one member scan (bpf_loop's context). */
struct scan {
	const struct cvs_sock_flow *fl;
	__u32 base;		/* member 0 of the half */
	bool found;
	bool down;
};

/* Whether backend id holds the flow's backend (address and port). */
static __always_inline bool is_backend(__u32 id,
				       const struct cvs_sock_flow *fl)
{
	struct cvs_backend *be = bpf_map_lookup_elem(&cvs_be_v1, &id);
	struct cvs_backend6 *be6;

	if (!be || be->port != fl->backend_port)
		return false;
	if (fl->family == AF_INET)
		return !(be->flags & CVS_BACKEND_F_INET6) &&
		       be->addr == fl->backend[0];
	if (!(be->flags & CVS_BACKEND_F_INET6))
		return false;
	be6 = bpf_map_lookup_elem(&cvs_be6_v1, &id);
	return be6 && be6->port == fl->backend_port &&
	       be6->addr[0] == fl->backend[0] &&
	       be6->addr[1] == fl->backend[1] &&
	       be6->addr[2] == fl->backend[2] &&
	       be6->addr[3] == fl->backend[3];
}

static long scan_member(__u32 j, void *ctx)
{
	struct scan *s = ctx;
	__u32 idx = s->base + j;
	struct cvs_member *mb = bpf_map_lookup_elem(&cvs_mbr_v1, &idx);

	if (!mb || mb->backend_id == CVS_MEMBER_END)
		return 1;
	if (!is_backend(mb->backend_id, s->fl))
		return 0;
	s->found = true;
	s->down = mb->flags & CVS_MEMBER_F_DOWN;
	return 1;
}

/* The service id of the flow's VIP; false when it is no service. */
static __always_inline bool service_of(const struct cvs_sock_flow *fl,
				       __u32 *id)
{
	struct cvs_svc *svc;

	if (fl->family == AF_INET6) {
		struct cvs_svc6_key k = {
			.port = fl->vip_port, .proto = fl->proto,
		};

		__builtin_memcpy(k.addr, fl->vip, sizeof(k.addr));
		svc = bpf_map_lookup_elem(&cvs_svc6_v1, &k);
	} else {
		struct cvs_svc_key k = {
			.addr = fl->vip[0], .port = fl->vip_port,
			.proto = fl->proto,
		};

		svc = bpf_map_lookup_elem(&cvs_svc_v1, &k);
	}
	if (!svc)
		return false;
	*id = svc->id;
	return true;
}

/*
 * Stale as cvsbpf.h defines it: the service is gone, or the backend is no
 * member of its current generation, or a down one. The service is found by
 * its key and the backend by its address and port: the ids in the record
 * are those of the set that translated the socket, and a grow moves the
 * services to a new set with ids of its own. A generation that moves under
 * the scan leaves the flow alone: the write that moved it is followed by a
 * sweep of its own.
 */
static __always_inline bool stale(const struct cvs_sock_flow *fl)
{
	struct scan s = { .fl = fl };
	__u32 id, again;
	__u64 *w, word;

	if (!service_of(fl, &id))
		return true;
	w = bpf_map_lookup_elem(&cvs_gen_v1, &id);
	if (!w)
		return false;
	word = *w;
	s.base = cvs_mbr_index(cvs_max_members, id, cvs_word_half(word), 0);
	bpf_loop(cvs_max_members, scan_member, &s, 0);
	w = bpf_map_lookup_elem(&cvs_gen_v1, &id);
	if (!w || *w != word || !service_of(fl, &again) || again != id)
		return false;
	return !s.found || s.down;
}

/* Whether the socket is still connected to the record's backend: a socket
 * reconnected elsewhere, or disconnected, is not the flow it recorded. */
static __always_inline bool sent_to(struct sock_common *skc,
				    const struct cvs_sock_flow *fl)
{
	unsigned short family = BPF_CORE_READ(skc, skc_family);
	__be32 d[4];

	if (BPF_CORE_READ(skc, skc_dport) != fl->backend_port)
		return false;
	if (family == AF_INET)
		return fl->family == AF_INET &&
		       BPF_CORE_READ(skc, skc_daddr) == fl->backend[0];
	if (family != AF_INET6 ||
	    bpf_core_read(d, sizeof(d), &skc->skc_v6_daddr))
		return false;
	if (fl->flags & CVS_SOCK_FLOW_MAPPED)
		return d[0] == 0 && d[1] == 0 && d[2] == bpf_htonl(0xffff) &&
		       d[3] == fl->backend[0];
	return fl->family == AF_INET6 && d[0] == fl->backend[0] &&
	       d[1] == fl->backend[1] && d[2] == fl->backend[2] &&
	       d[3] == fl->backend[3];
}

static __always_inline void count(const struct cvs_sock_flow *fl, bool tcp)
{
	struct flow_key k = {
		.service = {
			.port = fl->vip_port, .proto = fl->proto,
			.family = fl->family,
		},
		.backend_port = fl->backend_port,
	};
	struct flow_ended zero = {}, *v;

	__builtin_memcpy(k.service.addr, fl->vip, sizeof(k.service.addr));
	__builtin_memcpy(k.backend, fl->backend, sizeof(k.backend));
	v = bpf_map_lookup_elem(&cvs_flow_counts, &k);
	if (!v) {
		bpf_map_update_elem(&cvs_flow_counts, &k, &zero, BPF_NOEXIST);
		v = bpf_map_lookup_elem(&cvs_flow_counts, &k);
		if (!v)
			return;
	}
	if (tcp)
		__sync_fetch_and_add(&v->tcp, 1);
	else
		__sync_fetch_and_add(&v->udp, 1);
}

/* The record of sk, copied, when sk is one of the flows this sweep ends. */
static __always_inline bool wanted(struct sock_common *skc, bool tcp,
				   struct cvs_sock_flow *out)
{
	struct cvs_sock_flow *fl = bpf_sk_storage_get(&cvs_sklb_v1, skc, 0, 0);
	struct flow_service k = {};

	if (!fl)
		return false;
	*out = *fl;
	if (!(out->flags & CVS_SOCK_FLOW_CONNECTED) || !sent_to(skc, out))
		return false;
	if (tcp) {
		__builtin_memcpy(k.addr, out->vip, sizeof(k.addr));
		k.port = out->vip_port;
		k.proto = out->proto;
		k.family = out->family;
		if (!bpf_map_lookup_elem(&cvs_flow_reset, &k))
			return false;
	}
	return stale(out);
}

SEC("iter/udp")
int cvs_sweep_udp(struct bpf_iter__udp *ctx)
{
	struct sock_common *skc = (struct sock_common *)ctx->udp_sk;
	struct cvs_sock_flow fl;

	if (skc && wanted(skc, false, &fl) && !bpf_sock_destroy(skc))
		count(&fl, false);
	return 0;
}

SEC("iter/tcp")
int cvs_sweep_tcp(struct bpf_iter__tcp *ctx)
{
	struct sock_common *skc = ctx->sk_common;
	struct cvs_sock_flow fl;

	if (skc && wanted(skc, true, &fl) && !bpf_sock_destroy(skc))
		count(&fl, true);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";

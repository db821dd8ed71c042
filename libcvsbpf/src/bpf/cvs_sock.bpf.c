// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Socket-level load balancing: the destination is rewritten when a process
 * calls connect() or sendmsg(), so the VIP exists on no interface and no
 * packet is ever NATed. Programs hook a cgroup v2 and serve every socket of
 * the processes below it.
 *
 *   connect4      TCP, and UDP connect(): VIP:port -> backend, once
 *   sendmsg4      unconnected UDP: VIP:port -> backend, per datagram
 *   recvmsg4      unconnected UDP replies: backend -> VIP as the source
 *   getpeername4  connected sockets: backend -> VIP as the peer
 *
 * A configured service without a usable backend refuses at once with
 * ECONNREFUSED instead of letting the connect time out on an address that
 * leads nowhere.
 */
#include <linux/bpf.h>
#include <linux/in.h>
#include <stdbool.h>
#include <asm-generic/errno.h>
#include <bpf/bpf_helpers.h>

#include "cvs_maps.bpf.h"

/* cvs_meta_v1's table_slots; set by libcvsbpf before the object loads. */
const volatile __u32 cvs_table_slots = 1;

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, CVS_SOCK_NAT_ENTRIES);
	__type(key, struct cvs_sknat_key);
	__type(value, struct cvs_sknat);
} cvs_sknat_v1 SEC(".maps");

/* Copy the value, so the decision rests on what was read (cvs_select.h). */
#define CVS_COPY(map, key, out) ({					\
	typeof(out) __v = bpf_map_lookup_elem(map, key);		\
	if (__v)							\
		*(out) = *__v;						\
	!__v;								\
})
#define CVS_READER_CTX void *
#define CVS_LOOKUP_SVC(c, key, out) CVS_COPY(&cvs_svc_v1, key, out)
#define CVS_LOAD_WORD(c, id, out) CVS_COPY(&cvs_gen_v1, id, out)
#define CVS_LOOKUP_SEL(c, idx, out) CVS_COPY(&cvs_sel_v1, idx, out)
#define CVS_LOOKUP_BE(c, id, out) CVS_COPY(&cvs_be_v1, id, out)
#define CVS_RANDOM(c) bpf_get_prandom_u32()
#define CVS_ALWAYS_INLINE __always_inline
#include "cvs_select.h"

static __always_inline void count_backend(__u32 id, __u64 conns,
					  __u64 packets)
{
	struct cvs_backend_stats *st = bpf_map_lookup_elem(&cvs_bestat_v1, &id);

	if (st) {
		st->conns += conns;
		st->packets += packets;
	}
}

static __always_inline void count_service(const struct cvs_pick *pick,
					  __u64 refused)
{
	struct cvs_service_stats *st;

	if (pick->attempts <= 1 && !refused)
		return;
	st = bpf_map_lookup_elem(&cvs_svcstat_v1, &pick->svc_id);
	if (st) {
		st->refused += refused;
		if (pick->attempts > 1)
			st->retried += pick->attempts - 1;
	}
}

/* user_port holds a __be16 in the low half of a __u32 (as Cilium reads it) */
static __always_inline __be16 user_port(const struct bpf_sock_addr *ctx)
{
	volatile __u32 port = ctx->user_port;

	return (__be16)port;
}

/* Returns what the hook returns: 1 to go on, 0 to fail the call. */
static __always_inline int translate(struct bpf_sock_addr *ctx, bool datagram)
{
	struct cvs_svc_key key = {
		.addr = ctx->user_ip4,
		.port = user_port(ctx),
		.proto = ctx->protocol,
	};
	struct cvs_sknat_key nat_key = {};
	struct cvs_sknat nat = {};
	struct cvs_pick pick = {};
	int res;

	if (key.proto != IPPROTO_TCP && key.proto != IPPROTO_UDP)
		return 1;
	res = cvs_select(NULL, &key, cvs_table_slots, &pick);
	if (res == CVS_PICK_NOT_SERVICE)
		return 1;
	if (res != CVS_PICK_OK) {
		count_service(&pick, 1);
		bpf_set_retval(-ECONNREFUSED);
		return 0;
	}
	count_service(&pick, 0);
	count_backend(pick.backend_id, !datagram, datagram);
	nat_key.cookie = bpf_get_socket_cookie(ctx);
	nat_key.addr = pick.addr;
	nat_key.port = pick.port;
	nat.vip = key.addr;
	nat.vip_port = key.port;
	/* Best effort: without it the peer shows as the backend, no worse. */
	bpf_map_update_elem(&cvs_sknat_v1, &nat_key, &nat, BPF_ANY);
	ctx->user_ip4 = pick.addr;
	ctx->user_port = (__u32)pick.port;
	return 1;
}

/* Show the VIP where the kernel would show the backend. */
static __always_inline int reverse(struct bpf_sock_addr *ctx)
{
	struct cvs_sknat_key nat_key = {
		.cookie = bpf_get_socket_cookie(ctx),
		.addr = ctx->user_ip4,
		.port = user_port(ctx),
	};
	struct cvs_sknat *nat = bpf_map_lookup_elem(&cvs_sknat_v1, &nat_key);

	if (nat) {
		ctx->user_ip4 = nat->vip;
		ctx->user_port = (__u32)nat->vip_port;
	}
	return 1;
}

SEC("cgroup/connect4")
int cvs_connect4(struct bpf_sock_addr *ctx)
{
	return translate(ctx, false);
}

SEC("cgroup/sendmsg4")
int cvs_sendmsg4(struct bpf_sock_addr *ctx)
{
	return translate(ctx, true);
}

SEC("cgroup/recvmsg4")
int cvs_recvmsg4(struct bpf_sock_addr *ctx)
{
	return reverse(ctx);
}

SEC("cgroup/getpeername4")
int cvs_getpeername4(struct bpf_sock_addr *ctx)
{
	return reverse(ctx);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";

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
 * and their IPv6 twins (connect6, sendmsg6, recvmsg6, getpeername6), which
 * serve IPv6 VIPs and also IPv4 VIPs that an IPv6 socket addresses as
 * ::ffff:a.b.c.d: dual-stack runtimes (Java, Go, many libraries) open IPv6
 * sockets for IPv4 destinations, and the kernel runs only the IPv6 hooks
 * for them (connect, getpeername, recvmsg; an unconnected sendmsg to a
 * mapped address runs sendmsg4, so that path is the IPv4 one).
 *
 * A configured service without a usable backend refuses at once with
 * ECONNREFUSED instead of letting the connect time out on an address that
 * leads nowhere.
 *
 * What a translation did is kept with the socket, in socket-local storage
 * (cvs_sklb_v1), where nothing evicts it: the reverse hooks show the VIP
 * however many sockets came after, and the flow sweeps (cvs_flows.bpf.c)
 * find the sockets sent to a backend that is gone. The LRU tables are still
 * written for datagrams (an unconnected socket may talk to several VIPs, and
 * its record holds only the last) and for UDP connects (a UDP sock_diag dump
 * carries no socket storage, so the sweep before Linux 6.5 finds connected
 * UDP sockets through them); a TCP connect with a record skips them, which
 * keeps connect() as cheap as it was before the records.
 */
#include <linux/bpf.h>
#include <linux/in.h>
#include <stdbool.h>
#include <asm-generic/errno.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "cvs_maps.bpf.h"

/* cvs_meta_v1's table_slots and cvs_meta2_v1's maglev_slots; set by
 * libcvsbpf before the object loads. */
const volatile __u32 cvs_table_slots = 1;
const volatile __u32 cvs_maglev_slots = 1;
/* Whether this kernel lets sock_addr programs call bpf_sk_storage_get
 * (libcvsbpf probes it): when not, the branches that call it are dead and
 * the verifier never sees the call. */
const volatile bool cvs_sk_storage = true;

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, CVS_SOCK_NAT_ENTRIES);
	__type(key, struct cvs_sknat_key);
	__type(value, struct cvs_sknat);
} cvs_sknat_v1 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, CVS_SOCK_NAT_ENTRIES);
	__type(key, struct cvs_sknat6_key);
	__type(value, struct cvs_sknat6);
} cvs_sknat6_v1 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct cvs_sock_flow);
} cvs_sklb_v1 SEC(".maps");

/* Copy the value, so the decision rests on what was read (cvs_select.h). */
#define CVS_COPY(map, key, out) ({					\
	typeof(out) __v = bpf_map_lookup_elem(map, key);		\
	if (__v)							\
		*(out) = *__v;						\
	!__v;								\
})
#define CVS_READER_CTX void *
#define CVS_LOOKUP_SVC(c, key, out) CVS_COPY(&cvs_svc_v1, key, out)
#define CVS_LOOKUP_SVC6(c, key, out) CVS_COPY(&cvs_svc6_v1, key, out)
#define CVS_LOAD_WORD(c, id, out) CVS_COPY(&cvs_gen_v1, id, out)
#define CVS_LOOKUP_SEL(c, idx, out) CVS_COPY(&cvs_sel_v1, idx, out)
#define CVS_LOOKUP_BE(c, id, out) CVS_COPY(&cvs_be_v1, id, out)
#define CVS_LOOKUP_BE6(c, id, out) CVS_COPY(&cvs_be6_v1, id, out)
#define CVS_RANDOM(c) bpf_get_prandom_u32()
#define CVS_LOOKUP_POLICY(c, idx, out) CVS_COPY(&cvs_pol_v1, idx, out)
#define CVS_LOOKUP_MAGLEV(c, idx, out) CVS_COPY(&cvs_maglev_v1, idx, out)
#define CVS_LOOKUP_BESEL(c, idx, out) CVS_COPY(&cvs_besel_v1, idx, out)
#define CVS_LOOKUP_AFF(c, key, out) CVS_COPY(&cvs_aff_v1, key, out)
#define CVS_STORE_AFF(c, key, val) \
	bpf_map_update_elem(&cvs_aff_v1, key, val, BPF_ANY)
#define CVS_NOW_NS(c) bpf_ktime_get_ns()
#define CVS_ALWAYS_INLINE __always_inline
#include "cvs_select.h"

/*
 * Each attempt of cvs_select.h is a global function: the verifier checks
 * it once, on its own, instead of inlined into each of CVS_SELECT_ATTEMPTS
 * iterations of the loop of each hook. With the policies the inlined loop
 * took 780,000 of the verifier's million instructions for connect6 (both
 * families) on 6.18, more on older verifiers; this way, a few thousand.
 * Results are long, not int, so that the value tested is the value the
 * hook returns (an int would be truncated in one register and returned
 * from the other, unknown to the verifier).
 */
struct select_loop {
	union {
		struct cvs_svc_key k4;
		struct cvs_svc6_key k6;
	} key;
	struct cvs_select_state st;
	struct cvs_pick pick;
};

/*
 * Global functions may be passed NULL, as far as the verifier knows; and
 * before 6.x a helper takes a map key only from the stack, not from memory
 * passed in (6.1: "R2 type=mem expected=fp"), so the key and the state,
 * whose client key is the affinity map's, are copied here and back.
 */
__noinline long cvs_attempt4(struct select_loop *l)
{
	struct cvs_select_state st;
	struct cvs_svc_key key;
	long rc;

	if (!l)
		return CVS_PICK_CONTENDED;
	key = l->key.k4;
	st = l->st;
	rc = cvs_select_attempt(NULL, &key, 0, &st, &l->pick);
	l->st = st;
	return rc;
}

__noinline long cvs_attempt6(struct select_loop *l)
{
	struct cvs_select_state st;
	struct cvs_svc6_key key;
	long rc;

	if (!l)
		return CVS_PICK_CONTENDED;
	key = l->key.k6;
	st = l->st;
	rc = cvs_select_attempt(NULL, &key, 1, &st, &l->pick);
	l->st = st;
	return rc;
}

/* cvs_select_family() with the attempts out of line. */
static __always_inline long select_loop(struct select_loop *l, bool v6,
					const struct cvs_flow *flow)
{
	__u32 attempt;
	long rc;

	cvs_select_begin(&l->key, v6, cvs_table_slots, cvs_maglev_slots, flow,
			 &l->st, &l->pick);
	/* The counter stays in a register: the callee may write *l. */
	for (attempt = 1; attempt <= CVS_SELECT_ATTEMPTS; attempt++) {
		l->st.attempt = attempt;
		rc = v6 ? cvs_attempt6(l) : cvs_attempt4(l);
		if (rc != CVS_SELECT_AGAIN)
			return rc;
	}
	return CVS_PICK_CONTENDED;
}

/* How the hook reads the destination: an IPv4 one, an IPv6 one, or an
 * IPv4 one that an IPv6 socket addressed as ::ffff:a.b.c.d. */
enum family { INET, INET6, INET6_MAPPED };

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

static __always_inline bool is_v4_mapped(const __be32 a[4])
{
	return a[0] == 0 && a[1] == 0 && a[2] == bpf_htonl(0xffff);
}

/* The destination as the hook's family holds it; IPv4 in a[3] when mapped. */
static __always_inline void user_addr(const struct bpf_sock_addr *ctx,
				      enum family f, __be32 a[4])
{
	if (f == INET) {
		a[0] = a[1] = a[2] = 0;
		a[3] = ctx->user_ip4;
		return;
	}
	a[0] = ctx->user_ip6[0];
	a[1] = ctx->user_ip6[1];
	a[2] = ctx->user_ip6[2];
	a[3] = ctx->user_ip6[3];
}

static __always_inline void set_user_addr(struct bpf_sock_addr *ctx,
					  enum family f, const __be32 a[4])
{
	if (f == INET) {
		ctx->user_ip4 = a[3];
	} else if (f == INET6_MAPPED) {
		ctx->user_ip6[3] = a[3];	/* stays ::ffff:a.b.c.d */
	} else {
		ctx->user_ip6[0] = a[0];
		ctx->user_ip6[1] = a[1];
		ctx->user_ip6[2] = a[2];
		ctx->user_ip6[3] = a[3];
	}
}

/* Remember which VIP the socket asked for, to show it back. Best effort:
 * without it the peer shows as the backend, no worse. Out of line: its
 * keys would otherwise sit in the hook's frame beside the attempt's, and
 * the two together may not exceed 512 bytes of stack. */
static __noinline void remember(struct bpf_sock_addr *ctx, bool v6,
				     const struct cvs_pick *pick,
				     const __be32 vip[4], __be16 vip_port)
{
	__u64 cookie = bpf_get_socket_cookie(ctx);

	if (v6) {
		struct cvs_sknat6_key k = { .cookie = cookie };
		struct cvs_sknat6 v = { .vip_port = vip_port };

		__builtin_memcpy(k.addr, pick->addr, sizeof(k.addr));
		k.port = pick->port;
		__builtin_memcpy(v.vip, vip, sizeof(v.vip));
		bpf_map_update_elem(&cvs_sknat6_v1, &k, &v, BPF_ANY);
	} else {
		struct cvs_sknat_key k = {
			.cookie = cookie,
			.addr = pick->addr[0],
			.port = pick->port,
		};
		struct cvs_sknat v = { .vip = vip[3], .vip_port = vip_port };

		bpf_map_update_elem(&cvs_sknat_v1, &k, &v, BPF_ANY);
	}
}

/*
 * Keep what was done with the socket. connect() describes the socket for
 * as long as it stays connected, so a datagram a connected socket sends
 * elsewhere (sendto a VIP) does not overwrite it; the LRU tables serve
 * that one.
 */
static __always_inline bool record(struct bpf_sock_addr *ctx, enum family f,
				   bool datagram, const struct cvs_pick *pick,
				   const __be32 vip[4], __be16 vip_port,
				   __u8 proto)
{
	struct cvs_sock_flow *fl;
	bool v6 = f == INET6;

	if (!cvs_sk_storage)
		return false;
	fl = bpf_sk_storage_get(&cvs_sklb_v1, ctx->sk, 0,
				BPF_SK_STORAGE_GET_F_CREATE);
	if (!fl || (datagram && (fl->flags & CVS_SOCK_FLOW_CONNECTED)))
		return false;
	fl->vip[0] = v6 ? vip[0] : vip[3];
	fl->vip[1] = v6 ? vip[1] : 0;
	fl->vip[2] = v6 ? vip[2] : 0;
	fl->vip[3] = v6 ? vip[3] : 0;
	fl->vip_port = vip_port;
	fl->proto = proto;
	fl->family = v6 ? AF_INET6 : AF_INET;
	__builtin_memcpy(fl->backend, pick->addr, sizeof(fl->backend));
	fl->backend_port = pick->port;
	fl->flags = (datagram ? 0 : CVS_SOCK_FLOW_CONNECTED) |
		    (f == INET6_MAPPED ? CVS_SOCK_FLOW_MAPPED : 0);
	fl->backend_id = pick->backend_id;
	fl->svc_id = pick->svc_id;
	return true;
}

/*
 * Who connects: the network namespace, and the socket's own address and
 * port where it has them already (bound before connect(); a datagram
 * socket is bound by its first sendmsg, before the hook). An unbound
 * socket gets its source after the hook, so the flow is the client, not
 * the connection (cvs_select.h).
 */
static __always_inline void client_flow(struct bpf_sock_addr *ctx,
					enum family f, struct cvs_flow *flow)
{
	struct bpf_sock *sk = ctx->sk;

	flow->netns_cookie = bpf_get_netns_cookie(ctx);
	if (f == INET) {
		flow->saddr[0] = sk->src_ip4;
	} else if (f == INET6_MAPPED) {
		if (sk->src_ip6[0] == 0 && sk->src_ip6[1] == 0 &&
		    sk->src_ip6[2] == bpf_htonl(0xffff))
			flow->saddr[0] = sk->src_ip6[3];
	} else {
		flow->saddr[0] = sk->src_ip6[0];
		flow->saddr[1] = sk->src_ip6[1];
		flow->saddr[2] = sk->src_ip6[2];
		flow->saddr[3] = sk->src_ip6[3];
	}
	flow->sport = bpf_htons((__u16)sk->src_port);
}

/* Returns what the hook returns: 1 to go on, 0 to fail the call. */
static __always_inline int translate(struct bpf_sock_addr *ctx,
				     enum family hook, bool datagram)
{
	struct select_loop l = {};
	struct cvs_pick *pick = &l.pick;
	struct cvs_flow flow = {};
	enum family f = hook;
	__be16 port = user_port(ctx);
	__u8 proto = ctx->protocol;
	__be32 a[4], to[4];
	long res;

	if (proto != IPPROTO_TCP && proto != IPPROTO_UDP)
		return 1;
	user_addr(ctx, hook, a);
	if (hook == INET6 && is_v4_mapped(a))
		f = INET6_MAPPED;
	client_flow(ctx, f, &flow);
	if (f == INET6) {
		l.key.k6.port = port;
		l.key.k6.proto = proto;
		__builtin_memcpy(l.key.k6.addr, a, sizeof(l.key.k6.addr));
	} else {
		l.key.k4.addr = a[3];
		l.key.k4.port = port;
		l.key.k4.proto = proto;
	}
	res = select_loop(&l, f == INET6, &flow);
	if (res == CVS_PICK_NOT_SERVICE)
		return 1;
	if (res != CVS_PICK_OK) {
		count_service(pick, 1);
		bpf_set_retval(-ECONNREFUSED);
		return 0;
	}
	count_service(pick, 0);
	count_backend(pick->backend_id, !datagram, datagram);
	if (!record(ctx, f, datagram, pick, a, port, proto) ||
	    proto == IPPROTO_UDP)
		remember(ctx, f == INET6, pick, a, port);
	if (f == INET6) {
		__builtin_memcpy(to, pick->addr, sizeof(to));
	} else {
		to[0] = to[1] = to[2] = 0;
		to[3] = pick->addr[0];
	}
	set_user_addr(ctx, f, to);
	ctx->user_port = (__u32)pick->port;
	return 1;
}

/*
 * The socket's own record, when the peer (a, port, read as family f) is
 * the backend it names: then the record's VIP is shown in a.
 */
static __always_inline bool reverse_stored(struct bpf_sock_addr *ctx,
					   enum family f, __be32 a[4],
					   __be16 port)
{
	struct cvs_sock_flow *fl;

	if (!cvs_sk_storage)
		return false;
	fl = bpf_sk_storage_get(&cvs_sklb_v1, ctx->sk, 0, 0);
	if (!fl || fl->backend_port != port)
		return false;
	if (f == INET6) {
		if (fl->family != AF_INET6 || fl->backend[0] != a[0] ||
		    fl->backend[1] != a[1] || fl->backend[2] != a[2] ||
		    fl->backend[3] != a[3])
			return false;
		__builtin_memcpy(a, fl->vip, sizeof(fl->vip));
	} else {
		if (fl->family != AF_INET || fl->backend[0] != a[3])
			return false;
		a[3] = fl->vip[0];
	}
	set_user_addr(ctx, f, a);
	ctx->user_port = (__u32)fl->vip_port;
	return true;
}

/* Show the VIP where the kernel would show the backend. */
static __always_inline int reverse(struct bpf_sock_addr *ctx,
				   enum family hook)
{
	__u64 cookie = bpf_get_socket_cookie(ctx);
	__be16 port = user_port(ctx);
	enum family f = hook;
	__be32 a[4];

	user_addr(ctx, hook, a);
	if (hook == INET6 && is_v4_mapped(a))
		f = INET6_MAPPED;
	if (reverse_stored(ctx, f, a, port))
		return 1;
	if (f == INET6) {
		struct cvs_sknat6_key k = { .cookie = cookie, .port = port };
		struct cvs_sknat6 *nat;

		__builtin_memcpy(k.addr, a, sizeof(k.addr));
		nat = bpf_map_lookup_elem(&cvs_sknat6_v1, &k);
		if (nat) {
			__builtin_memcpy(a, nat->vip, sizeof(a));
			set_user_addr(ctx, f, a);
			ctx->user_port = (__u32)nat->vip_port;
		}
	} else {
		struct cvs_sknat_key k = {
			.cookie = cookie, .addr = a[3], .port = port,
		};
		struct cvs_sknat *nat = bpf_map_lookup_elem(&cvs_sknat_v1, &k);

		if (nat) {
			a[3] = nat->vip;
			set_user_addr(ctx, f, a);
			ctx->user_port = (__u32)nat->vip_port;
		}
	}
	return 1;
}

SEC("cgroup/connect4")
int cvs_connect4(struct bpf_sock_addr *ctx)
{
	return translate(ctx, INET, false);
}

SEC("cgroup/sendmsg4")
int cvs_sendmsg4(struct bpf_sock_addr *ctx)
{
	return translate(ctx, INET, true);
}

SEC("cgroup/recvmsg4")
int cvs_recvmsg4(struct bpf_sock_addr *ctx)
{
	return reverse(ctx, INET);
}

SEC("cgroup/getpeername4")
int cvs_getpeername4(struct bpf_sock_addr *ctx)
{
	return reverse(ctx, INET);
}

SEC("cgroup/connect6")
int cvs_connect6(struct bpf_sock_addr *ctx)
{
	return translate(ctx, INET6, false);
}

SEC("cgroup/sendmsg6")
int cvs_sendmsg6(struct bpf_sock_addr *ctx)
{
	return translate(ctx, INET6, true);
}

SEC("cgroup/recvmsg6")
int cvs_recvmsg6(struct bpf_sock_addr *ctx)
{
	return reverse(ctx, INET6);
}

SEC("cgroup/getpeername6")
int cvs_getpeername6(struct bpf_sock_addr *ctx)
{
	return reverse(ctx, INET6);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";

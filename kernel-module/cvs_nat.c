// SPDX-License-Identifier: GPL-2.0-only
/*
 * The NAT hooks: the first packet of a new connection to a configured
 * VIP:port/protocol picks a backend with the readers' protocol of
 * cvs_abi.h (cvs_select.h) and conntrack DNATs the whole connection to it.
 * IPv4 connections are looked up in cvs_svc_v1, IPv6 ones in cvs_svc6_v1;
 * a service has one family, so a connection is always DNATed within its
 * own family.
 *
 * What is counted (per CPU, in the bound set's maps):
 *   cvs_bestat_v1[backend]  conns +1, packets +1 and bytes += the length of
 *                           the IP packet (IPv6: with its 40-byte header),
 *                           for the first packet of each connection sent to
 *                           that backend; later packets are conntrack's and
 *                           are not counted here.
 *   cvs_svcstat_v1[service] refused +1 per refused new connection;
 *                           retried + the pick's restarts caused by a
 *                           concurrent generation flip.
 * A UDP "connection" is a conntrack flow: (source, destination) until it
 * times out.
 *
 * The service's policy (cvs_abi.h, "Selection policies") decides how a
 * backend is picked: at random by weight, or by the hash of the 5-tuple
 * (source address and port, VIP, port, protocol) in its Maglev table; with
 * affinity, a source address that picked a backend of the service within
 * the timeout gets it again while it is selectable, and a pick stores or
 * (lazily, cvs_select.h) refreshes the source's entry in cvs_aff_v1 (keyed
 * with netns cookie 0: this module sees addresses, not namespaces).
 *
 * A configured service with no usable backend refuses new connections:
 *   LOCAL_OUT (a process on this host): the packet is dropped with
 *     -ECONNREFUSED, so connect() or sendmsg() fails at once with
 *     ECONNREFUSED, exactly as the socket-LB programs refuse;
 *   PRE_ROUTING (routed traffic, e.g. from containers): the packet is
 *     dropped and an ICMP port unreachable (ICMPv6 destination unreachable,
 *     port unreachable) goes back to the sender, as kube-proxy's REJECT rule
 *     and Cilium do; the sender's stack turns it into ECONNREFUSED. The
 *     kernel rate-limits these errors (net.ipv4.icmp_ratelimit,
 *     icmp_msgs_per_sec; net.ipv6.icmp.ratelimit); beyond the limit the
 *     packet is only dropped and the sender retries.
 * Addresses, ports and protocols that are not a configured service are not
 * touched, and neither is anything while no map set is bound.
 */
#include <linux/icmp.h>
#include <linux/icmpv6.h>
#include <linux/random.h>
#include <linux/timekeeping.h>
#include <net/netfilter/nf_conntrack.h>
#include <net/netfilter/nf_nat.h>
#include <net/netfilter/ipv4/nf_reject.h>
#include <net/netfilter/ipv6/nf_reject.h>

#include "cvs.h"

#define CVS_ALWAYS_INLINE __always_inline
#define CVS_READER_CTX const struct cvs_binding *
#define CVS_LOOKUP_SVC(b, key, out) \
	cvs_copy((b)->maps[CVS_M_SERVICES], key, out, sizeof(*(out)))
#define CVS_LOOKUP_SVC6(b, key, out) \
	cvs_copy((b)->maps[CVS_M_SERVICES6], key, out, sizeof(*(out)))
#define CVS_LOAD_WORD(b, id, out) cvs_load_word(b, id, out)
#define CVS_LOOKUP_SEL(b, idx, out) \
	cvs_copy((b)->maps[CVS_M_SELECT], idx, out, sizeof(*(out)))
#define CVS_LOOKUP_BE(b, id, out) \
	cvs_copy((b)->maps[CVS_M_BACKENDS], id, out, sizeof(*(out)))
#define CVS_LOOKUP_BE6(b, id, out) \
	cvs_copy((b)->maps[CVS_M_BACKENDS6], id, out, sizeof(*(out)))
#define CVS_RANDOM(b) get_random_u32()
#define CVS_LOOKUP_POLICY(b, idx, out) \
	cvs_copy((b)->maps[CVS_M_POLICY], idx, out, sizeof(*(out)))
#define CVS_LOOKUP_MAGLEV(b, idx, out) \
	cvs_copy((b)->maps[CVS_M_MAGLEV], idx, out, sizeof(*(out)))
#define CVS_LOOKUP_BESEL(b, idx, out) \
	cvs_copy((b)->maps[CVS_M_SELECTABLE], idx, out, sizeof(*(out)))
#define CVS_LOOKUP_AFF(b, key, out) \
	cvs_copy((b)->maps[CVS_M_AFFINITY], key, out, sizeof(*(out)))
#define CVS_STORE_AFF(b, key, val) cvs_store_aff(b, key, val)
/* CLOCK_MONOTONIC, what bpf_ktime_get_ns() reads in the socket-LB. */
#define CVS_NOW_NS(b) ktime_get_ns()

/*
 * What the BPF helper bpf_map_update_elem() calls for the affinity map, an
 * LRU hash (checked at bind). It may run where the hooks run: the update
 * asserts an RCU read lock, which the netfilter hook holds, and takes only
 * raw spinlocks with interrupts off (the LRU's lists; the bucket, which
 * 6.1 guards against recursion on this CPU with -EBUSY and later kernels
 * with a resilient lock that fails instead of deadlocking), so softirq
 * (PRE_ROUTING) and preemptible process context (LOCAL_OUT) are both
 * fine. A failure, that or -ENOMEM when nothing can be evicted, only
 * costs the client its affinity until its next connection; the pick
 * stands.
 */
static void cvs_store_aff(const struct cvs_binding *b,
			  const struct cvs_aff_key *key,
			  const struct cvs_aff *val)
{
	struct bpf_map *map = b->maps[CVS_M_AFFINITY];

	map->ops->map_update_elem(map, (void *)key, (void *)val, BPF_ANY);
}

#include "cvs_select.h"

/*
 * This CPU's value of a per-CPU array element, as the __percpu pointer
 * that this_cpu_add() needs: the hook may run in process context
 * (LOCAL_OUT) with preemption enabled, where the plain pointer that
 * map_lookup_elem returns could go stale. The map's type was checked at
 * bind, so it is a struct bpf_array.
 */
static void __percpu *cvs_percpu_elem(const struct bpf_map *map, u32 index)
{
	const struct bpf_array *array =
		container_of(map, struct bpf_array, map);

	if (index >= map->max_entries)
		return NULL;
	return array->pptrs[index & array->index_mask];
}

static void cvs_count_backend(const struct cvs_binding *b, u32 id,
			      unsigned int len)
{
	struct cvs_backend_stats __percpu *st =
		cvs_percpu_elem(b->maps[CVS_M_BACKEND_STATS], id);

	if (!st)
		return;
	this_cpu_inc(st->conns);
	this_cpu_inc(st->packets);
	this_cpu_add(st->bytes, len);
}

static void cvs_count_service(const struct cvs_binding *b,
			      const struct cvs_pick *pick, bool refused)
{
	struct cvs_service_stats __percpu *st;

	if (pick->attempts <= 1 && !refused)
		return;
	st = cvs_percpu_elem(b->maps[CVS_M_SERVICE_STATS], pick->svc_id);
	if (!st)
		return;
	if (refused)
		this_cpu_inc(st->refused);
	if (pick->attempts > 1)
		this_cpu_add(st->retried, pick->attempts - 1);
}

static unsigned int cvs_refuse(struct sk_buff *skb,
			       const struct nf_hook_state *state)
{
	if (state->hook == NF_INET_LOCAL_OUT)
		return NF_DROP_ERR(-ECONNREFUSED);
	if (state->pf == NFPROTO_IPV6)
		nf_send_unreach6(state->net, skb, ICMPV6_PORT_UNREACH,
				 state->hook);
	else
		nf_send_unreach(skb, ICMP_PORT_UNREACH, state->hook);
	return NF_DROP;
}

/* The pick's address is in its service's family, which is ct's. */
static unsigned int cvs_dnat(struct nf_conn *ct, const struct cvs_pick *pick)
{
	struct nf_nat_range2 range;

	memset(&range, 0, sizeof(range));
	range.flags = NF_NAT_RANGE_MAP_IPS | NF_NAT_RANGE_PROTO_SPECIFIED;
	if (nf_ct_l3num(ct) == NFPROTO_IPV6)
		memcpy(&range.min_addr.in6, pick->addr,
		       sizeof(range.min_addr.in6));
	else
		range.min_addr.ip = pick->addr[0];
	range.max_addr = range.min_addr;
	range.min_proto.all = pick->port;
	range.max_proto.all = pick->port;
	return nf_nat_setup_info(ct, &range, NF_NAT_MANIP_DST);
}

/*
 * The original direction's tuple of a new TCP or UDP connection, with its
 * conntrack entry in *ct; NULL for anything else, which the hooks leave.
 */
static const struct nf_conntrack_tuple *cvs_new_tuple(struct sk_buff *skb,
						      struct nf_conn **ct)
{
	const struct nf_conntrack_tuple *tuple;
	enum ip_conntrack_info ctinfo;

	*ct = nf_ct_get(skb, &ctinfo);
	if (!*ct || ctinfo != IP_CT_NEW)
		return NULL;
	tuple = &(*ct)->tuplehash[IP_CT_DIR_ORIGINAL].tuple;
	if (tuple->dst.protonum != IPPROTO_TCP &&
	    tuple->dst.protonum != IPPROTO_UDP)
		return NULL;
	return tuple;
}

/*
 * Who asks, for the flow hash and the affinity key (cvs_select.h): the
 * connection's source address and port. The module does not know the
 * client's network namespace, so the cookie is 0: a client is its address.
 */
static void cvs_flow_of(const struct nf_conntrack_tuple *tuple,
			struct cvs_flow *flow)
{
	memset(flow, 0, sizeof(*flow));
	if (tuple->src.l3num == NFPROTO_IPV6)
		memcpy(flow->saddr, &tuple->src.u3.in6, sizeof(flow->saddr));
	else
		flow->saddr[0] = tuple->src.u3.ip;
	flow->sport = tuple->src.u.all;
}

/* Act on the result of cvs_select() or cvs_select6(): DNAT, refuse, leave. */
static unsigned int cvs_apply(const struct cvs_binding *b, int res,
			      const struct cvs_pick *pick, struct nf_conn *ct,
			      struct sk_buff *skb,
			      const struct nf_hook_state *state)
{
	unsigned int verdict;

	if (res == CVS_PICK_NOT_SERVICE)
		return NF_ACCEPT;
	if (res != CVS_PICK_OK) {
		if (res == CVS_PICK_CONTENDED)
			atomic64_inc(&cvs_counters.lookup_errors);
		cvs_count_service(b, pick, true);
		return cvs_refuse(skb, state);
	}
	verdict = cvs_dnat(ct, pick);
	if (verdict != NF_ACCEPT) {
		atomic64_inc(&cvs_counters.nat_errors);
		return verdict;
	}
	cvs_sweep_mark(ct);
	cvs_count_service(b, pick, false);
	cvs_count_backend(b, pick->backend_id, skb->len);
	return NF_ACCEPT;
}

/*
 * Called by the NAT core (nf_nat_inet_fn) for an IPv4 packet whose
 * conntrack entry has no DNAT yet, inside the netfilter hook's
 * rcu_read_lock().
 */
unsigned int cvs_nat_hook4(void *priv, struct sk_buff *skb,
			   const struct nf_hook_state *state)
{
	const struct nf_conntrack_tuple *tuple;
	const struct cvs_binding *b;
	struct cvs_pick pick = {};
	struct cvs_svc_key key;
	struct cvs_flow flow;
	struct nf_conn *ct;
	int res;

	tuple = cvs_new_tuple(skb, &ct);
	if (!tuple)
		return NF_ACCEPT;
	b = rcu_dereference(cvs_bound);
	if (!b)
		return NF_ACCEPT;

	memset(&key, 0, sizeof(key));
	key.addr = tuple->dst.u3.ip;
	key.port = tuple->dst.u.all;
	key.proto = tuple->dst.protonum;
	cvs_flow_of(tuple, &flow);
	res = cvs_select(b, &key, b->table_slots, b->maglev_slots, &flow,
			 &pick);
	return cvs_apply(b, res, &pick, ct, skb, state);
}

/* The same for IPv6, in the IPv6 services. */
unsigned int cvs_nat_hook6(void *priv, struct sk_buff *skb,
			   const struct nf_hook_state *state)
{
	const struct nf_conntrack_tuple *tuple;
	const struct cvs_binding *b;
	struct cvs_pick pick = {};
	struct cvs_svc6_key key;
	struct cvs_flow flow;
	struct nf_conn *ct;
	int res;

	tuple = cvs_new_tuple(skb, &ct);
	if (!tuple)
		return NF_ACCEPT;
	b = rcu_dereference(cvs_bound);
	if (!b)
		return NF_ACCEPT;

	memset(&key, 0, sizeof(key));
	memcpy(key.addr, &tuple->dst.u3.in6, sizeof(key.addr));
	key.port = tuple->dst.u.all;
	key.proto = tuple->dst.protonum;
	cvs_flow_of(tuple, &flow);
	res = cvs_select6(b, &key, b->table_slots, b->maglev_slots, &flow,
			  &pick);
	return cvs_apply(b, res, &pick, ct, skb, state);
}

// SPDX-License-Identifier: GPL-2.0-only
/*
 * The conntrack sweep: delete the entries cvs.ko DNATed whose flow is stale,
 * so that the flow's next packet is NEW again and the hook translates it
 * afresh to a live backend (a UDP client notices nothing; a TCP peer's next
 * segment reaches a backend that knows no such connection and is reset).
 *
 * A flow is stale (cvs_abi.h, cvsbpf.h) when its service is gone, or its
 * backend is not a member of the service's current generation, or is a
 * member with CVS_MEMBER_F_DOWN. A draining member is not stale. UDP
 * entries are always swept, TCP ones only of the services the request
 * lists.
 *
 * Which entries are cvs.ko's: those with a DNAT (IPS_DST_NAT) that carry
 * the module's conntrack label (the hook sets it on every connection it
 * DNATs), and those whose original destination is a configured service,
 * which only cvs.ko DNATs since it runs before every nat chain (that covers
 * entries from before the label). The label is what finds the entries of a
 * deleted service: their VIP is no service any more. Conntrack keeps no
 * service id, so a service is its VIP key: one deleted and created again is
 * judged by its new members.
 *
 * The decision reads the bound set as the hook does, under RCU, validated
 * against the generation word: an entry whose service moved under every
 * attempt is left, and counted as deferred, for another sweep. So are the
 * entries of pairs beyond the result's CVS_SWEEP_PAIRS.
 */
#include <linux/capability.h>
#include <linux/jhash.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <net/net_namespace.h>
#include <net/netfilter/nf_conntrack_labels.h>

#include "cvs.h"

static unsigned int ct_label = 127;
module_param(ct_label, uint, 0444);
MODULE_PARM_DESC(ct_label,
		 "Conntrack label bit marking the connections cvs.ko DNATs, 0-127 (default: 127)");

/* Pairs one sweep can report; the rest of its stale entries wait. */
#define CVS_SWEEP_PAIRS 4096
#define CVS_SWEEP_BUCKETS 1024

/* The key of a pair: its record up to the counts. */
#define CVS_PAIR_KEY_LEN offsetof(struct cvs_sweep_count, tcp)

struct cvs_sweep {
	const struct cvs_sweep_key *reset_tcp;
	u32 n_reset;
	u32 deferred;
	u64 deleted;
	u32 n_pairs;
	/* pairs by hash: index + 1 of the first and of the next, 0 ends */
	u16 head[CVS_SWEEP_BUCKETS];
	u16 next[CVS_SWEEP_PAIRS];
	struct cvs_sweep_count pairs[CVS_SWEEP_PAIRS];
};

/* The last sweep's result, for reading: header and records in one block. */
static DEFINE_MUTEX(cvs_sweep_lock);	/* one sweep at a time; cvs_result */
static struct cvs_sweep_result *cvs_result;
static size_t cvs_result_len;

int cvs_sweep_net_init(struct net *net)
{
	return nf_connlabels_get(net, ct_label);
}

void cvs_sweep_net_exit(struct net *net)
{
	nf_connlabels_put(net);
}

/*
 * Read and written as 32-bit words, as nf_connlabels_replace() writes them,
 * so the bit is the same one on either byte order.
 */
static bool cvs_labelled(const struct nf_conn *ct)
{
	const struct nf_conn_labels *labels = nf_ct_labels_find(ct);

	return labels &&
	       (((const u32 *)labels->bits)[ct_label / 32] &
		BIT(ct_label % 32));
}

/*
 * The entry is not yet confirmed, so no one else writes its labels. It has
 * none when it was created before cvs.ko took the label in its namespace;
 * it is then found by its VIP while that is configured.
 */
void cvs_sweep_mark(struct nf_conn *ct)
{
	u32 bits[NF_CT_LABELS_MAX_SIZE / sizeof(u32)] = {};

	bits[ct_label / 32] = BIT(ct_label % 32);
	nf_connlabels_replace(ct, bits, bits, ct_label / 32 + 1);
}

/* The service and backend of a DNATed entry, in its family. */
static void cvs_entry_pair(const struct nf_conn *ct,
			   struct cvs_sweep_count *pair)
{
	const struct nf_conntrack_tuple *orig =
		&ct->tuplehash[IP_CT_DIR_ORIGINAL].tuple;
	const struct nf_conntrack_tuple *reply =
		&ct->tuplehash[IP_CT_DIR_REPLY].tuple;

	memset(pair, 0, sizeof(*pair));
	if (nf_ct_l3num(ct) == NFPROTO_IPV6) {
		pair->service.family = AF_INET6;
		memcpy(pair->service.addr, &orig->dst.u3.in6,
		       sizeof(pair->service.addr));
		memcpy(pair->backend, &reply->src.u3.in6,
		       sizeof(pair->backend));
	} else {
		pair->service.family = AF_INET;
		pair->service.addr[0] = orig->dst.u3.ip;
		pair->backend[0] = reply->src.u3.ip;
	}
	pair->service.port = orig->dst.u.all;
	pair->service.proto = orig->dst.protonum;
	pair->backend_port = reply->src.u.all;
}

static bool cvs_resets(const struct cvs_sweep *s,
		       const struct cvs_sweep_key *service)
{
	u32 i;

	for (i = 0; i < s->n_reset; i++)
		if (!memcmp(&s->reset_tcp[i], service, sizeof(*service)))
			return true;
	return false;
}

static int cvs_lookup_service(const struct cvs_binding *b,
			      const struct cvs_sweep_key *k,
			      struct cvs_svc *svc)
{
	struct cvs_svc6_key key6 = {};
	struct cvs_svc_key key = {};

	if (k->family == AF_INET6) {
		memcpy(key6.addr, k->addr, sizeof(key6.addr));
		key6.port = k->port;
		key6.proto = k->proto;
		return cvs_copy(b->maps[CVS_M_SERVICES6], &key6, svc,
				sizeof(*svc));
	}
	key.addr = k->addr[0];
	key.port = k->port;
	key.proto = k->proto;
	return cvs_copy(b->maps[CVS_M_SERVICES], &key, svc, sizeof(*svc));
}

/* Whether backend id's record is the pair's backend; -1 if unreadable. */
static int cvs_backend_is(const struct cvs_binding *b, u32 id,
			  const struct cvs_sweep_count *pair)
{
	struct cvs_backend6 be6;
	struct cvs_backend be;

	if (pair->service.family == AF_INET6) {
		if (cvs_copy(b->maps[CVS_M_BACKENDS6], &id, &be6, sizeof(be6)))
			return -1;
		return be6.port == pair->backend_port &&
		       !memcmp(be6.addr, pair->backend, sizeof(be6.addr));
	}
	if (cvs_copy(b->maps[CVS_M_BACKENDS], &id, &be, sizeof(be)))
		return -1;
	return be.port == pair->backend_port && be.addr == pair->backend[0];
}

/*
 * The pair's backend among the members of half of service id: 1 with its
 * flags in *flags, 0 when it is not one, -1 when the maps are unreadable.
 * At most max_members members, each one record.
 */
static int cvs_find_member(const struct cvs_binding *b, u32 id, u32 half,
			   const struct cvs_sweep_count *pair, u16 *flags)
{
	struct cvs_member m;
	u32 j, idx;
	int is;

	for (j = 0; j < b->max_members; j++) {
		idx = cvs_mbr_index(b->max_members, id, half, j);
		if (cvs_copy(b->maps[CVS_M_MEMBERS], &idx, &m, sizeof(m)))
			return -1;
		if (m.backend_id == CVS_MEMBER_END)
			break;
		is = cvs_backend_is(b, m.backend_id, pair);
		if (is > 0)
			*flags = m.flags;
		if (is)
			return is;
	}
	return 0;
}

enum cvs_verdict { CVS_KEEP, CVS_STALE, CVS_UNSURE };

/*
 * The readers' protocol of cvs_abi.h: the member list read between two
 * loads of the same word, and the service looked up again after them.
 */
static enum cvs_verdict cvs_judge(const struct cvs_binding *b,
				  const struct cvs_sweep_count *pair,
				  bool labelled)
{
	struct cvs_svc svc, again;
	u64 word, check;
	u16 flags = 0;
	int attempt, found;

	for (attempt = 0; attempt < CVS_SELECT_ATTEMPTS; attempt++) {
		if (cvs_lookup_service(b, &pair->service, &svc))
			return labelled ? CVS_STALE : CVS_KEEP;
		if (cvs_load_word(b, &svc.id, &word))
			return CVS_UNSURE;
		found = cvs_find_member(b, svc.id, cvs_word_half(word), pair,
					&flags);
		if (cvs_load_word(b, &svc.id, &check) || check != word)
			continue;
		if (cvs_lookup_service(b, &pair->service, &again))
			return labelled ? CVS_STALE : CVS_KEEP;
		if (again.id != svc.id)
			continue;
		if (found < 0)
			return CVS_UNSURE;
		if (!found || (flags & CVS_MEMBER_F_DOWN))
			return CVS_STALE;
		return CVS_KEEP;
	}
	return CVS_UNSURE;
}

/* The record counting pair, added if new; NULL when the result is full. */
static struct cvs_sweep_count *cvs_count_of(struct cvs_sweep *s,
					    const struct cvs_sweep_count *pair)
{
	u32 h = jhash(pair, CVS_PAIR_KEY_LEN, 0) % CVS_SWEEP_BUCKETS;
	struct cvs_sweep_count *p;
	u16 i;

	for (i = s->head[h]; i; i = s->next[i - 1])
		if (!memcmp(&s->pairs[i - 1], pair, CVS_PAIR_KEY_LEN))
			return &s->pairs[i - 1];
	if (s->n_pairs == CVS_SWEEP_PAIRS)
		return NULL;
	p = &s->pairs[s->n_pairs];
	*p = *pair;
	s->next[s->n_pairs] = s->head[h];
	s->head[h] = ++s->n_pairs;
	return p;
}

/*
 * Called by conntrack for each entry of a namespace with its hash bucket
 * locked and bottom halves off; returning 1 deletes the entry.
 */
static int cvs_sweep_entry(struct nf_conn *ct, void *data)
{
	struct cvs_sweep *s = data;
	const struct cvs_binding *b;
	struct cvs_sweep_count pair, *p;
	enum cvs_verdict v;
	bool tcp;

	if (!(ct->status & IPS_DST_NAT))
		return 0;
	cvs_entry_pair(ct, &pair);
	tcp = pair.service.proto == IPPROTO_TCP;
	if (!tcp && pair.service.proto != IPPROTO_UDP)
		return 0;
	if (tcp && !cvs_resets(s, &pair.service))
		return 0;

	rcu_read_lock();
	b = rcu_dereference(cvs_bound);
	v = b ? cvs_judge(b, &pair, cvs_labelled(ct)) : CVS_KEEP;
	rcu_read_unlock();
	if (v == CVS_KEEP)
		return 0;
	p = v == CVS_STALE ? cvs_count_of(s, &pair) : NULL;
	if (!p) {
		s->deferred++;
		return 0;
	}
	if (tcp)
		p->tcp++;
	else
		p->udp++;
	s->deleted++;
	return 1;
}

/*
 * Every namespace, not only those the hooks serve: an entry stays where it
 * was made after all_netns or the module changed. A namespace whose
 * conntrack holds nothing costs one atomic read.
 */
static void cvs_sweep_all(struct cvs_sweep *s)
{
	struct nf_ct_iter_data iter = { .data = s };
	struct net *net;

	down_read(&net_rwsem);
	for_each_net(net) {
		iter.net = net;
		nf_ct_iterate_cleanup_net(cvs_sweep_entry, &iter);
	}
	up_read(&net_rwsem);
}

/* The sweep's result as the file shows it; replaces the previous one. */
static int cvs_keep_result(const struct cvs_sweep *s, u64 ticket)
{
	size_t records = s->n_pairs * sizeof(s->pairs[0]);
	struct cvs_sweep_result *r;

	r = kvmalloc(sizeof(*r) + records, GFP_KERNEL);
	if (!r)
		return -ENOMEM;
	r->ticket = ticket;
	r->count = s->n_pairs;
	r->deferred = s->deferred;
	memcpy(r + 1, s->pairs, records);
	kvfree(cvs_result);
	cvs_result = r;
	cvs_result_len = sizeof(*r) + records;
	return 0;
}

ssize_t cvs_sweep_write(const char *buf, loff_t off, size_t count)
{
	const struct cvs_sweep_request *req = (const void *)buf;
	struct cvs_sweep *s;
	int err;

	if (!capable(CAP_NET_ADMIN))
		return -EPERM;
	if (off || count < sizeof(*req) || count > CVS_SWEEP_REQUEST_MAX ||
	    req->flags ||
	    count != struct_size(req, reset_tcp, req->n_reset))
		return -EINVAL;
	s = kvzalloc(sizeof(*s), GFP_KERNEL);
	if (!s)
		return -ENOMEM;
	s->reset_tcp = req->reset_tcp;
	s->n_reset = req->n_reset;

	mutex_lock(&cvs_sweep_lock);
	cvs_sweep_all(s);
	err = cvs_keep_result(s, req->ticket);
	mutex_unlock(&cvs_sweep_lock);

	atomic64_inc(&cvs_counters.sweeps);
	atomic64_add(s->deleted, &cvs_counters.sweep_deleted);
	atomic64_add(s->deferred, &cvs_counters.sweep_deferred);
	kvfree(s);
	return err ?: count;
}

ssize_t cvs_sweep_read(char *buf, loff_t off, size_t count)
{
	ssize_t n = 0;

	mutex_lock(&cvs_sweep_lock);
	if (off < cvs_result_len) {
		n = min_t(size_t, count, cvs_result_len - off);
		memcpy(buf, (const char *)cvs_result + off, n);
	}
	mutex_unlock(&cvs_sweep_lock);
	return n;
}

int cvs_sweep_init(void)
{
	BUILD_BUG_ON(sizeof(struct cvs_sweep_key) != 20);
	BUILD_BUG_ON(sizeof(struct cvs_sweep_count) != 52);
	BUILD_BUG_ON(CVS_PAIR_KEY_LEN % sizeof(u32));
	BUILD_BUG_ON(CVS_SWEEP_PAIRS > U16_MAX);
	if (ct_label >= NF_CT_LABELS_MAX_SIZE * BITS_PER_BYTE)
		return -ERANGE;
	/* A result before the first sweep: no ticket, nothing deleted. */
	cvs_result = kvzalloc(sizeof(*cvs_result), GFP_KERNEL);
	if (!cvs_result)
		return -ENOMEM;
	cvs_result_len = sizeof(*cvs_result);
	return 0;
}

/* After the sweep file is gone, so no sweep is running. */
void cvs_sweep_exit(void)
{
	kvfree(cvs_result);
}

// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Flow sweeps over sock_diag, for kernels without bpf_sock_destroy() (before
 * 6.5, such as Debian 12's 6.1): the same decision as cvs_flows.bpf.c, made
 * here from the maps, and SOCK_DESTROY (CONFIG_INET_DIAG_DESTROY) to end a
 * socket. Runs in the namespace of the calling thread: flows.c's sweep
 * thread enters each namespace and calls cvs_flows_diag_sweep() there.
 *
 * Which sockets the socket-LB translated, and to which service, is in their
 * cvs_sklb_v1 records, which a TCP dump returns beside each socket
 * (INET_DIAG_REQ_SK_BPF_STORAGES). A UDP dump does not (the kernel fills
 * socket storage only for sockets with a connection sock), so for UDP the
 * socket tables tell: their entry for (cookie, backend) names the VIP the
 * socket asked for. An old socket whose entry the LRU evicted is missed
 * there; the iterators have no such gap. A socket the socket-LB did not
 * translate is never touched, even if it talks to a removed backend's
 * address directly.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>

#include <bpf/bpf.h>

#include "internal.h"

/* Sockets in these states can still carry traffic to their backend (the
 * kernel's TCP state numbers, which <linux/bpf.h> has as BPF_TCP_*; a
 * connected UDP socket is "established"). */
#define UDP_STATES (1u << BPF_TCP_ESTABLISHED)
#define TCP_STATES ((1u << BPF_TCP_ESTABLISHED) | (1u << BPF_TCP_SYN_SENT) | \
		    (1u << BPF_TCP_CLOSE_WAIT) | (1u << BPF_TCP_FIN_WAIT1) | \
		    (1u << BPF_TCP_FIN_WAIT2))

struct diag_req {
	struct nlmsghdr nlh;
	struct inet_diag_req_v2 req;
	char attrs[32];
};

/* A socket to end: its diag id, family and protocol, and what it counts to. */
struct victim {
	struct inet_diag_sockid id;
	__u8 family;
	__u8 proto;
	struct cvs_flow_count pair;
};

struct victims {
	struct victim *v;
	__u32 len;
	__u32 cap;
};

static struct rtattr *rta_put(char *buf, size_t *off, __u16 type,
			      const void *data, __u16 len)
{
	struct rtattr *rta = (struct rtattr *)(buf + *off);

	rta->rta_type = type;
	rta->rta_len = RTA_LENGTH(len);
	if (data)
		memcpy(RTA_DATA(rta), data, len);
	*off += RTA_ALIGN(rta->rta_len);
	return rta;
}

static int dump_request(int nl, __u8 family, __u8 proto, __u32 states,
			int sklb_fd)
{
	struct diag_req r = {};
	struct rtattr *nest;
	size_t off = 0;
	__u32 fd = sklb_fd;

	r.req.sdiag_family = family;
	r.req.sdiag_protocol = proto;
	r.req.idiag_states = states;
	nest = rta_put(r.attrs, &off, INET_DIAG_REQ_SK_BPF_STORAGES | NLA_F_NESTED,
		       NULL, 0);
	rta_put(r.attrs, &off, SK_DIAG_BPF_STORAGE_REQ_MAP_FD, &fd, sizeof(fd));
	nest->rta_len = (char *)r.attrs + off - (char *)nest;
	r.nlh.nlmsg_len = NLMSG_LENGTH(sizeof(r.req) + off);
	r.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
	r.nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	return send(nl, &r, r.nlh.nlmsg_len, 0) < 0 ? -errno : 0;
}

/* The socket's cvs_sklb_v1 record among its attributes; false without. */
static bool record_of(const struct inet_diag_msg *msg, int len,
		      struct cvs_sock_flow *out)
{
	struct rtattr *a = (struct rtattr *)(msg + 1), *s, *f;
	int alen, slen;

	for (; RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		if ((a->rta_type & NLA_TYPE_MASK) != INET_DIAG_SK_BPF_STORAGES)
			continue;
		alen = RTA_PAYLOAD(a);
		for (s = RTA_DATA(a); RTA_OK(s, alen); s = RTA_NEXT(s, alen)) {
			if ((s->rta_type & NLA_TYPE_MASK) !=
			    SK_DIAG_BPF_STORAGE)
				continue;
			slen = RTA_PAYLOAD(s);
			for (f = RTA_DATA(s); RTA_OK(f, slen);
			     f = RTA_NEXT(f, slen)) {
				if ((f->rta_type & NLA_TYPE_MASK) !=
					    SK_DIAG_BPF_STORAGE_MAP_VALUE ||
				    RTA_PAYLOAD(f) < (int)sizeof(*out))
					continue;
				memcpy(out, RTA_DATA(f), sizeof(*out));
				return true;
			}
		}
	}
	return false;
}

/* Whether the socket still talks to the record's backend: one connected
 * elsewhere since is none of the sweep's business. */
static bool still_sent_there(const struct inet_diag_msg *msg,
			     const struct cvs_sock_flow *f)
{
	if (msg->id.idiag_dport != f->backend_port)
		return false;
	if (f->family == AF_INET6)
		return !memcmp(msg->id.idiag_dst, f->backend, 16);
	if (msg->idiag_family == AF_INET)
		return msg->id.idiag_dst[0] == f->backend[0];
	/* an IPv6 socket sent to ::ffff:<IPv4 backend> */
	return !msg->id.idiag_dst[0] && !msg->id.idiag_dst[1] &&
	       msg->id.idiag_dst[2] == htonl(0xffff) &&
	       msg->id.idiag_dst[3] == f->backend[0];
}

/* The socket tables' fds, IPv4 and IPv6; -1 where not pinned. */
struct nat_fds {
	int v4;
	int v6;
};

/* A connected UDP socket's flow from the socket tables: false when the
 * socket-LB did not translate it (or its entry was evicted). */
static bool record_from_nat(const struct nat_fds *nat,
			    const struct inet_diag_msg *msg,
			    struct cvs_sock_flow *out)
{
	const __u32 *dst = msg->id.idiag_dst;
	__u64 cookie = (__u64)msg->id.idiag_cookie[1] << 32 |
		       msg->id.idiag_cookie[0];
	bool mapped = msg->idiag_family == AF_INET6 && !dst[0] && !dst[1] &&
		      dst[2] == htonl(0xffff);

	memset(out, 0, sizeof(*out));
	out->proto = IPPROTO_UDP;
	out->flags = CVS_SOCK_FLOW_CONNECTED;
	out->backend_port = msg->id.idiag_dport;
	if (msg->idiag_family == AF_INET || mapped) {
		struct cvs_sknat_key k = { .cookie = cookie,
					   .addr = mapped ? dst[3] : dst[0],
					   .port = msg->id.idiag_dport };
		struct cvs_sknat v;

		if (nat->v4 < 0 || bpf_map_lookup_elem(nat->v4, &k, &v))
			return false;
		out->family = AF_INET;
		out->vip[0] = v.vip;
		out->vip_port = v.vip_port;
		out->backend[0] = k.addr;
		return true;
	} else {
		struct cvs_sknat6_key k = { .cookie = cookie,
					    .port = msg->id.idiag_dport };
		struct cvs_sknat6 v;

		memcpy(k.addr, dst, sizeof(k.addr));
		if (nat->v6 < 0 || bpf_map_lookup_elem(nat->v6, &k, &v))
			return false;
		out->family = AF_INET6;
		memcpy(out->vip, v.vip, sizeof(out->vip));
		out->vip_port = v.vip_port;
		memcpy(out->backend, dst, sizeof(out->backend));
		return true;
	}
}

static bool in_reset(const struct cvs_service_key *key,
		     const struct cvs_service_key *reset_tcp, __u32 n_reset)
{
	__u32 i;

	for (i = 0; i < n_reset; i++)
		if (reset_tcp[i].family == key->family &&
		    reset_tcp[i].proto == key->proto &&
		    reset_tcp[i].port == key->port &&
		    !memcmp(reset_tcp[i].addr, key->addr, sizeof(key->addr)))
			return true;
	return false;
}

/*
 * The rule of cvsbpf.h, read from the maps as readers read them: stale when
 * the service is gone, or the backend is not a member of its current
 * generation, or is a down member. A generation that moves under every
 * attempt leaves the socket for the next sweep (not stale).
 */
static bool stale(struct cvs_maps *m, const struct cvs_service_key *key,
		  const struct cvs_sock_flow *f)
{
	struct cvs_member members[256], *mb = members;
	struct cvs_endpoint want = { .port = f->backend_port }, have;
	struct cvs_backend be;
	struct cvs_backend6 be6;
	struct cvs_map_key mk;
	struct cvs_svc svc;
	__u32 attempt, n, j;
	bool found = false, down = false, ok = false;
	__u64 word;

	memcpy(want.addr, f->backend, sizeof(want.addr));
	if (cvs_map_key(key, &mk))
		return false;
	if (m->meta.max_members > 256) {
		mb = calloc(m->meta.max_members, sizeof(*mb));
		if (!mb)
			return false;
	}
	for (attempt = 0; attempt < CVS_SELECT_ATTEMPTS && !ok; attempt++) {
		if (bpf_map_lookup_elem(m->fds[mk.map], &mk.u, &svc)) {
			found = false;
			ok = true;
			break;
		}
		word = cvs_word_load(m, svc.id);
		if (cvs_read_members(m, svc.id, word, mb, m->meta.max_members,
				     &n))
			continue;
		found = down = false;
		for (j = 0; j < n && j < m->meta.max_members && !found; j++) {
			if (cvs_backend_lookup(m, mb[j].backend_id, &be, &be6))
				continue;
			cvs_endpoint_of(&be, &be6, &have);
			if (!cvs_endpoint_cmp(&have, &want)) {
				found = true;
				down = mb[j].flags & CVS_MEMBER_F_DOWN;
			}
		}
		ok = cvs_word_load(m, svc.id) == word;
	}
	if (mb != members)
		free(mb);
	return ok && (!found || down);
}

static int victims_add(struct victims *vs, const struct inet_diag_msg *msg,
		       __u8 proto, const struct cvs_service_key *key,
		       const struct cvs_sock_flow *f)
{
	struct victim *v;

	if (vs->len == vs->cap) {
		__u32 cap = vs->cap ? vs->cap * 2 : 64;

		v = realloc(vs->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		vs->v = v;
		vs->cap = cap;
	}
	v = &vs->v[vs->len++];
	memset(v, 0, sizeof(*v));
	v->id = msg->id;
	v->family = msg->idiag_family;
	v->proto = proto;
	v->pair.service = *key;
	memcpy(v->pair.backend, f->backend, sizeof(v->pair.backend));
	v->pair.backend_port = f->backend_port;
	return 0;
}

/* One dump of (family, proto): the stale sockets join vs. */
static int collect(struct cvs_maps *m, int sklb_fd, const struct nat_fds *nat,
		   __u8 family, __u8 proto,
		   const struct cvs_service_key *reset_tcp, __u32 n_reset,
		   struct victims *vs)
{
	static char buf[65536];
	struct cvs_service_key key;
	struct cvs_sock_flow f;
	struct nlmsghdr *h;
	int nl, err;
	ssize_t len;
	bool done = false;

	nl = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	if (nl < 0)
		return -errno;
	err = dump_request(nl, family, proto,
			   proto == IPPROTO_TCP ? TCP_STATES : UDP_STATES,
			   sklb_fd);
	while (!err && !done) {
		len = recv(nl, buf, sizeof(buf), 0);
		if (len < 0) {
			err = -errno;
			break;
		}
		for (h = (struct nlmsghdr *)buf; NLMSG_OK(h, len);
		     h = NLMSG_NEXT(h, len)) {
			const struct inet_diag_msg *msg = NLMSG_DATA(h);

			if (h->nlmsg_type == NLMSG_DONE) {
				done = true;
				break;
			}
			if (h->nlmsg_type == NLMSG_ERROR) {
				err = ((struct nlmsgerr *)NLMSG_DATA(h))->error;
				break;
			}
			if (!record_of(msg, h->nlmsg_len - NLMSG_LENGTH(sizeof(*msg)),
				       &f) &&
			    (proto != IPPROTO_UDP ||
			     !record_from_nat(nat, msg, &f)))
				continue;
			if (f.proto != proto || !still_sent_there(msg, &f))
				continue;
			if (proto == IPPROTO_UDP &&
			    !(f.flags & CVS_SOCK_FLOW_CONNECTED))
				continue;
			memset(&key, 0, sizeof(key));
			memcpy(key.addr, f.vip, sizeof(key.addr));
			key.port = f.vip_port;
			key.proto = f.proto;
			key.family = f.family;
			if (proto == IPPROTO_TCP &&
			    !in_reset(&key, reset_tcp, n_reset))
				continue;
			if (stale(m, &key, &f))
				err = victims_add(vs, msg, proto, &key, &f);
		}
	}
	close(nl);
	return err;
}

/* End one socket with SOCK_DESTROY; the kernel finds it by its id. */
static int destroy(int nl, const struct victim *v)
{
	struct diag_req r = {};
	char ack[NLMSG_SPACE(sizeof(struct nlmsgerr)) + 256];
	struct nlmsghdr *h;
	ssize_t len;

	r.req.sdiag_family = v->family;
	r.req.sdiag_protocol = v->proto;
	r.req.idiag_states = ~0u;
	r.req.id = v->id;
	r.nlh.nlmsg_len = NLMSG_LENGTH(sizeof(r.req));
	r.nlh.nlmsg_type = SOCK_DESTROY;
	r.nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	if (send(nl, &r, r.nlh.nlmsg_len, 0) < 0)
		return -errno;
	len = recv(nl, ack, sizeof(ack), 0);
	if (len < 0)
		return -errno;
	h = (struct nlmsghdr *)ack;
	if (!NLMSG_OK(h, len) || h->nlmsg_type != NLMSG_ERROR)
		return -EPROTO;
	return ((struct nlmsgerr *)NLMSG_DATA(h))->error;
}

/* Add what v ended to the pair's count in out (at most cap pairs; *n all). */
static void count(struct cvs_flow_count *out, __u32 cap, __u32 *n,
		  const struct victim *v)
{
	__u32 i;

	for (i = 0; i < *n && i < cap; i++)
		if (!memcmp(&out[i].service, &v->pair.service,
			    sizeof(v->pair.service)) &&
		    !memcmp(out[i].backend, v->pair.backend,
			    sizeof(v->pair.backend)) &&
		    out[i].backend_port == v->pair.backend_port)
			break;
	if (i == *n) {
		if (i < cap)
			out[i] = v->pair;
		(*n)++;
	}
	if (i < cap) {
		if (v->proto == IPPROTO_TCP)
			out[i].tcp++;
		else
			out[i].udp++;
	}
}

int cvs_flows_diag_sweep(struct cvs_maps *m, int sklb_fd,
			 const struct cvs_service_key *reset_tcp, __u32 n_reset,
			 struct cvs_flow_count *out, __u32 cap, __u32 *n)
{
	static const __u8 families[] = { AF_INET, AF_INET6 };
	struct nat_fds nat = { -1, -1 };
	struct victims vs = {};
	char path[PATH_MAX];
	__u32 i;
	int nl, err = 0, f;

	if (!cvs_path_join(path, m->root, CVS_MAP_SOCK_NAT))
		nat.v4 = bpf_obj_get(path);
	if (!cvs_path_join(path, m->root, CVS_MAP_SOCK_NAT6))
		nat.v6 = bpf_obj_get(path);
	for (f = 0; f < 2 && !err; f++) {
		err = collect(m, sklb_fd, &nat, families[f], IPPROTO_UDP,
			      reset_tcp, n_reset, &vs);
		if (!err && n_reset)
			err = collect(m, sklb_fd, &nat, families[f],
				      IPPROTO_TCP, reset_tcp, n_reset, &vs);
	}
	if (nat.v4 >= 0)
		close(nat.v4);
	if (nat.v6 >= 0)
		close(nat.v6);
	nl = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	if (nl < 0)
		err = err ?: -errno;
	for (i = 0; nl >= 0 && i < vs.len; i++) {
		int ret = destroy(nl, &vs.v[i]);

		/* gone meanwhile: closed by its owner, nothing to end */
		if (!ret)
			count(out, cap, n, &vs.v[i]);
		else if (ret != -ENOENT)
			err = err ?: ret;
	}
	if (nl >= 0)
		close(nl);
	free(vs.v);
	return err;
}

bool cvs_flows_diag_works(void)
{
	struct sockaddr_in to = { .sin_family = AF_INET,
				  .sin_port = htons(9),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct sockaddr_in self;
	socklen_t len = sizeof(self);
	struct victim v = { .family = AF_INET, .proto = IPPROTO_UDP };
	int fd, nl, ret = -1;

	/* End a connected UDP socket of our own: what a sweep does. */
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	nl = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	if (fd >= 0 && nl >= 0 &&
	    !connect(fd, (struct sockaddr *)&to, sizeof(to)) &&
	    !getsockname(fd, (struct sockaddr *)&self, &len)) {
		v.id.idiag_sport = self.sin_port;
		v.id.idiag_dport = to.sin_port;
		v.id.idiag_src[0] = self.sin_addr.s_addr;
		v.id.idiag_dst[0] = to.sin_addr.s_addr;
		v.id.idiag_cookie[0] = INET_DIAG_NOCOOKIE;
		v.id.idiag_cookie[1] = INET_DIAG_NOCOOKIE;
		ret = destroy(nl, &v);
	}
	if (fd >= 0)
		close(fd);
	if (nl >= 0)
		close(nl);
	return ret == 0;
}

// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Flow sweeps of the socket-LB (cvsbpf.h): the iterators of cvs_flows.bpf.c
 * run in every network namespace of the processes below the socket-LB's
 * cgroup and end the sockets sent to a backend that is gone.
 *
 * An iterator sees the sockets of the namespace of the thread that creates
 * it (bpf_iter_create), so a thread of our own enters each namespace in
 * turn; the caller's thread never changes namespace. The namespaces are
 * found through the cgroup's processes, and deduplicated by inode, so a
 * thousand processes of one pod cost one run.
 *
 * Without bpf_sock_destroy() (before 6.5) the same thread runs the sweep of
 * flows_diag.c in each namespace instead: sock_diag dumps with the sockets'
 * records, the decision made here, SOCK_DESTROY. CVS_FLOWS_MECHANISM=netlink
 * in the environment chooses that path where both work, so that it is tested
 * on kernels that have the iterators.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "internal.h"
#include "cvs_flows.skel.h"

/* The key and value of cvs_flow_counts, as cvs_flows.bpf.c has them. */
struct flow_key {
	struct cvs_service_key service;
	__be32 backend[4];
	__be16 backend_port;
	__u16 pad;
};

struct flow_ended {
	__u32 tcp;
	__u32 udp;
};

/* The sweep's object on m's maps and the socket storage at sklb_fd. */
static int load_flows(struct cvs_maps *m, int sklb_fd, __u32 n_reset,
		      struct cvs_flows **out)
{
	struct cvs_flows *skel;
	int i, err = 0;

	skel = cvs_flows__open();
	if (!skel)
		return -errno;
	skel->rodata->cvs_max_members = m->meta.max_members;
	for (i = 0; i < CVS_M_COUNT && !err; i++) {
		struct bpf_map *map = bpf_object__find_map_by_name(
			skel->obj, cvs_map_names[i]);

		err = map ? bpf_map__reuse_fd(map, m->fds[i]) : -ENOENT;
	}
	if (!err && sklb_fd >= 0)
		err = bpf_map__reuse_fd(skel->maps.cvs_sklb_v1, sklb_fd);
	if (!err && (bpf_map__key_size(skel->maps.cvs_flow_reset) !=
		     sizeof(struct cvs_service_key) ||
		     bpf_map__key_size(skel->maps.cvs_flow_counts) !=
		     sizeof(struct flow_key)))
		err = -EPROTO;
	err = err ?: bpf_map__set_max_entries(skel->maps.cvs_flow_reset,
					      n_reset ?: 1);
	/* TCP is swept only for the services that ask for it. */
	err = err ?: bpf_program__set_autoload(skel->progs.cvs_sweep_tcp,
					       n_reset != 0);
	err = err ?: cvs_flows__load(skel);
	if (err) {
		cvs_log(CVS_LOG_ERROR, "loading the flow sweep programs: %s",
			strerror(-err));
		cvs_flows__destroy(skel);
		return err;
	}
	*out = skel;
	return 0;
}

/* The mechanism this kernel offers; probed once, it does not change. */
static pthread_once_t probe_once = PTHREAD_ONCE_INIT;
static enum cvs_flow_mechanism probed = CVS_FLOWS_NONE;

static bool iterators_work(void)
{
	struct cvs_flows *skel;
	struct btf *vmlinux;
	bool kfunc, ok;

	vmlinux = btf__load_vmlinux_btf();
	if (!vmlinux)
		return false;
	kfunc = btf__find_by_name_kind(vmlinux, "bpf_sock_destroy",
				       BTF_KIND_FUNC) > 0;
	btf__free(vmlinux);
	if (!kfunc)
		return false;
	/* The iterators must load too: on maps of their own, a probe. */
	skel = cvs_flows__open();
	if (!skel)
		return false;
	ok = !cvs_flows__load(skel);
	cvs_flows__destroy(skel);
	return ok;
}

static void probe(void)
{
	const char *want = getenv("CVS_FLOWS_MECHANISM");
	bool netlink = want && !strcmp(want, "netlink");

	if (!netlink && iterators_work())
		probed = CVS_FLOWS_BPF_ITER;
	/* Without records there is nothing to tell our sockets by. */
	else if (cvs_sock_storage_ok() && cvs_flows_diag_works())
		probed = CVS_FLOWS_NETLINK;
}

CVS_API int cvs_flows_status(struct cvs_maps *m, struct cvs_flows_status *out)
{
	if (!m || !out)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	pthread_once(&probe_once, probe);
	out->mechanism = probed;
	out->reverse = cvs_sock_storage_ok() ? CVS_REVERSE_SOCKET :
					       CVS_REVERSE_LRU;
	/* cvs.ko sweeps through this file (cvs_module_sweep, module.c). */
	out->module_sweep = !access(CVS_MODULE_SYSFS "/sweep", W_OK);
	return 0;
}

struct run {
	const struct cvs_netns_set *ns;
	struct bpf_link *links[2];	/* CVS_FLOWS_BPF_ITER */
	struct cvs_maps *m;		/* CVS_FLOWS_NETLINK: its arguments */
	int sklb_fd;
	const struct cvs_service_key *reset_tcp;
	__u32 n_reset;
	struct cvs_flow_count *out;
	__u32 cap;
	__u32 count;
	int err;
};

/* Create an iterator of link here and read it to its end: that runs the
 * program on every socket of this namespace. */
static int run_iter(struct bpf_link *link)
{
	char buf[256];
	ssize_t n;
	int fd;

	fd = bpf_iter_create(bpf_link__fd(link));
	if (fd < 0)
		return fd;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		;
	close(fd);
	return n < 0 ? -errno : 0;
}

/* The sweep's own thread: it enters each namespace in turn. */
static void *run_all(void *arg)
{
	struct run *r = arg;
	__u32 i;
	int l, err;

	for (i = 0; i < r->ns->len; i++) {
		if (setns(r->ns->fds[i], CLONE_NEWNET)) {
			err = -errno;
			cvs_log(CVS_LOG_WARN, "entering a network namespace: %s",
				strerror(errno));
			r->err = r->err ?: err;
			continue;
		}
		if (probed == CVS_FLOWS_NETLINK) {
			err = cvs_flows_diag_sweep(r->m, r->sklb_fd,
						   r->reset_tcp, r->n_reset,
						   r->out, r->cap, &r->count);
			if (err) {
				cvs_log(CVS_LOG_WARN, "flow sweep: %s",
					strerror(-err));
				r->err = r->err ?: err;
			}
			continue;
		}
		for (l = 0; l < 2; l++) {
			if (!r->links[l])
				continue;
			err = run_iter(r->links[l]);
			if (err) {
				cvs_log(CVS_LOG_WARN, "flow sweep: %s",
					strerror(-err));
				r->err = r->err ?: err;
			}
		}
	}
	return NULL;
}

static int fill_reset(struct cvs_flows *skel,
		      const struct cvs_service_key *reset_tcp, __u32 n_reset)
{
	int fd = bpf_map__fd(skel->maps.cvs_flow_reset);
	struct cvs_service_key k;
	__u8 one = 1;
	__u32 i;
	int err;

	for (i = 0; i < n_reset; i++) {
		/* Hashed whole: only the fields a record has. */
		memset(&k, 0, sizeof(k));
		memcpy(k.addr, reset_tcp[i].addr, sizeof(k.addr));
		k.port = reset_tcp[i].port;
		k.proto = reset_tcp[i].proto;
		k.family = reset_tcp[i].family;
		err = bpf_map_update_elem(fd, &k, &one, BPF_ANY);
		if (err)
			return err;
	}
	return 0;
}

static int read_counts(struct cvs_flows *skel, struct cvs_flow_count *out,
		       __u32 cap, __u32 *count)
{
	int fd = bpf_map__fd(skel->maps.cvs_flow_counts);
	struct flow_key key, next;
	struct flow_ended v;
	void *prev = NULL;
	__u32 n = 0;
	int err;

	while (!(err = bpf_map_get_next_key(fd, prev, &next))) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, &v))
			continue;
		if (n < cap) {
			memset(&out[n], 0, sizeof(out[n]));
			out[n].service = key.service;
			memcpy(out[n].backend, key.backend,
			       sizeof(out[n].backend));
			out[n].backend_port = key.backend_port;
			out[n].tcp = v.tcp;
			out[n].udp = v.udp;
		}
		n++;
	}
	*count = n;
	if (err != -ENOENT)
		return err;
	return n > cap ? -ENOBUFS : 0;
}

static int sweep(struct cvs_maps *m, int sklb_fd, const char *cgroup_path,
		 const struct cvs_service_key *reset_tcp, __u32 n_reset,
		 struct cvs_flow_count *out, __u32 cap, __u32 *count)
{
	struct cvs_netns_set ns = {};
	struct run r = { .ns = &ns, .m = m, .sklb_fd = sklb_fd,
			 .reset_tcp = reset_tcp, .n_reset = n_reset,
			 .out = out, .cap = cap };
	struct cvs_flows *skel = NULL;
	pthread_t thread;
	int err;

	if (probed == CVS_FLOWS_NETLINK) {
		err = cvs_netns_collect(cgroup_path, &ns) ?:
		      -pthread_create(&thread, NULL, run_all, &r);
		if (!err) {
			pthread_join(thread, NULL);
			*count = r.count;
			err = r.err ?: (r.count > cap ? -ENOBUFS : 0);
		}
		cvs_netns_free(&ns);
		return err;
	}
	pthread_mutex_lock(&m->lock);
	err = m->switched ? -ESTALE : load_flows(m, sklb_fd, n_reset, &skel);
	pthread_mutex_unlock(&m->lock);
	err = err ?: fill_reset(skel, reset_tcp, n_reset) ?:
	      cvs_netns_collect(cgroup_path, &ns);
	if (err)
		goto out;
	r.links[0] = bpf_program__attach_iter(skel->progs.cvs_sweep_udp, NULL);
	if (!r.links[0]) {
		err = -errno;
		goto out;
	}
	if (n_reset) {
		r.links[1] = bpf_program__attach_iter(skel->progs.cvs_sweep_tcp,
						      NULL);
		if (!r.links[1]) {
			err = -errno;
			goto out;
		}
	}
	err = -pthread_create(&thread, NULL, run_all, &r);
	if (err)
		goto out;
	pthread_join(thread, NULL);
	/* What was ended is counted whatever failed beside it. */
	err = read_counts(skel, out, cap, count) ?: r.err;
out:
	bpf_link__destroy(r.links[0]);
	bpf_link__destroy(r.links[1]);
	cvs_flows__destroy(skel);
	cvs_netns_free(&ns);
	return err;
}

CVS_API int cvs_flows_sweep(struct cvs_maps *m, const char *cgroup_path,
			    const struct cvs_service_key *reset_tcp,
			    __u32 n_reset, struct cvs_flow_count *out,
			    __u32 cap, __u32 *count)
{
	char path[PATH_MAX], attached[PATH_MAX];
	struct cvs_map_key mk;
	__u32 i;
	int err, sklb_fd;

	if (!m || !count || (cap && !out) || (n_reset && !reset_tcp))
		return -EINVAL;
	*count = 0;
	for (i = 0; i < n_reset; i++) {
		err = cvs_map_key(&reset_tcp[i], &mk);
		if (err)
			return err;
	}
	pthread_once(&probe_once, probe);
	if (probed == CVS_FLOWS_NONE)
		return -EOPNOTSUPP;
	err = cvs_path_join(path, m->root, CVS_MAP_SOCK_FLOW);
	if (err)
		return err;
	/* Never attached here: no socket has a record to sweep. */
	if (access(path, F_OK))
		return 0;
	sklb_fd = bpf_obj_get(path);
	if (sklb_fd < 0)
		return sklb_fd;
	if (!cgroup_path) {
		/* Not attached any more: the caller's namespace only. */
		err = cvs_attached_cgroup(m, attached);
		if (!err)
			cgroup_path = attached;
		else if (err != -ENOENT)
			goto out;
	}
	err = sweep(m, sklb_fd, cgroup_path, reset_tcp, n_reset, out, cap,
		    count);
	if (!err)
		cvs_log(CVS_LOG_INFO, "flow sweep ended flows of %u pairs",
			*count);
out:
	close(sklb_fd);
	return err;
}

// SPDX-License-Identifier: GPL-2.0-only
/*
 * Loading, binding and unbinding: the module idles until a map set is bound,
 * refuses one it cannot use, binds only with CAP_SYS_ADMIN, and drops an
 * orphaned set for a re-created one.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/capability.h>
#include <bpf/bpf.h>

#include "checks.h"

static const struct cvs_capacity capacity = {
	.max_services = 64,
	.max_backends = 256,
	.max_members = 16,
	.table_slots = 64,
	.affinity_entries = 1024,
	.maglev_tables = 4,
	.maglev_slots = 1021,
};

/* The services every check starts from, in f's family (struct fam). */
static int configure_family(const struct fam *f)
{
	const struct cvs_backend_spec web[] = {
		backend(f->be[0], 8080, 1),
		backend(f->be[1], 8080, 2),
		backend(f->be[2], 8080, 5),
	};
	const struct cvs_backend_spec dns[] = {
		backend(f->be[0], 5353, 1),
		backend(f->be[1], 5353, 1),
	};
	const struct cvs_backend_spec alt[] = { backend(f->be[3], 9090, 1) };
	const struct cvs_backend_spec drained[] = {
		backend(f->be[0], 8080, 0),
	};

	return upsert(f->vip, 80, IPPROTO_TCP, web, ARRAY_LEN(web)) ?:
	       upsert(f->vip, 53, IPPROTO_UDP, dns, ARRAY_LEN(dns)) ?:
	       upsert(f->alt, 80, IPPROTO_TCP, alt, ARRAY_LEN(alt)) ?:
	       upsert(f->refusing, 80, IPPROTO_TCP, drained,
		      ARRAY_LEN(drained)) ?:
	       upsert(f->refusing, 53, IPPROTO_UDP, NULL, 0);
}

static int configure(void)
{
	return configure_family(&v4) ?: configure_family(&v6);
}

static int write_maps_file(const char *line)
{
	int fd = open(CVS_MODULE_SYSFS "/maps", O_WRONLY | O_CLOEXEC);
	int err = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, line, strlen(line)) < 0)
		err = -errno;
	close(fd);
	return err;
}

static bool same_ids(const struct cvs_map_ids *a, const struct cvs_map_ids *b)
{
	return !memcmp(a, b, sizeof(*a));
}

/* How many non-zero ids the module's maps file shows; -1 if unreadable. */
static int maps_file_ids(void)
{
	char *text = read_file_in(NS_ROOT, CVS_MODULE_SYSFS "/maps");
	char *at, *end;
	int n = 0;

	if (!text)
		return -1;
	for (at = text; *at; at = end) {
		if (strtoul(at, &end, 10) == 0 || end == at)
			break;
		n++;
	}
	free(text);
	return n;
}

void check_module_loads_before_maps(void)
{
	const char *name = "module_loads_before_maps";
	struct cvs_module_status st;
	char tag[TAG_LEN];
	int err;

	if (!access(CVS_PIN_ROOT_DEFAULT, F_OK))
		return fail(name, "a map set exists before the test made one");
	if (insmod(""))
		return fail(name, "insmod failed");
	err = cvs_module_status(&st);
	if (err)
		return fail(name, "cvs_module_status: %s", strerror(-err));
	if (st.bound || st.abi_version != CVS_ABI_VERSION || st.binds)
		return fail(name, "status bound %u abi %u binds %llu", st.bound,
			    st.abi_version, (unsigned long long)st.binds);
	err = tcp_probe(NS_ROOT, "192.0.2.10", 80, TIMEOUT_MS, tag);
	if (err || strcmp(tag, "192.0.2.10:80"))
		return fail(name, "unbound module: VIP answered %s (%s)",
			    err ? "nothing" : tag, strerror(-err));
	pass(name);
}

/*
 * The first n ids of the set in CVS_MAPS order, as a line for the maps
 * file; with swap, services and gen change places.
 */
static void ids_line(char *line, size_t len, const struct cvs_map_ids *ids,
		     int n, bool swap)
{
	const __u32 *id = (const __u32 *)ids;
	size_t at = 0;
	int i, k;

	for (i = 0; i < n; i++) {
		k = !swap ? i : i == CVS_M_SERVICES ? CVS_M_GEN :
		    i == CVS_M_GEN ? CVS_M_SERVICES : i;
		at += snprintf(line + at, len - at, "%u%s", id[k],
			       i + 1 < n ? " " : "\n");
	}
}

void check_bind_refuses_bad_ids(void)
{
	const char *name = "bind_refuses_bad_ids";
	struct cvs_module_status st;
	struct cvs_map_ids ids, unknown;
	char line[CVS_M_COUNT * 11 + 2];
	__u32 i;
	int err;

	err = cvs_maps_open(CVS_PIN_ROOT_DEFAULT, &capacity, 0, &maps) ?:
	      configure() ?: cvs_maps_ids(maps, &ids);
	if (err)
		return fail(name, "creating the map set: %s", strerror(-err));
	for (i = 0; i < CVS_M_COUNT; i++)
		((__u32 *)&unknown)[i] = 999990 + i;
	ids_line(line, sizeof(line), &unknown, CVS_M_COUNT, false);
	err = write_maps_file(line);
	if (err != -ENOENT)
		return fail(name, "unknown ids gave %s, expected ENOENT",
			    strerror(-err));
	/* services and gen swapped: each map is real, its place is wrong */
	ids_line(line, sizeof(line), &ids, CVS_M_COUNT, true);
	err = write_maps_file(line);
	if (err != -EPROTO)
		return fail(name, "swapped maps gave %s, expected EPROTO",
			    strerror(-err));
	/*
	 * The ten maps of a set before the policies, the eight of one before
	 * IPv6: the module needs all of them.
	 */
	ids_line(line, sizeof(line), &ids, CVS_M_FIRST_POLICY, false);
	err = write_maps_file(line);
	if (err != -EINVAL)
		return fail(name, "%d ids gave %s, expected EINVAL",
			    CVS_M_FIRST_POLICY, strerror(-err));
	ids_line(line, sizeof(line), &ids, CVS_M_FIRST_ADDED, false);
	err = write_maps_file(line);
	if (err != -EINVAL)
		return fail(name, "%d ids gave %s, expected EINVAL",
			    CVS_M_FIRST_ADDED, strerror(-err));
	err = write_maps_file("1 2 3\n");
	if (err != -EINVAL)
		return fail(name, "three ids gave %s, expected EINVAL",
			    strerror(-err));
	err = cvs_module_status(&st);
	if (err || st.bound || st.bind_errors != 5)
		return fail(name, "status after refusals: %s, bound %u, bind_errors %llu",
			    strerror(-err), st.bound,
			    (unsigned long long)st.bind_errors);
	pass(name);
}

void check_bind(void)
{
	const char *name = "bind";
	struct cvs_module_status st;
	struct cvs_map_ids ids;
	int err, n;

	err = cvs_module_bind(maps);
	if (err)
		return fail(name, "cvs_module_bind: %s", strerror(-err));
	err = cvs_module_status(&st) ?: cvs_maps_ids(maps, &ids);
	if (err)
		return fail(name, "status: %s", strerror(-err));
	if (!st.bound || st.orphaned || st.binds != 1 ||
	    !same_ids(&st.ids, &ids))
		return fail(name, "status bound %u orphaned %u binds %llu, ids %s",
			    st.bound, st.orphaned,
			    (unsigned long long)st.binds,
			    same_ids(&st.ids, &ids) ? "same" : "differ");
	n = maps_file_ids();
	if (n != CVS_M_COUNT)
		return fail(name, CVS_MODULE_SYSFS "/maps shows %d ids, expected %d",
			    n, CVS_M_COUNT);
	pass(name);
}

static int drop_cap_sys_admin(void)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2];

	if (syscall(SYS_capget, &hdr, data))
		return -errno;
	data[0].effective &= ~(1u << CAP_SYS_ADMIN);
	return syscall(SYS_capset, &hdr, data) ? -errno : 0;
}

/* Child's exit code: 0 when a privilege-less bind failed as documented. */
static int unprivileged_bind(int as_nobody)
{
	struct cvs_module_status st;
	int err;

	err = as_nobody ? (setuid(65534) ? -errno : 0) : drop_cap_sys_admin();
	if (err)
		return 2;
	err = cvs_module_bind(maps);
	if (err != (as_nobody ? -EACCES : -EPERM))
		return 3;
	/* Reading the status needs no privilege. */
	err = cvs_module_status(&st);
	if (err)
		printf("  status without privilege: %s\n", strerror(-err));
	return err || !st.bound ? 4 : 0;
}

void check_bind_needs_privilege(void)
{
	const char *name = "bind_needs_privilege";
	int as_nobody, status;
	pid_t child;

	for (as_nobody = 0; as_nobody < 2; as_nobody++) {
		child = fork();
		if (child == 0)
			_exit(unprivileged_bind(as_nobody));
		if (child < 0 || waitpid(child, &status, 0) != child ||
		    !WIFEXITED(status) || WEXITSTATUS(status))
			return fail(name, "%s: step %d failed",
				    as_nobody ? "uid 65534" :
				    "root without CAP_SYS_ADMIN",
				    WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	}
	pass(name);
}

static bool map_exists(__u32 id)
{
	int fd = bpf_map_get_fd_by_id(id);

	if (fd < 0)
		return false;
	close(fd);
	return true;
}

void check_rebind_recreated(void)
{
	const char *name = "rebind_recreated_maps";
	const struct cvs_backend_spec web[] = { backend("10.1.0.14", 8080, 1) };
	static const char *const old_tags[] = { "10.1.0.11:8080" };
	static const char *const new_tags[] = { "10.1.0.14:8080" };
	struct cvs_module_status st;
	struct cvs_map_ids old;
	struct tally t;
	__u64 binds;
	size_t i;
	int err;

	err = cvs_maps_destroy(CVS_PIN_ROOT_DEFAULT) ?: cvs_module_status(&st);
	if (err)
		return fail(name, "destroying the set: %s", strerror(-err));
	old = st.ids;
	binds = st.binds;	/* earlier checks bound too (grow rebinds) */
	if (!st.bound || !st.orphaned)
		return fail(name, "after destroy: bound %u orphaned %u",
			    st.bound, st.orphaned);
	tcp_many(NS_CLI, "192.0.2.10", 80, 4, &t);
	if (!tally_only(&t, 4, old_tags, 1))
		return fail(name, "orphaned set served %s", tally_str(&t, s1));
	err = cvs_maps_open(CVS_PIN_ROOT_DEFAULT, &capacity, 0, &maps) ?:
	      configure() ?:
	      upsert("192.0.2.10", 80, IPPROTO_TCP, web, 1) ?:
	      cvs_module_bind(maps) ?: cvs_module_status(&st);
	if (err)
		return fail(name, "re-creating and binding: %s",
			    strerror(-err));
	if (!st.bound || st.orphaned || st.binds != binds + 1 ||
	    same_ids(&st.ids, &old))
		return fail(name, "after rebind: bound %u orphaned %u binds %llu",
			    st.bound, st.orphaned,
			    (unsigned long long)st.binds);
	tcp_many(NS_CLI, "192.0.2.10", 80, 4, &t);
	if (!tally_only(&t, 4, new_tags, 1))
		return fail(name, "new set served %s", tally_str(&t, s1));
	/* The module's references were the last ones: the old maps are gone. */
	for (i = 0; i < CVS_M_COUNT; i++)
		if (map_exists(((__u32 *)&old)[i]))
			return fail(name, "old map %u still exists",
				    ((__u32 *)&old)[i]);
	pass(name);
}

void check_unbind(void)
{
	const char *name = "unbind";
	struct cvs_module_status st;
	char tag[TAG_LEN];
	int err;

	err = cvs_module_unbind() ?: cvs_module_status(&st);
	if (err || st.bound)
		return fail(name, "unbind: %s, bound %u", strerror(-err),
			    st.bound);
	err = tcp_probe(NS_CLI, "192.0.2.10", 80, TIMEOUT_MS, tag);
	if (err || strcmp(tag, "192.0.2.10:80"))
		return fail(name, "unbound: VIP answered %s",
			    err ? strerror(-err) : tag);
	err = cvs_module_bind(maps) ?:
	      tcp_probe(NS_CLI, "192.0.2.10", 80, TIMEOUT_MS, tag);
	if (err || strcmp(tag, "10.1.0.14:8080"))
		return fail(name, "bound again: %s",
			    err ? strerror(-err) : tag);
	pass(name);
}


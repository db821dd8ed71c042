// SPDX-License-Identifier: GPL-2.0-only
/*
 * /sys/kernel/cvs: binding and status, one value per file.
 *
 *   maps           (0644) the bound map ids, CVS_M_COUNT (15) numbers in the
 *                  order of CVS_MAPS (cvs_abi.h) and struct cvs_map_ids,
 *                  all 0 when unbound. Root writes CVS_M_COUNT ids to bind
 *                  or rebind, and an empty line or only zeros to unbind.
 *                  A write fails with -EINVAL (malformed), -ENOENT (no
 *                  map with an id), -EPERM (no CAP_SYS_ADMIN) or -EPROTO
 *                  (a map's layout is not cvs_abi.h's); the bound set is
 *                  then unchanged.
 *   orphaned       1 when no pin and no descriptor in user space still
 *                  holds a bound map: the set was removed, the module
 *                  keeps serving its last state until a rebind.
 *   sweep          (0600, binary) root with CAP_NET_ADMIN writes a sweep
 *                  request and reads its result: the records of cvs.h.
 *                  A write fails with -EINVAL (malformed), -EPERM (no
 *                  CAP_NET_ADMIN) or -ENOMEM.
 *   abi_version    CVS_ABI_VERSION
 *   binds, bind_errors, lookup_errors, nat_errors, sweeps, sweep_deleted,
 *   sweep_deferred counters since load (struct cvs_counters)
 */
#include <linux/kobject.h>
#include <linux/kstrtox.h>
#include <linux/string.h>
#include <linux/sysfs.h>

#include "cvs.h"

static struct kobject *cvs_kobj;

static ssize_t maps_show(struct kobject *kobj, struct kobj_attribute *attr,
			 char *buf)
{
	u32 ids[CVS_M_COUNT];
	int i, len = 0;

	cvs_bound_ids(ids);
	for (i = 0; i < CVS_M_COUNT; i++)
		len += sysfs_emit_at(buf, len, "%u%c", ids[i],
				     i + 1 < CVS_M_COUNT ? ' ' : '\n');
	return len;
}

/* CVS_M_COUNT ids, or none; all zero or all non-zero. */
static int cvs_parse_ids(const char *buf, size_t count,
			 u32 ids[CVS_M_COUNT], bool *unbind)
{
	char text[16 * CVS_M_COUNT];
	char *cursor, *token;
	int n = 0, zeros = 0, err;

	if (count >= sizeof(text))
		return -EINVAL;
	memcpy(text, buf, count);
	text[count] = '\0';
	cursor = strim(text);
	while ((token = strsep(&cursor, " \t")) != NULL) {
		if (!*token)
			continue;
		if (n == CVS_M_COUNT)
			return -EINVAL;
		err = kstrtou32(token, 10, &ids[n]);
		if (err)
			return err;
		zeros += !ids[n++];
	}
	if (n && n != CVS_M_COUNT)
		return -EINVAL;
	if (zeros && zeros != CVS_M_COUNT)
		return -EINVAL;
	*unbind = !n || zeros;
	return 0;
}

static ssize_t maps_store(struct kobject *kobj, struct kobj_attribute *attr,
			  const char *buf, size_t count)
{
	u32 ids[CVS_M_COUNT];
	bool unbind;
	int err;

	err = cvs_parse_ids(buf, count, ids, &unbind);
	if (err) {
		atomic64_inc(&cvs_counters.bind_errors);
		return err;
	}
	if (unbind)
		cvs_unbind();
	else
		err = cvs_bind(ids);
	return err ? err : count;
}

static ssize_t orphaned_show(struct kobject *kobj,
			     struct kobj_attribute *attr, char *buf)
{
	u32 ids[CVS_M_COUNT];

	return sysfs_emit(buf, "%d\n", cvs_bound_ids(ids));
}

static ssize_t abi_version_show(struct kobject *kobj,
				struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%d\n", CVS_ABI_VERSION);
}

#define CVS_COUNTER_ATTR(name)						\
static ssize_t name##_show(struct kobject *kobj,			\
			   struct kobj_attribute *attr, char *buf)	\
{									\
	return sysfs_emit(buf, "%lld\n",				\
			  (long long)atomic64_read(&cvs_counters.name));\
}									\
static struct kobj_attribute name##_attr = __ATTR_RO(name)

CVS_COUNTER_ATTR(binds);
CVS_COUNTER_ATTR(bind_errors);
CVS_COUNTER_ATTR(lookup_errors);
CVS_COUNTER_ATTR(nat_errors);
CVS_COUNTER_ATTR(sweeps);
CVS_COUNTER_ATTR(sweep_deleted);
CVS_COUNTER_ATTR(sweep_deferred);

static ssize_t sweep_write(struct file *file, struct kobject *kobj,
			   struct bin_attribute *attr, char *buf, loff_t off,
			   size_t count)
{
	return cvs_sweep_write(buf, off, count);
}

static ssize_t sweep_read(struct file *file, struct kobject *kobj,
			  struct bin_attribute *attr, char *buf, loff_t off,
			  size_t count)
{
	return cvs_sweep_read(buf, off, count);
}

/* Size 0: the result has no fixed length, reads go on to its end. */
static struct bin_attribute sweep_attr = __BIN_ATTR_ADMIN_RW(sweep, 0);

static struct kobj_attribute maps_attr = __ATTR_RW(maps);
static struct kobj_attribute orphaned_attr = __ATTR_RO(orphaned);
static struct kobj_attribute abi_version_attr = __ATTR_RO(abi_version);

static struct attribute *cvs_attrs[] = {
	&maps_attr.attr,
	&orphaned_attr.attr,
	&abi_version_attr.attr,
	&binds_attr.attr,
	&bind_errors_attr.attr,
	&lookup_errors_attr.attr,
	&nat_errors_attr.attr,
	&sweeps_attr.attr,
	&sweep_deleted_attr.attr,
	&sweep_deferred_attr.attr,
	NULL,
};

static struct bin_attribute *cvs_bin_attrs[] = {
	&sweep_attr,
	NULL,
};

static const struct attribute_group cvs_attr_group = {
	.attrs = cvs_attrs,
	.bin_attrs = cvs_bin_attrs,
};

int cvs_sysfs_init(void)
{
	int err;

	cvs_kobj = kobject_create_and_add("cvs", kernel_kobj);
	if (!cvs_kobj)
		return -ENOMEM;
	err = sysfs_create_group(cvs_kobj, &cvs_attr_group);
	if (err)
		kobject_put(cvs_kobj);
	return err;
}

/* Removing the files waits for reads and writes in progress. */
void cvs_sysfs_exit(void)
{
	kobject_put(cvs_kobj);
}

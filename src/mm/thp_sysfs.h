/*
 * thp_sysfs.h - the THP sysfs attributes, by path under /sys/kernel/mm/.
 */
#ifndef THPSH_MM_THP_SYSFS_H
#define THPSH_MM_THP_SYSFS_H

#include <stddef.h>

/* 0, -ENOENT (no such attribute), -EINVAL (bad value), -EPERM (read-only). */
int thp_sysfs_read(const char *path, char *buf, size_t len);
int thp_sysfs_write(const char *path, const char *value);
const char *thp_sysfs_path(size_t i);
void thp_sysfs_reset(void);

#endif /* THPSH_MM_THP_SYSFS_H */

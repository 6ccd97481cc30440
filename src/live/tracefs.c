/*
 * tracefs.c - the live kernel's THP tracepoints, and thpsh's private
 * mounts.
 *
 * Nothing is mounted where others can see it: thpsh first makes its
 * mount namespace its own, then mounts debugfs (and tmpfs for shmem)
 * on fresh directories under /tmp.  The tracepoints are recorded in a
 * tracing instance of their own (tracing/instances/thpsh-<pid>), so the
 * global trace buffer and whoever uses it are left alone; the instance,
 * being global, is registered with the guard like the mounts.
 */
#include "live.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

/* The tracepoints whose events thpsh reports (FACTS.md A11). */
static const char *const trace_events[] = {
	"migrate/set_migration_pte", "migrate/remove_migration_pte",
	"thp/set_migration_pmd", "thp/remove_migration_pmd", "huge_memory",
};

static struct {
	char dir[64];		/* the debugfs mount */
	char inst[128];		/* the instance, inside it */
	int mount_id, inst_id;	/* their guard items */
	int ready;
} trace;

int live_private_mounts(void)
{
	static pid_t done;

	if (done == getpid())
		return 0;
	if (unshare(CLONE_NEWNS))
		return -errno;
	/* mounts made from now on must not propagate back */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
		return -errno;
	done = getpid();
	return 0;
}

int live_mount(const char *type, const char *options, char *dir, size_t len)
{
	int err = live_private_mounts(), id;

	if (err)
		return err;
	snprintf(dir, len, "/tmp/thpsh-%s.XXXXXX", type);
	if (!mkdtemp(dir))
		return -errno;
	id = live_guard_push(LIVE_UNDO_MOUNT, dir, NULL);
	if (id < 0) {
		rmdir(dir);
		return id;
	}
	if (mount("none", dir, type, 0, options)) {
		err = -errno;
		live_guard_undo(id);
		return err;
	}
	return id;
}

static int trace_file(const char *file, const char *text)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", trace.inst, file);
	return live_write(path, text);
}

/* Mount debugfs, make the instance and enable the events, once. */
static int trace_setup(void)
{
	char name[32];
	size_t i;
	int err;

	trace.mount_id = live_mount("debugfs", NULL, trace.dir, sizeof(trace.dir));
	if (trace.mount_id < 0)
		return trace.mount_id;
	snprintf(name, sizeof(name), "thpsh-%d", (int)getpid());
	snprintf(trace.inst, sizeof(trace.inst), "%s/tracing/instances/%s", trace.dir, name);
	trace.inst_id = live_guard_push(LIVE_UNDO_INSTANCE, trace.inst, name);
	if (trace.inst_id < 0)
		return trace.inst_id;
	if (mkdir(trace.inst, 0700))
		return -errno;
	trace.ready = 1;
	trace_file("buffer_size_kb", "4096");	/* a split of a THP writes 1022 events */
	for (i = 0; i < sizeof(trace_events) / sizeof(trace_events[0]); i++) {
		char file[96];

		snprintf(file, sizeof(file), "events/%s/enable", trace_events[i]);
		if ((err = trace_file(file, "1")))
			return err;
	}
	return 0;
}

int live_trace_start(void)
{
	int err = trace.ready ? 0 : trace_setup();

	if (!err)
		err = trace_file("trace", "");		/* O_TRUNC clears it */
	if (!err)
		err = trace_file("tracing_on", "1");
	return err;
}

int live_trace_stop(void)
{
	return trace.ready ? trace_file("tracing_on", "0") : 0;
}

char *live_trace_read(void)
{
	char path[256], *buf;
	size_t cap = 1 << 16, len = 0;
	ssize_t n;
	int fd;

	if (!trace.ready)
		return calloc(1, 1);
	snprintf(path, sizeof(path), "%s/trace", trace.inst);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	buf = malloc(cap);
	while (buf && (n = read(fd, buf + len, cap - len - 1)) > 0) {
		len += (size_t)n;
		if (cap - len < 4096) {
			char *bigger = realloc(buf, cap *= 2);

			if (!bigger)
				free(buf);
			buf = bigger;
		}
	}
	close(fd);
	if (buf)
		buf[len] = '\0';
	return buf;
}

void live_trace_end(void)
{
	if (trace.ready)
		trace_file("tracing_on", "0");
	if (trace.dir[0]) {
		live_guard_undo(trace.inst_id);
		live_guard_undo(trace.mount_id);
	}
	memset(&trace, 0, sizeof(trace));
}

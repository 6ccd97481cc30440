/*
 * guard.c - leave the live kernel as thpsh found it.
 *
 * Whatever thpsh changes on the machine is registered here first: a
 * setting written under /sys (with the value to write back), a tracing
 * instance made, a file system mounted, a zram swap device swapped on.  The items are undone, newest
 * first,
 *
 *	- at exit (atexit), and when a live session ends;
 *	- on a fatal signal, by a handler that undoes them and re-raises it;
 *	- on SIGKILL, which nothing in thpsh can catch, by a guardian: a
 *	  child started first, that learns every item over a pipe and
 *	  undoes what is left when the pipe reaches end of file, i.e. when
 *	  thpsh is gone.
 *
 * The guardian lives in the original mount namespace, where thpsh's
 * private mounts do not exist: for it, undoing a mount is removing the
 * empty directory, and removing a tracing instance needs a debugfs of
 * its own.  Everything here that a signal handler runs uses only
 * async-signal-safe calls and static memory.
 */
#include "live.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/swap.h>
#include <unistd.h>

#define GUARD_ITEMS	32
#define GUARD_PATH	256
#define GUARD_ARG	128

struct guard_item {
	enum live_undo kind;
	int used;			/* registered and not yet undone */
	char path[GUARD_PATH];
	char arg[GUARD_ARG];
};

static struct guard_item items[GUARD_ITEMS];
static int nitems;
static pid_t owner;			/* the process that registered them */
static int guardian_fd = -1;		/* write end of the guardian's pipe */

/* Signals after which thpsh would die without running atexit handlers. */
static const int fatal_signals[] = {
	SIGHUP, SIGINT, SIGQUIT, SIGILL, SIGABRT, SIGFPE, SIGSEGV, SIGBUS,
	SIGPIPE, SIGTERM, SIGALRM, SIGUSR1, SIGUSR2,
};

/* Copy without the truncation warnings of snprintf. */
static void copy(char *dst, size_t len, const char *src)
{
	size_t i;

	for (i = 0; i + 1 < len && src[i]; i++)
		dst[i] = src[i];
	dst[i] = '\0';
}

/* write(2) of a whole string; signal-safe. */
static void put(int fd, const char *s)
{
	size_t n = strlen(s);

	while (n > 0) {
		ssize_t w = write(fd, s, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		s += w;
		n -= (size_t)w;
	}
}

static void write_setting(const char *path, const char *value)
{
	int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);

	if (fd < 0)
		return;
	put(fd, value);
	close(fd);
}

/* Undo one item as thpsh itself does it, in its own mount namespace. */
static void undo(struct guard_item *it)
{
	int i;

	switch (it->kind) {
	case LIVE_UNDO_SETTING:
		write_setting(it->path, it->arg);
		break;
	case LIVE_UNDO_INSTANCE:
		/* an instance is busy for a moment after its files close */
		for (i = 0; i < 100 && rmdir(it->path) && errno == EBUSY; i++)
			usleep(10000);
		break;
	case LIVE_UNDO_MOUNT:
		umount2(it->path, MNT_DETACH);
		rmdir(it->path);
		break;
	case LIVE_UNDO_SWAP:
		swapoff(it->path);
		write_setting(it->arg, "1");
		break;
	}
}

/* Tell the guardian that item @id is registered ("+") or undone ("-"). */
static void tell_guardian(char op, int id)
{
	char line[GUARD_PATH + GUARD_ARG + 16];
	struct guard_item *it = &items[id];

	if (guardian_fd < 0)
		return;
	if (op == '-') {
		/* from a signal handler: no snprintf */
		line[0] = '-';
		line[1] = (char)('0' + id / 10);
		line[2] = (char)('0' + id % 10);
		line[3] = '\n';
		line[4] = '\0';
	} else {
		snprintf(line, sizeof(line), "+%d %d %s\t%s\n", id, (int)it->kind,
			 it->path, it->arg);
	}
	put(guardian_fd, line);
}

void live_guard_undo(int id)
{
	if (id < 0 || id >= nitems || !items[id].used || getpid() != owner)
		return;
	undo(&items[id]);
	items[id].used = 0;
	tell_guardian('-', id);
}

void live_guard_undo_all(void)
{
	int i;

	if (getpid() != owner)	/* a forked child: not its business */
		return;
	for (i = nitems - 1; i >= 0; i--) {
		if (!items[i].used)
			continue;
		undo(&items[i]);
		items[i].used = 0;
		tell_guardian('-', i);
	}
	nitems = 0;
}

int live_guard_push(enum live_undo kind, const char *path, const char *arg)
{
	struct guard_item *it;

	if (nitems == GUARD_ITEMS)
		return -ENOSPC;
	it = &items[nitems];
	it->kind = kind;
	copy(it->path, sizeof(it->path), path);
	copy(it->arg, sizeof(it->arg), arg ? arg : "");
	it->used = 1;
	tell_guardian('+', nitems);
	return nitems++;
}

int live_guard_find(enum live_undo kind, const char *path)
{
	int i;

	for (i = 0; i < nitems; i++)
		if (items[i].used && items[i].kind == kind && !strcmp(items[i].path, path))
			return i;
	return -1;
}

/* --- the guardian ---------------------------------------------------- */

/* Remove tracing instance @name from outside thpsh's mount namespace. */
static void guardian_remove_instance(const char *name)
{
	char dir[] = "/tmp/thpsh-guard.XXXXXX", path[GUARD_PATH + 64];

	if (unshare(CLONE_NEWNS) || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
	    !mkdtemp(dir))
		return;
	if (mount("none", dir, "debugfs", 0, NULL) == 0) {
		snprintf(path, sizeof(path), "%s/tracing/instances/%s", dir, name);
		rmdir(path);
		umount2(dir, MNT_DETACH);
	}
	rmdir(dir);
}

static void guardian_undo(struct guard_item *it)
{
	switch (it->kind) {
	case LIVE_UNDO_SETTING:
		write_setting(it->path, it->arg);
		break;
	case LIVE_UNDO_INSTANCE:
		guardian_remove_instance(it->arg);
		break;
	case LIVE_UNDO_MOUNT:
		rmdir(it->path);	/* never mounted in this namespace */
		break;
	case LIVE_UNDO_SWAP:
		swapoff(it->path);
		write_setting(it->arg, "1");
		break;
	}
}

/* Apply one line of the protocol to the guardian's copy of the items. */
static void guardian_line(char *line)
{
	int id, kind, n = 0;
	char *tab;

	if (line[0] == '-' && sscanf(line + 1, "%d", &id) == 1 && id >= 0 &&
	    id < GUARD_ITEMS) {
		items[id].used = 0;
		return;
	}
	if (line[0] != '+' || sscanf(line + 1, "%d %d %n", &id, &kind, &n) != 2 ||
	    id < 0 || id >= GUARD_ITEMS || !(tab = strchr(line + 1 + n, '\t')))
		return;
	*tab = '\0';
	items[id].kind = (enum live_undo)kind;
	copy(items[id].path, sizeof(items[id].path), line + 1 + n);
	copy(items[id].arg, sizeof(items[id].arg), tab + 1);
	items[id].used = 1;
	if (id >= nitems)
		nitems = id + 1;
}

/* Read the protocol until thpsh is gone, then undo what it left. */
static void guardian(int fd)
{
	static char buf[4096];
	size_t len = 0;
	ssize_t r;
	char *nl;
	int i;

	nitems = 0;
	memset(items, 0, sizeof(items));
	while ((r = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0 ||
	       (r < 0 && errno == EINTR)) {
		if (r < 0)
			continue;
		len += (size_t)r;
		buf[len] = '\0';
		while ((nl = strchr(buf, '\n'))) {
			*nl = '\0';
			guardian_line(buf);
			len -= (size_t)(nl + 1 - buf);
			memmove(buf, nl + 1, len + 1);
		}
	}
	for (i = nitems - 1; i >= 0; i--)
		if (items[i].used)
			guardian_undo(&items[i]);
	_exit(0);
}

static int start_guardian(void)
{
	int fds[2];
	pid_t pid;
	size_t i;

	if (pipe2(fds, O_CLOEXEC))
		return -errno;
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return -errno;
	}
	if (pid == 0) {
		/* a terminal's Ctrl-C is for thpsh; only end of file ends us */
		for (i = 0; i < sizeof(fatal_signals) / sizeof(fatal_signals[0]); i++)
			signal(fatal_signals[i], SIG_IGN);
		setsid();
		dup2(fds[0], 3);
		close_range(4, ~0U, 0);
		guardian(3);
	}
	close(fds[0]);
	guardian_fd = fds[1];
	return 0;
}

/* --- handlers -------------------------------------------------------- */

static void on_fatal_signal(int sig)
{
	live_guard_undo_all();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void install_handlers(void)
{
	struct sigaction sa;
	size_t i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_fatal_signal;
	sigfillset(&sa.sa_mask);	/* one undo at a time */
	for (i = 0; i < sizeof(fatal_signals) / sizeof(fatal_signals[0]); i++) {
		struct sigaction old;

		/* keep what the user asked to ignore (nohup, trap '' INT) */
		sigaction(fatal_signals[i], NULL, &old);
		if (old.sa_handler != SIG_IGN)
			sigaction(fatal_signals[i], &sa, NULL);
	}
}

int live_guard_start(void)
{
	int err;

	if (owner == getpid())
		return 0;
	owner = getpid();
	nitems = 0;
	err = start_guardian();
	if (err)
		return err;
	install_handlers();
	atexit(live_guard_undo_all);
	return 0;
}

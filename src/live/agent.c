/*
 * agent.c - the live processes that thpsh drives.
 *
 * A live process is a child of thpsh (an "agent") that waits on a
 * socket for requests and runs them in its own address space: mmap,
 * munmap, mprotect, madvise, mremap, user accesses, io_uring buffer
 * registration (long-term pins), fork and exit.  thpsh itself never
 * touches the memory it studies, so its own allocations cannot disturb
 * it, and fork() gives a second live process that thpsh drives the same
 * way: the agent forks, and hands thpsh the socket to the child with
 * SCM_RIGHTS.
 *
 *	thpsh ──socket──> agent pid 1 ──fork──> agent pid 2
 *	  └───────────────socket──────────────────┘
 *
 * The first agent fences its address space before the script runs: it
 * fills the holes between the mappings it inherited (libraries, thpsh's
 * heap) with PROT_NONE and puts a guard page below the lowest, so the
 * kernel places the script's mappings top-down below the guard, as the
 * simulation places them below an empty mmap_base, and never merges
 * them with a mapping the script did not make.
 *
 * The agents stay on the CPU the first one started on, as the simulation
 * has one CPU: what MADV_FREE leaves in a CPU's lru_lazyfree batch is
 * drained by the next MADV_FREE or MADV_PAGEOUT on that CPU only.
 *
 * An agent exits at end of file on its socket: when thpsh exits, or
 * dies, its agents go too.
 */
#include "live.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/io_uring.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#define AGENT_CHAN	3	/* the agent's end of its socket */
#define AGENT_PINS	64	/* io_uring rings one agent may hold */

enum agent_op {
	AGENT_ACCESS = 100,	/* addr, npages, mode, value */
	AGENT_FORK,
	AGENT_EXIT,
};

struct agent_req {
	uint32_t op;		/* enum live_op or enum agent_op */
	uint32_t pad;
	uint64_t a[5];
	char path[256];		/* LIVE_MMAP of a file */
};

struct agent_rep {
	int64_t ret;		/* result or -errno */
	int32_t more;		/* an access record; the final reply follows */
	int32_t pad;
	struct live_access acc;
};

/* --- in the agent ---------------------------------------------------- */

/*
 * All the agent writes besides its stack, in one place, so that after
 * a fork it can make these pages its own again (own_memory()) before a
 * copy-on-write fault of them is counted as the script's.
 */
static struct {
	int self_pagemap;		/* /proc/self/pagemap of this mm */
	sigjmp_buf access_jmp;
	volatile sig_atomic_t fault_code;
	struct {
		unsigned long addr, len;
		int fd;			/* the ring holding the buffer */
	} pins[AGENT_PINS];
} A = { .self_pagemap = -1 };

/*
 * Write every page of the stack the agent uses and of A: after a fork
 * they are shared copy-on-write, and the first write to one would be a
 * page fault counted with the script's access.  The first agent does it
 * while THP is still disabled for it (thpsh disabled it before the
 * fork), so its own memory holds no THP either.
 */
static void own_memory(void)
{
	volatile char stack[64 * 1024];
	volatile char *a = (volatile char *)&A;
	size_t i;

	for (i = 0; i < sizeof(stack); i += LIVE_PAGE_SIZE)
		stack[i] = 0;
	for (i = 0; i < sizeof(A); i += LIVE_PAGE_SIZE)
		a[i] = a[i];
	a[sizeof(A) - 1] = a[sizeof(A) - 1];
}

static int full_write(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int full_read(int fd, void *buf, size_t len)
{
	char *p = buf;

	while (len > 0) {
		ssize_t n = read(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n == 0 ? -EPIPE : -errno;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static void reply(int64_t ret)
{
	struct agent_rep rep = { .ret = ret };

	full_write(AGENT_CHAN, &rep, sizeof(rep));
}

static uint64_t self_pagemap_entry(unsigned long addr)
{
	uint64_t e = 0;

	live_pread64(A.self_pagemap, addr / LIVE_PAGE_SIZE, &e, 1);
	return e;
}

static void on_access_fault(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	A.fault_code = si->si_code;
	siglongjmp(A.access_jmp, sig);
}

static long faults_so_far(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_minflt + ru.ru_majflt;
}

/* The access itself; a write access that keeps the value is lock add $0. */
static uint64_t do_access(volatile uint64_t *p, enum live_mode mode, uint64_t value)
{
	switch (mode) {
	case LIVE_LOAD:
		return *p;
	case LIVE_TOUCH_WRITE:
#if defined(__x86_64__) || defined(__i386__)
		__asm__ volatile("lock; addq $0, %0" : "+m"(*p) : : "memory");
#else
		__atomic_fetch_or(p, 0, __ATOMIC_SEQ_CST);
#endif
		return *p;
	case LIVE_STORE:
		*p = value;
		return value;
	}
	return 0;
}

/* The present pages of the 2 MiB block holding @addr, from @e on. */
static int block_present(unsigned long addr, uint64_t *e)
{
	unsigned long start = addr & ~(512 * LIVE_PAGE_SIZE - 1);
	int i, n = 0;

	if (live_pread64(A.self_pagemap, start / LIVE_PAGE_SIZE, e, 512))
		return 0;
	for (i = 0; i < 512; i++)
		n += (e[i] & PM_PRESENT) != 0;
	return n;
}

/* One access of the page at @addr; returns 0, or the signal it raised. */
static int access_page(unsigned long addr, enum live_mode mode, uint64_t value)
{
	uint64_t block[512];		/* on the stack the agent touched first */
	struct agent_rep rep = { .more = 1 };
	struct live_access *acc = &rep.acc;
	volatile uint64_t *p = (volatile uint64_t *)addr;
	unsigned char in_core = 0;
	volatile long before = 0;	/* set between sigsetjmp and a longjmp */
	int present;

	acc->addr = addr;
	acc->before = self_pagemap_entry(addr);
	/* for a file, mincore tells what its page cache held */
	acc->cached = !mincore((void *)addr, LIVE_PAGE_SIZE, &in_core) && (in_core & 1);
	present = block_present(addr, block);
	acc->sig = sigsetjmp(A.access_jmp, 1);
	if (acc->sig == 0) {
		/* only the access between the counts: sigsetjmp writes memory */
		before = faults_so_far();
		acc->value = do_access(p, mode, value);
	} else {
		acc->code = A.fault_code;
	}
	acc->faulted = faults_so_far() != before;
	acc->mapped = block_present(addr, block) - present;
	acc->after = self_pagemap_entry(addr);
	if (acc->after & PM_PRESENT)
		live_scan_page(A.self_pagemap, addr, &acc->categories);
	full_write(AGENT_CHAN, &rep, sizeof(rep));
	return acc->sig;
}

static void agent_access(const struct agent_req *req)
{
	unsigned long addr = req->a[0] & ~(LIVE_PAGE_SIZE - 1), i;

	for (i = 0; i < req->a[1]; i++)
		if (access_page(addr + i * LIVE_PAGE_SIZE, (enum live_mode)req->a[2], req->a[3]))
			break;
	reply((int64_t)i);
}

/* The file at @path, created @size bytes long if it is new (*created). */
static int open_file(const char *path, off_t size, int *created)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);

	*created = fd < 0 && errno == ENOENT;
	if (*created) {
		fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd >= 0 && ftruncate(fd, size)) {
			close(fd);
			unlink(path);
			return -1;
		}
	}
	return fd;
}

static long agent_mmap(const struct agent_req *req)
{
	int fd = -1, created = 0, err;
	void *p;

	if (req->path[0] &&
	    (fd = open_file(req->path, (off_t)(req->a[4] + req->a[1]), &created)) < 0)
		return -errno;
	p = mmap((void *)req->a[0], req->a[1], (int)req->a[2], (int)req->a[3], fd,
		 (off_t)req->a[4]);
	err = errno;
	if (fd >= 0)
		close(fd);
	if (p == MAP_FAILED && created)
		unlink(req->path);	/* a failed mmap creates nothing */
	return p == MAP_FAILED ? -err : (long)p;
}

/* A long-term FOLL_WRITE pin, as an io_uring fixed buffer takes it. */
static long agent_pin(unsigned long addr, unsigned long len)
{
	struct io_uring_params params;
	struct iovec iov = { (void *)addr, len };
	int i, fd;

	for (i = 0; i < AGENT_PINS && A.pins[i].len; i++)
		;
	if (i == AGENT_PINS)
		return -ENOSPC;
	memset(&params, 0, sizeof(params));
	fd = (int)syscall(__NR_io_uring_setup, 1, &params);
	if (fd < 0)
		return -errno;
	if (syscall(__NR_io_uring_register, fd, IORING_REGISTER_BUFFERS, &iov, 1) < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	A.pins[i].addr = addr;
	A.pins[i].len = len;
	A.pins[i].fd = fd;
	return (long)(len / LIVE_PAGE_SIZE);
}

/* Release the pins of buffers inside [addr, addr + len); pages released. */
static long agent_unpin(unsigned long addr, unsigned long len)
{
	long n = 0;
	int i;

	for (i = 0; i < AGENT_PINS; i++) {
		if (!A.pins[i].len || A.pins[i].addr < addr ||
		    A.pins[i].addr + A.pins[i].len > addr + len)
			continue;
		/* unregistering unpins now; a close alone defers it to a worker */
		syscall(__NR_io_uring_register, A.pins[i].fd, IORING_UNREGISTER_BUFFERS, NULL, 0);
		close(A.pins[i].fd);
		n += (long)(A.pins[i].len / LIVE_PAGE_SIZE);
		A.pins[i].len = 0;
	}
	return n;
}

static long agent_syscall(const struct agent_req *req)
{
	const uint64_t *a = req->a;
	long r;

	switch (req->op) {
	case LIVE_MMAP:
		return agent_mmap(req);
	case LIVE_MUNMAP:
		r = munmap((void *)a[0], a[1]);
		break;
	case LIVE_MPROTECT:
		r = mprotect((void *)a[0], a[1], (int)a[2]);
		break;
	case LIVE_MADVISE:
		r = madvise((void *)a[0], a[1], (int)a[2]);
		break;
	case LIVE_MREMAP:
		r = (long)mremap((void *)a[0], a[1], a[2], (int)a[3], (void *)a[4]);
		return r == (long)MAP_FAILED ? -errno : r;
	case LIVE_PIN:
		return agent_pin(a[0], a[1]);
	case LIVE_UNPIN:
		return agent_unpin(a[0], a[1]);
	default:
		return -ENOSYS;
	}
	return r < 0 ? -errno : r;
}

/* Signals as an agent wants them: a terminal's Ctrl-C is for thpsh. */
static void agent_signals(void)
{
	struct sigaction sa;
	int sig;

	for (sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL);
	signal(SIGINT, SIG_IGN);
	signal(SIGQUIT, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGCHLD, SIG_IGN);	/* reap forked agents that exit */
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_access_fault;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
}

/* Keep only the socket (as AGENT_CHAN) and open this mm's pagemap. */
static void agent_fds(int chan)
{
	if (chan != AGENT_CHAN) {
		dup2(chan, AGENT_CHAN);
		close(chan);
	}
	close_range(AGENT_CHAN + 1, ~0U, 0);
	memset(A.pins, 0, sizeof(A.pins));	/* a forked child holds no pins */
	A.self_pagemap = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
}

static void agent_fork(void)
{
	char ctl[CMSG_SPACE(sizeof(int))];
	struct agent_rep rep = { 0 };
	struct iovec iov = { &rep, sizeof(rep) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *cm;
	int sv[2];
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv)) {
		reply(-errno);
		return;
	}
	pid = fork();
	own_memory();		/* both sides: their stacks and A are shared now */
	if (pid == 0) {
		close(sv[0]);
		agent_fds(sv[1]);
		return;		/* the child goes on serving, on its own socket */
	}
	close(sv[1]);
	rep.ret = pid < 0 ? -errno : pid;
	if (pid > 0) {
		msg.msg_control = ctl;
		msg.msg_controllen = sizeof(ctl);
		cm = CMSG_FIRSTHDR(&msg);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &sv[0], sizeof(int));
	}
	while (sendmsg(AGENT_CHAN, &msg, 0) < 0 && errno == EINTR)
		;
	close(sv[0]);
}

static void agent_serve(void)
{
	struct agent_req req;

	while (full_read(AGENT_CHAN, &req, sizeof(req)) == 0) {
		switch (req.op) {
		case AGENT_ACCESS:
			agent_access(&req);
			break;
		case AGENT_FORK:
			agent_fork();
			break;
		case AGENT_EXIT:
			_exit(0);
		default:
			reply(agent_syscall(&req));
		}
	}
	_exit(0);
}


/* --- fencing the first agent's address space ------------------------- */

#define FENCE_VMAS 2048

/* The VMAs of this process from /proc/self/maps, without stdio (no malloc). */
static int read_maps(unsigned long (*vma)[2], int max, unsigned long *stack)
{
	static char buf[1 << 18];
	int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC), n = 0;
	size_t len = 0;
	ssize_t r;
	char *line;

	if (fd < 0)
		return -errno;
	while (len < sizeof(buf) - 1 && (r = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0)
		len += (size_t)r;
	close(fd);
	buf[len] = '\0';
	*stack = 0;
	for (line = buf; *line && n < max; line = strchr(line, '\n') + 1) {
		char *end;

		vma[n][0] = strtoul(line, &end, 16);
		vma[n][1] = strtoul(end + 1, NULL, 16);
		end = strchr(line, '\n');
		if (!end)
			break;
		*end = '\0';
		if (strstr(line, "[stack]"))
			*stack = vma[n][0];
		*end = '\n';
		n++;
	}
	return n;
}

static void fence(unsigned long start, unsigned long end)
{
	if (end > start)
		mmap((void *)start, end - start, PROT_NONE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED_NOREPLACE, -1, 0);
}

/*
 * The mmap area is the group of VMAs above the widest gap below the
 * stack (the program and its brk heap lie below that gap): fill the
 * holes inside it and fence its bottom.
 */
static void fence_address_space(void)
{
	static unsigned long vma[FENCE_VMAS][2];
	unsigned long stack = 0, widest = 0;
	int n = read_maps(vma, FENCE_VMAS, &stack), i, low = 0, top = 0;

	if (n <= 0 || !stack)
		return;
	for (i = 0; i < n && (!stack || vma[i][0] < stack); i++)
		top = i;
	for (i = 0; i < top; i++) {
		if (vma[i + 1][0] - vma[i][1] > widest) {
			widest = vma[i + 1][0] - vma[i][1];
			low = i + 1;
		}
	}
	for (i = low; i < top; i++)
		fence(vma[i][1], vma[i + 1][0]);
	fence(vma[low][0] - LIVE_PAGE_SIZE, vma[low][0]);
}

/* --- in thpsh -------------------------------------------------------- */

static int open_proc(pid_t pid, const char *file, int flags)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	return open(path, flags | O_CLOEXEC);
}

/* Open what thpsh reads of agent @a: its pagemap. */
static int agent_attach(struct live_agent *a, pid_t pid, int chan)
{
	a->pid = pid;
	a->chan = chan;
	a->pagemap = open_proc(pid, "pagemap", O_RDONLY);
	if (a->pagemap < 0) {
		int err = -errno;

		live_agent_exit(a);
		return err;
	}
	return 0;
}

/* Bind to the CPU we run on (best effort); forked agents inherit it. */
static void one_cpu(void)
{
	int cpu = sched_getcpu();
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu < 0 ? 0 : cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

int live_agent_spawn(struct live_agent *a)
{
	int sv[2];
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		return -errno;
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		close(sv[0]);
		close(sv[1]);
		return -errno;
	}
	if (pid == 0) {
		one_cpu();
		agent_signals();
		agent_fds(sv[1]);
		own_memory();
		prctl(PR_SET_THP_DISABLE, 0, 0, 0, 0);	/* for the script's mappings */
		fence_address_space();
		agent_serve();
	}
	close(sv[1]);
	a->vpid = 1;
	a->vppid = 0;
	return agent_attach(a, pid, sv[0]);
}

static int send_req(struct live_agent *a, const struct agent_req *req)
{
	return full_write(a->chan, req, sizeof(*req)) ? -EPIPE : 0;
}

long live_agent_call(struct live_agent *a, enum live_op op, const uint64_t args[5],
		     const char *path)
{
	struct agent_req req = { .op = op };
	struct agent_rep rep;
	int err;

	memcpy(req.a, args, sizeof(req.a));
	if (path)
		snprintf(req.path, sizeof(req.path), "%s", path);
	err = send_req(a, &req);
	if (!err)
		err = full_read(a->chan, &rep, sizeof(rep));
	return err ? err : (long)rep.ret;
}

long live_agent_access(struct live_agent *a, unsigned long addr, unsigned long npages,
		       enum live_mode mode, uint64_t value,
		       void (*fn)(const struct live_access *, void *), void *arg)
{
	struct agent_req req = { .op = AGENT_ACCESS, .a = { addr, npages, mode, value } };
	struct agent_rep rep;
	int err = send_req(a, &req);

	while (!err && !(err = full_read(a->chan, &rep, sizeof(rep))) && rep.more)
		fn(&rep.acc, arg);
	return err ? err : (long)rep.ret;
}

/* The socket to the new child, passed by the agent that forked it. */
static int recv_child(struct live_agent *a, int *fd)
{
	char ctl[CMSG_SPACE(sizeof(int))];
	struct agent_rep rep;
	struct iovec iov = { &rep, sizeof(rep) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl,
			      .msg_controllen = sizeof(ctl) };
	struct cmsghdr *cm;
	ssize_t n;

	while ((n = recvmsg(a->chan, &msg, MSG_CMSG_CLOEXEC | MSG_WAITALL)) < 0 &&
	       errno == EINTR)
		;
	if (n != (ssize_t)sizeof(rep))
		return n < 0 ? -errno : -EPIPE;
	if (rep.ret < 0)
		return (int)rep.ret;
	cm = CMSG_FIRSTHDR(&msg);
	if (!cm || cm->cmsg_type != SCM_RIGHTS)
		return -EPROTO;
	memcpy(fd, CMSG_DATA(cm), sizeof(int));
	return (int)rep.ret;
}

int live_agent_fork(struct live_agent *parent, struct live_agent *child, int vpid)
{
	struct agent_req req = { .op = AGENT_FORK };
	int fd = -1, pid = send_req(parent, &req);

	if (pid == 0)
		pid = recv_child(parent, &fd);
	if (pid < 0)
		return pid;
	child->vpid = vpid;
	child->vppid = parent->vpid;
	return agent_attach(child, pid, fd);
}

void live_agent_exit(struct live_agent *a)
{
	struct agent_req req = { .op = AGENT_EXIT };
	int i;

	if (a->chan >= 0) {
		send_req(a, &req);
		close(a->chan);
	}
	if (a->pagemap >= 0)
		close(a->pagemap);
	a->chan = a->pagemap = -1;
	/*
	 * Reap it if it is ours: the first agent is, and so is an orphan
	 * that thpsh, a child subreaper, inherited.  A forked agent whose
	 * parent lives is reaped by that parent.
	 */
	for (i = 0; i < 200 && a->pid > 0 && kill(a->pid, 0) == 0; i++) {
		if (waitpid(a->pid, NULL, WNOHANG) == a->pid)
			break;
		usleep(1000);
	}
	a->pid = 0;
}

/*
 * placement.c - where does mmap put anonymous private mappings?
 *
 *   cc -O2 -Wall -o /tmp/placement probe.c placement.c && /tmp/placement
 *
 * Part A: alignment of mmap(NULL, len) for several lengths (many trials,
 *         address randomisation as configured).
 * Part B: a sequence of consecutive mmaps: addresses, gaps, VMA merging
 *         (before and after MADV_HUGEPAGE).
 * Part C: the same sequence re-exec'd with personality(ADDR_NO_RANDOMIZE):
 *         exact addresses, and the mmap_base they imply.
 */
#include "probe.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/resource.h>
#include <unistd.h>

#define MB (1UL << 20)
#define KB (1UL << 10)

static void *mm(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		die("mmap %zu", len);
	return p;
}

static void part_a(int trials)
{
	static const struct { size_t len; const char *name; } L[] = {
		{ 2 * MB, "2M" }, { 4 * MB, "4M" }, { 6 * MB, "6M" },
		{ 3 * MB, "3M" }, { 2 * MB + 4 * KB, "2M+4K" }, { 4 * KB, "4K" },
		{ 1 * MB, "1M" }, { 8 * MB, "8M" }, { 2 * MB - 4 * KB, "2M-4K" } };
	unsigned i;
	int t;

	for (i = 0; i < sizeof(L) / sizeof(L[0]); i++) {
		int aligned = 0;
		unsigned long first = 0;
		for (t = 0; t < trials; t++) {
			void *p = mm(L[i].len);
			if (((unsigned long)p & (HPSZ - 1)) == 0)
				aligned++;
			if (!t)
				first = (unsigned long)p;
			munmap(p, L[i].len);
		}
		printf("A: len=%-6s (%8zu) 2MiB-aligned %d/%d  e.g. %#lx (addr%%2M=%#lx)\n",
		       L[i].name, L[i].len, aligned, trials, first, first & (HPSZ - 1));
	}
}

/* Part B/C: a fixed sequence of mmaps; print address, alignment, gap to
 * the previous mapping (prev_start - (start + len)); then the VMAs. */
static void sequence(const char *tag)
{
	static const struct { size_t len; const char *name; } S[] = {
		{ 4 * KB, "4K" }, { 4 * KB, "4K" }, { 2 * MB, "2M" },
		{ 2 * MB, "2M" }, { 4 * KB, "4K" }, { 2 * MB, "2M" },
		{ 3 * MB, "3M" }, { 4 * MB, "4M" }, { 1 * MB, "1M" },
		{ 2 * MB, "2M" } };
	unsigned long addr[16], lo = ~0UL, hi = 0;
	unsigned i;
	char t2[64];

	for (i = 0; i < sizeof(S) / sizeof(S[0]); i++) {
		addr[i] = (unsigned long)mm(S[i].len);
		if (addr[i] < lo)
			lo = addr[i];
		if (addr[i] + S[i].len > hi)
			hi = addr[i] + S[i].len;
		printf("%s: mmap#%u len=%-3s -> %#lx..%#lx aligned2M=%d", tag, i,
		       S[i].name, addr[i], addr[i] + S[i].len,
		       (addr[i] & (HPSZ - 1)) == 0);
		if (i)
			printf(" gap_below_prev=%#lx (%s)",
			       addr[i - 1] - (addr[i] + S[i].len),
			       addr[i] + S[i].len == addr[i - 1] ? "adjacent" :
			       addr[i] + S[i].len < addr[i - 1] ? "below, gap" : "NOT below");
		printf("\n");
	}
	snprintf(t2, sizeof(t2), "%s plain", tag);
	maps_print(t2, lo, hi);
	/* MADV_HUGEPAGE on every other mapping: VMA flags differ -> no merge */
	for (i = 0; i < sizeof(S) / sizeof(S[0]); i++)
		madvise((void *)addr[i], S[i].len, MADV_HUGEPAGE);
	snprintf(t2, sizeof(t2), "%s all-MADV_HUGEPAGE", tag);
	maps_print(t2, lo, hi);
	/* one more 4K mapping now: does it merge into a VM_HUGEPAGE vma? */
	{
		unsigned long p = (unsigned long)mm(4 * KB);
		printf("%s: extra 4K after madvise -> %#lx (adjacent to last: %d)\n",
		       tag, p, p + 4 * KB == addr[i - 1]);
		snprintf(t2, sizeof(t2), "%s +4K", tag);
		maps_print(t2, p, hi);
	}
}

static void part_c_child(void)
{
	struct rlimit rl;
	unsigned long task_size = 0x7ffffffff000UL, gap, base;
	char line[512];
	FILE *f;

	getrlimit(RLIMIT_STACK, &rl);
	printf("C: personality=%#x (ADDR_NO_RANDOMIZE=%#x) RLIMIT_STACK cur=%ld\n",
	       personality(0xffffffff), ADDR_NO_RANDOMIZE, (long)rl.rlim_cur);
	/* arch/x86/mm/mmap.c mmap_base(): gap = rlimit + stack_guard_gap
	 * (256 pages) [+ stack randomisation, 0 here], clamped to
	 * [128 MiB, 5/6 TASK_SIZE]; base = PAGE_ALIGN(TASK_SIZE - gap - rnd) */
	gap = (unsigned long)rl.rlim_cur + 256 * PSZ;
	if (rl.rlim_cur == RLIM_INFINITY || gap > task_size / 6 * 5)
		gap = task_size / 6 * 5;
	if (gap < 128 * MB)
		gap = 128 * MB;
	base = (task_size - gap) & ~(PSZ - 1);
	printf("C: computed mmap_base = TASK_SIZE(%#lx) - gap(%#lx) = %#lx\n",
	       task_size, gap, base);
	f = fopen("/proc/self/maps", "r");
	while (f && fgets(line, sizeof(line), f))
		printf("C: initial map %s", line);
	if (f)
		fclose(f);
	sequence("C");
}

int main(int argc, char **argv)
{
	probe_init();
	if (argc > 1 && !strcmp(argv[1], "--norand-child")) {
		part_c_child();
		return 0;
	}
	printf("randomize_va_space=%ld\n",
	       read_file_long("/proc/sys/kernel/randomize_va_space"));
	part_a(argc > 1 ? atoi(argv[1]) : 50);
	sequence("B");
	fflush(stdout);
	if (personality(ADDR_NO_RANDOMIZE) == -1)
		die("personality");
	{
		char *args[] = { argv[0], (char *)"--norand-child", NULL };
		execv("/proc/self/exe", args);
		die("execv");
	}
}

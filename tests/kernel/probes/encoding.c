/*
 * encoding.c - raw x86-64 PTE values seen in migrate:set_migration_pte and
 * migrate:remove_migration_pte while the deferred-split shrinker splits a
 * PTE-mapped anonymous THP, for several PTE states:
 *
 *   E1 writable, young, dirty (plain write fault)        -> MIGRATION_WRITE
 *   E2 half of the THP mprotect(PROT_READ)ed (exclusive)  -> READ_EXCLUSIVE
 *   E3 MADV_COLD on the whole THP first (PMD made old)    -> no young bit
 *   E4 THP shared with a forked child that keeps it PMD-mapped; only the
 *      parent unmaps one page                             -> not queued at all
 *   E5 as E4 but the child also unmaps that page          -> MIGRATION_READ
 *
 *   cc -O2 -Wall -o /tmp/encoding probe.c encoding.c && /tmp/encoding [runs]
 *
 * Each value is decoded bit by bit with the layout of
 * arch/x86/include/asm/pgtable_64.h (type in bits 59-63, inverted offset
 * in bits 9-58) and include/linux/swapops.h (pfn in offset bits 0..33
 * with MAX_PHYSMEM_BITS 46, young = offset bit 34, dirty = offset bit 35).
 */
#include "probe.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef MADV_COLD
#define MADV_COLD 20
#endif

#define TAGV 0xe1c0000000000000ULL

static void explain(const char *tag, uint64_t v)
{
	if (v & 1) {
		printf("%s: 0x%016llx = present: NX(63)=%d SW5/saved-dirty(58)=%d SW4(57)=%d "
		       "pfn(bits 12..51)=0x%llx SW3/soft-dirty(11)=%d SW2/uffd-wp(10)=%d SW1/special(9)=%d G(8)=%d "
		       "PAT(7)=%d D(6)=%d A(5)=%d PCD(4)=%d PWT(3)=%d U(2)=%d RW(1)=%d P(0)=1\n",
		       tag, (unsigned long long)v, (int)(v >> 63), (int)(v >> 58 & 1),
		       (int)(v >> 57 & 1), (unsigned long long)((v >> 12) & ((1ULL << 40) - 1)),
		       (int)(v >> 11 & 1), (int)(v >> 10 & 1), (int)(v >> 9 & 1),
		       (int)(v >> 8 & 1), (int)(v >> 7 & 1), (int)(v >> 6 & 1),
		       (int)(v >> 5 & 1), (int)(v >> 4 & 1), (int)(v >> 3 & 1),
		       (int)(v >> 2 & 1), (int)(v >> 1 & 1));
	} else {
		uint64_t inv = (v >> 9) & ((1ULL << 50) - 1);   /* bits 9..58 */
		uint64_t off = ~inv & ((1ULL << 50) - 1);
		printf("%s: 0x%016llx = swap pte: type(bits 59..63)=%u; bits 9..58 hold "
		       "~offset=0x%llx -> offset=0x%llx = pfn 0x%llx | young<<34 (%d) | "
		       "dirty<<35 (%d) | reserved bits 36..49 = 0x%llx; low 9 bits=0x%03llx "
		       "(E/exclusive(3)=%d F/uffd-wp(2)=%d SD/soft-dirty(1)=%d P(0)=0)\n",
		       tag, (unsigned long long)v, (unsigned)(v >> 59),
		       (unsigned long long)inv, (unsigned long long)off,
		       (unsigned long long)(off & ((1ULL << 34) - 1)), (int)(off >> 34 & 1),
		       (int)(off >> 35 & 1), (unsigned long long)(off >> 36),
		       (unsigned long long)(v & 0x1ff), (int)(v >> 3 & 1), (int)(v >> 2 & 1),
		       (int)(v >> 1 & 1));
	}
}

/* run the shrinker traced and explain a few raw values */
static void shrink_and_explain(const char *tag, char *a)
{
	static const char *const ev[] = { "migrate/set_migration_pte",
					  "migrate/remove_migration_pte",
					  "thp/set_migration_pmd",
					  "thp/remove_migration_pmd", NULL };
	unsigned long lo = (unsigned long)a, hi = lo + HPSZ;
	struct snap s0, s1;
	struct tev *e;
	char *text, t[96];
	int n, i, j, nseen = 0;
	uint64_t seen[16];

	trace_begin(ev);
	snap_take(&s0);
	drop_caches(2);
	snap_take(&s1);
	text = trace_end();
	snprintf(t, sizeof(t), "%s drop_caches2", tag);
	snap_delta(t, &s0, &s1);
	trace_report(t, text, lo, hi);
	n = trace_parse(text, &e);
	/* explain the first event of every distinct flag pattern */
	for (i = 0; i < n; i++) {
		uint64_t v = e[i].val, pat;
		int is_set = !strcmp(e[i].name, "set_migration_pte");
		char tt[160];

		if (e[i].addr < lo || e[i].addr >= hi || e[i].is_pmd)
			continue;
		pat = v & 1 ? v & ~(((1ULL << 40) - 1) << 12) : v & ~(((1ULL << 34) - 1) << 9);
		pat ^= (uint64_t)is_set; /* present ptes have bit 0 set, swap ones not */
		for (j = 0; j < nseen; j++)
			if (seen[j] == pat)
				break;
		if (j < nseen || nseen == 16)
			continue;
		seen[nseen++] = pat;
		snprintf(tt, sizeof(tt), "%s %s page %lu order %d", tag, e[i].name,
			 (e[i].addr - lo) / PSZ, e[i].order);
		explain(tt, v);
	}
	free(e);
	free(text);
}

static void e1(int run)
{
	char tag[32], *a = thp_area(HPSZ);

	snprintf(tag, sizeof(tag), "E1 run%d", run);
	fill_pages(a, HPNR, TAGV);
	munmap(a, PSZ);
	shrink_and_explain(tag, a);
	printf("%s: values intact %d/511\n", tag, check_pages(a, HPNR, TAGV, 0, 0));
	munmap(a, HPSZ);
}

static void e2(int run)
{
	char tag[32], *a = thp_area(HPSZ);

	snprintf(tag, sizeof(tag), "E2 run%d", run);
	fill_pages(a, HPNR, TAGV);
	if (mprotect(a + 256 * PSZ, 256 * PSZ, PROT_READ))
		die("mprotect");
	munmap(a, PSZ);
	maps_print(tag, (unsigned long)a, (unsigned long)a + HPSZ);
	shrink_and_explain(tag, a);
	printf("%s: values intact %d/511\n", tag, check_pages(a, HPNR, TAGV, 0, 0));
	munmap(a, HPSZ);
}

static void e3(int run)
{
	char tag[32], *a = thp_area(HPSZ);

	snprintf(tag, sizeof(tag), "E3 run%d", run);
	fill_pages(a, HPNR, TAGV);
	if (madvise(a, HPSZ, MADV_COLD))
		die("MADV_COLD");
	munmap(a, PSZ);
	shrink_and_explain(tag, a);
	printf("%s: values intact %d/511\n", tag, check_pages(a, HPNR, TAGV, 0, 0));
	munmap(a, HPSZ);
}

static void e4(int run, int child_unmaps)
{
	struct snap s0, s1;
	char tag[32], *a = thp_area(HPSZ);
	int go[2], ready[2];
	pid_t pid;
	char c;

	snprintf(tag, sizeof(tag), "%s run%d", child_unmaps ? "E5" : "E4", run);
	fill_pages(a, HPNR, TAGV);
	if (pipe(go) || pipe(ready))
		die("pipe");
	pid = fork();
	if (pid < 0)
		die("fork");
	if (!pid) {
		char t2[48];
		close(go[1]);
		close(ready[0]);
		snprintf(t2, sizeof(t2), "%s child before", tag);
		if (child_unmaps)
			munmap(a, PSZ);
		page_runs(t2, a, HPNR);
		if (write(ready[1], "r", 1) != 1)
			_exit(1);
		if (read(go[0], &c, 1) < 0)
			_exit(1);
		snprintf(t2, sizeof(t2), "%s child after", tag);
		page_runs(t2, a, HPNR);
		printf("%s: child values intact %d/%d\n", t2,
		       check_pages(a, HPNR, TAGV, child_unmaps ? 0 : -1, child_unmaps ? 0 : -1),
		       child_unmaps ? 511 : 512);
		fflush(stdout);
		_exit(0);
	}
	close(go[0]);
	close(ready[1]);
	if (read(ready[0], &c, 1) != 1)
		die("child");
	snap_take(&s0);
	munmap(a, PSZ);
	snap_take(&s1);
	{
		char t3[64];
		snprintf(t3, sizeof(t3), "%s parent munmap-4K", tag);
		snap_delta(t3, &s0, &s1);
	}
	shrink_and_explain(tag, a);
	printf("%s: parent values intact %d/511\n", tag, check_pages(a, HPNR, TAGV, 0, 0));
	page_runs(tag, a, HPNR);
	if (write(go[1], "g", 1) != 1)
		die("go");
	waitpid(pid, NULL, 0);
	close(go[1]);
	close(ready[0]);
	munmap(a, HPSZ);
}

int main(int argc, char **argv)
{
	int runs = argc > 1 ? atoi(argv[1]) : 3, r;

	probe_init();
	print_thp_settings("settings");
	drop_caches(2);
	for (r = 1; r <= runs; r++) {
		e1(r);
		e2(r);
		e3(r);
		e4(r, 0);
		e4(r, 1);
	}
	probe_restore_all();
	print_thp_settings("settings after");
	return 0;
}

/*
 * tap.h - TAP output for the C unit tests of tests/c/.
 *
 * Each tests/c/test_*.c is a program linked with the objects of src/mm/
 * only (no Lua); prove runs it and reads what it prints:
 *
 *	#include "tap.h"
 *
 *	int main(void)
 *	{
 *		ok(folio_order(f) == 9, "a PMD folio has order 9");
 *		is_int(folio_ref_count(f), 1, "one reference");
 *		return done_testing();
 *	}
 *
 * plan(n) may announce the count first; otherwise done_testing() prints
 * it.  A failed check names its file and line in a "#" diagnostic.
 */
#ifndef THPSH_TAP_H
#define THPSH_TAP_H

#include <stdarg.h>
#include <stdio.h>

static int tap_count;		/* checks run */
static int tap_failed;		/* ...and failed */
static int tap_planned = -1;	/* the plan, -1 if none was given */

static inline void plan(int n)
{
	tap_planned = n;
	printf("1..%d\n", n);
}

__attribute__((format(printf, 4, 5)))
static inline int tap_ok(int pass, const char *file, int line,
			 const char *fmt, ...)
{
	va_list ap;

	tap_count++;
	tap_failed += !pass;
	printf("%sok %d - ", pass ? "" : "not ", tap_count);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!pass)
		printf("#   failed at %s:%d\n", file, line);
	return pass;
}

static inline int tap_is_int(long long got, long long want, const char *file,
			     int line, const char *name)
{
	int pass = tap_ok(got == want, file, line, "%s", name);

	if (!pass)
		printf("#        got: %lld (0x%llx)\n#   expected: %lld (0x%llx)\n",
		       got, (unsigned long long)got, want,
		       (unsigned long long)want);
	return pass;
}

/* ok(cond, "printf-style name", ...) */
#define ok(cond, ...) tap_ok(!!(cond), __FILE__, __LINE__, __VA_ARGS__)

/* is_int(got, expected, "name"): integers compared, shown dec and hex */
#define is_int(got, want, name) \
	tap_is_int((long long)(got), (long long)(want), __FILE__, __LINE__, name)

/* End the test: the exit status main() should return. */
static inline int done_testing(void)
{
	if (tap_planned < 0)
		printf("1..%d\n", tap_count);
	fflush(stdout);
	return tap_failed == 0 && (tap_planned < 0 || tap_planned == tap_count)
		? 0 : 1;
}

#endif /* THPSH_TAP_H */

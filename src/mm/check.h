/*
 * check.h - the machine's invariants.
 */
#ifndef THPSH_MM_CHECK_H
#define THPSH_MM_CHECK_H

#include <stddef.h>

/* 0 if every invariant holds, else -1 with the first violation in @msg. */
int mm_check(char *msg, size_t len);

#endif /* THPSH_MM_CHECK_H */

/*
 * slab.h - kernel objects (VMAs, mms, anon_vmas, page-table descriptors)
 * come from the host heap.  Every object is also on one list, so that
 * reset() frees whatever a failed or interrupted command left behind.
 */
#ifndef THPSH_MM_SLAB_H
#define THPSH_MM_SLAB_H

#include <stddef.h>

void *kzalloc(size_t size);
void kfree(void *p);
void kfree_all(void);
size_t slab_objects(void);

#endif /* THPSH_MM_SLAB_H */

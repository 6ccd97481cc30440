/*
 * types.h - the small vocabulary every simulated kernel file shares:
 * fixed-width types, intrusive lists, assertions and the fake locks.
 *
 * thpsh is single-threaded, but the kernel's locking is part of what a
 * reader follows, so locks stay as calls.  Each lock records whether it
 * is held; lockdep_assert_held() and double locking are real assertions.
 */
#ifndef THPSH_MM_TYPES_BASE_H
#define THPSH_MM_TYPES_BASE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int64_t s64;

#define likely(x)	__builtin_expect(!!(x), 1)
#define unlikely(x)	__builtin_expect(!!(x), 0)
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define BIT(n)		(1UL << (n))
#define min(a, b)	((a) < (b) ? (a) : (b))
#define max(a, b)	((a) > (b) ? (a) : (b))
#define ALIGN(x, a)	(((x) + (a) - 1) & ~((unsigned long)(a) - 1))
#define ALIGN_DOWN(x, a) ((x) & ~((unsigned long)(a) - 1))
#define IS_ALIGNED(x, a) (((x) & ((unsigned long)(a) - 1)) == 0)
#define IS_ERR_VALUE_ULONG(x) ((unsigned long)(x) >= (unsigned long)-4095)
#define container_of(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))

/* Errno values the simulated kernel returns, as Linux numbers them. */
#define EPERM		1
#define ENOENT		2
#define ESRCH		3
#define EIO		5
#define EAGAIN		11
#define ENOMEM		12
#define EACCES		13
#define EFAULT		14
#define EBUSY		16
#define EEXIST		17
#define ENODEV		19
#define EINVAL		22
#define EFBIG		27
#define ENOSPC		28
#define ENOTSUP		95

/*
 * A simulator bug.  mm_bug() never returns: the binding layer installs a
 * handler that turns it into a Lua error ("kernel BUG at huge_memory.c:
 * 123: ..."), C tests abort.
 */
typedef void (*mm_bug_handler_t)(const char *msg);
void mm_set_bug_handler(mm_bug_handler_t fn);
__attribute__((noreturn)) void mm_bug(const char *file, int line,
				      const char *what);

#define BUG() mm_bug(__FILE__, __LINE__, "BUG()")
#define BUG_ON(c) \
	do { if (unlikely(c)) mm_bug(__FILE__, __LINE__, #c); } while (0)
#define VM_BUG_ON(c) BUG_ON(c)
#define VM_WARN_ON(c) BUG_ON(c)
#define VM_WARN_ON_ONCE(c) BUG_ON(c)
#define VM_BUG_ON_FOLIO(c, f) BUG_ON(c)
#define VM_WARN_ON_FOLIO(c, f) BUG_ON(c)
#define VM_WARN_ON_ONCE_FOLIO(c, f) BUG_ON(c)
#define VM_BUG_ON_PAGE(c, p) BUG_ON(c)
#define VM_BUG_ON_VMA(c, v) BUG_ON(c)

/* Locks: an owner flag, so misuse is caught. */
typedef struct {
	bool held;
} spinlock_t;

static inline void spin_lock(spinlock_t *l)
{
	BUG_ON(l->held);
	l->held = true;
}

static inline void spin_unlock(spinlock_t *l)
{
	BUG_ON(!l->held);
	l->held = false;
}

#define lockdep_assert_held(l) BUG_ON(!(l)->held)

/* Kernel-style intrusive doubly linked list. */
struct list_head {
	struct list_head *next, *prev;
};

#define LIST_HEAD_INIT(name) { &(name), &(name) }
#define LIST_HEAD(name) struct list_head name = LIST_HEAD_INIT(name)

static inline void INIT_LIST_HEAD(struct list_head *l)
{
	l->next = l;
	l->prev = l;
}

static inline void __list_add(struct list_head *n, struct list_head *prev,
			      struct list_head *next)
{
	next->prev = n;
	n->next = next;
	n->prev = prev;
	prev->next = n;
}

static inline void list_add(struct list_head *n, struct list_head *head)
{
	__list_add(n, head, head->next);
}

static inline void list_add_tail(struct list_head *n, struct list_head *head)
{
	__list_add(n, head->prev, head);
}

/* Unlink, leaving @e's own pointers stale. */
static inline void __list_del_entry(struct list_head *e)
{
	e->next->prev = e->prev;
	e->prev->next = e->next;
}

static inline void list_del_init(struct list_head *e)
{
	__list_del_entry(e);
	INIT_LIST_HEAD(e);
}

static inline bool list_empty(const struct list_head *h)
{
	return h->next == h;
}

static inline void list_move_tail(struct list_head *e, struct list_head *head)
{
	list_del_init(e);
	list_add_tail(e, head);
}

static inline void list_splice_tail_init(struct list_head *list,
					 struct list_head *head)
{
	if (list_empty(list))
		return;
	list->next->prev = head->prev;
	head->prev->next = list->next;
	list->prev->next = head;
	head->prev = list->prev;
	INIT_LIST_HEAD(list);
}

#define list_entry(ptr, type, member) container_of(ptr, type, member)
#define list_first_entry(head, type, member) \
	list_entry((head)->next, type, member)
#define list_for_each_entry(pos, head, member)				\
	for (pos = list_entry((head)->next, __typeof__(*pos), member);	\
	     &pos->member != (head);					\
	     pos = list_entry(pos->member.next, __typeof__(*pos), member))
#define list_for_each_entry_reverse(pos, head, member)			\
	for (pos = list_entry((head)->prev, __typeof__(*pos), member);	\
	     &pos->member != (head);					\
	     pos = list_entry(pos->member.prev, __typeof__(*pos), member))
#define list_for_each_entry_safe(pos, n, head, member)			\
	for (pos = list_entry((head)->next, __typeof__(*pos), member),	\
	     n = list_entry(pos->member.next, __typeof__(*pos), member);	\
	     &pos->member != (head);					\
	     pos = n, n = list_entry(n->member.next, __typeof__(*n), member))

#endif /* THPSH_MM_TYPES_BASE_H */

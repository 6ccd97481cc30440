/*
 * trace.h - watching the simulated kernel work: a function_graph-style
 * call trace, trace events with the kernel's tracepoint names, and
 * breakpoints inside simulated kernel functions.
 *
 * Every simulated kernel function starts with KFUNC(addr, folio).  When
 * nothing watches (ktrace_hooks == 0) that costs one store and two
 * predicted branches.  When the graph tracer is on, entries and exits
 * print like ftrace's function_graph:
 *
 *    0)               |  zap_pmd_range() {
 *    0)               |    __split_huge_pmd() {
 *    0)               |      pgtable_trans_huge_withdraw(); /- pte table pfn 0x1a3 -/
 *    0)               |    }
 *
 * and KNOTE() adds a comment line saying what the function changed.
 * Breakpoints call a hook (installed by the Lua bindings) on entry to or
 * exit from a named function, with the frame's address and folio.
 */
#ifndef THPSH_MM_TRACE_H
#define THPSH_MM_TRACE_H

#include "types.h"

struct folio;

struct kframe {
	const char *func;	/* __func__ of the simulated kernel function */
	struct kframe *up;	/* the caller's frame, if it was hooked */
	unsigned long addr;	/* the user address it works on, or 0 */
	struct folio *folio;	/* the folio it works on, or NULL */
	char *note;		/* a pending one-line note (leaf annotation) */
	unsigned char state;	/* KF_* */
	unsigned char depth;	/* indentation when shown */
};

#define KF_HOOKED	0x01	/* __kfunc_enter ran: __kfunc_exit must run */
#define KF_SHOWN	0x02	/* the graph tracer prints this frame */
#define KF_OPEN		0x04	/* "func() {" was printed */

#define KTRACE_GRAPH	0x1
#define KTRACE_BREAK	0x2

extern unsigned int ktrace_hooks;	/* KTRACE_* currently wanted */
extern struct kframe *kframe_top;	/* innermost hooked frame */

void __kfunc_enter(struct kframe *kf, const char *func, unsigned long addr,
		   struct folio *folio);
void __kfunc_exit(struct kframe *kf);

static inline void kfunc_exit(struct kframe *kf)
{
	if (unlikely(kf->state))
		__kfunc_exit(kf);
}

#define KFUNC(addr, folio)						\
	struct kframe __kf __attribute__((cleanup(kfunc_exit)));	\
	__kf.state = 0;							\
	if (unlikely(ktrace_hooks))					\
		__kfunc_enter(&__kf, __func__, (unsigned long)(addr), (folio))

/* A comment in the graph trace: what the current function changed. */
void __knote(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
#define KNOTE(...)							\
	do { if (unlikely(ktrace_hooks & KTRACE_GRAPH)) __knote(__VA_ARGS__); } while (0)

/* Graph tracer control. */
void ftrace_graph_start(void);
void ftrace_graph_stop(void);
bool ftrace_graph_on(void);
/* Show only functions matching one of @patterns (globs) and their callees. */
int ftrace_set_filter(const char *const *patterns, int n);
int ftrace_filter_count(void);
const char *ftrace_filter(int i);
/* Where trace lines go; the default writes to stdout. */
void ftrace_set_output(void (*fn)(const char *line, void *arg), void *arg);

/* Trace events (tracepoints). */
#define TP_MAX_FIELDS 8
struct tp_field {
	const char *key;
	const char *str;	/* string value, or NULL for an integer */
	long long val;
};
struct tp_event {
	const char *name;	/* tracepoint name, e.g. "set_migration_pte" */
	int nfields;
	struct tp_field f[TP_MAX_FIELDS];
};

void trace_events_record(bool on);	/* on: clear and start recording */
bool trace_events_recording(void);
size_t trace_events_count(void);
const struct tp_event *trace_events_get(size_t i);
void trace_events_clear(void);
extern bool tp_enabled;			/* recording or graph tracing */
void __tp_emit(const struct tp_event *ev);

#define TP_EMIT(...)							\
	do {								\
		if (unlikely(tp_enabled)) {				\
			const struct tp_event __ev = __VA_ARGS__;	\
			__tp_emit(&__ev);				\
		}							\
	} while (0)

/*
 * The split history: one record per folio split, so that split_history()
 * can draw what became of a folio.  thpsh's own; the kernel keeps none.
 * The newest SPLIT_HISTORY_MAX records are kept.
 */
#define SPLIT_HISTORY_MAX	65536
struct split_record {
	unsigned long seq;	/* 1, 2, ... since boot */
	unsigned long pfn;	/* the folio that was split */
	unsigned long split_at;	/* the pfn the pieces were cut around */
	const char *cause;	/* the command that ran, or NULL */
	unsigned short orders;	/* bit n: pieces of order n were cut */
	unsigned char order;	/* the folio's order before */
	bool anon;
};
extern const char *split_cause;	/* set by the bindings per command */
void split_history_add(unsigned long pfn, int order, unsigned long split_at,
		       unsigned int orders, bool anon);
size_t split_history_count(void);
const struct split_record *split_history_get(size_t i);	/* 0: oldest */
void split_history_clear(void);

/* Breakpoints. */
struct kbreak {
	const char *func;	/* a name from the kallsyms table */
	bool at_exit;		/* stop on return instead of entry */
	int cookie;		/* the binding's handle for its callback */
};
typedef void (*kbreak_hook_t)(const struct kframe *kf, const struct kbreak *bp,
			      void *arg);
void kbreak_set_hook(kbreak_hook_t fn, void *arg);
int kbreak_add(const char *func, bool at_exit, int cookie);	/* -EINVAL, -EEXIST */
int kbreak_del(const char *func, bool at_exit, int *cookie);	/* -ENOENT as -EINVAL */
size_t kbreak_count(void);
const struct kbreak *kbreak_get(size_t i);
extern int kbreak_depth;		/* >0 while a breakpoint hook runs */

/* Forget every hooked frame (after a longjmp out of the kernel). */
void ktrace_unwind(void);

/* The simulated kernel functions: name, source file, one-line purpose. */
struct ksym {
	const char *name;
	const char *file;
};
extern const struct ksym ksyms[];
extern const size_t nr_ksyms;
const struct ksym *ksym_lookup(const char *name);

#endif /* THPSH_MM_TRACE_H */

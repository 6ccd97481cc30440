/*
 * trace.c - the graph tracer, trace events and breakpoints.
 *
 * Lines are printed lazily, as function_graph does: a function's
 * "name() {" line appears when its first callee or note appears, and a
 * function that called nothing prints as "name();", with its one note
 * as a trailing comment if it made exactly one.
 */
#include "trace.h"

#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

unsigned int ktrace_hooks;
struct kframe *kframe_top;
bool tp_enabled;
int kbreak_depth;

static bool graph_on;
static char **filters;
static int nr_filters;
static void (*out_fn)(const char *line, void *arg);
static void *out_arg;

static bool recording;
static struct tp_event *events;
static size_t nr_events, events_cap;

#define MAX_KBREAKS 64
static struct kbreak kbreaks[MAX_KBREAKS];
static size_t nr_kbreaks;
static kbreak_hook_t kbreak_hook;
static void *kbreak_arg;

static void update_hooks(void)
{
	ktrace_hooks = (graph_on ? KTRACE_GRAPH : 0) |
		       (nr_kbreaks ? KTRACE_BREAK : 0);
	tp_enabled = recording || graph_on;
}

static void emit_line(const char *text, int depth)
{
	char line[1024];

	snprintf(line, sizeof(line), " 0)               |  %*s%s",
		 depth * 2, "", text);
	if (out_fn)
		out_fn(line, out_arg);
	else
		puts(line);
}

void ftrace_set_output(void (*fn)(const char *line, void *arg), void *arg)
{
	out_fn = fn;
	out_arg = arg;
}

void ftrace_graph_start(void)
{
	graph_on = true;
	update_hooks();
}

void ftrace_graph_stop(void)
{
	graph_on = false;
	update_hooks();
}

bool ftrace_graph_on(void)
{
	return graph_on;
}

int ftrace_set_filter(const char *const *patterns, int n)
{
	int i;

	for (i = 0; i < nr_filters; i++)
		free(filters[i]);
	free(filters);
	filters = NULL;
	nr_filters = 0;
	if (n <= 0)
		return 0;
	filters = calloc(n, sizeof(*filters));
	if (!filters)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		filters[i] = strdup(patterns[i]);
		if (!filters[i])
			return -ENOMEM;
		nr_filters++;
	}
	return 0;
}

int ftrace_filter_count(void)
{
	return nr_filters;
}

const char *ftrace_filter(int i)
{
	return i < nr_filters ? filters[i] : NULL;
}

static bool filter_match(const char *func)
{
	int i;

	for (i = 0; i < nr_filters; i++)
		if (!fnmatch(filters[i], func, 0))
			return true;
	return false;
}

static struct kframe *shown_frame(struct kframe *kf)
{
	while (kf && !(kf->state & KF_SHOWN))
		kf = kf->up;
	return kf;
}

/* Print "func() {" for @kf, and the note it was holding back. */
static void open_frame(struct kframe *kf)
{
	char text[512];

	if (kf->state & KF_OPEN)
		return;
	kf->state |= KF_OPEN;
	snprintf(text, sizeof(text), "%s() {", kf->func);
	emit_line(text, kf->depth);
	if (kf->note) {
		snprintf(text, sizeof(text), "/* %s */", kf->note);
		emit_line(text, kf->depth + 1);
		free(kf->note);
		kf->note = NULL;
	}
}

static void graph_enter(struct kframe *kf)
{
	struct kframe *parent = shown_frame(kf->up);

	if (nr_filters && !parent && !filter_match(kf->func))
		return;
	kf->state |= KF_SHOWN;
	kf->depth = parent ? parent->depth + 1 : 0;
	if (parent)
		open_frame(parent);
}

static void graph_exit(struct kframe *kf)
{
	char text[512];

	if (kf->state & KF_OPEN)
		snprintf(text, sizeof(text), "}");
	else if (kf->note)
		snprintf(text, sizeof(text), "%s(); /* %s */", kf->func, kf->note);
	else
		snprintf(text, sizeof(text), "%s();", kf->func);
	emit_line(text, kf->depth);
}

static void check_kbreak(struct kframe *kf, bool at_exit)
{
	size_t i;

	for (i = 0; i < nr_kbreaks; i++) {
		if (kbreaks[i].at_exit != at_exit || strcmp(kbreaks[i].func, kf->func))
			continue;
		if (kbreak_hook) {
			kbreak_depth++;
			kbreak_hook(kf, &kbreaks[i], kbreak_arg);
			kbreak_depth--;
		}
		return;
	}
}

void __kfunc_enter(struct kframe *kf, const char *func, unsigned long addr,
		   struct folio *folio)
{
	kf->func = func;
	kf->addr = addr;
	kf->folio = folio;
	kf->note = NULL;
	kf->depth = 0;
	kf->up = kframe_top;
	kf->state = KF_HOOKED;
	kframe_top = kf;
	if (ktrace_hooks & KTRACE_GRAPH)
		graph_enter(kf);
	if (ktrace_hooks & KTRACE_BREAK)
		check_kbreak(kf, false);
}

void __kfunc_exit(struct kframe *kf)
{
	if (ktrace_hooks & KTRACE_BREAK)
		check_kbreak(kf, true);
	if ((kf->state & KF_SHOWN) && graph_on)
		graph_exit(kf);
	free(kf->note);
	kf->note = NULL;
	kframe_top = kf->up;
	kf->state = 0;
}

void __knote(const char *fmt, ...)
{
	struct kframe *kf = shown_frame(kframe_top);
	char note[400], text[512];
	va_list ap;

	if (nr_filters && !kf)
		return;
	va_start(ap, fmt);
	vsnprintf(note, sizeof(note), fmt, ap);
	va_end(ap);
	if (kf && kf == kframe_top && !(kf->state & KF_OPEN) && !kf->note) {
		kf->note = strdup(note);
		if (kf->note)
			return;
	}
	if (kf)
		open_frame(kf);
	snprintf(text, sizeof(text), "/* %s */", note);
	emit_line(text, kf ? kf->depth + 1 : 0);
}

void ktrace_unwind(void)
{
	while (kframe_top) {
		free(kframe_top->note);
		kframe_top->note = NULL;
		kframe_top->state = 0;
		kframe_top = kframe_top->up;
	}
}

/* Trace events */

static bool field_is_hex(const char *key)
{
	static const char *const hex[] = { "addr", "pte", "pmd", "pfn", "mm", "scan_pfn" };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(hex); i++)
		if (!strcmp(key, hex[i]))
			return true;
	return false;
}

static void print_event(const struct tp_event *ev)
{
	char text[400];
	int i, n;

	n = snprintf(text, sizeof(text), "%s:", ev->name);
	for (i = 0; i < ev->nfields && n < (int)sizeof(text); i++) {
		const struct tp_field *f = &ev->f[i];

		if (f->str)
			n += snprintf(text + n, sizeof(text) - n, " %s=%s", f->key, f->str);
		else if (field_is_hex(f->key))
			n += snprintf(text + n, sizeof(text) - n, " %s=0x%llx", f->key,
				      (unsigned long long)f->val);
		else
			n += snprintf(text + n, sizeof(text) - n, " %s=%lld", f->key, f->val);
	}
	__knote("%s", text);
}

void __tp_emit(const struct tp_event *ev)
{
	if (graph_on)
		print_event(ev);
	if (!recording)
		return;
	if (nr_events == events_cap) {
		size_t cap = events_cap ? 2 * events_cap : 1024;
		struct tp_event *n = realloc(events, cap * sizeof(*n));

		if (!n)
			return;
		events = n;
		events_cap = cap;
	}
	events[nr_events++] = *ev;
}

void trace_events_clear(void)
{
	nr_events = 0;
}

void trace_events_record(bool on)
{
	if (on)
		trace_events_clear();
	recording = on;
	update_hooks();
}

bool trace_events_recording(void)
{
	return recording;
}

size_t trace_events_count(void)
{
	return nr_events;
}

const struct tp_event *trace_events_get(size_t i)
{
	return i < nr_events ? &events[i] : NULL;
}

/* The split history: a ring of the newest records */

const char *split_cause;
static struct split_record *splits;
static unsigned long nr_splits;		/* ever recorded since the clear */

void split_history_add(unsigned long pfn, int order, unsigned long split_at,
		       unsigned int orders, bool anon)
{
	struct split_record *r;

	if (!splits && !(splits = malloc(SPLIT_HISTORY_MAX * sizeof(*splits))))
		return;
	r = &splits[nr_splits % SPLIT_HISTORY_MAX];
	*r = (struct split_record){ .seq = ++nr_splits, .pfn = pfn, .split_at = split_at,
		.cause = split_cause, .orders = (unsigned short)orders,
		.order = (unsigned char)order, .anon = anon };
}

size_t split_history_count(void)
{
	return nr_splits < SPLIT_HISTORY_MAX ? nr_splits : SPLIT_HISTORY_MAX;
}

const struct split_record *split_history_get(size_t i)
{
	size_t n = split_history_count();

	return i < n ? &splits[(nr_splits - n + i) % SPLIT_HISTORY_MAX] : NULL;
}

void split_history_clear(void)
{
	nr_splits = 0;
}

/* Breakpoints */

void kbreak_set_hook(kbreak_hook_t fn, void *arg)
{
	kbreak_hook = fn;
	kbreak_arg = arg;
}

int kbreak_add(const char *func, bool at_exit, int cookie)
{
	const struct ksym *sym = ksym_lookup(func);
	size_t i;

	if (!sym)
		return -EINVAL;
	for (i = 0; i < nr_kbreaks; i++)
		if (kbreaks[i].at_exit == at_exit && !strcmp(kbreaks[i].func, func))
			return -EEXIST;
	if (nr_kbreaks == MAX_KBREAKS)
		return -ENOSPC;
	kbreaks[nr_kbreaks++] = (struct kbreak){ sym->name, at_exit, cookie };
	update_hooks();
	return 0;
}

int kbreak_del(const char *func, bool at_exit, int *cookie)
{
	size_t i;

	for (i = 0; i < nr_kbreaks; i++) {
		if (kbreaks[i].at_exit != at_exit || strcmp(kbreaks[i].func, func))
			continue;
		*cookie = kbreaks[i].cookie;
		kbreaks[i] = kbreaks[--nr_kbreaks];
		update_hooks();
		return 0;
	}
	return -EINVAL;
}

size_t kbreak_count(void)
{
	return nr_kbreaks;
}

const struct kbreak *kbreak_get(size_t i)
{
	return i < nr_kbreaks ? &kbreaks[i] : NULL;
}

const struct ksym *ksym_lookup(const char *name)
{
	size_t i;

	for (i = 0; i < nr_ksyms; i++)
		if (!strcmp(ksyms[i].name, name))
			return &ksyms[i];
	return NULL;
}

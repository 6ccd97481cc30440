/*
 * events.c - the trace events thpsh mirrors: full format files of the
 * migration-entry events, and the print fmt line of every event under
 * tracing/events/{thp,huge_memory,migrate}.
 *
 *   cc -O2 -Wall -o /tmp/events probe.c events.c && /tmp/events
 *
 * debugfs is mounted privately (own mount namespace) and unmounted at exit.
 */
#include "probe.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>

static void cat(const char *path)
{
	char buf[16384];

	if (read_file_str(path, buf, sizeof(buf)) < 0) {
		printf("(cannot read %s)\n", path);
		return;
	}
	printf("%s\n", buf);
}

static void print_fmt_of(const char *sys, const char *ev)
{
	char path[512], buf[16384], *p, *nl;

	snprintf(path, sizeof(path), "%s/events/%s/%s/format", trace_dir(), sys, ev);
	if (read_file_str(path, buf, sizeof(buf)) < 0) {
		printf("%s:%s (no format)\n", sys, ev);
		return;
	}
	p = strstr(buf, "print fmt: ");
	if (p) {
		nl = strchr(p, '\n');
		if (nl)
			*nl = 0;
	}
	printf("%s:%s | %s\n", sys, ev, p ? p : "(no print fmt)");
}

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void list_system(const char *sys)
{
	char path[512];
	char *names[256];
	int n = 0, i;
	DIR *d;
	struct dirent *e;

	snprintf(path, sizeof(path), "%s/events/%s", trace_dir(), sys);
	d = opendir(path);
	if (!d) {
		printf("no event system %s\n", sys);
		return;
	}
	while ((e = readdir(d)) != NULL && n < 256) {
		if (e->d_name[0] == '.' || !strcmp(e->d_name, "enable") ||
		    !strcmp(e->d_name, "filter"))
			continue;
		names[n++] = strdup(e->d_name);
	}
	closedir(d);
	qsort(names, (size_t)n, sizeof(names[0]), cmp);
	printf("== events/%s: %d events\n", sys, n);
	for (i = 0; i < n; i++) {
		print_fmt_of(sys, names[i]);
		free(names[i]);
	}
}

int main(void)
{
	static const char *full[][2] = {
		{ "migrate", "set_migration_pte" }, { "migrate", "remove_migration_pte" },
		{ "thp", "set_migration_pmd" }, { "thp", "remove_migration_pmd" } };
	char path[512];
	unsigned i;

	probe_init();
	trace_mount();
	for (i = 0; i < sizeof(full) / sizeof(full[0]); i++) {
		snprintf(path, sizeof(path), "%s/events/%s/%s/format", trace_dir(),
			 full[i][0], full[i][1]);
		printf("== %s:%s format\n", full[i][0], full[i][1]);
		cat(path);
	}
	list_system("thp");
	list_system("huge_memory");
	list_system("migrate");
	probe_restore_all();
	return 0;
}

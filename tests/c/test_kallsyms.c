/*
 * test_kallsyms.c - the ksyms[] table lists every simulated kernel
 * function: each KFUNC() in the C files of src/mm has its row, naming a
 * function defined in that file.  (Run from the top of the tree, as
 * make check does.)
 */
#include "tap.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "mm/trace.h"

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = calloc(1, n + 1);
	if (buf && fread(buf, 1, n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

static int count(const char *text, const char *needle)
{
	int n = 0;

	while ((text = strstr(text, needle))) {
		n++;
		text++;
	}
	return n;
}

int main(void)
{
	struct dirent *de;
	DIR *dir;
	int total = 0;
	size_t k;

	for (k = 0; k < nr_ksyms; k++) {
		char path[128], def[160];
		char *src;
		snprintf(path, sizeof(path), "src/mm/%s", ksyms[k].file);
		snprintf(def, sizeof(def), "%s(", ksyms[k].name);
		src = slurp(path);
		if (!ok(src && strstr(src, def), "%s() is defined in %s", ksyms[k].name,
			ksyms[k].file))
			printf("#   cannot find %s in %s\n", def, path);
		free(src);
		ok(ksym_lookup(ksyms[k].name) == &ksyms[k], "%s is listed once", ksyms[k].name);
	}
	dir = opendir("src/mm");
	while (dir && (de = readdir(dir))) {
		char path[300];
		char *src;
		int rows = 0, sites;

		if (!strstr(de->d_name, ".c") || !strcmp(de->d_name, "kallsyms.c"))
			continue;
		snprintf(path, sizeof(path), "src/mm/%s", de->d_name);
		src = slurp(path);
		for (k = 0; k < nr_ksyms; k++)
			rows += !strcmp(ksyms[k].file, de->d_name);
		sites = src ? count(src, "KFUNC(") : 0;
		ok(sites == rows, "%s: %d KFUNC() sites, %d rows", de->d_name, sites, rows);
		total += sites;
		free(src);
	}
	if (dir)
		closedir(dir);
	ok(total == (int)nr_ksyms, "%d KFUNC() sites, %zu rows", total, nr_ksyms);
	return done_testing();
}

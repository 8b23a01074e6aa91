/* The docs stay true to the code: every context string the library uses
 * is in docs/CONTEXTS.md, every vector file is read by a test, and every
 * exported function has its doc comment in the header and, for the
 * headers with a man page, is named in it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <dirent.h>
#include <ftw.h>

#define TEXT_MAX	(4u << 20)

static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *s;
	size_t n;

	if (f == NULL)
		return NULL;
	if ((s = malloc(TEXT_MAX + 1)) == NULL)
		abort();
	n = fread(s, 1, TEXT_MAX, f);
	fclose(f);
	s[n] = '\0';
	return s;
}

static char *contexts_md;
static int missing;

/* Each "coffer/..." literal in a library source must be in CONTEXTS.md. */
static int
scan_contexts(const char *path, const struct stat *sb, int type)
{
	char *text, *p, *q, want[80];
	size_t n;

	(void)sb;
	n = strlen(path);
	if (type != FTW_F || n < 2 || (strcmp(path + n - 2, ".c") != 0 &&
	    strcmp(path + n - 2, ".h") != 0))
		return 0;
	if ((text = slurp(path)) == NULL)
		return 1;
	for (p = text; (p = strstr(p, "\"coffer/")) != NULL; p = q) {
		q = strchr(p + 1, '"');
		if (q == NULL || (size_t)(q - p) + 2 > sizeof(want))
			break;
		snprintf(want, sizeof(want), "`%.*s`", (int)(q - p - 1), p + 1);
		if (strstr(contexts_md, want) == NULL) {
			print_error("%s: context %s is not in docs/CONTEXTS.md\n",
			    path, want);
			missing++;
		}
		q++;
	}
	free(text);
	return 0;
}

static void
test_contexts_registered(void **state)
{
	(void)state;
	contexts_md = slurp(COFFER_SOURCE_DIR "/docs/CONTEXTS.md");
	assert_non_null(contexts_md);
	missing = 0;
	assert_int_equal(ftw(COFFER_SOURCE_DIR "/lib", scan_contexts, 16), 0);
	assert_int_equal(ftw(COFFER_SOURCE_DIR "/include", scan_contexts, 16),
	    0);
	assert_int_equal(missing, 0);
	free(contexts_md);
}

static char *tests_text;

static int
gather_tests(const char *path, const struct stat *sb, int type)
{
	char *t;
	size_t have = strlen(tests_text), n;

	(void)sb;
	if (type != FTW_F || strstr(path, "/test_") == NULL)
		return 0;
	if ((t = slurp(path)) == NULL)
		return 1;
	n = strlen(t);
	if (have + n < TEXT_MAX * 4) {
		memcpy(tests_text + have, t, n + 1);
	}
	free(t);
	return 0;
}

/* A vector file no test reads is decoration, not a test. */
static void
test_vectors_used(void **state)
{
	DIR *d;
	struct dirent *e;
	size_t n, files = 0;

	(void)state;
	tests_text = calloc(1, TEXT_MAX * 4 + 1);
	assert_non_null(tests_text);
	assert_int_equal(ftw(COFFER_SOURCE_DIR "/tests/lib", gather_tests, 16),
	    0);
	assert_int_equal(ftw(COFFER_SOURCE_DIR "/tests/server", gather_tests,
	    16), 0);
	d = opendir(COFFER_SOURCE_DIR "/tests/vectors");
	assert_non_null(d);
	missing = 0;
	while ((e = readdir(d)) != NULL) {
		n = strlen(e->d_name);
		if (n < 5 || strcmp(e->d_name + n - 4, ".txt") != 0)
			continue;
		files++;
		char quoted[300];
		snprintf(quoted, sizeof(quoted), "\"%s\"", e->d_name);
		if (strstr(tests_text, quoted) == NULL) {
			print_error("tests/vectors/%s is read by no test\n",
			    e->d_name);
			missing++;
		}
	}
	closedir(d);
	free(tests_text);
	assert_true(files >= 10);
	assert_int_equal(missing, 0);
}

/* Whether the comment [doc, end) names fn as "fn(". */
static int
comment_names(const char *doc, const char *end, const char *fn)
{
	size_t n = strlen(fn);
	const char *q;

	for (q = doc; (q = strstr(q, fn)) != NULL && q < end; q++)
		if (q[n] == '(' && (q == doc || q[-1] == ' ' || q[-1] == '\t'))
			return 1;
	return 0;
}

/* The next COFFER_API function declared in ${text} at or after ${p}:
 * returns where its declaration starts and sets [*${name}, *${paren}) to
 * its name; NULL when there is none. */
static char *
api_next(char *text, char *p, char **name, char **paren)
{
	char *line;

	for (; (p = strstr(p, "COFFER_API ")) != NULL; p = *paren) {
		if ((*paren = strchr(p, '(')) == NULL)
			return NULL;
		for (line = p; line > text && line[-1] != '\n'; line--)
			;
		if (*line == '#' || memchr(p, ';', (size_t)(*paren - p)) != NULL)
			continue;	/* a macro, or not a function */
		for (*name = *paren; *name > p && ((*name)[-1] == '_' ||
		    ((*name)[-1] >= 'a' && (*name)[-1] <= 'z') ||
		    ((*name)[-1] >= '0' && (*name)[-1] <= '9')); (*name)--)
			;
		return p;
	}
	return NULL;
}

/* Each COFFER_API function is named in the doc comment ("/" "** ...")
 * that stands above its declaration (one comment may cover a group). */
static int
scan_header(const char *path, const struct stat *sb, int type)
{
	char *text, *p, *name, *paren, *doc, *end, save;
	size_t n;

	(void)sb;
	n = strlen(path);
	if (type != FTW_F || n < 2 || strcmp(path + n - 2, ".h") != 0)
		return 0;
	if ((text = slurp(path)) == NULL)
		return 1;
	for (p = text; (p = api_next(text, p, &name, &paren)) != NULL;
	    p = paren) {
		/* The last doc comment before the declaration. */
		for (doc = NULL, end = text; (end = strstr(end, "/" "**")) !=
		    NULL && end < p; end++)
			doc = end;
		end = doc == NULL ? NULL : strstr(doc, "*/");
		save = *paren;
		*paren = '\0';
		if (doc == NULL || end == NULL || end > p ||
		    !comment_names(doc, end, name)) {
			print_error("%s: %s has no doc comment\n", path, name);
			missing++;
		}
		*paren = save;
	}
	free(text);
	return 0;
}

static void
test_api_documented(void **state)
{
	(void)state;
	missing = 0;
	assert_int_equal(ftw(COFFER_SOURCE_DIR "/include", scan_header, 16), 0);
	assert_int_equal(missing, 0);
}

/* Each man page of a header names every COFFER_API function of it in
 * its NAME section, so `man coffer_backup_prune` can find the page. */
static void
test_man_pages(void **state)
{
	static const struct {
		const char	*header;
		const char	*page;
	} pages[] = {
		{ "include/coffer/client.h", "docs/man/coffer_client.3" },
		{ "include/coffer/backup.h", "docs/man/coffer_backup.3" },
	};
	char path[1024], *h, *m, *names, *stop, *p, *name, *paren, *q, save;
	size_t i, n;
	int found;

	(void)state;
	missing = 0;
	for (i = 0; i < sizeof(pages) / sizeof(pages[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", COFFER_SOURCE_DIR,
		    pages[i].header);
		assert_non_null(h = slurp(path));
		snprintf(path, sizeof(path), "%s/%s", COFFER_SOURCE_DIR,
		    pages[i].page);
		assert_non_null(m = slurp(path));
		assert_non_null(names = strstr(m, "\n.SH NAME\n"));
		assert_non_null(stop = strstr(names + 1, "\n.SH "));
		*stop = '\0';
		for (p = h; (p = api_next(h, p, &name, &paren)) != NULL;
		    p = paren) {
			save = *paren;
			*paren = '\0';
			n = strlen(name);
			for (found = 0, q = names; !found &&
			    (q = strstr(q, name)) != NULL; q += n)
				found = (q[-1] == ' ' || q[-1] == '\n') &&
				    (q[n] == ',' || q[n] == '\n');
			if (!found) {
				print_error("%s: %s is not in its NAME "
				    "section\n", pages[i].page, name);
				missing++;
			}
			*paren = save;
		}
		free(h);
		free(m);
	}
	assert_int_equal(missing, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_contexts_registered),
		cmocka_unit_test(test_vectors_used),
		cmocka_unit_test(test_api_documented),
		cmocka_unit_test(test_man_pages),
	};

	return cmocka_run_group_tests_name("docs", tests, NULL, NULL);
}

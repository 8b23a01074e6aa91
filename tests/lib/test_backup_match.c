/* The exclude patterns of backup create (lib/backup/match.c): a table of
 * pattern, path, folder or not, and the answer, holding restic's
 * documented examples, "**", anchored and not, case-insensitive, classes
 * and the edges (trailing '/', dot files, UTF-8); a table of refused
 * patterns; the run of components that must end at the entry. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <coffer/err.h>

#include "backup/match.h"

struct mcase {
	const char	*pat;
	unsigned	 flags;
	const char	*path;
	int		 is_dir;
	int		 want;
};

#define I	MATCH_ICASE

static const struct mcase g_cases[] = {
	/* restic's documentation */
	{ "*.go", 0, "/home/user/src/main.go", 0, 1 },
	{ "*.go", 0, "/home/user/src/main.gone", 0, 0 },
	{ "foo", 0, "/dir1/foo/dir2/file", 0, 1 },
	{ "foo", 0, "/dir/foo", 0, 1 },
	{ "foo", 0, "/dir/foobar", 0, 0 },
	{ "foo", 0, "/dir/barfoo", 0, 0 },
	{ "/bin", 0, "/bin/bash", 0, 1 },
	{ "/bin", 0, "/usr/bin/restic", 0, 0 },
	{ "b*ash", 0, "/bin/bash", 0, 1 },
	{ "b*ash", 0, "/bin/ash", 0, 0 },
	{ "foo/**/bar", 0, "/dir1/foo/dir2/bar/file", 0, 1 },
	{ "foo/**/bar", 0, "/foo/bar/file", 0, 1 },
	{ "foo/**/bar", 0, "/tmp/foo/bar", 0, 1 },
	{ "foo/**/bar", 0, "/tmp/foo/baz", 0, 0 },
	{ "/home/*/.cache", 0, "/home/ann/.cache/x", 0, 1 },
	{ "/home/*/.cache", 0, "/home/ann/b/.cache", 1, 0 },
	/* several components: consecutive, anywhere */
	{ "foo/bar", 0, "/x/foo/bar", 0, 1 },
	{ "foo/bar", 0, "/x/foo/baz/bar", 0, 0 },
	{ "foo/bar", 0, "/foo/bar/z", 0, 1 },
	{ "a/./b", 0, "/a/b", 0, 1 },
	{ "a//b", 0, "/x/a/b", 0, 1 },
	/* "**" */
	{ "**/.git", 0, "/a/b/.git", 1, 1 },
	{ "/**/x", 0, "/x", 0, 1 },
	{ "/**/x", 0, "/a/b/x", 0, 1 },
	{ "/a/**/b/**/c", 0, "/a/1/2/b/3/c", 0, 1 },
	{ "/a/**/b/**/c", 0, "/a/1/2/c/3/b", 0, 0 },
	{ "a/**", 0, "/z/a", 1, 1 },
	{ "a/**", 0, "/z/a/b/c", 0, 1 },
	{ "/a/**/**/b", 0, "/a/b", 0, 1 },
	{ "**", 0, "/anything/at/all", 0, 1 },
	{ "x**y", 0, "/xay", 0, 1 },	/* inside a name, a '*' */
	{ "x**y", 0, "/xa/y", 0, 0 },
	/* wildcards */
	{ "?", 0, "/a", 0, 1 },
	{ "?", 0, "/ab", 0, 0 },
	{ "?", 0, "/\xc3\xa9", 0, 1 },	/* one code point */
	{ "??", 0, "/\xc3\xa9", 0, 0 },
	{ "?", 0, "/\xff", 0, 1 },		/* invalid byte: itself */
	{ "*a*b*", 0, "/xxaxxbxx", 0, 1 },
	{ "*a*b*", 0, "/xxbxxa", 0, 0 },
	{ "*", 0, "/anything", 0, 1 },
	{ "a*", 0, "/a", 0, 1 },
	{ "*.tar.*", 0, "/x.tar.gz", 0, 1 },
	{ "*.tar.*", 0, "/x.tar", 0, 0 },
	/* classes */
	{ "[abc].txt", 0, "/b.txt", 0, 1 },
	{ "[abc].txt", 0, "/d.txt", 0, 0 },
	{ "[^abc].txt", 0, "/d.txt", 0, 1 },
	{ "[^abc].txt", 0, "/a.txt", 0, 0 },
	{ "[!abc].txt", 0, "/d.txt", 0, 1 },
	{ "[a-c]x", 0, "/bx", 0, 1 },
	{ "[a-c]x", 0, "/dx", 0, 0 },
	{ "[a-cx-z]", 0, "/y", 0, 1 },
	{ "[\\]]", 0, "/]", 0, 1 },
	{ "[\\-]", 0, "/-", 0, 1 },
	{ "[\xc3\xa0-\xc3\xbf]", 0, "/\xc3\xa9", 0, 1 },
	{ "[\xc3\xa0-\xc3\xbf]", 0, "/e", 0, 0 },
	/* escapes */
	{ "\\*", 0, "/*", 0, 1 },
	{ "\\*", 0, "/a", 0, 0 },
	{ "\\!x", 0, "/!x", 0, 1 },
	{ "a\\?", 0, "/ab", 0, 0 },
	/* dot files are names like any other */
	{ ".*", 0, "/home/.bashrc", 0, 1 },
	{ ".*", 0, "/home/x", 0, 0 },
	{ "*rc", 0, "/home/.bashrc", 0, 1 },
	/* a trailing '/': folders only (the entry's, or one above) */
	{ "cache/", 0, "/a/cache", 1, 1 },
	{ "cache/", 0, "/a/cache", 0, 0 },
	{ "cache/", 0, "/a/cache/f", 0, 1 },
	{ "/a/", 0, "/a", 1, 1 },
	/* case */
	{ "*.JPG", 0, "/p/a.jpg", 0, 0 },
	{ "*.JPG", I, "/p/a.jpg", 0, 1 },
	{ "*.jpg", I, "/p/A.JpG", 0, 1 },
	{ "Cache", I, "/x/CACHE", 1, 1 },
	{ "Cache", 0, "/x/CACHE", 1, 0 },
	{ "[A-C]x", I, "/bX", 0, 1 },
	{ "/HOME/**/TMP", I, "/home/u/tmp", 1, 1 },
	{ "\xc3\x89", I, "/\xc3\xa9", 0, 0 },	/* ASCII only */
};

static void
test_table(void **state)
{
	struct match *m;
	const char *why;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(g_cases) / sizeof(g_cases[0]); i++) {
		const struct mcase *t = &g_cases[i];

		assert_non_null(m = match_new());
		if (match_add(m, t->pat, t->flags, &why) != 0)
			fail_msg("'%s' refused: %s", t->pat, why);
		if (match_str(m, t->path, t->is_dir) != t->want)
			fail_msg("'%s'%s on %s (%s): want %d", t->pat,
			    t->flags ? " (icase)" : "", t->path,
			    t->is_dir ? "folder" : "file", t->want);
		match_free(&m);
		assert_null(m);
	}
}

static void
test_refused(void **state)
{
	static const char *const bad[] = {
		"", "/", "//", "/./", "[abc", "a\\", "[z-a]", "[]", "[a-]",
		"[-a]", "!foo", "x/[", "[\\",
	};
	struct match *m;
	const char *why;
	size_t i;

	(void)state;
	assert_non_null(m = match_new());
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why = NULL;
		if (match_add(m, bad[i], 0, &why) != COFFER_ERR_INVALID)
			fail_msg("'%s' accepted", bad[i]);
		assert_non_null(why);
		assert_true(strlen(why) > 0);
	}
	assert_int_equal(match_count(m), 0);
	/* Nothing compiled: nothing matches. */
	assert_int_equal(match_str(m, "/a/b", 0), 0);
	assert_int_equal(match_str(NULL, "/a/b", 0), 0);
	match_free(&m);
	match_free(&m);
	match_free(NULL);
}

/* Several patterns; the run that must reach the entry (tail); the depth
 * cap of match_str. */
static void
test_set_and_tail(void **state)
{
	struct match_comp c[3] = { { "x", 1 }, { "y", 1 }, { "z", 1 } };
	struct match *m;
	const char *why;
	char deep[2 * MATCH_STR_DEPTH + 8];
	size_t i;

	(void)state;
	assert_non_null(m = match_new());
	assert_int_equal(match_add(m, "/x", 0, &why), 0);
	assert_int_equal(match_add(m, "*.o", 0, &why), 0);
	assert_int_equal(match_add(m, "tmp/", 0, &why), 0);
	assert_int_equal(match_count(m), 3);
	assert_true(match_dir_only(m));
	/* "/x" matches /x/y/z from anywhere, not as the entry itself. */
	assert_int_equal(match_path(m, c, 3, 1, 0), 1);
	assert_int_equal(match_path(m, c, 3, 3, 0), 0);
	assert_int_equal(match_path(m, c, 1, 1, 1), 1);
	assert_int_equal(match_str(m, "/a/b.o", 0), 1);
	assert_int_equal(match_str(m, "/a/tmp", 1), 1);
	assert_int_equal(match_str(m, "/a/tmp", 0), 0);
	assert_int_equal(match_str(m, "/", 1), 0);
	for (i = 0; i < MATCH_STR_DEPTH + 1; i++)
		memcpy(deep + 2 * i, "/a", 2);
	deep[2 * i] = '\0';
	assert_int_equal(match_str(m, deep, 0), -1);
	match_free(&m);
	/* Many "**" over a deep path that almost matches: linear work per
	 * "**" (trying every split would not finish). */
	assert_non_null(m = match_new());
	assert_int_equal(match_add(m, "**/a/**/a/**/a/**/a/**/a/**/a/**/b",
	    0, &why), 0);
	assert_int_equal(match_str(m, deep + 2 * (MATCH_STR_DEPTH + 1 - 250),
	    0), 0);
	memcpy(deep + 2 * MATCH_STR_DEPTH, "/b", 2);
	assert_int_equal(match_str(m, deep + 2 * (MATCH_STR_DEPTH + 1 - 250),
	    0), 1);
	match_free(&m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_set_and_tail),
	};

	return cmocka_run_group_tests_name("backup_match", tests, NULL, NULL);
}

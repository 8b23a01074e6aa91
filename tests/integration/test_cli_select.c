/* coffer backup create's selection options against the real cofferd:
 * --exclude, --iexclude, --exclude-file and --iexclude-file (comments,
 * blank lines, trimmed spaces, $NAME from the environment),
 * --exclude-caches, --exclude-if-present, --files-from (comments,
 * globs), --files-from-verbatim, --files-from-raw, and the usage
 * errors. The engine's own tests of each option are
 * tests/lib/test_backup_select.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "backup_fixture.h"
#include "cli_fixture.h"

static char home[512];

static const char *const create_env[] = { cli_fx_server_env,
    "COFFER_PASSWORD=pw pw pw", "COFFER_LOGIN=sel", NULL };
static const char *const env[] = { "COFFER_PASSWORD=pw pw pw",
    "COFFER_LOGIN=sel", "SEL_SKIP=env.bin", NULL };

#define COFFER(r, in, ...) cli_fx_run((r), env, home, (in), \
	(const char *const[]){ __VA_ARGS__, NULL })

static void
put(const char *dir, const char *name, const char *text, size_t n)
{
	bfx_write_file(dir, name, (const uint8_t *)text, n);
}

#define PUT(dir, name, lit)	put((dir), (name), (lit), sizeof(lit) - 1)

static void
dir(char *out, size_t size, const char *name)
{
	cli_fx_path(out, size, name);
	assert_int_equal(mkdir(out, 0755), 0);
}

static int
setup(void **state)
{
	return cli_fx_setup_home(state, home, sizeof(home), create_env);
}

static void
test_select(void **state)
{
	struct cli_res r;
	char src[600], other[600], raw[600], p[700], lists[600];
	char exf[700], iexf[700], from[700], verb[700], rawf[700], text[2048];
	int n;

	(void)state;
	dir(src, sizeof(src), "sel");
	dir(other, sizeof(other), "other");
	dir(raw, sizeof(raw), "raw");
	dir(lists, sizeof(lists), "lists");
	PUT(src, "keep.txt", "kept");
	PUT(src, "a.log", "log");
	PUT(src, "Photo.JPG", "photo");
	PUT(src, "with space.txt", "trimmed pattern");
	PUT(src, "env.bin", "named by the environment");
	snprintf(p, sizeof(p), "%s/cache", src);
	assert_int_equal(mkdir(p, 0755), 0);
	PUT(p, "CACHEDIR.TAG", "Signature: 8a477f597d28d172789f06886806bc55");
	PUT(p, "blob", "cached");
	snprintf(p, sizeof(p), "%s/private", src);
	assert_int_equal(mkdir(p, 0755), 0);
	PUT(p, ".nobackup", "");
	PUT(p, "secret", "left out");
	snprintf(p, sizeof(p), "%s/tmp", src);
	assert_int_equal(mkdir(p, 0755), 0);
	PUT(p, "t", "left out");
	PUT(other, "one.dat", "1");
	PUT(other, "two.dat", "2");
	PUT(other, "[x]", "a name that is a glob");
	PUT(raw, "r", "raw");

	snprintf(exf, sizeof(exf), "%s/ex", lists);
	PUT(lists, "ex", "# comments and blank lines are skipped\n\n"
	    "  with space.txt  \n$SEL_SKIP\r\n");
	snprintf(iexf, sizeof(iexf), "%s/iex", lists);
	PUT(lists, "iex", "*.jpg\n");
	snprintf(from, sizeof(from), "%s/from", lists);
	n = snprintf(text, sizeof(text), "# the folder\n  %s  \n\n%s/*.dat\n"
	    "%s/none*\n", src, other, other);
	put(lists, "from", text, (size_t)n);
	snprintf(verb, sizeof(verb), "%s/verb", lists);
	n = snprintf(text, sizeof(text), "%s/[x]\n", other);
	put(lists, "verb", text, (size_t)n);
	snprintf(rawf, sizeof(rawf), "%s/raw", lists);
	n = snprintf(text, sizeof(text), "%s", raw);
	put(lists, "raw", text, (size_t)n + 1);	/* with its NUL */

	COFFER(&r, NULL, "backup", "create", "--exclude", "*.log",
	    "--exclude", "sel/tmp/", "--exclude-file", exf, "--iexclude-file",
	    iexf, "--exclude-caches", "--exclude-if-present", ".nobackup",
	    "--files-from", from, "--files-from-verbatim", verb,
	    "--files-from-raw", rawf);
	cli_fx_expect(&r, 0, "backup create with every option");
	/* A glob of --files-from that matches nothing is said. */
	assert_non_null(strstr(r.err, "matches nothing"));
	cli_res_free(&r);

	COFFER(&r, NULL, "backup", "ls", "latest");
	cli_fx_expect(&r, 0, "backup ls");
	assert_non_null(strstr(r.out, "sel/keep.txt"));
	assert_null(strstr(r.out, "a.log"));
	assert_null(strstr(r.out, "Photo.JPG"));
	assert_null(strstr(r.out, "with space.txt"));
	assert_null(strstr(r.out, "env.bin"));
	assert_non_null(strstr(r.out, "sel/cache/CACHEDIR.TAG"));
	assert_null(strstr(r.out, "sel/cache/blob"));
	assert_non_null(strstr(r.out, "sel/private/.nobackup"));
	assert_null(strstr(r.out, "secret"));
	assert_null(strstr(r.out, "sel/tmp"));
	assert_non_null(strstr(r.out, "  one.dat\n"));
	assert_non_null(strstr(r.out, "  two.dat\n"));
	assert_non_null(strstr(r.out, "  [x]\n"));
	assert_non_null(strstr(r.out, "  raw/r\n"));
	cli_res_free(&r);
}

static void
test_usage(void **state)
{
	struct cli_res r;

	(void)state;
	COFFER(&r, NULL, "backup", "create");
	cli_fx_expect(&r, 2, "nothing to back up");
	assert_non_null(strstr(r.err, "nothing to back up"));
	cli_res_free(&r);

	COFFER(&r, NULL, "backup", "create", "--files-from", "/nonexistent");
	cli_fx_expect(&r, 1, "a list that is not there");
	assert_non_null(strstr(r.err, "/nonexistent"));
	cli_res_free(&r);

	COFFER(&r, NULL, "backup", "create", "--exclude", "[a", home);
	cli_fx_expect(&r, 1, "a malformed pattern");
	assert_non_null(strstr(r.err, "'[a'"));
	cli_res_free(&r);

	COFFER(&r, NULL, "backup", "create", "--set", "a", "--set", "b",
	    home);
	cli_fx_expect(&r, 2, "an option that does not repeat");
	cli_res_free(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_select),
		cmocka_unit_test(test_usage),
	};

	return cmocka_run_group_tests(tests, setup, cli_fx_teardown);
}

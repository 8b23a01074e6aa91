/* The coffer program without a server: the help generated from its
 * command table, the man page that must match that table, usage errors
 * (exit 2, a message naming the problem) and --json answers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "cli_run.h"
#include "server_harness.h"

/* Run coffer with the arguments (NULL-terminated) and no environment. */
#define RUN(r, ...) \
	assert_int_equal(cli_run((r), NULL, NULL, __VA_ARGS__, (char *)NULL), 0)

static json_t *
parse_json(const char *text)
{
	json_error_t e;
	json_t *j = json_loads(text, 0, &e);

	if (j == NULL)
		fail_msg("not JSON (%s): %s", e.text, text);
	return j;
}

/* Does the man page name the command "coffer ${words}" on a tag line? */
static int
man_has_command(const char *man, const char *words)
{
	char needle[128];

	snprintf(needle, sizeof(needle), "\n\\fBcoffer %s\\fR", words);
	return strstr(man, needle) != NULL;
}

/* Every command and option of the table is in coffer.1. */
static void
test_man_covers_table(void **state)
{
	struct cli_res r;
	json_t *j, *cmd, *opt;
	size_t i, k;
	char *man, needle[128], *q;

	(void)state;
	man = srv_slurp(COFFER_SOURCE_DIR "/docs/man/coffer.1", NULL);
	assert_non_null(man);
	RUN(&r, "--json", "help");
	assert_int_equal(r.status, 0);
	j = parse_json(r.out);
	assert_true(json_array_size(json_object_get(j, "commands")) >= 20);
	json_array_foreach(json_object_get(j, "commands"), i, cmd) {
		const char *w = json_string_value(json_object_get(cmd,
		    "command"));

		if (!man_has_command(man, w))
			fail_msg("coffer.1 lacks the command 'coffer %s'", w);
		json_array_foreach(json_object_get(cmd, "options"), k, opt) {
			snprintf(needle, sizeof(needle), "\\-\\-%s",
			    json_string_value(json_object_get(opt, "name")));
			for (q = needle + 4; (q = strchr(q, '-')) != NULL;) {
				memmove(q + 1, q, strlen(q) + 1);
				*q = '\\';
				q += 2;
			}
			if (strstr(man, needle) == NULL)
				fail_msg("coffer.1 lacks %s of '%s'", needle, w);
		}
	}
	json_decref(j);
	cli_res_free(&r);
	free(man);
}

/* Every command tag line of coffer.1 is a command of the table. */
static void
test_table_covers_man(void **state)
{
	struct cli_res r;
	char *man, *p, *end, words[128];
	size_t n = 0;

	(void)state;
	man = srv_slurp(COFFER_SOURCE_DIR "/docs/man/coffer.1", NULL);
	assert_non_null(man);
	for (p = man; (p = strstr(p, "\n\\fBcoffer ")) != NULL; p = end) {
		p += strlen("\n\\fBcoffer ");
		if ((end = strstr(p, "\\fR")) == NULL ||
		    (size_t)(end - p) >= sizeof(words))
			fail_msg("coffer.1: a command tag without \\fR");
		memcpy(words, p, (size_t)(end - p));
		words[end - p] = '\0';
		/* "coffer help WORDS" explains a command of the table. */
		if ((p = strchr(words, ' ')) != NULL)
			*p++ = '\0';
		RUN(&r, "help", words, p);
		if (r.status != 0)
			fail_msg("coffer.1 has 'coffer %s %s', the table does "
			    "not (%s)", words, p != NULL ? p : "", r.err);
		cli_res_free(&r);
		n++;
	}
	assert_true(n >= 20);
	free(man);
}

/* `coffer help` lists every command; `help CMD` = `CMD --help`. */
static void
test_help(void **state)
{
	static const char *const words[] = { "account create", "record put",
	    "backup restore", "backup check", "device approve", "sync" };
	struct cli_res a, b;
	char *sp, w[64];
	size_t i;

	(void)state;
	RUN(&a, "help");
	assert_int_equal(a.status, 0);
	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		assert_non_null(strstr(a.out, words[i]));
	assert_non_null(strstr(a.out, "--server URL"));
	cli_res_free(&a);
	RUN(&b, "--help");
	assert_int_equal(b.status, 0);
	assert_non_null(strstr(b.out, "backup restore"));
	cli_res_free(&b);
	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		snprintf(w, sizeof(w), "%s", words[i]);
		if ((sp = strchr(w, ' ')) != NULL)
			*sp++ = '\0';
		RUN(&a, "help", w, sp);
		RUN(&b, w, sp != NULL ? sp : "--help", sp != NULL ? "--help" :
		    NULL);
		assert_int_equal(a.status, 0);
		assert_int_equal(b.status, 0);
		assert_string_equal(a.out, b.out);
		assert_non_null(strstr(a.out, "usage: coffer "));
		cli_res_free(&a);
		cli_res_free(&b);
	}
	RUN(&a, "backup", "restore", "-h");
	assert_int_equal(a.status, 0);
	assert_non_null(strstr(a.out, "--target DIR"));
	cli_res_free(&a);
	/* A group lists its subcommands. */
	RUN(&a, "help", "backup");
	assert_int_equal(a.status, 0);
	assert_non_null(strstr(a.out, "coffer backup forget [--set NAME] "
	    "[--keep-last N]"));
	cli_res_free(&a);
}

struct usage_case {
	const char	*args[6];
	const char	*message;	/* expected in stderr */
};

/* Each bad command line: exit 2 and a message that names the problem. */
static void
test_usage_errors(void **state)
{
	static const struct usage_case cases[] = {
		{ { NULL }, "no command given" },
		{ { "frobnicate" }, "unknown command 'frobnicate'" },
		{ { "account" }, "'coffer account' needs a subcommand: create, "
		    "login, logout, status" },
		{ { "account", "fly" }, "unknown subcommand 'account fly'" },
		{ { "backup", "create", "--bogus", "x" }, "unknown option "
		    "'--bogus' for 'coffer backup create'" },
		{ { "backup", "create" }, "nothing to back up" },
		{ { "backup", "restore", "latest" }, "option '--target DIR' "
		    "is required" },
		{ { "backup", "restore", "latest", "--target" }, "option "
		    "'--target' needs a value (DIR)" },
		{ { "backup", "restore", "--target=", "x" }, "option "
		    "'--target' has an empty value" },
		{ { "backup", "check", "--read-data=yes" }, "option "
		    "'--read-data' takes no value" },
		{ { "backup", "list", "--set", "a", "--set", "b" }, "option "
		    "'--set' given twice" },
		{ { "backup", "ls", "a", "b", "c" }, "unexpected argument 'c'" },
		{ { "record", "get", "--category", "notes" }, "missing "
		    "argument: ID" },
		{ { "record", "list" }, "option '--category NAME' is "
		    "required" },
		{ { "backup", "forget", "--keep-last", "x" }, "option "
		    "'--keep-last': 'x' is not a number" },
		{ { "backup", "forget", "--keep-last", "-1" }, "is not a "
		    "number" },
		{ { "backup", "forget", "--set", "x" }, "give at least one "
		    "--keep-* option" },
		{ { "version", "extra" }, "unexpected argument 'extra'" },
		{ { "-x" }, "unknown option '-x'" },
		{ { "--nope", "help" }, "unknown option '--nope'" },
		{ { "--server" }, "option '--server' needs a value (URL)" },
		{ { "help", "nothing" }, "unknown command 'nothing'" },
	};
	struct cli_res r;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *const *a = cases[i].args;

		RUN(&r, a[0], a[1], a[2], a[3], a[4], a[5]);
		if (r.status != 2 || strstr(r.err, cases[i].message) == NULL ||
		    strncmp(r.err, "coffer: ", 8) != 0 || r.outlen != 0)
			fail_msg("case %zu (%s ...): exit %d, stderr: %s", i,
			    a[0] ? a[0] : "", r.status, r.err);
		assert_non_null(strstr(r.err, "usage: coffer"));
		cli_res_free(&r);
	}
}

/* --json: one object on stdout, also for errors. */
static void
test_json(void **state)
{
	struct cli_res r;
	json_t *j;

	(void)state;
	RUN(&r, "--json", "version");
	assert_int_equal(r.status, 0);
	j = parse_json(r.out);
	assert_non_null(json_string_value(json_object_get(j, "coffer")));
	json_decref(j);
	cli_res_free(&r);

	RUN(&r, "categories", "--json");
	assert_int_equal(r.status, 0);
	j = parse_json(r.out);
	assert_true(json_array_size(json_object_get(j, "categories")) > 5);
	json_decref(j);
	cli_res_free(&r);

	RUN(&r, "--json", "backup", "ls");
	assert_int_equal(r.status, 2);
	j = parse_json(r.out);
	assert_string_equal(json_string_value(json_object_get(j, "error")),
	    "usage");
	assert_non_null(strstr(json_string_value(json_object_get(j,
	    "message")), "missing argument: SNAP"));
	json_decref(j);
	cli_res_free(&r);

	/* "--" ends the options: "--json" is then an argument. */
	RUN(&r, "version", "--", "--json");
	assert_int_equal(r.status, 2);
	assert_non_null(strstr(r.err, "unexpected argument '--json'"));
	cli_res_free(&r);
}

/* On a terminal: the login name is echoed, the password is not; asked
 * twice on account create, and two different answers are refused before
 * anything reaches the server (there is none at this address). */
static void
test_password_prompt(void **state)
{
	static const char *const env[] = {
	    "COFFER_SERVER=http://127.0.0.1:9", NULL };
	static const struct cli_chat chat[] = {
		{ "Login name: ", "carol\n" },
		{ "Password: ", "s3cret-one\n" },
		{ "Password again: ", "s3cret-two\n" },
	};
	struct cli_res r;
	char *tmp, home[600];
	const char *args[] = { "--home", home, "account", "create", NULL };

	(void)state;
	assert_non_null(tmp = srv_tmpdir());
	snprintf(home, sizeof(home), "%s/home", tmp);
	if (cli_run_tty(&r, env, chat, 3, args) != 0)
		fail_msg("the terminal conversation broke off: %s", r.out);
	assert_int_equal(r.status, 1);
	assert_non_null(strstr(r.out, "carol"));
	assert_null(strstr(r.out, "s3cret"));
	assert_non_null(strstr(r.out, "coffer: the two passwords differ"));
	cli_res_free(&r);
	srv_rmtree(tmp);
	free(tmp);
}

/* The commands that worked before the table stay. */
static void
test_local_commands(void **state)
{
	struct cli_res r;

	(void)state;
	RUN(&r, "--version");
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "coffer "));
	assert_non_null(strstr(r.out, "(libcoffer "));
	cli_res_free(&r);
	RUN(&r, "categories");
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "adp-e2e"));
	cli_res_free(&r);
	RUN(&r, "selftest");
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, ", 0 failed"));
	cli_res_free(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_man_covers_table),
		cmocka_unit_test(test_table_covers_man),
		cmocka_unit_test(test_help),
		cmocka_unit_test(test_usage_errors),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_password_prompt),
		cmocka_unit_test(test_local_commands),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* The coffer program against the real cofferd: account create, login,
 * status and logout; records put, get, list and delete; a second device
 * of the same account approved by the first, then reading its note after
 * a sync. The tests of this file run in order on one server and one
 * account. */
#include <fcntl.h>
#include <signal.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "cli_fixture.h"

#define PASSWORD	"correct horse battery"

static char home1[512], home2[512];
static char note_id[33];

static const char *const default_env[] = { cli_fx_server_env,
    "COFFER_PASSWORD=" PASSWORD, "COFFER_LOGIN=alice", NULL };

#define COFFER(r, home, input, ...) cli_fx_run((r), default_env, (home), \
	(input), (const char *const[]){ __VA_ARGS__, NULL })
#define COFFER_ENV(r, env, home, input, ...) cli_fx_run((r), (env), (home), \
	(input), (const char *const[]){ __VA_ARGS__, NULL })

static int
setup(void **state)
{
	if (cli_fx_setup(state) != 0)
		return -1;
	cli_fx_path(home1, sizeof(home1), "home1");
	cli_fx_path(home2, sizeof(home2), "home2");
	return 0;
}

static void
test_create(void **state)
{
	static const char *const no_server[] = { "COFFER_PASSWORD=x", NULL };
	static const char *const no_password[] = { "COFFER_LOGIN=alice",
	    cli_fx_server_env, NULL };
	struct cli_res r;
	json_t *j;
	int fd;

	(void)state;
	COFFER_ENV(&r, no_server, home1, NULL, "account", "status");
	cli_fx_expect(&r, 2, "no server");
	assert_non_null(strstr(r.err, "coffer: no server: give --server URL"));
	cli_res_free(&r);
	/* A home that never signed in says so, and what to run. */
	COFFER(&r, home1, NULL, "account", "status");
	cli_fx_expect(&r, 0, "status of a home that never signed in");
	assert_string_equal(r.out, "not signed in: run coffer account login\n");
	cli_res_free(&r);
	COFFER(&r, home1, NULL, "--json", "account", "status");
	j = cli_fx_json(&r);
	assert_string_equal(cli_fx_str(j, "state"), "signed_out");
	json_decref(j);
	cli_res_free(&r);
	/* So does a command that needs the account's keys (it used to say
	 * "not approved yet"). */
	COFFER(&r, home1, NULL, "backup", "create", "/etc/hostname");
	cli_fx_expect(&r, 1, "backup create on a home that never signed in");
	assert_non_null(strstr(r.err, "not signed in: run coffer account "
	    "login"));
	assert_null(strstr(r.err, "approved"));
	cli_res_free(&r);

	/* No terminal, no file, no variable: no password, nothing made.
	 * (Only where the tests run without a terminal, as in CI: the
	 * program would ask on this one.) */
	if ((fd = open("/dev/tty", O_RDWR | O_NOCTTY)) < 0) {
		COFFER_ENV(&r, no_password, home1, NULL, "account", "create");
		cli_fx_expect(&r, 1, "no password");
		assert_non_null(strstr(r.err, "coffer: no password: give "
		    "--password-file FILE or set COFFER_PASSWORD"));
		cli_res_free(&r);
	} else {
		close(fd);
	}

	COFFER(&r, home1, NULL, "--json", "account", "create");
	cli_fx_expect(&r, 0, "account create");
	j = cli_fx_json(&r);
	assert_string_equal(cli_fx_str(j, "login"), "alice");
	assert_int_equal(strlen(cli_fx_str(j, "device")), 32);
	assert_true(json_is_true(json_object_get(j, "trusted")));
	json_decref(j);
	cli_res_free(&r);

	/* The same login again, from another home: taken. */
	COFFER(&r, home2, NULL, "account", "create");
	cli_fx_expect(&r, 1, "account create twice");
	assert_non_null(strstr(r.err, "coffer: account create: "));
	cli_res_free(&r);
	srv_rmtree(home2);
}

/* `coffer account status` in home1 without a server names ${want}. */
static void
expect_server(const char *want)
{
	static const char *const env[] = { "COFFER_PASSWORD=" PASSWORD,
	    NULL };
	struct cli_res r;
	json_t *j;

	COFFER_ENV(&r, env, home1, NULL, "--json", "account", "status");
	cli_fx_expect(&r, 0, "status without a server");
	j = cli_fx_json(&r);
	assert_string_equal(cli_fx_str(j, "server"), want);
	json_decref(j);
	cli_res_free(&r);
}

/* The home remembers the server of its last successful sign-in: no
 * --server afterwards, and another URL replaces it only when signing in
 * there works (here the same server named "localhost"). */
static void
test_server_remembered(void **state)
{
	static const char *const none[] = { "COFFER_PASSWORD=" PASSWORD,
	    "COFFER_LOGIN=alice", NULL };
	static const char *const wrong[] = { "COFFER_PASSWORD=wrong",
	    "COFFER_LOGIN=alice", NULL };
	char url[300], other[300], *port;
	struct cli_res r;
	json_t *j;

	(void)state;
	snprintf(url, sizeof(url), "%s", srv_url(cli_fx_server(), ""));
	port = strrchr(url, ':');
	assert_non_null(port);
	snprintf(other, sizeof(other), "http://localhost%s", port);

	COFFER_ENV(&r, none, home1, NULL, "--json", "record", "list",
	    "--category", "notes");
	cli_fx_expect(&r, 0, "record list without a server");
	j = cli_fx_json(&r);
	assert_int_equal(json_array_size(json_object_get(j, "records")), 0);
	json_decref(j);
	cli_res_free(&r);
	expect_server(url);

	COFFER_ENV(&r, wrong, home1, NULL, "--server", other, "account",
	    "login");
	cli_fx_expect(&r, 1, "a failed login elsewhere");
	cli_res_free(&r);
	expect_server(url);

	COFFER_ENV(&r, none, home1, NULL, "--server", other, "account",
	    "login");
	cli_fx_expect(&r, 0, "a login elsewhere");
	cli_res_free(&r);
	expect_server(other);
	COFFER(&r, home1, NULL, "account", "login");
	cli_fx_expect(&r, 0, "a login back at the first URL");
	cli_res_free(&r);
	expect_server(url);
}

static void
test_status_logout_login(void **state)
{
	static const char *const wrong[] = { cli_fx_server_env,
	    "COFFER_PASSWORD=wrong", "COFFER_LOGIN=alice", NULL };
	static const char *const by_file[] = { cli_fx_server_env, NULL };
	struct cli_res r;
	char pwfile[600];
	json_t *j;

	(void)state;
	COFFER(&r, home1, NULL, "account", "status");
	cli_fx_expect(&r, 0, "status");
	assert_non_null(strstr(r.out, "login:     alice"));
	assert_non_null(strstr(r.out, "signed in: yes"));
	cli_res_free(&r);

	COFFER(&r, home1, NULL, "account", "logout");
	cli_fx_expect(&r, 0, "logout");
	cli_res_free(&r);
	COFFER(&r, home1, NULL, "--json", "account", "status");
	cli_fx_expect(&r, 0, "status after logout");
	j = cli_fx_json(&r);
	assert_true(json_is_false(json_object_get(j, "signed_in")));
	json_decref(j);
	cli_res_free(&r);

	COFFER_ENV(&r, wrong, home1, NULL, "--json", "account", "login");
	cli_fx_expect(&r, 1, "wrong password");
	j = cli_fx_json(&r);
	assert_string_equal(cli_fx_str(j, "error"), "unauthorized");
	assert_non_null(strstr(cli_fx_str(j, "message"), "account login: "));
	json_decref(j);
	assert_non_null(strstr(r.err, "coffer: account login: "));
	cli_res_free(&r);

	/* The first line of the file, without its line end. */
	cli_fx_path(pwfile, sizeof(pwfile), "pw");
	assert_int_equal(srv_write_file(pwfile, PASSWORD "\r\nsecond line\n"),
	    0);
	COFFER_ENV(&r, by_file, home1, NULL, "account", "login", "--login",
	    "alice", "--password-file", pwfile);
	cli_fx_expect(&r, 0, "login with --password-file");
	cli_res_free(&r);
	COFFER(&r, home1, NULL, "account", "status");
	assert_non_null(strstr(r.out, "signed in: yes"));
	cli_res_free(&r);
}

static void
test_records(void **state)
{
	struct cli_res r;
	char id[33];
	json_t *j;

	(void)state;
	COFFER(&r, home1, NULL, "record", "put", "--category", "notes",
	    "--data", "buy milk");
	cli_fx_expect(&r, 0, "record put --data");
	assert_int_equal(strlen(r.out), 33);	/* hex and "\n" */
	memcpy(note_id, r.out, 32);
	note_id[32] = '\0';
	cli_res_free(&r);

	COFFER(&r, home1, NULL, "record", "get", "--category", "notes",
	    note_id);
	cli_fx_expect(&r, 0, "record get");
	assert_string_equal(r.out, "buy milk");
	cli_res_free(&r);

	/* From standard input, bytes unchanged (a NUL-free binary tail). */
	COFFER(&r, home1, "line one\nline two\n\x01\xff", "record", "put",
	    "--category", "notes");
	cli_fx_expect(&r, 0, "record put from stdin");
	memcpy(id, r.out, 32);
	id[32] = '\0';
	cli_res_free(&r);
	COFFER(&r, home1, NULL, "record", "get", "--category", "notes", id);
	assert_int_equal(r.outlen, 20);
	assert_memory_equal(r.out, "line one\nline two\n\x01\xff", 20);
	cli_res_free(&r);

	COFFER(&r, home1, NULL, "--json", "record", "list", "--category",
	    "notes");
	cli_fx_expect(&r, 0, "record list");
	j = cli_fx_json(&r);
	assert_int_equal(json_array_size(json_object_get(j, "records")), 2);
	json_decref(j);
	cli_res_free(&r);

	/* A new version of a record. */
	COFFER(&r, home1, "edited", "record", "put", "--category", "notes",
	    id);
	cli_fx_expect(&r, 0, "record put ID");
	cli_res_free(&r);
	COFFER(&r, home1, NULL, "--json", "record", "get", "--category",
	    "notes", id);
	j = cli_fx_json(&r);
	assert_string_equal(cli_fx_str(j, "data"), "edited");
	json_decref(j);
	cli_res_free(&r);

	COFFER(&r, home1, NULL, "record", "delete", "--category", "notes", id);
	cli_fx_expect(&r, 0, "record delete");
	cli_res_free(&r);
	COFFER(&r, home1, NULL, "record", "get", "--category", "notes", id);
	cli_fx_expect(&r, 1, "record get after delete");
	assert_non_null(strstr(r.err, "coffer: record get: not found"));
	cli_res_free(&r);

	COFFER(&r, home1, NULL, "record", "get", "--category", "notes",
	    "xyz");
	cli_fx_expect(&r, 2, "a malformed id");
	assert_non_null(strstr(r.err, "'xyz' is not a record id"));
	cli_res_free(&r);
}

/* Start `coffer account login` on the second device in the background:
 * it prints the pairing code (with --json as a line of its own, first),
 * then waits for approval. The code into ${code}. */
static void
start_login(struct cli_bg *bg, int json, char code[16])
{
	const char *jargs[] = { "--home", home2, "--json", "account",
	    "login", NULL };
	const char *targs[] = { "--home", home2, "account", "login", NULL };
	const char *out, *p;
	json_error_t e;
	json_t *j;

	assert_int_equal(cli_spawn(bg, default_env, json ? jargs : targs), 0);
	if ((out = cli_bg_line(bg, json ? 1 : 2)) == NULL)
		fail_msg("no code from the waiting login: %s / %s", bg->r.out,
		    bg->r.err);
	if (json) {
		if ((j = json_loadb(out, strcspn(out, "\n"), 0, &e)) == NULL)
			fail_msg("not JSON (%s): %s", e.text, out);
		assert_int_equal(json_object_size(j), 1);
		snprintf(code, 16, "%s", cli_fx_str(j, "code"));
		json_decref(j);
	} else {
		if ((p = strstr(out, "On a trusted device, run: coffer device "
		    "approve --code ")) == NULL)
			fail_msg("no command to run: %s", out);
		p += strlen("On a trusted device, run: coffer device approve "
		    "--code ");
		snprintf(code, 16, "%.11s", p);
	}
	assert_int_equal(strlen(code), 11);
	assert_true(code[5] == '-' && strspn(code, "0123456789-") == 11);
}

/* The JSON object after the code line of a --json login. */
static json_t *
after_code(const struct cli_res *r)
{
	const char *p = strchr(r->out, '\n');
	json_error_t e;
	json_t *j;

	if (p == NULL || (j = json_loads(p + 1, 0, &e)) == NULL)
		fail_msg("no JSON answer after the code: %s", r->out);
	return j;
}

/* A second device signs in and waits with a code; a wrong code on the
 * first ends the pairing on both; then the first approves it with the
 * code it shows, and the second reads the first's note; and the other way
 * round. */
static void
test_second_device(void **state)
{
	struct cli_bg bg;
	struct cli_res r;
	char dev2[33], code[16], wrong[16];
	json_t *j, *d;
	size_t i;
	int found = 0;

	(void)state;
	start_login(&bg, 0, code);

	/* Not approved yet: it cannot read, and says it waits. */
	COFFER(&r, home2, NULL, "record", "get", "--category", "notes",
	    note_id);
	cli_fx_expect(&r, 1, "read before approval");
	cli_res_free(&r);
	COFFER(&r, home2, NULL, "--json", "account", "status");
	cli_fx_expect(&r, 0, "status while waiting");
	j = cli_fx_json(&r);
	assert_string_equal(cli_fx_str(j, "state"), "waiting");
	assert_true(json_is_false(json_object_get(j, "trusted")));
	snprintf(dev2, sizeof(dev2), "%s", cli_fx_str(j, "device"));
	json_decref(j);
	cli_res_free(&r);

	COFFER(&r, home1, NULL, "--json", "device", "list");
	cli_fx_expect(&r, 0, "device list");
	j = cli_fx_json(&r);
	json_array_foreach(json_object_get(j, "devices"), i, d) {
		if (strcmp(cli_fx_str(d, "id"), dev2) != 0)
			continue;
		found = 1;
		assert_string_equal(cli_fx_str(d, "state"), "waiting");
		assert_true(json_is_false(json_object_get(d, "listed")));
	}
	assert_true(found);
	json_decref(j);
	cli_res_free(&r);

	/* Without --code and without a terminal to ask it on: refused, and
	 * the pairing stands. */
	COFFER(&r, home1, NULL, "device", "approve", dev2);
	cli_fx_expect(&r, 2, "approve without a code");
	assert_non_null(strstr(r.err, "--code"));
	cli_res_free(&r);
	COFFER(&r, home1, NULL, "device", "approve", "--code", "12345");
	cli_fx_expect(&r, 1, "approve with a malformed code");
	cli_res_free(&r);

	/* A wrong code: both sides stop, the pairing is spent. */
	snprintf(wrong, sizeof(wrong), "%s", code);
	wrong[0] = wrong[0] == '9' ? '0' : (char)(wrong[0] + 1);
	COFFER(&r, home1, NULL, "device", "approve", dev2, "--code", wrong);
	cli_fx_expect(&r, 1, "approve with another code");
	assert_non_null(strstr(r.err, "the code did not match"));
	cli_res_free(&r);
	assert_int_equal(cli_bg_wait(&bg, &r), 0);
	cli_fx_expect(&r, 1, "the login whose pairing failed");
	assert_non_null(strstr(r.err, "start again on the new device"));
	cli_res_free(&r);
	COFFER(&r, home2, NULL, "--json", "account", "status");
	j = cli_fx_json(&r);
	assert_string_equal(cli_fx_str(j, "state"), "unapproved");
	json_decref(j);
	cli_res_free(&r);

	/* Ctrl-C while waiting cancels: the pairing ends, nothing waits. */
	start_login(&bg, 0, code);
	assert_int_equal(kill(bg.pid, SIGINT), 0);
	assert_int_equal(cli_bg_wait(&bg, &r), 0);
	cli_fx_expect(&r, 1, "the login cancelled with Ctrl-C");
	assert_non_null(strstr(r.err, "cancelled"));
	cli_res_free(&r);
	COFFER(&r, home1, NULL, "device", "approve", "--code", code);
	cli_fx_expect(&r, 1, "approve of a cancelled pairing");
	assert_non_null(strstr(r.err, "no new device is waiting"));
	cli_res_free(&r);

	/* Again, with the code asked on the terminal of the trusted device
	 * (no device id: the one device waiting). */
	start_login(&bg, 1, code);
	{
		char typed[20];
		const struct cli_chat chat[] = {
			{ "The code the new device shows: ", typed },
		};
		static const char *const env[] = { cli_fx_server_env, NULL };
		const char *args[] = { "--home", home1, "device", "approve",
		    NULL };

		snprintf(typed, sizeof(typed), "%s\n", code);
		if (cli_run_tty(&r, env, chat, 1, args) != 0)
			fail_msg("the terminal conversation broke off: %s",
			    r.out);
		cli_fx_expect(&r, 0, "device approve on a terminal");
		assert_non_null(strstr(r.out, "approved"));
		cli_res_free(&r);
	}
	assert_int_equal(cli_bg_wait(&bg, &r), 0);
	cli_fx_expect(&r, 0, "the login that waited");
	j = after_code(&r);
	assert_true(json_is_true(json_object_get(j, "approved")));
	assert_true(json_is_true(json_object_get(j, "trusted")));
	assert_string_equal(cli_fx_str(j, "device"), dev2);
	json_decref(j);
	cli_res_free(&r);

	/* Signing in again on an approved device asks nothing. */
	COFFER(&r, home2, NULL, "--json", "account", "login");
	cli_fx_expect(&r, 0, "login of an approved device");
	j = cli_fx_json(&r);
	assert_true(json_is_true(json_object_get(j, "trusted")));
	json_decref(j);
	cli_res_free(&r);

	COFFER(&r, home2, NULL, "sync");
	cli_fx_expect(&r, 0, "sync");
	cli_res_free(&r);
	COFFER(&r, home2, NULL, "record", "get", "--category", "notes",
	    note_id);
	cli_fx_expect(&r, 0, "the note on the second device");
	assert_string_equal(r.out, "buy milk");
	cli_res_free(&r);

	COFFER(&r, home2, NULL, "record", "put", "--category", "notes",
	    "--data", "from the phone");
	cli_fx_expect(&r, 0, "put on the second device");
	cli_res_free(&r);
	COFFER(&r, home1, NULL, "sync");
	cli_fx_expect(&r, 0, "sync of the first device");
	assert_string_equal(r.out, "sync: 1 change in 1 zone\n");
	cli_res_free(&r);
	COFFER(&r, home1, NULL, "sync");
	assert_string_equal(r.out, "sync: up to date\n");
	cli_res_free(&r);
	COFFER(&r, home1, NULL, "--json", "sync");
	j = cli_fx_json(&r);
	assert_int_equal(json_integer_value(json_object_get(j, "changes")), 0);
	assert_int_equal(json_integer_value(json_object_get(j, "zones")), 0);
	json_decref(j);
	cli_res_free(&r);
	COFFER(&r, home1, NULL, "--json", "record", "list", "--category",
	    "notes");
	j = cli_fx_json(&r);
	assert_int_equal(json_array_size(json_object_get(j, "records")), 2);
	json_decref(j);
	cli_res_free(&r);
}

/* Sign in on a terminal: the password asked once, without echo. */
static void
test_terminal_login(void **state)
{
	static const char *const env[] = { cli_fx_server_env,
	    "COFFER_LOGIN=alice", NULL };
	static const struct cli_chat chat[] = {
		{ "Password: ", PASSWORD "\n" },
	};
	const char *args[] = { "--home", home1, "account", "login", NULL };
	struct cli_res r;

	(void)state;
	COFFER(&r, home1, NULL, "account", "logout");
	cli_fx_expect(&r, 0, "logout");
	cli_res_free(&r);
	if (cli_run_tty(&r, env, chat, 1, args) != 0)
		fail_msg("the terminal conversation broke off: %s", r.out);
	cli_fx_expect(&r, 0, "login on a terminal");
	assert_null(strstr(r.out, PASSWORD));
	assert_non_null(strstr(r.out, "trusted:   yes"));
	cli_res_free(&r);
}

/* Names, the alerts of changes (shown once; --check exits 1 while any
 * is unseen), then the second device removed from the first: it prints
 * what it did, and the second is told who removed it. */
static void
test_remove_device(void **state)
{
	struct cli_res r;
	char dev2[33];
	json_t *j;

	(void)state;
	COFFER(&r, home2, NULL, "--json", "account", "status");
	cli_fx_expect(&r, 0, "status of the second device");
	j = cli_fx_json(&r);
	snprintf(dev2, sizeof(dev2), "%s", cli_fx_str(j, "device"));
	json_decref(j);
	cli_res_free(&r);

	COFFER(&r, home1, NULL, "device", "rename", "laptop");
	cli_fx_expect(&r, 0, "rename this device");
	cli_res_free(&r);
	COFFER(&r, home1, NULL, "device", "rename", dev2, "phone");
	cli_fx_expect(&r, 0, "rename another device");
	cli_res_free(&r);
	COFFER(&r, home1, NULL, "device", "rename", dev2, "two\tlines");
	cli_fx_expect(&r, 1, "a name with a control character");
	cli_res_free(&r);

	/* The first made the changes: nothing to tell it. */
	COFFER(&r, home1, NULL, "device", "list", "--check");
	cli_fx_expect(&r, 0, "check on the device that renamed");
	cli_res_free(&r);
	/* The second: told until it has been shown. */
	COFFER(&r, home2, NULL, "device", "list", "--check");
	cli_fx_expect(&r, 1, "check with changes unseen");
	assert_non_null(strstr(r.out, "renamed: phone, by laptop at "));
	cli_res_free(&r);
	COFFER(&r, home2, NULL, "--json", "device", "list");
	cli_fx_expect(&r, 0, "device list");
	j = cli_fx_json(&r);
	assert_int_equal(json_array_size(json_object_get(j, "changes")), 2);
	json_decref(j);
	cli_res_free(&r);
	COFFER(&r, home2, NULL, "device", "list", "--check");
	cli_fx_expect(&r, 0, "check once shown");
	assert_null(strstr(r.out, "renamed:"));
	cli_res_free(&r);

	/* No terminal to confirm on: --yes is needed. */
	COFFER(&r, home1, NULL, "device", "remove", dev2);
	cli_fx_expect(&r, 2, "remove without --yes or a terminal");
	cli_res_free(&r);
	COFFER(&r, home1, NULL, "device", "remove", "--yes", dev2);
	cli_fx_expect(&r, 0, "remove");
	assert_string_equal(r.out, "removed phone; keys rolled to epoch 2\n");
	cli_res_free(&r);
	COFFER(&r, home1, NULL, "record", "put", "--category", "notes",
	    "--data", "after the phone left");
	cli_fx_expect(&r, 0, "a note after the removal");
	cli_res_free(&r);

	COFFER(&r, home2, NULL, "record", "list", "--category", "notes");
	cli_fx_expect(&r, 1, "the removed device reads");
	cli_res_free(&r);
	COFFER(&r, home2, NULL, "account", "login");
	cli_fx_expect(&r, 1, "the removed device signs in");
	assert_non_null(strstr(r.err, "this device was removed from the "
	    "account by laptop at "));
	cli_res_free(&r);
	COFFER(&r, home2, NULL, "account", "status");
	cli_fx_expect(&r, 0, "status of the removed device");
	assert_non_null(strstr(r.out, "removed: this device was removed from "
	    "the account by laptop"));
	cli_res_free(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create),
		cmocka_unit_test(test_server_remembered),
		cmocka_unit_test(test_status_logout_login),
		cmocka_unit_test(test_records),
		cmocka_unit_test(test_second_device),
		cmocka_unit_test(test_terminal_login),
		cmocka_unit_test(test_remove_device),
	};

	return cmocka_run_group_tests(tests, setup, cli_fx_teardown);
}

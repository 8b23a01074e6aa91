/* Deletions that stay deleted, through the coffer program against the
 * real cofferd, with the test playing the server's operator
 * (operator.h): a deleted note whose old ciphertext is put back, and a
 * forgotten backup snapshot whose ref is put back. coffer refuses both
 * (exit status 1), says so on standard error and prints nothing of them
 * on standard output. A snapshot whose ref the operator deletes is
 * reported by the device that listed it (a warning; check fails). */
#include <fcntl.h>
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

#include <coffer/encoding.h>

#include "cli_fixture.h"
#include "operator.h"

static char home[512];

static const char *const create_env[] = { cli_fx_server_env,
    "COFFER_PASSWORD=pw pw pw", "COFFER_LOGIN=tomb", NULL };
static const char *const env[] = { "COFFER_PASSWORD=pw pw pw",
    "COFFER_LOGIN=tomb", NULL };

#define COFFER(r, ...) cli_fx_run((r), env, home, NULL, \
	(const char *const[]){ __VA_ARGS__, NULL })

static int
setup(void **state)
{
	return cli_fx_setup_home(state, home, sizeof(home), create_env);
}

/* A refusal: exit status 1, ${why} and ${what} on standard error, nothing
 * on standard output. */
static void
refused(const struct cli_res *r, const char *what, const char *why)
{
	cli_fx_expect(r, 1, what);
	assert_string_equal(r->out, "");
	if (strstr(r->err, why) == NULL || strstr(r->err, what) == NULL)
		fail_msg("%s: \"%s\" does not say \"%s\"", what, r->err, why);
}

/* The 32 hex digits a command printed first, as an id. */
static void
printed_id(const struct cli_res *r, char hex[OP_HEX], uint8_t id[16])
{
	size_t n;

	assert_true(strlen(r->out) >= 32);
	memcpy(hex, r->out, 32);
	hex[32] = '\0';
	assert_int_equal(coffer_hex_decode(id, 16, &n, hex, 32), 0);
	assert_int_equal(n, 16);
}

static void
test_note_put_back(void **state)
{
	struct cli_res r;
	char hex[OP_HEX], zone[OP_HEX], old[4096], tomb[4096];
	uint8_t id[16];
	long long v;

	(void)state;
	COFFER(&r, "record", "put", "--category", "notes", "--data",
	    "marker-deleted-note");
	cli_fx_expect(&r, 0, "record put");
	printed_id(&r, hex, id);
	cli_res_free(&r);
	op_zone_of(cli_fx_server(), home, id, zone);
	op_get(cli_fx_server(), home, zone, id, old, sizeof(old), &v);

	COFFER(&r, "record", "delete", hex, "--category", "notes");
	cli_fx_expect(&r, 0, "record delete");
	cli_res_free(&r);
	COFFER(&r, "record", "get", hex, "--category", "notes");
	cli_fx_expect(&r, 1, "get of a deleted record");
	assert_string_equal(r.out, "");
	cli_res_free(&r);

	op_get(cli_fx_server(), home, zone, id, tomb, sizeof(tomb), &v);
	op_put(cli_fx_server(), home, zone, id, old, v);
	COFFER(&r, "record", "get", hex, "--category", "notes");
	refused(&r, "record get", "replay");
	cli_res_free(&r);
	COFFER(&r, "record", "list", "--category", "notes");
	refused(&r, "record list", "replay");
	cli_res_free(&r);
	COFFER(&r, "sync");
	refused(&r, "sync", "replay");
	cli_res_free(&r);

	op_put(cli_fx_server(), home, zone, id, tomb, v + 1);
	COFFER(&r, "sync");
	cli_fx_expect(&r, 0, "sync with the tombstone back");
	cli_res_free(&r);
}

static void
test_snapshot_put_back(void **state)
{
	struct cli_res r;
	char src[600], file[700], hex[OP_HEX], zone[OP_HEX], old[4096];
	char tomb[4096];
	uint8_t id[16];
	long long v;
	json_t *j;
	int fd;

	(void)state;
	cli_fx_path(src, sizeof(src), "src");
	assert_int_equal(mkdir(src, 0755), 0);
	(void)snprintf(file, sizeof(file), "%s/f", src);
	assert_true((fd = open(file, O_WRONLY | O_CREAT, 0644)) >= 0);
	assert_int_equal(write(fd, "one\n", 4), 4);
	assert_int_equal(close(fd), 0);
	COFFER(&r, "backup", "create", src);
	cli_fx_expect(&r, 0, "first backup");
	printed_id(&r, hex, id);
	cli_res_free(&r);
	COFFER(&r, "backup", "create", src);
	cli_fx_expect(&r, 0, "second backup");
	cli_res_free(&r);
	op_zone_of(cli_fx_server(), home, id, zone);
	op_get(cli_fx_server(), home, zone, id, old, sizeof(old), &v);

	COFFER(&r, "backup", "forget", "--keep-last", "1");
	cli_fx_expect(&r, 0, "forget");
	cli_res_free(&r);
	op_get(cli_fx_server(), home, zone, id, tomb, sizeof(tomb), &v);
	/* The forgotten snapshot's ref, put back over its tombstone. */
	op_put(cli_fx_server(), home, zone, id, old, v);
	/* Refused as not authentic, naming the ref that came back. */
	COFFER(&r, "backup", "list");
	refused(&r, "backup list", "not authentic");
	assert_non_null(strstr(r.err, "put it back"));
	cli_res_free(&r);

	op_put(cli_fx_server(), home, zone, id, tomb, v + 1);
	COFFER(&r, "--json", "backup", "list");
	cli_fx_expect(&r, 0, "backup list with the tombstone back");
	j = cli_fx_json(&r);
	assert_int_equal(json_array_size(json_object_get(j, "snapshots")), 1);
	assert_string_not_equal(json_string_value(json_object_get(
	    json_array_get(json_object_get(j, "snapshots"), 0), "id")), hex);
	json_decref(j);
	cli_res_free(&r);
}

/* The operator deletes a snapshot's ref on the server (no signed
 * forget): the device that listed it says so, naming it, and check fails;
 * before the change the snapshot just vanished from the list. */
static void
test_snapshot_hidden(void **state)
{
	struct cli_res r;
	char src[600], hex[OP_HEX], zone[OP_HEX], old[4096];
	uint8_t id[16];
	long long v;

	(void)state;
	cli_fx_path(src, sizeof(src), "src");
	COFFER(&r, "backup", "create", "--set", "watched", src);
	cli_fx_expect(&r, 0, "backup");
	printed_id(&r, hex, id);
	cli_res_free(&r);
	COFFER(&r, "backup", "list", "--set", "watched");
	cli_fx_expect(&r, 0, "backup list");
	assert_null(strstr(r.err, "WARNING"));
	cli_res_free(&r);
	op_zone_of(cli_fx_server(), home, id, zone);
	op_get(cli_fx_server(), home, zone, id, old, sizeof(old), &v);
	op_delete(cli_fx_server(), home, zone, id, v);

	COFFER(&r, "backup", "list", "--set", "watched");
	cli_fx_expect(&r, 0, "backup list of a set with a hidden snapshot");
	assert_non_null(strstr(r.err, "WARNING (the server's doing)"));
	assert_non_null(strstr(r.err, hex));
	assert_null(strstr(r.out, hex));
	cli_res_free(&r);
	COFFER(&r, "backup", "check", "--set", "watched");
	cli_fx_expect(&r, 1, "check of a set with a hidden snapshot");
	assert_true(strstr(r.out, hex) != NULL || strstr(r.err, hex) != NULL);
	cli_res_free(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_note_put_back),
		cmocka_unit_test(test_snapshot_put_back),
		cmocka_unit_test(test_snapshot_hidden),
	};

	return cmocka_run_group_tests(tests, setup, cli_fx_teardown);
}

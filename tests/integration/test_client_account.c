/* libcoffer's client against the real cofferd: account creation, sign
 * out and in, wrong passwords, the home folder's files, and a second
 * device paired with the first over a one-time code, then syncing records
 * between both. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include <coffer/encoding.h>

#include "client_fixture.h"

static void
test_create_signout_signin(void **state)
{
	struct coffer_client_status st;
	struct coffer_client *c;
	char home[4096], path[4200], login[64];
	struct stat sb;

	(void)state;
	client_fx_home(home, sizeof(home));
	client_fx_login(login, sizeof(login), "alice");
	assert_non_null(c = client_fx_open(home));
	assert_int_equal(coffer_client_account_create(c, login,
	    PW("correct horse")), 0);
	assert_int_equal(coffer_client_status(c, &st), 0);
	assert_true(st.signed_in && st.has_account && st.has_device &&
	    st.trusted);
	assert_string_equal(st.login, login);
	/* The home and its files are private. */
	assert_int_equal(stat(home, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0700);
	(void)snprintf(path, sizeof(path), "%s/device.key", home);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	(void)snprintf(path, sizeof(path), "%s/session", home);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	(void)snprintf(path, sizeof(path), "%s/state.db", home);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	/* A second account in the same home is refused. */
	assert_int_equal(coffer_client_account_create(c, "other",
	    PW("pw")), COFFER_ERR_STATE);

	assert_int_equal(coffer_client_logout(c), 0);
	assert_int_equal(coffer_client_status(c, &st), 0);
	assert_false(st.signed_in);
	assert_true(st.trusted);
	coffer_client_free(&c);

	/* Reopened: the keys are there, the session is not. */
	assert_non_null(c = client_fx_open(home));
	assert_int_equal(coffer_client_login(c, login, PW("wrong horse")),
	    COFFER_ERR_UNAUTHORIZED);
	assert_true(strlen(coffer_client_errmsg(c)) > 0);
	assert_int_equal(coffer_client_login(c, login, PW("correct horse")),
	    0);
	assert_int_equal(coffer_client_status(c, &st), 0);
	assert_true(st.signed_in && st.trusted);
	/* The login of another account is refused in this home. */
	assert_int_equal(coffer_client_login(c, "someone-else",
	    PW("correct horse")), COFFER_ERR_STATE);
	coffer_client_free(&c);
}

/* The session token goes only to the server that issued it, and plain
 * http:// only to this machine. */
static void
test_token_stays_home(void **state)
{
	static const char *const refused[] = { "http://10.0.0.1:8080",
		"http://127.0.0.1.example.com", "http://localhost.example.com",
		"http://127.0.0.1.", "http://127.1", "ftp://127.0.0.1",
		"http://[::2]:80", NULL };
	static const char *const allowed[] = { "http://127.0.0.1:9",
		"http://localhost:9", "http://[::1]:9", "https://example.com",
		NULL };
	struct coffer_client_opts o = { 0 };
	struct coffer_client_status st;
	struct coffer_client *c = NULL, *other;
	char home[4096], login[64];
	size_t i;

	/* The test server's cheap key stretching. */
	o.ksf_min_t = 1;
	o.ksf_min_m = 1024;
	(void)state;
	client_fx_home(home, sizeof(home));
	client_fx_login(login, sizeof(login), "tok");
	assert_non_null(c = client_fx_open(home));
	assert_int_equal(coffer_client_account_create(c, login,
	    PW("correct horse")), 0);
	coffer_client_free(&c);
	/* The same home pointed at another server: not signed in there. */
	assert_int_equal(coffer_client_open(&other, "http://127.0.0.1:9",
	    home, &o), 0);
	assert_int_equal(coffer_client_status(other, &st), 0);
	assert_false(st.signed_in);
	coffer_client_free(&other);
	/* Its own server (remembered): signed in. */
	assert_int_equal(coffer_client_open(&c, NULL, home, &o), 0);
	assert_int_equal(coffer_client_status(c, &st), 0);
	assert_true(st.signed_in);
	coffer_client_free(&c);
	for (i = 0; refused[i] != NULL; i++)
		if (coffer_client_open(&c, refused[i], home, &o) !=
		    COFFER_ERR_INVALID)
			fail_msg("%s was accepted", refused[i]);
	for (i = 0; allowed[i] != NULL; i++) {
		if (coffer_client_open(&c, allowed[i], home, &o) != 0)
			fail_msg("%s was refused", allowed[i]);
		coffer_client_free(&c);
	}
}

static void
test_taken_and_unknown(void **state)
{
	struct coffer_client *c, *d;
	char h1[4096], h2[4096], login[64];

	(void)state;
	client_fx_home(h1, sizeof(h1));
	client_fx_home(h2, sizeof(h2));
	client_fx_login(login, sizeof(login), "bob");
	assert_non_null(c = client_fx_open(h1));
	assert_non_null(d = client_fx_open(h2));
	assert_int_equal(coffer_client_account_create(c, login, PW("pw one")),
	    0);
	assert_int_equal(coffer_client_account_create(d, login, PW("pw two")),
	    COFFER_ERR_CONFLICT);
	assert_int_equal(coffer_client_http_status(d), 409);
	assert_int_equal(coffer_client_login(d, "nobody-here", PW("pw")),
	    COFFER_ERR_UNAUTHORIZED);
	coffer_client_free(&c);
	coffer_client_free(&d);
}

static int
count_devices(void *arg, const struct coffer_client_device *d)
{
	unsigned *n = arg;

	n[0]++;
	n[1] += d->listed != 0;
	n[2] += d->self != 0;
	return 0;
}

static void
test_second_device(void **state)
{
	struct coffer_client_status st1, st2;
	struct coffer_client *a, *b;
	uint8_t id[COFFER_RECORD_ID_BYTES];
	char h1[4096], h2[4096], login[64];
	struct client_fx_seen s = { 0 };
	unsigned devs[3] = { 0, 0, 0 };

	(void)state;
	client_fx_home(h1, sizeof(h1));
	client_fx_home(h2, sizeof(h2));
	client_fx_login(login, sizeof(login), "carol");
	assert_non_null(a = client_fx_open(h1));
	assert_int_equal(coffer_client_account_create(a, login, PW("pw")), 0);
	assert_int_equal(coffer_client_status(a, &st1), 0);
	assert_true(st1.listed && st1.trusted && !st1.waiting);
	assert_int_equal(st1.devlist_seq, 1);
	assert_int_equal(coffer_client_record_create(a, "notes", NULL,
	    PW("first note"), id), 0);

	/* The second device signs in, registers its keys and is held: the
	 * password alone gets it nothing. */
	assert_non_null(b = client_fx_open(h2));
	assert_int_equal(coffer_client_login(b, login, PW("pw")), 0);
	assert_int_equal(coffer_client_status(b, &st2), 0);
	assert_true(st2.signed_in && st2.has_device);
	assert_false(st2.trusted || st2.listed || st2.waiting || st2.removed);
	assert_int_equal(coffer_client_record_list(b, "notes", NULL,
	    client_fx_collect, &s), COFFER_ERR_STATE);
	assert_int_equal(coffer_client_pair_wait(b, 1, NULL),
	    COFFER_ERR_STATE);

	/* The first lists it as waiting. */
	assert_int_equal(coffer_client_device_list(a, count_devices, devs), 0);
	assert_int_equal(devs[0], 2);
	assert_int_equal(devs[1], 1);
	assert_int_equal(devs[2], 1);
	/* No code, a malformed code, no waiting device: refused. */
	assert_int_equal(coffer_client_device_approve(a, st2.device, NULL),
	    COFFER_ERR_INVALID);
	assert_int_equal(coffer_client_device_approve(a, st2.device,
	    "1234-5678"), COFFER_ERR_INVALID);
	assert_int_equal(coffer_client_device_approve(a, st2.device,
	    "12345-67890"), COFFER_ERR_NOTFOUND);

	/* Paired through the library: it waits while the first approves. */
	assert_int_equal(client_fx_pair(b, a), 0);
	memset(devs, 0, sizeof(devs));
	assert_int_equal(coffer_client_device_list(a, count_devices, devs), 0);
	assert_int_equal(devs[0], 2);
	assert_int_equal(devs[1], 2);

	/* The second holds its root now and reads. */
	assert_int_equal(coffer_client_status(b, &st2), 0);
	assert_true(st2.trusted && st2.listed && !st2.waiting);
	assert_int_equal(st2.devlist_seq, 2);
	assert_int_equal(coffer_client_record_list(b, "notes", NULL,
	    client_fx_collect, &s), 0);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.text[0], "first note");

	/* And writes: the first sees it. */
	assert_int_equal(coffer_client_record_create(b, "notes", NULL,
	    PW("from b"), id), 0);
	memset(&s, 0, sizeof(s));
	assert_int_equal(coffer_client_record_list(a, "notes", NULL,
	    client_fx_collect, &s), 0);
	assert_int_equal(s.n, 2);
	assert_int_equal(coffer_client_status(a, &st1), 0);
	assert_memory_not_equal(st1.device, st2.device, 16);
	assert_int_equal(st1.devlist_seq, 2);

	/* A delete on one is a delete on the other after sync. */
	assert_int_equal(coffer_client_record_delete(a, "notes", NULL, id), 0);
	assert_int_equal(coffer_client_sync(b), 0);
	memset(&s, 0, sizeof(s));
	assert_int_equal(coffer_client_record_list(b, "notes", NULL,
	    client_fx_collect, &s), 0);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.text[0], "first note");

	/* Reopened, both hold their keys from the home alone. */
	coffer_client_free(&b);
	assert_non_null(b = client_fx_open(h2));
	assert_int_equal(coffer_client_status(b, &st2), 0);
	assert_true(st2.trusted && st2.listed);
	memset(&s, 0, sizeof(s));
	assert_int_equal(coffer_client_record_list(b, "notes", NULL,
	    client_fx_collect, &s), 0);
	assert_int_equal(s.n, 1);
	coffer_client_free(&a);
	coffer_client_free(&b);
}

static void
one_off(char *code)
{
	code[10] = code[10] == '9' ? '0' : (char)(code[10] + 1);
}

/* A pairing that times out or is cancelled ends; a wrong code: the new
 * device refuses the answer (its tag), ends the pairing, and the
 * approving device stops too; nothing is listed, and a new pairing with
 * a new code works. */
static void
test_wrong_code(void **state)
{
	static volatile sig_atomic_t cancel = 1;
	struct coffer_client_status st;
	struct coffer_client *a, *b;
	char h1[4096], h2[4096], login[64];
	char code[COFFER_CLIENT_PAIR_CODE_LEN], code2[sizeof(code)];
	unsigned devs[3] = { 0, 0, 0 };
	int ar = 0, wr = 0;

	(void)state;
	client_fx_home(h1, sizeof(h1));
	client_fx_home(h2, sizeof(h2));
	client_fx_login(login, sizeof(login), "dave");
	assert_non_null(a = client_fx_open(h1));
	assert_int_equal(coffer_client_account_create(a, login, PW("pw")), 0);
	assert_non_null(b = client_fx_open(h2));
	assert_int_equal(coffer_client_login(b, login, PW("pw")), 0);

	assert_int_equal(coffer_client_pair_start(b, code), 0);
	assert_int_equal(strlen(code), 11);
	assert_int_equal(code[5], '-');
	assert_int_equal(coffer_client_status(b, &st), 0);
	assert_true(st.waiting && !st.listed);
	assert_int_equal(coffer_client_pair_wait(b, 1, NULL),
	    COFFER_ERR_STATE);
	assert_int_equal(coffer_client_status(b, &st), 0);
	assert_false(st.waiting);
	assert_int_equal(coffer_client_pair_start(b, code2), 0);
	assert_string_not_equal(code, code2);
	assert_int_equal(coffer_client_pair_wait(b, 60, &cancel),
	    COFFER_ERR_CANCELLED);

	assert_int_equal(client_fx_pair_with(b, a, one_off, &ar, &wr),
	    COFFER_ERR_AUTH);
	assert_int_equal(ar, COFFER_ERR_AUTH);
	assert_int_equal(wr, COFFER_ERR_AUTH);
	assert_non_null(strstr(coffer_client_errmsg(b), "the code did not "
	    "match; start again on the new device"));
	assert_int_equal(coffer_client_status(b, &st), 0);
	assert_false(st.listed || st.trusted || st.waiting);
	assert_int_equal(coffer_client_device_list(a, count_devices, devs), 0);
	assert_int_equal(devs[0], 2);
	assert_int_equal(devs[1], 1);
	assert_int_equal(coffer_client_status(a, &st), 0);
	assert_int_equal(st.devlist_seq, 1);

	assert_int_equal(client_fx_pair(b, a), 0);
	assert_int_equal(coffer_client_status(b, &st), 0);
	assert_true(st.listed && st.trusted);
	coffer_client_free(&a);
	coffer_client_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_signout_signin),
		cmocka_unit_test(test_taken_and_unknown),
		cmocka_unit_test(test_token_stays_home),
		cmocka_unit_test(test_second_device),
		cmocka_unit_test(test_wrong_code),
	};

	return cmocka_run_group_tests(tests, client_fx_setup,
	    client_fx_teardown);
}

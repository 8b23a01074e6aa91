/* coffer backup against the real cofferd: create, list, ls, restore of a
 * small tree (text, random bytes, an empty file, a nested folder, a
 * symbolic link), compared byte for byte; a second, incremental backup;
 * named sets; usage errors; a prune meeting a backup's lock, whose message
 * names the backup's device. The tests run in order on one account (the
 * lock test on one of its own). */
#include <dirent.h>
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
#include <sodium.h>

#include "cli_fixture.h"
#include "evil_proxy.h"
#include "server_harness.h"

static char home[512], src[512];
static char snap1[33];

/* Only account create names the server: the home remembers it. */
static const char *const create_env[] = { cli_fx_server_env,
    "COFFER_PASSWORD=pw pw pw", "COFFER_LOGIN=bob", NULL };
static const char *const env[] = { "COFFER_PASSWORD=pw pw pw",
    "COFFER_LOGIN=bob", NULL };

#define COFFER(r, ...) cli_fx_run((r), env, home, NULL, \
	(const char *const[]){ __VA_ARGS__, NULL })

static void
make_tree(void)
{
	static uint8_t rnd[3 << 20];
	char sub[600];

	cli_fx_path(src, sizeof(src), "src");
	snprintf(sub, sizeof(sub), "%s/nested", src);
	assert_int_equal(mkdir(src, 0755), 0);
	assert_int_equal(mkdir(sub, 0700), 0);
	randombytes_buf(rnd, sizeof(rnd));
	cli_fx_write(src, "random.bin", rnd, sizeof(rnd));
	cli_fx_write(src, "empty", "", 0);
	cli_fx_write(sub, "notes.txt", "marker-a1b2c3 text\n", 19);
	memset(rnd, 'x', 1 << 20);
	cli_fx_write(sub, "zeros.txt", rnd, 1 << 20);
	snprintf(sub, sizeof(sub), "%s/link", src);
	assert_int_equal(symlink("nested/notes.txt", sub), 0);
}

/* Two trees hold the same names, types, permission bits, bytes and link
 * targets. */
static void
same_tree(const char *a, const char *b)
{
	struct dirent *e;
	struct stat sa, sb;
	char pa[1024], pb[1024], la[256], lb[256], *ca, *cb;
	size_t na, nb;
	DIR *d = opendir(a);
	ssize_t n;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(pa, sizeof(pa), "%s/%s", a, e->d_name);
		snprintf(pb, sizeof(pb), "%s/%s", b, e->d_name);
		assert_int_equal(lstat(pa, &sa), 0);
		if (lstat(pb, &sb) != 0)
			fail_msg("not restored: %s", pb);
		assert_int_equal(sa.st_mode, sb.st_mode);
		if (S_ISDIR(sa.st_mode)) {
			same_tree(pa, pb);
		} else if (S_ISLNK(sa.st_mode)) {
			n = readlink(pa, la, sizeof(la) - 1);
			assert_true(n > 0);
			la[n] = '\0';
			assert_int_equal(readlink(pb, lb, sizeof(lb) - 1), n);
			lb[n] = '\0';
			assert_string_equal(la, lb);
		} else {
			ca = srv_slurp(pa, &na);
			cb = srv_slurp(pb, &nb);
			assert_non_null(ca);
			assert_non_null(cb);
			if (na != nb || memcmp(ca, cb, na) != 0)
				fail_msg("%s differs from %s", pb, pa);
			free(ca);
			free(cb);
		}
	}
	closedir(d);
}

static int
setup(void **state)
{
	return cli_fx_setup_home(state, home, sizeof(home), create_env);
}

static void
test_create_restore(void **state)
{
	struct cli_res r;
	char target[600], restored[700];
	json_t *j;

	(void)state;
	make_tree();
	COFFER(&r, "backup", "create", src);
	cli_fx_expect(&r, 0, "backup create");
	assert_int_equal(strlen(r.out), 33);
	memcpy(snap1, r.out, 32);
	snap1[32] = '\0';
	/* Not a terminal: no progress line, only the summary. */
	assert_null(strchr(r.err, '\r'));
	assert_non_null(strstr(r.err, "snapshot "));
	cli_res_free(&r);

	COFFER(&r, "--json", "backup", "list");
	cli_fx_expect(&r, 0, "backup list");
	j = cli_fx_json(&r);
	assert_int_equal(json_array_size(json_object_get(j, "snapshots")), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    json_object_get(j, "snapshots"), 0), "id")), snap1);
	json_decref(j);
	cli_res_free(&r);

	COFFER(&r, "backup", "ls", "latest");
	cli_fx_expect(&r, 0, "backup ls latest");
	assert_non_null(strstr(r.out, "src/nested/notes.txt"));
	assert_non_null(strstr(r.out, "-> nested/notes.txt"));
	cli_res_free(&r);

	cli_fx_path(target, sizeof(target), "restore");
	COFFER(&r, "--quiet", "backup", "restore", "latest", "--target",
	    target);
	cli_fx_expect(&r, 0, "backup restore");
	assert_string_equal(r.err, "");
	cli_res_free(&r);
	snprintf(restored, sizeof(restored), "%s/src", target);
	same_tree(src, restored);
}

static void
test_incremental_and_sets(void **state)
{
	struct cli_res r;
	json_t *j;

	(void)state;
	cli_fx_write(src, "added.txt", "new file\n", 9);
	COFFER(&r, "--json", "backup", "create", src);
	cli_fx_expect(&r, 0, "second backup");
	j = cli_fx_json(&r);
	assert_string_not_equal(cli_fx_str(j, "snapshot"), snap1);
	/* Only the new file's bytes are new. */
	assert_true(json_integer_value(json_object_get(j, "bytes_new")) <
	    4096);
	json_decref(j);
	cli_res_free(&r);

	COFFER(&r, "backup", "ls", snap1);
	cli_fx_expect(&r, 0, "ls of the first snapshot by id");
	assert_null(strstr(r.out, "added.txt"));
	cli_res_free(&r);

	/* Another set is another repository. */
	COFFER(&r, "--json", "backup", "list", "--set", "photos");
	cli_fx_expect(&r, 0, "an empty set");
	j = cli_fx_json(&r);
	assert_int_equal(json_array_size(json_object_get(j, "snapshots")), 0);
	json_decref(j);
	cli_res_free(&r);

	COFFER(&r, "backup", "list", "--set", "../x");
	cli_fx_expect(&r, 2, "a set name that is a path");
	assert_non_null(strstr(r.err, "'../x' is not a set name"));
	cli_res_free(&r);

	COFFER(&r, "backup", "ls", "ffffffffffff");
	cli_fx_expect(&r, 1, "an unknown snapshot");
	assert_non_null(strstr(r.err, "coffer: backup ls: "));
	cli_res_free(&r);
}

/* forget by a keep rule, prune what it freed, check (all bytes), and the
 * snapshot left still restores whole. */
static void
test_maintenance(void **state)
{
	struct cli_res r;
	char target[600], restored[700];
	json_t *j;

	(void)state;
	COFFER(&r, "backup", "check");
	cli_fx_expect(&r, 0, "check");
	assert_non_null(strstr(r.err, ": 0 errors"));
	cli_res_free(&r);

	COFFER(&r, "--json", "backup", "forget", "--keep-last", "1",
	    "--dry-run");
	cli_fx_expect(&r, 0, "forget --dry-run");
	j = cli_fx_json(&r);
	assert_int_equal(json_integer_value(json_object_get(j, "removed")), 1);
	json_decref(j);
	cli_res_free(&r);

	COFFER(&r, "backup", "forget", "--keep-last", "1");
	cli_fx_expect(&r, 0, "forget");
	assert_non_null(strstr(r.out, "remove  "));
	assert_non_null(strstr(r.out, "(last)"));
	cli_res_free(&r);
	COFFER(&r, "--json", "backup", "list");
	j = cli_fx_json(&r);
	assert_int_equal(json_array_size(json_object_get(j, "snapshots")), 1);
	json_decref(j);
	cli_res_free(&r);

	COFFER(&r, "--json", "backup", "prune");
	cli_fx_expect(&r, 0, "prune");
	j = cli_fx_json(&r);
	assert_true(json_is_integer(json_object_get(j, "packs_deleted")));
	json_decref(j);
	cli_res_free(&r);

	COFFER(&r, "--json", "backup", "check", "--read-data");
	cli_fx_expect(&r, 0, "check --read-data");
	j = cli_fx_json(&r);
	assert_int_equal(json_integer_value(json_object_get(j, "errors")), 0);
	assert_true(json_integer_value(json_object_get(j, "chunks_read")) > 0);
	json_decref(j);
	cli_res_free(&r);

	cli_fx_path(target, sizeof(target), "restore2");
	COFFER(&r, "backup", "restore", "latest", "--target", target);
	cli_fx_expect(&r, 0, "restore after prune");
	cli_res_free(&r);
	snprintf(restored, sizeof(restored), "%s/src", target);
	same_tree(src, restored);
}

/* A conflict names the holder's device. A home of its own talks to the
 * server through a proxy; the proxy, at the backup's first blob upload
 * (its shared lock is written by then, its process waits for the
 * answer), runs a prune on the same home, which the lock refuses: its
 * message names the device the backup's lock came from. */
struct conflict {
	const char *const	*env;
	const char		*home;
	struct cli_res		 res;
	int			 ran;
};

static void
prune_meanwhile(void *arg, const char *method, const char *path,
    const char *query, int answer, struct evil_body *body, long *status)
{
	struct conflict *k = arg;

	(void)method; (void)path; (void)query; (void)body; (void)status;
	if (answer || k->ran++)
		return;
	cli_fx_run(&k->res, k->env, k->home, NULL,
	    (const char *const[]){ "backup", "prune", NULL });
}

static void
test_lock_conflict(void **state)
{
	struct evil *e = NULL;
	struct conflict k;
	struct cli_res r;
	char srv_env[300], h[512], s[512], data[4096];
	const char *const penv[] = { srv_env, "COFFER_PASSWORD=pw pw pw",
	    "COFFER_LOGIN=carol", NULL };
	struct evil_rule rule = { "PUT", "/v1/blobs/", EVIL_HOOK, 0, 1, NULL,
	    prune_meanwhile, &k };

	(void)state;
	assert_int_equal(evil_start(&e, srv_url(cli_fx_server(), "")), 0);
	snprintf(srv_env, sizeof(srv_env), "COFFER_SERVER=%s", evil_url(e));
	cli_fx_path(h, sizeof(h), "home-lock");
	assert_int_equal(cli_fx_account(h, penv), 0);
	cli_fx_run(&r, penv + 1, h, NULL,
	    (const char *const[]){ "device", "rename", "the laptop", NULL });
	cli_fx_expect(&r, 0, "device rename");
	cli_res_free(&r);
	cli_fx_path(s, sizeof(s), "src-lock");
	assert_int_equal(mkdir(s, 0700), 0);
	randombytes_buf(data, sizeof(data));
	cli_fx_write(s, "f", data, sizeof(data));

	memset(&k, 0, sizeof(k));
	k.env = penv + 1;
	k.home = h;
	evil_set(e, &rule);
	cli_fx_run(&r, penv + 1, h, NULL,
	    (const char *const[]){ "backup", "create", s, NULL });
	cli_fx_expect(&r, 0, "backup create under a prune's attempt");
	cli_res_free(&r);
	assert_int_equal(k.ran, 1);
	if (k.res.status == 0 || strstr(k.res.err,
	    "device \"the laptop\"") == NULL)
		fail_msg("prune during the backup: %d %s", k.res.status,
		    k.res.err);
	cli_res_free(&k.res);
	evil_stop(&e);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_restore),
		cmocka_unit_test(test_incremental_and_sets),
		cmocka_unit_test(test_maintenance),
		cmocka_unit_test(test_lock_conflict),
	};

	return cmocka_run_group_tests(tests, setup, cli_fx_teardown);
}

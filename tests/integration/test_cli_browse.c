/* coffer backup diff, find, stats and mount against the real cofferd:
 * two snapshots with known changes (diff's lines and summary, find's
 * matches, stats' dedup ratio), then the set mounted with FUSE: a
 * snapshot listed, a file read through the mount and compared byte for
 * byte, a chunk altered in the server's store read as EIO, and Ctrl-C
 * unmounting cleanly. The mount test is skipped, saying why, where
 * /dev/fuse or fusermount3 is missing. */
#define _GNU_SOURCE
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>
#include <sodium.h>

#include "cli_fixture.h"

static char home[512], src[512], snap1[33], snap2[33];
static uint8_t big[1 << 20], other[1 << 20];

static const char *const create_env[] = { cli_fx_server_env,
    "COFFER_PASSWORD=pw pw pw", "COFFER_LOGIN=carol", NULL };
static const char *const env[] = { "COFFER_PASSWORD=pw pw pw",
    "COFFER_LOGIN=carol", NULL };

#define COFFER(r, ...) cli_fx_run((r), env, home, NULL, \
	(const char *const[]){ __VA_ARGS__, NULL })

static void
backup(char id[33])
{
	struct cli_res r;

	COFFER(&r, "backup", "create", src);
	cli_fx_expect(&r, 0, "backup create");
	assert_int_equal(strlen(r.out), 33);
	memcpy(id, r.out, 32);
	id[32] = '\0';
	cli_res_free(&r);
}

static int
setup(void **state)
{
	return cli_fx_setup_home(state, home, sizeof(home), create_env);
}

static void
test_diff_find_stats(void **state)
{
	struct cli_res r;
	char sub[600];
	json_t *j, *s;

	(void)state;
	cli_fx_path(src, sizeof(src), "src");
	snprintf(sub, sizeof(sub), "%s/docs", src);
	assert_int_equal(mkdir(src, 0755), 0);
	assert_int_equal(mkdir(sub, 0755), 0);
	randombytes_buf(big, sizeof(big));
	randombytes_buf(other, sizeof(other));
	cli_fx_write(src, "big.bin", big, sizeof(big));
	cli_fx_write(src, "other.bin", other, sizeof(other));
	cli_fx_write(sub, "Report.TXT", "first\n", 6);
	cli_fx_write(src, "gone.txt", "bye\n", 4);
	backup(snap1);
	cli_fx_write(sub, "Report.TXT", "second!\n", 8);
	snprintf(sub, sizeof(sub), "%s/gone.txt", src);
	assert_int_equal(unlink(sub), 0);
	cli_fx_write(src, "new.txt", "hello\n", 6);
	backup(snap2);

	COFFER(&r, "backup", "diff", snap1, snap2);
	cli_fx_expect(&r, 0, "backup diff");
	assert_non_null(strstr(r.out, "M  /src/docs/Report.TXT  (6 B -> 8 B)"));
	assert_non_null(strstr(r.out, "-  /src/gone.txt  (4 B)"));
	assert_non_null(strstr(r.out, "+  /src/new.txt  (6 B)"));
	assert_null(strstr(r.out, "big.bin"));
	assert_non_null(strstr(r.out, "Files:   1 new, 1 removed, 1 changed"));
	cli_res_free(&r);
	COFFER(&r, "--json", "backup", "diff", snap1, "latest");
	cli_fx_expect(&r, 0, "backup diff --json");
	j = cli_fx_json(&r);
	s = json_object_get(j, "summary");
	assert_int_equal(json_integer_value(json_object_get(s,
	    "bytes_added")), 8 + 6);
	assert_int_equal(json_integer_value(json_object_get(s,
	    "bytes_removed")), 6 + 4);
	assert_int_equal(json_array_size(json_object_get(j, "changes")), 4);
	json_decref(j);
	cli_res_free(&r);

	COFFER(&r, "--json", "backup", "find", "--ignore-case", "*.txt");
	cli_fx_expect(&r, 0, "backup find");
	j = cli_fx_json(&r);
	/* Report.TXT twice, gone.txt once, new.txt once. */
	assert_int_equal(json_array_size(json_object_get(j, "matches")), 4);
	json_decref(j);
	cli_res_free(&r);
	COFFER(&r, "backup", "find", "*.txt", "--snapshot", snap1,
	    "--snapshot", snap2);
	cli_fx_expect(&r, 0, "backup find --snapshot twice");
	assert_non_null(strstr(r.out, "/src/gone.txt"));
	assert_non_null(strstr(r.out, "/src/new.txt"));
	assert_null(strstr(r.out, "Report"));
	cli_res_free(&r);
	COFFER(&r, "backup", "find", "big.bin", "--host", "no-such-host");
	cli_fx_expect(&r, 0, "backup find --host");
	assert_string_equal(r.out, "");
	cli_res_free(&r);
	COFFER(&r, "backup", "find", "x", "--newer", "yesterday");
	cli_fx_expect(&r, 2, "backup find --newer with a bad time");
	cli_res_free(&r);

	/* Two snapshots sharing all but a few bytes: about twice the data
	 * they hold is counted once. */
	COFFER(&r, "--json", "backup", "stats");
	cli_fx_expect(&r, 0, "backup stats");
	j = cli_fx_json(&r);
	s = json_object_get(j, "total");
	assert_int_equal(json_integer_value(json_object_get(s, "snapshots")),
	    2);
	assert_true(json_real_value(json_object_get(s, "dedup_ratio")) > 1.99);
	assert_true(json_integer_value(json_object_get(s, "repo_bytes")) >=
	    2 << 20);
	assert_int_equal(json_array_size(json_object_get(j, "snapshots")), 2);
	json_decref(j);
	cli_res_free(&r);
	COFFER(&r, "backup", "stats", snap1);
	cli_fx_expect(&r, 0, "backup stats SNAP");
	assert_non_null(strstr(r.out, "dedup 1.00"));
	cli_res_free(&r);
}

/* mount */

static pid_t
start_mount(const char *mnt, const char *errpath)
{
	char bin[600];
	pid_t pid;
	int fd;

	snprintf(bin, sizeof(bin), "%s/coffer", COFFER_BUILD_DIR);
	if ((pid = fork()) != 0)
		return pid;
	fd = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	dup2(fd, 2);
	execle(bin, "coffer", "--home", home, "backup", "mount", mnt,
	    (char *)NULL, (char *const[]){ "COFFER_PASSWORD=pw pw pw",
	    "COFFER_LOGIN=carol", "PATH=/usr/bin:/bin:/usr/sbin:/sbin",
	    NULL });
	_exit(127);
}

/* Wait until ${path} exists (the mount is up) or the program ends; a
 * failure after a minute, as a bound only. */
static int
wait_for(const char *path, pid_t pid)
{
	struct timespec ts = { 0, 20 * 1000 * 1000 };
	struct stat st;
	int i, status;

	for (i = 0; i < 3000; i++) {
		if (stat(path, &st) == 0)
			return 0;
		if (waitpid(pid, &status, WNOHANG) == pid)
			return -1;
		nanosleep(&ts, NULL);
	}
	return -1;
}

static char blobs_seen;

/* Flip a byte every 4 KiB of every blob the server holds: any chunk of a
 * megabyte of random bytes is then damaged. */
static int
tamper(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	uint8_t b;
	off_t off;
	int fd;

	if (type != FTW_F || strlen(path + ftw->base) != 64)
		return 0;
	assert_true((fd = open(path, O_RDWR)) >= 0);
	for (off = 100; off < sb->st_size; off += 4096) {
		assert_int_equal(pread(fd, &b, 1, off), 1);
		b ^= 0x20;
		assert_int_equal(pwrite(fd, &b, 1, off), 1);
	}
	close(fd);
	blobs_seen = 1;
	return 0;
}

static void
test_mount(void **state)
{
	char mnt[600], errpath[600], p[900], buf[64];
	struct stat st;
	size_t n;
	char *data, *err;
	int status, fd;
	ssize_t k;
	pid_t pid;

	(void)state;
	if ((fd = open("/dev/fuse", O_RDWR)) < 0 ||
	    access("/usr/bin/fusermount3", X_OK) != 0) {
		if (fd >= 0)
			close(fd);
		print_message("skipped: FUSE is not usable here (/dev/fuse or "
		    "fusermount3 missing): backup mount not tested\n");
		skip();
	}
	close(fd);
	cli_fx_path(mnt, sizeof(mnt), "mnt");
	cli_fx_path(errpath, sizeof(errpath), "mount.err");
	assert_int_equal(mkdir(mnt, 0700), 0);
	pid = start_mount(mnt, errpath);
	assert_true(pid > 0);
	snprintf(p, sizeof(p), "%s/snapshots/latest", mnt);
	if (wait_for(p, pid) != 0) {
		err = srv_slurp(errpath, NULL);
		fail_msg("the mount did not come up: %s", err ? err : "");
	}

	/* The layout: ids/ID, snapshots/latest -> ../ids/ID. */
	snprintf(p, sizeof(p), "%s/ids/%s/src/docs", mnt, snap1);
	assert_int_equal(stat(p, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	snprintf(p, sizeof(p), "%s/snapshots/latest", mnt);
	assert_true((k = readlink(p, buf, sizeof(buf) - 1)) > 0);
	buf[k] = '\0';
	assert_string_equal(buf + strlen("../ids/"), snap2);
	snprintf(p, sizeof(p), "%s/snapshots/latest/src/new.txt", mnt);
	data = srv_slurp(p, &n);
	assert_non_null(data);
	assert_int_equal(n, 6);
	assert_string_equal(data, "hello\n");
	free(data);
	snprintf(p, sizeof(p), "%s/ids/%s/src/gone.txt", mnt, snap2);
	assert_int_equal(stat(p, &st), -1);
	assert_int_equal(errno, ENOENT);

	/* A megabyte through the mount, byte for byte, and its mode. */
	snprintf(p, sizeof(p), "%s/ids/%s/src/big.bin", mnt, snap1);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
	assert_int_equal(st.st_size, sizeof(big));
	data = srv_slurp(p, &n);
	assert_non_null(data);
	assert_int_equal(n, sizeof(big));
	assert_memory_equal(data, big, sizeof(big));
	free(data);
	assert_int_equal(open(p, O_WRONLY), -1);
	assert_int_equal(errno, EROFS);

	/* other.bin's chunks altered on the server: EIO, not bytes. */
	snprintf(p, sizeof(p), "%s/ids/%s/src/other.bin", mnt, snap1);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(nftw(srv_data(cli_fx_server()), tamper, 16,
	    FTW_PHYS), 0);
	assert_true(blobs_seen);
	assert_true((fd = open(p, O_RDONLY)) >= 0);
	errno = 0;
	assert_int_equal(read(fd, buf, sizeof(buf)), -1);
	assert_int_equal(errno, EIO);
	close(fd);

	/* Ctrl-C unmounts and ends the program cleanly. */
	assert_int_equal(kill(pid, SIGINT), 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	err = srv_slurp(errpath, NULL);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fail_msg("mount ended with %d: %s", status, err ? err : "");
	assert_non_null(strstr(err, "fails its checks"));
	free(err);
	snprintf(p, sizeof(p), "%s/ids", mnt);
	assert_int_equal(stat(p, &st), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_diff_find_stats),
		cmocka_unit_test(test_mount),
	};

	return cmocka_run_group_tests(tests, setup, cli_fx_teardown);
}

/* What the server keeps is ciphertext (issue 4, point 4): back up files
 * whose names and contents carry unique marker strings (compressible and
 * incompressible), store a note, then read every byte of the server's data
 * folder (database, its WAL, the blob folder) and look for the markers, the
 * file and folder names, a symlink's target and windows of the plaintext.
 * The scan is proved able to fail: it must find the login name, which the
 * server keeps in the clear by design. Runs the real coffer and cofferd. */
#define _GNU_SOURCE	/* memmem */

#include <fcntl.h>
#include <ftw.h>
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
#include <sodium.h>

#include "cli_run.h"
#include "server_harness.h"

#define NEEDLES_MAX	64
#define RAND_LEN	(3u << 20)

static struct srv *S;
static char *Tmp;
static char Url[128], Home[512], Src[512], Pwfile[512];
static char *Needles[NEEDLES_MAX];
static size_t Needle_len[NEEDLES_MAX], Nneedles;
static size_t Hits[NEEDLES_MAX], Scanned;

static void
needle(const void *p, size_t len)
{
	assert_true(Nneedles < NEEDLES_MAX);
	Needles[Nneedles] = malloc(len);
	assert_non_null(Needles[Nneedles]);
	memcpy(Needles[Nneedles], p, len);
	Needle_len[Nneedles++] = len;
}

static void
needle_str(const char *s)
{
	needle(s, strlen(s));
}

/* A marker: a fixed prefix and 16 random hex digits. */
static void
marker(char *out, size_t size, const char *prefix)
{
	uint8_t r[8];
	char hex[17];

	randombytes_buf(r, sizeof(r));
	sodium_bin2hex(hex, sizeof(hex), r, sizeof(r));
	snprintf(out, size, "%s%s", prefix, hex);
}

static void
write_bytes(const char *path, const void *p, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, p, len), (ssize_t)len);
	assert_int_equal(close(fd), 0);
}

static void
coffer(const char *const *args, int want_status)
{
	const char *argv[32];
	struct cli_res r;
	size_t i, n = 0;

	argv[n++] = "--server";
	argv[n++] = Url;
	argv[n++] = "--home";
	argv[n++] = Home;
	for (i = 0; args[i] != NULL; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	assert_int_equal(cli_runv(&r, NULL, NULL, argv), 0);
	if (r.status != want_status)
		fail_msg("coffer %s %s: exit %d, want %d\nstdout: %s\nstderr: %s",
		    args[0], args[1] != NULL ? args[1] : "", r.status,
		    want_status, r.out, r.err);
	cli_res_free(&r);
}

static int
scan_one(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	size_t i, len;
	char *data;

	(void)sb;
	(void)ftw;
	if (type != FTW_F)
		return 0;
	if ((data = srv_slurp(path, &len)) == NULL)
		return -1;
	Scanned += len;
	for (i = 0; i < Nneedles; i++)
		if (memmem(data, len, Needles[i], Needle_len[i]) != NULL)
			Hits[i]++;
	free(data);
	return 0;
}

static int
setup(void **state)
{
	char path[600];
	const char *args[] = { "--config", path, NULL };

	(void)state;
	if (sodium_init() < 0 || (Tmp = srv_tmpdir()) == NULL)
		return -1;
	snprintf(path, sizeof(path), "%s/cofferd.conf", Tmp);
	if (srv_write_file(path, "opaque_t_cost = 1\nopaque_m_cost = 1024\n")
	    != 0 || srv_start(&S, args) != 0)
		return -1;
	snprintf(Url, sizeof(Url), "%s", srv_url(S, ""));
	if (Url[strlen(Url) - 1] == '/')
		Url[strlen(Url) - 1] = '\0';
	snprintf(Home, sizeof(Home), "%s/home", Tmp);
	snprintf(Src, sizeof(Src), "%s/src", Tmp);
	snprintf(Pwfile, sizeof(Pwfile), "%s/pw", Tmp);
	return srv_write_file(Pwfile, "correct horse battery staple\n");
}

static int
teardown(void **state)
{
	size_t i;

	(void)state;
	if (S != NULL)
		srv_stop(S);
	srv_free(&S);
	srv_rmtree(Tmp);
	free(Tmp);
	for (i = 0; i < Nneedles; i++)
		free(Needles[i]);
	return 0;
}

static void
test_marker_scan(void **state)
{
	char login[64], m_name[64], m_dir[64], m_text[64], m_rand[64],
	    m_small[64], m_link[64], m_note[64], path[1200], sub[800];
	static char text[200000];
	uint8_t *rnd;
	size_t i, off;

	(void)state;
	marker(login, sizeof(login), "login-");
	marker(m_name, sizeof(m_name), "FILENAME-MARKER-");
	marker(m_dir, sizeof(m_dir), "DIRNAME-MARKER-");
	marker(m_text, sizeof(m_text), "TEXT-MARKER-");
	marker(m_rand, sizeof(m_rand), "RAND-MARKER-");
	marker(m_small, sizeof(m_small), "SMALL-MARKER-");
	marker(m_link, sizeof(m_link), "LINKTARGET-MARKER-");
	marker(m_note, sizeof(m_note), "NOTE-MARKER-");

	/* The tree: a compressible text file named by a marker, in a folder
	 * named by a marker; an incompressible file with the marker inside;
	 * a tiny file; a symlink. */
	assert_int_equal(mkdir(Src, 0755), 0);
	snprintf(sub, sizeof(sub), "%s/%s", Src, m_dir);
	assert_int_equal(mkdir(sub, 0755), 0);
	for (off = 0; off + strlen(m_text) + 1 < sizeof(text);
	    off += strlen(m_text) + 1) {
		memcpy(text + off, m_text, strlen(m_text));
		text[off + strlen(m_text)] = '\n';
	}
	snprintf(path, sizeof(path), "%s/%s.txt", sub, m_name);
	write_bytes(path, text, off);
	rnd = malloc(RAND_LEN);
	assert_non_null(rnd);
	randombytes_buf(rnd, RAND_LEN);
	for (i = 0; i < 8; i++)
		memcpy(rnd + i * (RAND_LEN / 8) + 1000, m_rand, strlen(m_rand));
	snprintf(path, sizeof(path), "%s/random.bin", Src);
	write_bytes(path, rnd, RAND_LEN);
	snprintf(path, sizeof(path), "%s/small.txt", Src);
	write_bytes(path, m_small, strlen(m_small));
	snprintf(path, sizeof(path), "%s/link", Src);
	assert_int_equal(symlink(m_link, path), 0);

	{
		const char *create[] = { "account", "create", "--login", login,
		    "--password-file", Pwfile, NULL };
		const char *backup[] = { "backup", "create", Src, NULL };
		const char *note[] = { "record", "put", "--category", "notes",
		    "--data", m_note, NULL };

		coffer(create, 0);
		coffer(backup, 0);
		coffer(note, 0);
	}
	assert_int_equal(srv_stop(S), 0);

	needle_str(m_name);
	needle_str(m_dir);
	needle_str(m_text);
	needle_str(m_rand);
	needle_str(m_small);
	needle_str(m_link);
	needle_str(m_note);
	needle_str("random.bin");
	needle_str("small.txt");
	/* Windows of the incompressible plaintext, and of the text. */
	for (i = 0; i < 8; i++)
		needle(rnd + i * (RAND_LEN / 8) + 5000, 64);
	needle(text + 4096, 64);
	/* The login too: the server keeps only its keyed hash. */
	needle_str(login);
	needle_str("CREATE TABLE accounts");	/* the control: the schema */
	free(rnd);

	assert_int_equal(nftw(srv_data(S), scan_one, 16, FTW_PHYS), 0);
	for (i = 0; i + 1 < Nneedles; i++)
		if (Hits[i] != 0)
			fail_msg("needle %zu (%.*s) found in %zu stored files",
			    i, (int)(Needle_len[i] < 40 ? Needle_len[i] : 40),
			    Needles[i], Hits[i]);
	assert_true(Hits[Nneedles - 1] > 0);
	/* The incompressible file went to the server: it was scanned. */
	assert_true(Scanned > RAND_LEN);
	/* Restart so that teardown's stop has a server to stop. */
	assert_int_equal(srv_restart(S), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_marker_scan),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

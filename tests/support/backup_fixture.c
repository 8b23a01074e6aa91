/* The fixture of the backup engine tests (backup_fixture.h). */
#define _GNU_SOURCE	/* umount2, MNT_DETACH */
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/xattr.h>

#include <dirent.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>

#include <coffer/err.h>
#include <coffer/sign.h>

#include "backup/restore_run.h"	/* TMP_TAG */

#include "backup_fixture.h"
#include "tree_compare.h"

const struct coffer_cdc_params bfx_small_cdc = { 4096, 16384, 65536 };

/* The store's operations: each passes to the folder store, counting
 * puts and misbehaving as the test asked. */
static int
ts_put(void *ctx, struct coffer_bstore_xfer *x, size_t n)
{
	struct bfx_store *t = ctx;
	size_t i;

	for (i = 0; i < n; i++)
		if (t->fail_after >= 0 && t->puts + (int)i >= t->fail_after) {
			for (; i < n; i++)
				x[i].result = COFFER_ERR_NETWORK;
			return COFFER_ERR_NETWORK;
		}
	t->puts += (int)n;
	return t->in.ops->put_many(t->in.ctx, x, n);
}

static int
ts_get(void *ctx, struct coffer_bstore_xfer *x, size_t n)
{
	struct bfx_store *t = ctx;
	size_t i, k;
	int r;

	t->gets++;
	if (t->swap)
		for (i = 0; i < n; i++)
			memcpy(x[i].id, t->other, 32);
	if ((r = t->in.ops->get_many(t->in.ctx, x, n)) != 0)
		return r;
	/* Every 32nd byte: whatever part of a range the engine uses (reads
	 * are widened to a grid), each chunk in it is altered. */
	if (t->corrupt)
		for (i = 0; i < n; i++)
			for (k = 0; k < coffer_buf_len(x[i].out); k += 32)
				coffer_buf_mutable(x[i].out)[k] ^= 1;
	return 0;
}

static int
ts_exists(void *ctx, const uint8_t (*ids)[32], size_t n, uint64_t *s)
{
	struct bfx_store *t = ctx;

	return t->in.ops->exists(t->in.ctx, ids, n, s);
}

static int
ts_del(void *ctx, const uint8_t id[32])
{
	struct bfx_store *t = ctx;

	return t->in.ops->del(t->in.ctx, id);
}

static int
ts_ref_put(void *ctx, const uint8_t name[16], const uint8_t *d, size_t l)
{
	struct bfx_store *t = ctx;

	return t->in.ops->ref_put(t->in.ctx, name, d, l);
}

static int
ts_ref_list(void *ctx, coffer_bstore_ref_fn fn, void *arg)
{
	struct bfx_store *t = ctx;

	return t->in.ops->ref_list(t->in.ctx, fn, arg);
}

static int
ts_ref_del(void *ctx, const uint8_t name[16])
{
	struct bfx_store *t = ctx;

	return t->in.ops->ref_del(t->in.ctx, name);
}

static const char *
ts_message(void *ctx)
{
	struct bfx_store *t = ctx;

	return t->in.ops->message(t->in.ctx);
}

static int
ts_list(void *ctx, coffer_bstore_blob_fn fn, void *arg)
{
	struct bfx_store *t = ctx;

	return t->in.ops->list(t->in.ctx, fn, arg);
}

static const struct coffer_bstore_ops ts_ops = {
	ts_put, ts_get, ts_exists, ts_del, ts_ref_put, ts_ref_list,
	ts_ref_del, ts_message, ts_list,
};

void
bfx_write_file(const char *dir, const char *name, const uint8_t *p, size_t n)
{
	char path[512];
	int fd;

	assert_true(snprintf(path, sizeof(path), "%s/%s", dir, name) <
	    (int)sizeof(path));
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0640);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, p, n), (ssize_t)n);
	close(fd);
}

static int
sg_sign(void *arg, const char *context, const uint8_t *msg, size_t len,
    uint8_t sig[64], uint8_t pk[32])
{
	struct bfx_signer *s = arg;

	s->calls++;
	memcpy(pk, s->pk, 32);
	return coffer_sign(sig, s->key, context, msg, len);
}

static int
sg_trusted(void *arg, const uint8_t pk[32])
{
	struct bfx_signer *s = arg;

	return sodium_memcmp(pk, s->pk, 32) == 0 ? 0 : COFFER_ERR_AUTH;
}

void
bfx_signer_init(struct bfx_signer *s, uint8_t seed, uint8_t set)
{
	uint8_t secret[32];

	memset(s, 0, sizeof(*s));
	memset(secret, seed, sizeof(secret));
	assert_int_equal(coffer_key_import(&s->key, COFFER_KEY_ED25519, secret,
	    NULL, 1), 0);
	assert_int_equal(coffer_key_public(s->key, s->pk), 0);
	s->s.version = COFFER_BACKUP_SIGNER_V1;
	memset(s->s.set, set, sizeof(s->s.set));
	s->s.sign = sg_sign;
	s->s.trusted = sg_trusted;
	s->s.arg = s;
}

void
bfx_signer_cleanup(struct bfx_signer *s)
{
	coffer_key_free(&s->key);
}

void
bfx_sign(struct coffer_backup_repo *r)
{
	static struct bfx_signer def;

	if (def.key == NULL)
		bfx_signer_init(&def, 0x5a, 0x01);
	assert_int_equal(coffer_backup_set_signer(r, &def.s), 0);
}

int
bfx_open_ring(struct bfx *f, size_t first, size_t n)
{
	const struct coffer_key *ring[BFX_KEYS];
	size_t i;
	int rc;

	assert_true(first + n <= f->nkeys);
	coffer_backup_close(&f->r);
	for (i = 0; i < n; i++)
		ring[i] = f->keys[first + i];
	f->ts.out.ops = &ts_ops;
	f->ts.out.ctx = &f->ts;
	rc = coffer_backup_open(&f->r, &f->ts.out, ring, n, f->cache);
	if (rc == 0)
		bfx_sign(f->r);
	return rc;
}

void
bfx_open(struct bfx *f)
{
	assert_int_equal(bfx_open_ring(f, 0, f->nkeys), 0);
}

void
bfx_roll(struct bfx *f)
{
	assert_true(f->nkeys < BFX_KEYS);
	assert_int_equal(coffer_key_generate(&f->keys[f->nkeys],
	    COFFER_KEY_SYMMETRIC, (uint32_t)f->nkeys + 1), 0);
	f->nkeys++;
	bfx_open(f);
}

int
bfx_setup(void **state)
{
	struct bfx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	snprintf(f->base, sizeof(f->base), "%s", "/tmp/coffer-bk-XXXXXX");
	assert_non_null(mkdtemp(f->base));
	snprintf(f->src, sizeof(f->src), "%s/data", f->base);
	snprintf(f->repo, sizeof(f->repo), "%s/repo", f->base);
	snprintf(f->cache, sizeof(f->cache), "%s/cache", f->base);
	snprintf(f->dst, sizeof(f->dst), "%s/out", f->base);
	assert_int_equal(mkdir(f->src, 0755), 0);
	assert_int_equal(coffer_bstore_dir_open(&f->ts.in, f->repo), 0);
	f->ts.fail_after = -1;
	assert_int_equal(coffer_key_generate(&f->keys[0],
	    COFFER_KEY_SYMMETRIC, 1), 0);
	f->nkeys = 1;
	bfx_open(f);
	*state = f;
	return 0;
}

int
bfx_teardown(void **state)
{
	struct bfx *f = *state;
	size_t i;

	coffer_backup_close(&f->r);
	coffer_bstore_dir_close(&f->ts.in);
	for (i = 0; i < f->nkeys; i++)
		coffer_key_free(&f->keys[i]);
	if (geteuid() == 0)
		(void)umount2(f->dst, MNT_DETACH);	/* a failed disk-full test */
	tree_rm_rf(f->base);
	free(f);
	return 0;
}

int
bfx_backup(struct bfx *f, struct coffer_backup_progress *pg, uint8_t id[16])
{
	struct coffer_backup_options o;
	const char *paths[1];

	memset(&o, 0, sizeof(o));
	o.cdc = &bfx_small_cdc;
	o.pack_size = 256 * 1024;
	o.progress = pg;
	o.host = "testhost";
	paths[0] = f->src;
	return coffer_backup_create(f->r, paths, 1, &o, id);
}

void
bfx_no_tmp(const char *d)
{
	struct dirent *de;
	DIR *dp = opendir(d);

	assert_non_null(dp);
	while ((de = readdir(dp)) != NULL)
		if (de->d_name[0] == '.' && strstr(de->d_name, TMP_TAG) !=
		    NULL)
			fail_msg("a temporary file is left: %s/%s", d,
			    de->d_name);
	closedir(dp);
}

void
bfx_empty_dir(const char *d)
{
	struct dirent **nl = NULL;
	int n = scandir(d, &nl, NULL, NULL), i;

	for (i = 0; i < n; i++)
		free(nl[i]);
	free(nl);
	assert_int_equal(n, 2);
}

void
bfx_make_tree(struct bfx *f)
{
	static const uint8_t nonutf8[] = "bad\xff\xfe name";
	char p[512], q[512];
	uint8_t *big;
	size_t i;
	int fd;

	big = malloc(3 << 20);
	assert_non_null(big);
	randombytes_buf(big, 1 << 20);
	for (i = 1 << 20; i < (size_t)3 << 20; i++)	/* compressible */
		big[i] = (uint8_t)("coffer backup "[i % 14]);
	bfx_write_file(f->src, "big", big, 3 << 20);
	bfx_write_file(f->src, "empty", NULL, 0);
	bfx_write_file(f->src, "small", (const uint8_t *)"hello", 5);
	bfx_write_file(f->src, "line\nbreak and \xc3\xa9t\xc3\xa9",
	    (const uint8_t *)"x", 1);
	bfx_write_file(f->src, (const char *)nonutf8, big, 1000);
	snprintf(p, sizeof(p), "%s/sub", f->src);
	assert_int_equal(mkdir(p, 0750), 0);
	snprintf(p, sizeof(p), "%s/sub/deeper", f->src);
	assert_int_equal(mkdir(p, 0700), 0);
	bfx_write_file(p, "file", big + 100, 70000);
	/* sparse: 1 MiB hole then data */
	snprintf(p, sizeof(p), "%s/sparse", f->src);
	fd = open(p, O_WRONLY | O_CREAT, 0600);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, "end", 3, 1 << 20), 3);
	close(fd);
	snprintf(p, sizeof(p), "%s/link", f->src);
	assert_int_equal(symlink("sub/deeper/file", p), 0);
	snprintf(p, sizeof(p), "%s/small", f->src);
	snprintf(q, sizeof(q), "%s/sub/hard", f->src);
	assert_int_equal(link(p, q), 0);
	snprintf(p, sizeof(p), "%s/fifo", f->src);
	assert_int_equal(mkfifo(p, 0644), 0);
	snprintf(p, sizeof(p), "%s/small", f->src);
	(void)setxattr(p, "user.coffer", "value", 5, 0);	/* may be ENOTSUP */
	free(big);
}

/* The backup engine across a key roll (docs/PROTOCOL-backup.md, "Keys";
 * PROTOCOL-devices.md §6): a repository written under version 1 of the
 * set's key, then version 2 added. Old and new snapshots restore, check
 * --read-data passes and prune works across both (its repacked packs mix
 * chunks of both versions); a backup after the roll deduplicates against
 * data from before it; new objects name version 2. A ring that lacks a
 * version a repository object names is refused with COFFER_ERR_KEY
 * naming it, before anything of that object is decrypted: only version
 * 1 (a removed device), only version 2. The fixture is
 * backup_fixture.h. */
#define _GNU_SOURCE
#include <sys/stat.h>

#include <dirent.h>
#include <ftw.h>
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

#include <coffer/backup.h>
#include <coffer/backup_store.h>
#include <coffer/err.h>
#include <coffer/key.h>

#include "backup/format.h"

#include "backup_fixture.h"
#include "tree_compare.h"

/* The ring of the fixture's versions first + 1 .. first + n. */
static struct bk_keyring *
ring_of(struct bfx *f, size_t first, size_t n)
{
	struct bk_keyring *kr = NULL;

	assert_int_equal(bk_keyring_new(&kr,
	    (const struct coffer_key *const *)f->keys + first, n), 0);
	return kr;
}

/* What the store holds, by the versions its objects name. */
struct census {
	struct bk_keyring	*kr;
	/* By key version (1, 2); chunks by key and id version. */
	unsigned		 refs[3], packs[3], segs[3];
	unsigned		 chunks[3][3];
	/* Version-2 packs holding a chunk of version 1. */
	unsigned		 mixed;
};

static unsigned
vslot(uint32_t v)
{
	assert_true(v >= 1 && v <= 2);
	return v;
}

static int
census_ref(void *arg, const uint8_t name[16], const uint8_t *p, size_t len)
{
	struct census *c = arg;
	struct bk_head h;

	(void)name;
	assert_int_equal(bk_box_head(p, len, &h), 0);
	assert_int_equal(h.format, BK_FORMAT);
	c->refs[vslot(h.key)]++;
	return 0;
}

static struct census *census_cur;	/* nftw passes no argument */

/* A blob is a pack when its header parses, else a segment (one box). */
static int
census_blob(const char *path, const struct stat *st, int flag, struct FTW *fw)
{
	struct census *c = census_cur;
	const char *name = path + fw->base;
	struct bk_entry *e = NULL;
	struct bk_head h, ch;
	uint8_t id[BK_ID], *d;
	size_t n = 0, i, blen, got;
	int v1 = 0;
	FILE *fp;

	if (flag != FTW_F || strstr(path, "/blobs/") == NULL ||
	    strlen(name) != 2 * BK_ID)
		return 0;
	assert_int_equal(sodium_hex2bin(id, BK_ID, name, 2 * BK_ID, NULL,
	    NULL, NULL), 0);
	d = malloc((size_t)st->st_size + 1);
	assert_non_null(d);
	assert_non_null(fp = fopen(path, "rb"));
	got = fread(d, 1, (size_t)st->st_size, fp);
	fclose(fp);
	assert_int_equal(got, (size_t)st->st_size);
	if (bk_pack_parse(c->kr, id, d, got, &e, &n) == 0) {
		/* Format 2 packs: the footer is sealed with the header;
		 * format 1: the header's length is in clear. */
		blen = (size_t)d[got - 4] << 24 | (size_t)d[got - 3] << 16 |
		    (size_t)d[got - 2] << 8 | d[got - 1];
		if (memcmp(d + got - BK_PACK_TAIL_LEN, BK_PACK_TAIL,
		    BK_PACK_TAIL_LEN) == 0)
			assert_int_equal(bk_box_head(d + got - BK_PACK_OVER,
			    BK_PACK_FOOTER, &h), 0);
		else
			assert_int_equal(bk_box_head(d + got - 4 - blen, blen,
			    &h), 0);
		c->packs[vslot(h.key)]++;
		for (i = 0; i < n; i++) {
			assert_int_equal(bk_chunk_head(c->kr, d + e[i].offset,
			    e[i].slen, &ch), 0);
			c->chunks[vslot(ch.key)][vslot(ch.idv)]++;
			v1 |= ch.key == 1;
		}
		c->mixed += h.key == 2 && v1;
	} else {
		assert_int_equal(bk_box_head(d, got, &h), 0);
		c->segs[vslot(h.key)]++;
	}
	free(e);
	free(d);
	return 0;
}

static void
census(struct bfx *f, struct census *c)
{
	memset(c, 0, sizeof(*c));
	c->kr = ring_of(f, 0, f->nkeys);
	assert_int_equal(f->ts.in.ops->ref_list(f->ts.in.ctx, census_ref, c),
	    0);
	census_cur = c;
	assert_int_equal(nftw(f->repo, census_blob, 16, FTW_PHYS), 0);
	census_cur = NULL;
	bk_keyring_free(&c->kr);
}

static int
check_quiet(struct bfx *f, int read_data, struct coffer_backup_check_stats *st)
{
	struct coffer_backup_check_options o;

	memset(&o, 0, sizeof(o));
	o.read_data = read_data;
	return coffer_backup_check(f->r, &o, st);
}

static void
restore_cmp(struct bfx *f, const uint8_t id[16], const char *sub,
    const char *want)
{
	char out[256], p[300];

	snprintf(out, sizeof(out), "%s/%s", f->dst, sub);
	assert_int_equal(coffer_backup_restore(f->r, id, NULL, out, NULL), 0);
	snprintf(p, sizeof(p), "%s/data", out);
	tree_compare(want, p);
}

/* Write snapshot A under version 1 (restored to dst/a as the record of
 * what it held), roll, change the source, write B under versions 1 and
 * 2. */
static void
two_versions(struct bfx *f, uint8_t a[16], uint8_t b[16],
    struct coffer_backup_progress *pg)
{
	uint8_t buf[200000];
	char p[256];

	bfx_make_tree(f);
	assert_int_equal(bfx_backup(f, NULL, a), 0);
	assert_int_equal(mkdir(f->dst, 0700), 0);
	snprintf(p, sizeof(p), "%s/a", f->dst);
	assert_int_equal(coffer_backup_restore(f->r, a, NULL, p, NULL), 0);
	snprintf(p, sizeof(p), "%s/a/data", f->dst);
	tree_compare(f->src, p);
	bfx_roll(f);
	randombytes_buf(buf, sizeof(buf));
	bfx_write_file(f->src, "after", buf, sizeof(buf));
	bfx_write_file(f->src, "small", (const uint8_t *)"changed", 7);
	/* A fresh cache: every file is read again, so only dedup by chunk
	 * id keeps the old data from being stored again. */
	coffer_backup_close(&f->r);
	strcat(f->cache, "2");
	bfx_open(f);
	memset(pg, 0, sizeof(*pg));
	assert_int_equal(bfx_backup(f, pg, b), 0);
}

static int
keep_newest(void *arg, const struct coffer_backup_snapshot *s, int keep,
    unsigned why)
{
	(void)s; (void)why;
	*(int *)arg += keep;
	return 0;
}

static void
test_roll(void **state)
{
	struct bfx *f = *state;
	struct coffer_backup_progress pg;
	struct coffer_backup_check_stats st;
	struct coffer_backup_policy pol;
	struct coffer_backup_forget_options fo;
	struct coffer_backup_prune_options po;
	struct coffer_backup_prune_stats ps;
	struct census c;
	uint8_t a[16], b[16];
	char p[256];
	int kept = 0;

	two_versions(f, a, b, &pg);
	/* Dedup across the roll: of the 3.4 MB read again (the sparse
	 * file's 1 MiB hole is not read), the new file, the changed one
	 * and the trees above them are all that is new (the 3 MiB file
	 * and the rest were stored before). */
	assert_true(pg.files_read >= 6);
	assert_true(pg.bytes_read > 3000000);
	assert_true(pg.bytes_new < 200000 + 16384);
	/* Version 1's objects stay as they were; the new ones name
	 * version 2, their chunk ids version 1. */
	census(f, &c);
	assert_int_equal(c.refs[1], 2);
	assert_int_equal(c.refs[2], 2);
	assert_true(c.packs[1] > 0 && c.packs[2] > 0);
	assert_true(c.segs[1] > 0 && c.segs[2] > 0);
	assert_true(c.chunks[1][1] > 0 && c.chunks[2][1] > 0);
	assert_int_equal(c.chunks[2][2], 0);
	assert_int_equal(c.mixed, 0);
	/* Both snapshots restore; the repository checks clean. */
	snprintf(p, sizeof(p), "%s/a/data", f->dst);
	restore_cmp(f, a, "a2", p);
	restore_cmp(f, b, "b", f->src);
	assert_int_equal(check_quiet(f, 1, &st), 0);
	assert_int_equal(st.errors, 0);
	assert_int_equal(st.snapshots, 2);
	assert_true(st.chunks_read > 0);
	/* A prune that finds everything used changes nothing. */
	memset(&po, 0, sizeof(po));
	assert_int_equal(coffer_backup_prune(f->r, &po, &ps), 0);
	assert_int_equal(ps.packs_deleted + ps.packs_repacked, 0);
	/* Forget A, then prune repacking every partly used pack: A's
	 * chunks that B uses are copied as they are (version 1) under new
	 * headers of version 2. */
	memset(&pol, 0, sizeof(pol));
	pol.keep_last = 1;
	memset(&fo, 0, sizeof(fo));
	fo.fn = keep_newest;
	fo.arg = &kept;
	assert_int_equal(coffer_backup_forget(f->r, &pol, &fo), 0);
	assert_int_equal(kept, 1);
	po.max_unused_pct = -1;
	assert_int_equal(coffer_backup_prune(f->r, &po, &ps), 0);
	assert_true(ps.packs_repacked > 0);
	assert_true(ps.packs_new > 0);
	census(f, &c);
	assert_true(c.mixed > 0);
	assert_int_equal(c.refs[1], 0);	/* A and the old INDEX refs */
	assert_int_equal(check_quiet(f, 1, &st), 0);
	assert_int_equal(st.errors, 0);
	restore_cmp(f, b, "b2", f->src);
	assert_int_equal(coffer_backup_restore(f->r, a, NULL, f->dst, NULL),
	    COFFER_ERR_NOTFOUND);
	/* A third version: the mixed repository still opens, checks and
	 * restores, and a backup now seals under version 3. */
	bfx_roll(f);
	assert_int_equal(check_quiet(f, 1, &st), 0);
	restore_cmp(f, b, "b3", f->src);
}

/* Only version 1 (a device removed before version 2) or only version 2:
 * the repository does not open, and the detail names the version. */
static void
test_ring_lacks_version(void **state)
{
	struct bfx *f = *state;
	struct coffer_backup_progress pg;
	uint8_t a[16], b[16];

	two_versions(f, a, b, &pg);
	assert_int_equal(bfx_open_ring(f, 0, 1), COFFER_ERR_KEY);
	assert_non_null(f->r);
	assert_non_null(strstr(coffer_backup_error_detail(f->r),
	    "version 2 of the backup set's key"));
	assert_non_null(strstr(coffer_backup_error_detail(f->r), "ref "));
	assert_int_equal(bfx_open_ring(f, 1, 1), COFFER_ERR_KEY);
	assert_non_null(strstr(coffer_backup_error_detail(f->r),
	    "version 1 of the backup set's key"));
	/* The whole ring, in another order, opens. */
	{
		const struct coffer_key *ring[2] = { f->keys[1], f->keys[0] };

		coffer_backup_close(&f->r);
		assert_int_equal(coffer_backup_open(&f->r, &f->ts.out, ring, 2,
		    f->cache), 0);
		bfx_sign(f->r);
		restore_cmp(f, b, "b", f->src);
	}
}

/* The refs of the store opened under kr: the snapshot's and INDEX ref's
 * names and bodies, to forge copies sealed under another ring. */
struct found {
	struct bk_keyring	*kr;
	uint8_t			 snap[16], root[BK_ID];
	uint8_t			 (*segs)[BK_ID];
	size_t			 nsegs;
	uint8_t			 names[8][16];
	size_t			 n;
};

static int
find_refs(void *arg, const uint8_t name[16], const uint8_t *p, size_t len)
{
	struct found *fd = arg;
	struct coffer_buf *body = coffer_buf_new_secret(1 << 20);
	struct bk_snapshot s;
	uint8_t kind = 0, (*segs)[BK_ID] = NULL, (*all)[BK_ID];
	size_t n, i;

	assert_non_null(body);
	if (bk_box_open(fd->kr, &kind, name, 16, p, len, body) != 0) {
		coffer_buf_free(&body);
		return 0;
	}
	assert_true(fd->n < 8);
	memcpy(fd->names[fd->n++], name, 16);
	if (kind == BK_KIND_SNAPSHOT) {
		assert_int_equal(bk_snapshot_parse(coffer_buf_data(body),
		    coffer_buf_len(body), &s), 0);
		memcpy(fd->snap, name, 16);
		memcpy(fd->root, s.root, BK_ID);
		bk_snapshot_clear(&s);
	} else {
		assert_int_equal(bk_indexref_parse(coffer_buf_data(body),
		    coffer_buf_len(body), &segs, &n, NULL), 0);
		all = realloc(fd->segs, (fd->nsegs + n + 1) * BK_ID);
		assert_non_null(all);
		fd->segs = all;
		for (i = 0; i < n; i++)
			memcpy(fd->segs[fd->nsegs++], segs[i], BK_ID);
		free(segs);
	}
	coffer_buf_free(&body);
	return 0;
}

static int
id_cmp(const void *a, const void *b)
{
	return memcmp(a, b, BK_ID);
}

/* Replace the refs sealed under version from + 1 by copies sealed under
 * version to + 1 alone, naming the same segments and root: what a server
 * could show a device whose ring lacks version from + 1. The local cache
 * keeps the segments folded, so the open reaches the chunks. */
static void
forge_refs(struct bfx *f, size_t from, size_t to, uint8_t snap[16])
{
	struct found fd;
	struct bk_keyring *sealer = ring_of(f, to, 1);
	struct coffer_buf *b = coffer_buf_new(COFFER_BSTORE_REF_MAX);
	struct bk_snapshot s;
	uint8_t name[16];
	size_t i;

	memset(&fd, 0, sizeof(fd));
	fd.kr = ring_of(f, from, 1);
	assert_non_null(b);
	assert_int_equal(f->ts.in.ops->ref_list(f->ts.in.ctx, find_refs, &fd),
	    0);
	assert_true(fd.n >= 2 && fd.nsegs > 0);
	for (i = 0; i < fd.n; i++)
		assert_int_equal(f->ts.in.ops->ref_del(f->ts.in.ctx,
		    fd.names[i]), 0);
	qsort(fd.segs, fd.nsegs, BK_ID, id_cmp);
	randombytes_buf(name, 16);
	assert_int_equal(bk_indexref_encode(sealer, name,
	    (const uint8_t (*)[BK_ID])fd.segs, fd.nsegs, NULL, b), 0);
	assert_int_equal(f->ts.in.ops->ref_put(f->ts.in.ctx, name,
	    coffer_buf_data(b), coffer_buf_len(b)), 0);
	memset(&s, 0, sizeof(s));
	s.host = (char *)(uintptr_t)"testhost";
	memcpy(s.root, fd.root, BK_ID);
	coffer_buf_reset(b);
	assert_int_equal(bk_snapshot_encode(sealer, fd.snap, &s, b), 0);
	assert_int_equal(f->ts.in.ops->ref_put(f->ts.in.ctx, fd.snap,
	    coffer_buf_data(b), coffer_buf_len(b)), 0);
	memcpy(snap, fd.snap, 16);
	/* A device that never saw the refs replaced (its memory of the set
	 * would report them as rolled back: test_backup_seen.c). */
	{
		char p[256];

		snprintf(p, sizeof(p), "%s/refs.seen", f->cache);
		unlink(p);
	}
	coffer_buf_free(&b);
	free(fd.segs);
	bk_keyring_free(&fd.kr);
	bk_keyring_free(&sealer);
}

static int nblobs;

static int
count_blob(const char *p, const struct stat *st, int flag, struct FTW *fw)
{
	(void)st; (void)fw;
	if (flag == FTW_F && strstr(p, "/blobs/") != NULL)
		nblobs++;
	return 0;
}

static int
blobs(struct bfx *f)
{
	nblobs = 0;
	assert_int_equal(nftw(f->repo, count_blob, 16, FTW_PHYS), 0);
	return nblobs;
}

/* One ring's refs reach the other version's chunks: restore, check and
 * prune refuse them as ${err} (COFFER_ERR_KEY naming chunk and version,
 * or, when the chunks' versions were masked under a key the ring lacks,
 * COFFER_ERR_CORRUPT: nothing names them), having decrypted nothing of
 * them, and prune deletes nothing (COFFER_ERR_KEY). The index segments' versions are in
 * the clear: without the cache, the open names ${words}. */
static void
lacks_chunks(struct bfx *f, size_t from, size_t to, int err,
    const char *cwords, const char *words)
{
	struct coffer_backup_check_stats st;
	struct coffer_backup_prune_options po;
	uint8_t snap[16];
	char out[256];
	int n;

	forge_refs(f, from, to, snap);
	assert_int_equal(bfx_open_ring(f, to, 1), 0);
	snprintf(out, sizeof(out), "%s/forged", f->dst);
	assert_int_equal(coffer_backup_restore(f->r, snap, NULL, out, NULL),
	    err);
	assert_non_null(strstr(coffer_backup_error_detail(f->r), cwords));
	assert_non_null(strstr(coffer_backup_error_detail(f->r), "chunk "));
	bfx_empty_dir(out);
	assert_int_equal(check_quiet(f, 1, &st), err);
	assert_true(st.errors > 0);
	/* Its first finding: the other version's index segments. */
	assert_non_null(strstr(coffer_backup_error_detail(f->r), words));
	n = blobs(f);
	memset(&po, 0, sizeof(po));
	/* Prune stops at the other version's index segments first. */
	assert_int_equal(coffer_backup_prune(f->r, &po, NULL), COFFER_ERR_KEY);
	assert_int_equal(blobs(f), n);
	/* Without the cache's folded segments, the open itself refuses
	 * the other version's index segments. */
	coffer_backup_close(&f->r);
	strcat(f->cache, "x");
	assert_int_equal(bfx_open_ring(f, to, 1), COFFER_ERR_KEY);
	assert_non_null(strstr(coffer_backup_error_detail(f->r),
	    "index segment"));
	assert_non_null(strstr(coffer_backup_error_detail(f->r), words));
}

static void
test_v1_ring_refuses_v2_chunks(void **state)
{
	struct bfx *f = *state;
	struct coffer_backup_progress pg;
	uint8_t a[16], b[16];

	two_versions(f, a, b, &pg);
	lacks_chunks(f, 1, 0, COFFER_ERR_KEY,
	    "version 2 of the backup set's key",
	    "version 2 of the backup set's key");
}

static void
test_v2_ring_refuses_v1_chunks(void **state)
{
	struct bfx *f = *state;
	struct coffer_backup_progress pg;
	uint8_t a[16], b[16];

	two_versions(f, a, b, &pg);
	lacks_chunks(f, 0, 1, COFFER_ERR_CORRUPT, "not authentic",
	    "version 1 of the backup set's key");
}

/* The ring's own rules at the API. */
static void
test_open_arguments(void **state)
{
	struct bfx *f = *state;
	struct coffer_backup_repo *r = NULL;
	const struct coffer_key *ring[2];

	bfx_roll(f);
	coffer_backup_close(&f->r);
	ring[0] = f->keys[0];
	ring[1] = f->keys[0];
	assert_int_equal(coffer_backup_open(&r, &f->ts.out, ring, 2,
	    f->cache), COFFER_ERR_INVALID);
	assert_null(r);
	assert_int_equal(coffer_backup_open(&r, &f->ts.out, ring, 0,
	    f->cache), COFFER_ERR_INVALID);
	assert_int_equal(coffer_backup_open(&r, &f->ts.out, NULL, 1,
	    f->cache), COFFER_ERR_INVALID);
	assert_int_equal(coffer_backup_open(&r, &f->ts.out, ring,
	    (size_t)COFFER_BACKUP_KEYS_MAX + 1, f->cache), COFFER_ERR_INVALID);
	ring[1] = NULL;
	assert_int_equal(coffer_backup_open(&r, &f->ts.out, ring, 2,
	    f->cache), COFFER_ERR_INVALID);
	assert_null(r);
}

/* Does the server see a chunk start at s? With 10 bytes as the versions
 * of format 2 before they were masked (format, flags, then two small
 * versions, the id version not newer), or only the 2 bytes it can still
 * test now. */
static int
looks_v2_plain(const uint8_t *s)
{
	uint32_t k = (uint32_t)s[2] << 24 | (uint32_t)s[3] << 16 |
	    (uint32_t)s[4] << 8 | s[5];
	uint32_t i = (uint32_t)s[6] << 24 | (uint32_t)s[7] << 16 |
	    (uint32_t)s[8] << 8 | s[9];

	return s[0] == BK_FORMAT && s[1] <= BK_FLAG_ZSTD && k >= 1 &&
	    k <= 255 && i >= 1 && i <= k;
}

static int
looks_2(const uint8_t *s)
{
	return s[0] == BK_FORMAT && s[1] <= BK_FLAG_ZSTD;
}

/* A 4 MiB pack's chunk area of random data (sealed like the engine's:
 * ciphertext looks random whatever the content), scanned at every offset
 * as the server can: how many places look like a chunk start, with the
 * versions masked, and with the same chunks rewritten in the unmasked
 * layout they had before (format | flags | key version | id version |
 * nonce: the same 34 bytes). The masked bytes are not the versions. */
static void
test_chunk_starts(void **state)
{
	struct bfx *f = *state;
	struct bk_keyring *kr;
	struct bk_zctx *z = NULL;
	const size_t cap = (size_t)4 * 1024 * 1024;
	uint8_t *pack, *plain, *p, id[BK_ID];
	size_t len = 0, n, slen, j, nchunks = 0, at;
	size_t starts[128];
	unsigned m2 = 0, m10 = 0, hit2 = 0, p2 = 0, p10 = 0, phit10 = 0;

	while (f->nkeys < 2)
		bfx_roll(f);
	kr = ring_of(f, 0, 2);
	assert_non_null(pack = malloc(cap));
	assert_non_null(plain = malloc(cap));
	assert_non_null(p = malloc(128 * 1024));
	assert_int_equal(bk_zctx_new(&z, 1), 0);
	memset(id, 0x5a, sizeof(id));
	for (;;) {
		/* The engine's chunks: 64 KiB on average, 16 to 128 KiB. */
		n = 16 * 1024 + randombytes_uniform(112 * 1024);
		if (len + bk_chunk_bound(n) > cap ||
		    nchunks == sizeof(starts) / sizeof(starts[0]))
			break;
		randombytes_buf(p, n);
		assert_int_equal(bk_chunk_seal(z, kr, id, BK_DATA, p, n,
		    pack + len, &slen), 0);
		/* Masked: the 8 bytes are not key version 2, id version 1. */
		assert_false(memcmp(pack + len + BK_CHUNK_VERS,
		    "\0\0\0\2\0\0\0\1", BK_CHUNK_MASK) == 0);
		starts[nchunks++] = len;
		len += slen;
	}
	randombytes_buf(pack + len, cap - len);	/* the rest: random too */
	memcpy(plain, pack, cap);
	for (j = 0; j < nchunks; j++) {
		at = starts[j];
		plain[at + 2] = plain[at + 3] = plain[at + 4] = 0;
		plain[at + 5] = 2;
		plain[at + 6] = plain[at + 7] = plain[at + 8] = 0;
		plain[at + 9] = 1;
		memcpy(plain + at + 10, pack + at + BK_CHUNK_NONCE, BK_NONCE);
	}
	for (at = 0, j = 0; at + 10 <= cap; at++) {
		int start = j < nchunks && starts[j] == at;

		m2 += looks_2(pack + at);
		m10 += looks_v2_plain(pack + at);
		hit2 += start && looks_2(pack + at);
		p2 += looks_2(plain + at);
		p10 += looks_v2_plain(plain + at);
		phit10 += start && looks_v2_plain(plain + at);
		j += start;
	}
	print_message("# %zu chunks in %zu bytes: masked, %u places match "
	    "the 2 bytes (%u chunk starts), %u the 10; unmasked, %u match "
	    "the 10 (%u chunk starts), %u the 2\n", nchunks, cap, m2, hit2,
	    m10, p10, phit10, p2);
	/* Before: every chunk start, and (almost) nothing else. */
	assert_int_equal(phit10, nchunks);
	assert_true(p10 < nchunks + 4);
	/* Now: the 10 bytes find nothing; the 2 bytes find every start
	 * among about 4 MiB * 2 / 65,536 = 128 random places. */
	assert_true(m10 < 4);
	assert_int_equal(hit2, nchunks);
	assert_true(m2 > nchunks + 32);
	bk_zctx_free(&z);
	bk_keyring_free(&kr);
	free(pack);
	free(plain);
	free(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_roll,
		    bfx_setup, bfx_teardown),
		cmocka_unit_test_setup_teardown(test_ring_lacks_version,
		    bfx_setup, bfx_teardown),
		cmocka_unit_test_setup_teardown(test_v1_ring_refuses_v2_chunks,
		    bfx_setup, bfx_teardown),
		cmocka_unit_test_setup_teardown(test_v2_ring_refuses_v1_chunks,
		    bfx_setup, bfx_teardown),
		cmocka_unit_test_setup_teardown(test_open_arguments,
		    bfx_setup, bfx_teardown),
		cmocka_unit_test_setup_teardown(test_chunk_starts,
		    bfx_setup, bfx_teardown),
	};

	return cmocka_run_group_tests_name("backup_keyring", tests, NULL,
	    NULL);
}

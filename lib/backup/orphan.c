/* Orphans (orphan.h; docs/PROTOCOL-backup.md, "Orphans"): one listing of
 * the store's blobs, in id order, against the segments the INDEX refs
 * name, the packs those segments name and this device's journal.
 *
 * The server's times are not trusted, so a blob's age is what this
 * device saw: the cache file orphans.lst keeps, for each orphan a prune
 * run found, when (this device's clock) it was first seen:
 *   "CFBKORP1" | n x (id (32) | first seen, ns (u64 big-endian)) */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <coffer/err.h>

#include "backup/orphan.h"
#include "core/file.h"
#include "core/sysendian.h"

#define OLIST		"orphans.lst"
#define OLIST_TMP	"orphans.lst.new"
#define OMAGIC		"CFBKORP1"
#define OREC		(BK_ID + 8)
#define ORPHANS_MAX	((size_t)1 << 20)	/* tracked at once */
#define GRACE_DEFAULT	(24 * 3600)
#define GRACE_MAX	((int64_t)100 * 366 * 24 * 3600)	/* x 1e9 fits */

struct orph {
	uint8_t		id[BK_ID];
	uint64_t	size;
	int64_t		seen;		/* first seen, ns; 0: now */
};

struct olist {
	const struct bk_keyring		*kr;
	const struct orphan_known	*k;
	uint8_t				(*jn)[BK_ID];
	size_t				 njn, jcap;
	struct orph			*v;
	size_t				 n, cap;
	uint64_t			 foreign;	/* untagged, unnamed */
	uint64_t			 total;
};

/* bsearch, which must not be given a NULL array even when empty. */
static void *
find(const void *key, const void *base, size_t n, size_t size)
{
	return n == 0 ? NULL : bsearch(key, base, n, size, maint_id_cmp);
}

static int
known(const struct olist *o, const uint8_t id[BK_ID])
{
	const struct orphan_known *k = o->k;

	return find(id, k->refs->segs, k->refs->nsegs, BK_ID) != NULL ||
	    find(id, k->packs, k->npacks, k->stride) != NULL ||
	    find(id, o->jn, o->njn, BK_ID) != NULL;
}

static int
list_one(void *arg, const uint8_t id[BK_ID], uint64_t size)
{
	struct olist *o = arg;

	o->total++;
	if (known(o, id))
		return 0;
	if (!bk_blob_ours(o->kr, id)) {
		o->foreign++;
		return 0;
	}
	if (o->n == ORPHANS_MAX)
		return 0;	/* the rest wait for the next run */
	if (maint_grow(&o->v, &o->cap, o->n, sizeof(*o->v)) != 0)
		return COFFER_ERR_NOMEM;
	memcpy(o->v[o->n].id, id, BK_ID);
	o->v[o->n].size = size;
	o->v[o->n++].seen = 0;
	return 0;
}

static int
jn_one(void *arg, const struct bk_seg_pack *p)
{
	struct olist *o = arg;

	if (maint_grow(&o->jn, &o->jcap, o->njn, BK_ID) != 0)
		return COFFER_ERR_NOMEM;
	memcpy(o->jn[o->njn++], p->id, BK_ID);
	return 0;
}

/* List the orphans (sorted: the store lists in id order). */
static int
collect(struct coffer_backup_repo *r, const struct orphan_known *k,
    struct olist *o)
{
	int rc;

	memset(o, 0, sizeof(*o));
	o->kr = r->kr;
	o->k = k;
	if ((rc = journal_read(r->jn, jn_one, o)) != 0)
		return rc;
	if (o->njn > 0)
		qsort(o->jn, o->njn, BK_ID, maint_id_cmp);
	if ((rc = r->store.ops->list(r->store.ctx, list_one, o)) != 0 &&
	    rc != COFFER_ERR_NOMEM)
		rc = repo_store_fail(r, rc, "listing the blobs", NULL, 0);
	return rc;
}

static void
olist_free(struct olist *o)
{
	free(o->jn);
	free(o->v);
	memset(o, 0, sizeof(*o));
}

int
orphan_report(struct coffer_backup_repo *r, struct maint_report *m,
    const struct orphan_known *k)
{
	struct olist o;
	char hex[2 * BK_ID + 1];
	size_t i;
	int rc;

	if (r->store.ops->list == NULL)
		return 0;
	if ((rc = collect(r, k, &o)) != 0)
		goto out;
	for (i = 0; i < o.n; i++) {
		repo_hex(hex, o.v[i].id, BK_ID);
		(void)maint_find(r, m, COFFER_CHECK_INFO, 0, "blob %s (%llu "
		    "bytes) is this set's but no index names it (left by an "
		    "interrupted backup or prune): prune removes it",
		    hex, (unsigned long long)o.v[i].size);
	}
	if (o.foreign > 0)
		(void)maint_find(r, m, COFFER_CHECK_INFO, 0, "%llu of the "
		    "store's %llu blobs are not named by this set's index and "
		    "carry no tag of this set (another set's, or this set's "
		    "from before tagged ids): left alone",
		    (unsigned long long)o.foreign,
		    (unsigned long long)o.total);
out:
	olist_free(&o);
	return rc;
}

/* Fill each orphan's first sighting from orphans.lst (both sorted). */
static int
record_read(struct coffer_backup_repo *r, struct olist *o)
{
	uint8_t rec[OREC], magic[sizeof(OMAGIC) - 1];
	struct orph key, *q;
	ssize_t got;
	int fd, rc = 0;

	if ((fd = openat(r->cachefd, OLIST, O_RDONLY | O_CLOEXEC)) < 0)
		return errno == ENOENT ? 0 : COFFER_ERR_IO;
	/* A damaged record only restarts the grace period. */
	if (read(fd, magic, sizeof(magic)) != (ssize_t)sizeof(magic) ||
	    memcmp(magic, OMAGIC, sizeof(magic)) != 0)
		goto out;
	while ((got = read(fd, rec, sizeof(rec))) == (ssize_t)sizeof(rec)) {
		memcpy(key.id, rec, BK_ID);
		q = find(&key, o->v, o->n, sizeof(*o->v));
		if (q != NULL)
			q->seen = (int64_t)be64dec(rec + BK_ID);
	}
	if (got < 0)
		rc = COFFER_ERR_IO;
out:
	close(fd);
	return rc;
}

/* Replace orphans.lst with the orphans still there. */
static int
record_write(struct coffer_backup_repo *r, const struct olist *o,
    const uint8_t *gone, int64_t now)
{
	uint8_t rec[OREC];
	size_t i;
	int fd, rc = COFFER_ERR_IO;

	if ((fd = openat(r->cachefd, OLIST_TMP, O_WRONLY | O_CREAT | O_TRUNC |
	    O_CLOEXEC, 0600)) < 0)
		return COFFER_ERR_IO;
	if (file_write_all(fd, OMAGIC, sizeof(OMAGIC) - 1) != 0)
		goto out;
	for (i = 0; i < o->n; i++) {
		if (gone[i])
			continue;
		memcpy(rec, o->v[i].id, BK_ID);
		be64enc(rec + BK_ID, (uint64_t)(o->v[i].seen ? o->v[i].seen :
		    now));
		if (file_write_all(fd, rec, sizeof(rec)) != 0)
			goto out;
	}
	if (file_sync(fd) != 0 ||
	    renameat(r->cachefd, OLIST_TMP, r->cachefd, OLIST) != 0)
		goto out;
	rc = 0;
out:
	close(fd);
	if (rc != 0)
		(void)unlinkat(r->cachefd, OLIST_TMP, 0);
	return rc;
}

int
orphan_prune(struct coffer_backup_repo *r, const struct orphan_known *k,
    struct lock *lk, const struct coffer_backup_prune_options *opt,
    struct coffer_backup_prune_stats *st)
{
	struct olist o;
	struct timespec ts;
	uint8_t *gone = NULL;
	int64_t now, grace;
	size_t i;
	int rc, dry = opt != NULL && opt->dry_run;

	if (r->store.ops->list == NULL)
		return 0;
	grace = opt == NULL || opt->orphan_grace_s == 0 ? GRACE_DEFAULT :
	    opt->orphan_grace_s < 0 ? 0 : opt->orphan_grace_s > GRACE_MAX ?
	    GRACE_MAX : opt->orphan_grace_s;
	(void)clock_gettime(CLOCK_REALTIME, &ts);
	now = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
	if ((rc = collect(r, k, &o)) != 0 || (rc = record_read(r, &o)) != 0)
		goto out;
	if ((gone = calloc(o.n + 1, 1)) == NULL) {
		rc = COFFER_ERR_NOMEM;
		goto out;
	}
	st->orphans += o.n;
	if ((rc = lock_check(r, lk)) != 0)
		goto out;
	for (i = 0; i < o.n; i++) {
		/* Seen by an earlier run, long enough ago; a first sighting
		 * "in the future" (this clock stepped back) waits. */
		if (o.v[i].seen <= 0 || o.v[i].seen > now ||
		    now - o.v[i].seen < grace * 1000000000)
			continue;
		st->orphans_deleted++;
		st->bytes_deleted += o.v[i].size;
		if (dry)
			continue;
		rc = r->store.ops->del(r->store.ctx, o.v[i].id);
		if (rc != 0 && rc != COFFER_ERR_NOTFOUND) {
			rc = repo_store_fail(r, rc, "deleting orphan blob",
			    o.v[i].id, BK_ID);
			goto out;
		}
		gone[i] = 1;
	}
	rc = dry ? 0 : record_write(r, &o, gone, now);
	if (rc == COFFER_ERR_IO)
		rc = repo_fail(r, rc, "cannot write the cache's %s", OLIST);
out:
	free(gone);
	olist_free(&o);
	return rc;
}

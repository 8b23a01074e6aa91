/* coffer_backup_create (docs/PROTOCOL-backup.md, "Pipeline"): start the
 * run's threads (the scanner, N workers, the uploader), collect on the
 * calling thread, then write the journal's packs into index segments,
 * the INDEX ref and the SNAPSHOT ref, clear the journal and commit the new
 * files cache. Queues are bounded: memory is a few packs and read buffers
 * per thread, not the data set. */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include <coffer/err.h>

#include "backup/lock.h"
#include "backup/run.h"

#define SEG_TARGET	65536

/* Index segments from the journal. */
struct segw {
	struct coffer_backup_repo	*r;
	struct bk_seg_pack		*p;
	size_t				 n, cap, entries;
	uint8_t				(*ids)[BK_ID];
	size_t				 nids;
};

static int
sp_cmp(const void *a, const void *b)
{
	return memcmp(((const struct bk_seg_pack *)a)->id,
	    ((const struct bk_seg_pack *)b)->id, BK_ID);
}

static int
id_cmp(const void *a, const void *b)
{
	return memcmp(a, b, BK_ID);
}

static void
segw_drop(struct segw *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		free(s->p[i].e);
	s->n = s->entries = 0;
}

static int
segw_flush(struct segw *s)
{
	uint8_t (*nv)[BK_ID];
	size_t i, j;
	int r;

	if (s->n == 0)
		return 0;
	qsort(s->p, s->n, sizeof(*s->p), sp_cmp);
	/* A pack journaled twice (a resumed run) is indexed once. */
	for (i = 1, j = 0; i < s->n; i++) {
		if (memcmp(s->p[i].id, s->p[j].id, BK_ID) == 0) {
			free(s->p[i].e);
			continue;
		}
		s->p[++j] = s->p[i];
	}
	s->n = j + 1;
	if ((nv = realloc(s->ids, (s->nids + 1) * BK_ID)) == NULL)
		return COFFER_ERR_NOMEM;
	s->ids = nv;
	if ((r = repo_put_seg(s->r, s->p, s->n, s->ids[s->nids], NULL)) != 0)
		return r;
	s->nids++;
	segw_drop(s);
	return 0;
}

static int
segw_pack(void *arg, const struct bk_seg_pack *p)
{
	struct segw *s = arg;
	struct bk_seg_pack *nv;
	int r;

	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 64;
		if ((nv = realloc(s->p, s->cap * sizeof(*nv))) == NULL)
			return COFFER_ERR_NOMEM;
		s->p = nv;
	}
	s->p[s->n] = *p;
	if ((s->p[s->n].e = malloc((p->n ? p->n : 1) * sizeof(*p->e))) == NULL)
		return COFFER_ERR_NOMEM;
	memcpy(s->p[s->n].e, p->e, p->n * sizeof(*p->e));
	s->n++;
	if ((s->entries += p->n) >= SEG_TARGET && (r = segw_flush(s)) != 0)
		return r;
	return 0;
}

static int
list_none(void *arg, const struct coffer_backup_snapshot *s)
{
	(void)arg;
	(void)s;
	return 0;
}

static int
finish_index(struct coffer_backup_repo *r)
{
	struct bk_ctr ctr;
	struct segw s;
	struct coffer_buf *b = NULL;
	uint8_t name[BK_NAME];
	size_t i;
	int rc;

	memset(&s, 0, sizeof(s));
	s.r = r;
	if ((rc = journal_read(r->jn, segw_pack, &s)) != 0 ||
	    (rc = segw_flush(&s)) != 0 || s.nids == 0)
		goto out;
	qsort(s.ids, s.nids, BK_ID, id_cmp);
	randombytes_buf(name, sizeof(name));
	if ((b = coffer_buf_new(COFFER_BSTORE_REF_MAX)) == NULL) {
		rc = COFFER_ERR_NOMEM;
		goto out;
	}
	/* The counter: one more than the highest this device has seen, the
	 * refs listed just now (after any prune that ran before). */
	if ((rc = coffer_backup_list(r, list_none, NULL)) != 0)
		goto out;
	memset(&ctr, 0, sizeof(ctr));
	ctr.version = BK_REF_V2;
	ctr.counter = r->seen.highest + 1;
	if ((rc = bk_indexref_encode(r->kr, name,
	    (const uint8_t (*)[BK_ID])s.ids, s.nids, &ctr, b)) != 0)
		goto out;
	if ((rc = r->store.ops->ref_put(r->store.ctx, name,
	    coffer_buf_data(b), coffer_buf_len(b))) != 0) {
		rc = repo_store_fail(r, rc, "storing index ref", name,
		    BK_NAME);
		goto out;
	}
	if ((rc = repo_note(r, NULL, ctr.counter, NULL, 0, 0)) != 0)
		goto out;
	for (i = 0; i < s.nids; i++)
		if ((rc = cidx_add_seg(r->idx, s.ids[i])) != 0)
			goto out;
out:
	segw_drop(&s);
	free(s.p);
	free(s.ids);
	coffer_buf_free(&b);
	return rc;
}

static int64_t
now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_REALTIME, &t);
	return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

/* The newest snapshot of the same host and paths: the new one's parent. */
struct parent_find {
	const char		*host;
	const char *const	*paths;
	size_t			 npaths;
	int			 found;
	uint8_t			 id[BK_NAME];
};

static int
parent_match(void *arg, const struct coffer_backup_snapshot *s)
{
	struct parent_find *pf = arg;
	size_t i;

	if (strcmp(s->host, pf->host) != 0 || s->npaths != pf->npaths)
		return 0;
	for (i = 0; i < s->npaths; i++)
		if (strcmp(s->paths[i], pf->paths[i]) != 0)
			return 0;
	pf->found = 1;		/* the list is oldest first: the last wins */
	memcpy(pf->id, s->id, BK_NAME);
	return 0;
}

static int
finish_snapshot(struct run *ru, const uint8_t root[BK_ID],
    const char *const *paths, int64_t start,
    const struct coffer_backup_progress *base, uint8_t id[BK_NAME])
{
	struct bk_snapshot s;
	struct coffer_buf *b;
	char host[256];
	int r;

	memset(&s, 0, sizeof(s));
	s.time_ns = start;
	s.end_ns = now_ns();
	if (ru->opt != NULL && ru->opt->host != NULL)
		s.host = (char *)(uintptr_t)ru->opt->host;
	else {
		if (gethostname(host, sizeof(host)) != 0)
			host[0] = '\0';
		host[sizeof(host) - 1] = '\0';
		s.host = host;
	}
	s.paths = (char **)(uintptr_t)paths;
	s.npaths = ru->ntop;
	memcpy(s.root, root, BK_ID);
	/* One listing of the refs. A parent is a hint: a repository whose
	 * refs do not list (a damaged one) gets a snapshot without. */
	{
		struct parent_find pf = { s.host, paths, s.npaths, 0, { 0 } };

		if (coffer_backup_list(ru->r, parent_match, &pf) == 0 &&
		    pf.found) {
			s.has_parent = 1;
			memcpy(s.parent, pf.id, BK_NAME);
		}
		repo_clear(ru->r);
	}
	s.files = ru->pg->files - base->files;
	s.dirs = ru->pg->dirs - base->dirs;
	s.bytes = ru->pg->bytes - base->bytes;
	s.bytes_new = ru->pg->bytes_new - base->bytes_new;
	s.bytes_stored = ru->pg->bytes_stored - base->bytes_stored;
	randombytes_buf(id, BK_NAME);
	s.version = BK_REF_V2;
	s.counter = ru->r->seen.highest + 1;	/* the listing above */
	if ((b = coffer_buf_new(COFFER_BSTORE_REF_MAX)) == NULL)
		return COFFER_ERR_NOMEM;
	if ((r = bk_snapshot_encode(ru->r->kr, id, &s, b)) == 0 &&
	    (r = ru->r->store.ops->ref_put(ru->r->store.ctx, id,
	    coffer_buf_data(b), coffer_buf_len(b))) != 0)
		r = repo_store_fail(ru->r, r, "storing snapshot", id, BK_NAME);
	if (r == 0)
		r = repo_note(ru->r, id, s.counter, NULL, 0, 0);
	coffer_buf_free(&b);
	return r;
}

int
coffer_backup_create(struct coffer_backup_repo *r, const char *const *paths,
    size_t npaths, const struct coffer_backup_options *opt,
    uint8_t id[COFFER_SNAPSHOT_ID_BYTES])
{
	struct run ru;
	struct lock *lk = NULL;
	struct coll c;
	struct coffer_backup_progress base;
	pthread_t scan, up, *wk = NULL;
	unsigned nw, i, started = 0;
	int rc, scan_on = 0, up_on = 0;
	uint8_t root[BK_ID];
	int64_t start = now_ns();
	long cpus;

	if (r == NULL || paths == NULL || npaths == 0 || id == NULL)
		return COFFER_ERR_INVALID;
	repo_clear(r);
	memset(&c, 0, sizeof(c));
	if ((rc = run_init(&ru, r, paths, npaths, opt)) != 0)
		goto out;
	/* Shared, then the local index brought up to the refs as they are
	 * under the lock: a prune that ran since the handle opened may have
	 * deleted packs the index still names, and dedup must not reuse
	 * them. */
	if ((rc = lock_take(r, BK_LOCK_SHARED, &lk)) != 0 ||
	    (!r->lk.disabled && (rc = repo_sync(r)) != 0) ||
	    (r->need_sync && (rc = repo_sync(r)) != 0))
		goto out;
	base = *ru.pg;
	if ((rc = collect_init(&c, &ru)) != 0)
		goto out;
	cpus = sysconf(_SC_NPROCESSORS_ONLN);
	nw = opt != NULL && opt->threads > 0 ? opt->threads :
	    cpus > 0 ? (unsigned)cpus : 1;
	if ((wk = calloc(nw, sizeof(*wk))) == NULL) {
		rc = COFFER_ERR_NOMEM;
		goto out;
	}
	ru.workers_live = nw;
	for (i = 0; i < nw; i++, started++)
		if (pthread_create(&wk[i], NULL, worker_main, &ru) != 0)
			break;
	ru.workers_live = started;
	if (started == 0 || pthread_create(&up, NULL, upload_main, &ru) != 0) {
		run_fail(&ru, COFFER_ERR_NOMEM);
	} else {
		up_on = 1;
		if (pthread_create(&scan, NULL, scan_main, &ru) != 0)
			run_fail(&ru, COFFER_ERR_NOMEM);
		else
			scan_on = 1;
	}
	if (scan_on)
		rc = collect_loop(&c);
	if (rc == 0)
		rc = collect_root(&c, root);
	if (rc != 0)
		run_fail(&ru, rc);
	if (scan_on)
		pthread_join(scan, NULL);
	for (i = 0; i < started; i++)
		pthread_join(wk[i], NULL);
	pthread_mutex_lock(&ru.lock);
	ru.up_done = 1;
	pthread_cond_signal(&ru.c_up);
	pthread_mutex_unlock(&ru.lock);
	if (up_on)
		pthread_join(up, NULL);
	if ((rc = ru.err) != 0) {
		if (rc == COFFER_ERR_CANCELLED)
			repo_fail(r, rc, "cancelled");
		else if (!r->failed)
			repo_fail(r, rc, "backup failed: %s",
			    coffer_strerror(rc));
		goto out;
	}
	collect_progress(&c, 1);
	if ((rc = lock_check(r, lk)) != 0 ||
	    (rc = finish_index(r)) != 0 ||
	    (rc = finish_snapshot(&ru, root, paths, start, &base, id)) != 0)
		goto out;
	if ((rc = journal_clear(r->jn)) != 0 ||
	    (rc = collect_commit(&c)) != 0)
		goto out;
out:
	lock_drop(&lk);
	if (rc != 0)
		r->need_sync = 1;
	collect_clear(&c);
	free(wk);
	run_cleanup(&ru);
	return rc;
}

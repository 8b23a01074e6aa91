/* coffer_backup_create: start the run's threads, collect the events in
 * order into trees and the files cache, then write the index segments,
 * the INDEX ref and the SNAPSHOT ref (docs/PROTOCOL-backup.md,
 * "Pipeline"). */
#include <errno.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include <coffer/err.h>

#include "backup/run.h"

#define PACK_DEFAULT	((size_t)4 * 1024 * 1024)
#define LEVEL_DEFAULT	1
#define RING		4096
#define SEG_TARGET	65536

/* A tree being built: one per open folder, the root at the bottom. */
struct tb {
	struct coffer_buf	*b;
	uint32_t		 count;
	uint8_t			 last[BK_NAME_MAX];
	size_t			 last_len;
	struct ev		*dir;
};

struct coll {
	struct run		*ru;
	struct writer		 w;
	struct tb		*st;
	size_t			 depth, cap;
	struct fcache_w		*fc;
	struct timespec		 last_cb;
};

static int
tb_push(struct coll *c, struct ev *dir)
{
	struct tb *nv;
	int r;

	if (c->depth == c->cap) {
		c->cap = c->cap ? 2 * c->cap : 16;
		if ((nv = realloc(c->st, c->cap * sizeof(*nv))) == NULL)
			return COFFER_ERR_NOMEM;
		c->st = nv;
	}
	memset(&c->st[c->depth], 0, sizeof(c->st[0]));
	if ((c->st[c->depth].b = coffer_buf_new(BK_CHUNK_MAX)) == NULL)
		return COFFER_ERR_NOMEM;
	c->st[c->depth].dir = dir;
	c->depth++;
	if ((r = bk_tree_begin(c->st[c->depth - 1].b)) != 0)
		return r;
	return 0;
}

static int
tb_add(struct tb *t, const struct bk_node *n)
{
	int r;

	if ((r = bk_tree_add(t->b, n, t->count ? t->last : NULL,
	    t->last_len)) != 0)
		return r;
	memcpy(t->last, n->name, n->name_len);
	t->last_len = n->name_len;
	t->count++;
	return 0;
}

/* Close the top tree, store it, and give its id. */
static int
tb_pop(struct coll *c, uint8_t id[BK_ID], struct ev **dir)
{
	struct tb *t = &c->st[c->depth - 1];
	int r;

	if ((r = bk_tree_end(t->b, t->count)) == 0)
		r = writer_chunk(c->ru, &c->w, BK_TREE, coffer_buf_data(t->b),
		    coffer_buf_len(t->b), id);
	coffer_buf_free(&t->b);
	*dir = t->dir;
	c->depth--;
	return r;
}

static int
coll_event(struct coll *c, struct ev *e)
{
	struct fc_rec rec;
	uint8_t id[BK_ID];
	struct ev *dir = NULL;
	int r = 0;

	switch (e->kind) {
	case EV_DIR_BEGIN:
		return tb_push(c, e);		/* e is kept in the stack */
	case EV_DIR_END:
		if (c->depth < 2)
			return COFFER_ERR_INTERNAL;
		if ((r = tb_pop(c, id, &dir)) == 0) {
			dir->node.subtree = id;
			r = tb_add(&c->st[c->depth - 1], &dir->node);
		}
		ev_free(dir);
		break;
	default:
		if (e->skip)
			break;
		if (e->node.type == BK_FILE) {
			e->node.chunks = e->chunks;
			e->node.nchunks = e->nchunks;
			memset(&rec, 0, sizeof(rec));
			rec.path = (const uint8_t *)e->spath;
			rec.path_len = e->spath_len;
			rec.dev = e->dev;
			rec.ino = e->ino;
			rec.size = e->node.size;
			rec.mtime_ns = e->node.mtime_ns;
			rec.ctime_ns = e->node.ctime_ns;
			rec.chunks = e->chunks;
			rec.nchunks = e->nchunks;
			if ((r = fcache_w_add(c->fc, &rec)) != 0)
				break;
		}
		r = tb_add(&c->st[c->depth - 1], &e->node);
		break;
	}
	ev_free(e);
	return r;
}

static void
coll_progress(struct coll *c, int force)
{
	struct timespec now;
	struct coffer_backup_progress *pg = c->ru->pg;

	if (pg->fn == NULL)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (!force && (now.tv_sec - c->last_cb.tv_sec) * 1000000000L +
	    (now.tv_nsec - c->last_cb.tv_nsec) < 100000000L)
		return;
	c->last_cb = now;
	pg->fn(pg->arg, pg);
}

/* Take events in order as they finish. */
static int
coll_loop(struct coll *c)
{
	struct run *ru = c->ru;
	struct ev *e;
	int r;

	for (;;) {
		pthread_mutex_lock(&ru->lock);
		while (ru->err == 0 && !(ru->count > 0 &&
		    ru->ring[ru->head]->done) && !(ru->scan_done &&
		    ru->count == 0))
			pthread_cond_wait(&ru->c_head, &ru->lock);
		if ((r = ru->err) != 0 || ru->count == 0) {
			pthread_mutex_unlock(&ru->lock);
			return r;
		}
		e = ru->ring[ru->head];
		ru->head = (ru->head + 1) % ru->ring_cap;
		/* A full ring wakes the scanner when a quarter is free, not
		 * at each event. */
		if (ru->count-- == ru->ring_cap - ru->ring_cap / 4)
			pthread_cond_signal(&ru->c_room);
		pthread_mutex_unlock(&ru->lock);
		if ((r = coll_event(c, e)) != 0)
			return run_fail(ru, r);
		if (ru->pg->cancel)
			return run_fail(ru, COFFER_ERR_CANCELLED);
		coll_progress(c, 0);
	}
}

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
	struct coffer_bstore_xfer x;
	struct coffer_buf *b = NULL;
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
	memset(&x, 0, sizeof(x));
	randombytes_buf(x.id, BK_ID);
	if ((b = coffer_buf_new(COFFER_BSTORE_BLOB_MAX)) == NULL)
		return COFFER_ERR_NOMEM;
	if ((r = bk_seg_encode(s->r->k, x.id, s->p, s->n, b)) != 0)
		goto out;
	x.data = coffer_buf_data(b);
	x.len = coffer_buf_len(b);
	if ((r = s->r->store.ops->put_many(s->r->store.ctx, &x, 1)) != 0) {
		r = repo_store_fail(s->r, r, "storing index segment", x.id,
		    BK_ID);
		goto out;
	}
	memcpy(s->ids[s->nids++], x.id, BK_ID);
	segw_drop(s);
out:
	coffer_buf_free(&b);
	return r;
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
finish_index(struct coffer_backup_repo *r)
{
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
	if ((rc = bk_indexref_encode(r->k, name,
	    (const uint8_t (*)[BK_ID])s.ids, s.nids, b)) != 0)
		goto out;
	if ((rc = r->store.ops->ref_put(r->store.ctx, name,
	    coffer_buf_data(b), coffer_buf_len(b))) != 0) {
		rc = repo_store_fail(r, rc, "storing index ref", name,
		    BK_NAME);
		goto out;
	}
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
	if ((b = coffer_buf_new(COFFER_BSTORE_REF_MAX)) == NULL)
		return COFFER_ERR_NOMEM;
	if ((r = bk_snapshot_encode(ru->r->k, id, &s, b)) == 0 &&
	    (r = ru->r->store.ops->ref_put(ru->r->store.ctx, id,
	    coffer_buf_data(b), coffer_buf_len(b))) != 0)
		r = repo_store_fail(ru->r, r, "storing snapshot", id, BK_NAME);
	coffer_buf_free(&b);
	return r;
}

/* Top-level names: last components, sorted, distinct. */
static int
run_tops(struct run *ru, const char *const *paths, size_t n)
{
	size_t i, j, len;
	char *p, *t;

	if ((ru->top_path = calloc(n, sizeof(char *))) == NULL ||
	    (ru->top_name = calloc(n, sizeof(char *))) == NULL)
		return COFFER_ERR_NOMEM;
	for (i = 0; i < n; i++) {
		if ((p = strdup(paths[i])) == NULL)
			return COFFER_ERR_NOMEM;
		for (len = strlen(p); len > 1 && p[len - 1] == '/'; len--)
			p[len - 1] = '\0';
		t = strrchr(p, '/');
		t = t != NULL ? t + 1 : p;
		if (*t == '\0' || strcmp(t, ".") == 0 || strcmp(t, "..") == 0) {
			free(p);
			return repo_fail(ru->r, COFFER_ERR_INVALID,
			    "%s has no last component to name it by",
			    paths[i]);
		}
		ru->ntop = i + 1;
		ru->top_path[i] = p;
		if ((ru->top_name[i] = strdup(t)) == NULL)
			return COFFER_ERR_NOMEM;
		if (access(p, F_OK) != 0)
			return repo_fail(ru->r, COFFER_ERR_NOTFOUND, "%s: %s",
			    paths[i], strerror(errno));
		for (j = i; j > 0 && strcmp(ru->top_name[j - 1],
		    ru->top_name[j]) > 0; j--) {
			t = ru->top_name[j];
			ru->top_name[j] = ru->top_name[j - 1];
			ru->top_name[j - 1] = t;
			t = ru->top_path[j];
			ru->top_path[j] = ru->top_path[j - 1];
			ru->top_path[j - 1] = t;
		}
	}
	for (i = 1; i < n; i++)
		if (strcmp(ru->top_name[i - 1], ru->top_name[i]) == 0)
			return repo_fail(ru->r, COFFER_ERR_INVALID,
			    "two paths end in %s", ru->top_name[i]);
	return 0;
}

static void
run_free(struct run *ru)
{
	struct hl *h;
	size_t i;

	while (ru->count > 0) {
		ev_free(ru->ring[ru->head]);
		ru->head = (ru->head + 1) % ru->ring_cap;
		ru->count--;
	}
	free(ru->ring);
	upload_drain(ru);
	for (i = 0; i < ru->ntop; i++) {
		free(ru->top_path[i]);
		free(ru->top_name[i]);
	}
	free(ru->top_path);
	free(ru->top_name);
	for (i = 0; i < ru->hl_cap; i++)
		while ((h = ru->hl[i]) != NULL) {
			ru->hl[i] = h->next;
			free(h->spath);
			free(h);
		}
	free(ru->hl);
	fcache_r_close(&ru->fc_old);
	run_cond_destroy(ru);
}

static int
run_setup(struct run *ru, struct coffer_backup_repo *r,
    const struct coffer_backup_options *opt)
{
	static const struct coffer_cdc_params cdc = {
		COFFER_CDC_MIN_DEFAULT, COFFER_CDC_AVG_DEFAULT,
		COFFER_CDC_MAX_DEFAULT
	};

	memset(ru, 0, sizeof(*ru));
	run_cond_init(ru);
	ru->r = r;
	ru->opt = opt;
	ru->pg = opt != NULL && opt->progress != NULL ? opt->progress :
	    &ru->pg_none;
	ru->cdc = opt != NULL && opt->cdc != NULL ? *opt->cdc : cdc;
	ru->pack_size = opt != NULL && opt->pack_size > 0 ? opt->pack_size :
	    PACK_DEFAULT;
	ru->level = opt != NULL && opt->zstd_level != 0 ? opt->zstd_level :
	    LEVEL_DEFAULT;
	ru->ring_cap = RING;
	ru->up_max = UP_MAX;
	if (!coffer_cdc_params_valid(&ru->cdc) ||
	    ru->pack_size > COFFER_BSTORE_BLOB_MAX / 2 ||
	    ru->cdc.max > BK_CHUNK_MAX)
		return COFFER_ERR_INVALID;
	if ((ru->ring = calloc(RING, sizeof(*ru->ring))) == NULL)
		return COFFER_ERR_NOMEM;
	return fcache_r_open(&ru->fc_old, r->cachefd);
}

int
coffer_backup_create(struct coffer_backup_repo *r, const char *const *paths,
    size_t npaths, const struct coffer_backup_options *opt,
    uint8_t id[COFFER_SNAPSHOT_ID_BYTES])
{
	struct run ru;
	struct coll c;
	struct coffer_backup_progress base;
	pthread_t scan, up, *wk = NULL;
	unsigned nw, i, started = 0;
	int rc, scan_on = 0, up_on = 0;
	uint8_t root[BK_ID];
	struct ev *dir = NULL;
	int64_t start = now_ns();
	long cpus;

	if (r == NULL || paths == NULL || npaths == 0 || id == NULL)
		return COFFER_ERR_INVALID;
	repo_clear(r);
	memset(&c, 0, sizeof(c));
	if ((rc = run_setup(&ru, r, opt)) != 0 ||
	    (rc = run_tops(&ru, paths, npaths)) != 0)
		goto out;
	if (r->need_sync && (rc = repo_sync(r)) != 0)
		goto out;
	base = *ru.pg;
	c.ru = &ru;
	if ((rc = writer_init(&ru, &c.w)) != 0 ||
	    (rc = fcache_w_open(&c.fc, r->cachefd)) != 0 ||
	    (rc = tb_push(&c, NULL)) != 0)
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
		rc = coll_loop(&c);
	if (rc == 0 && (rc = tb_pop(&c, root, &dir)) == 0)
		rc = pack_flush(&ru, &c.w.pack);
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
	coll_progress(&c, 1);
	if ((rc = finish_index(r)) != 0 ||
	    (rc = finish_snapshot(&ru, root, paths, start, &base, id)) != 0)
		goto out;
	if ((rc = journal_clear(r->jn)) != 0 ||
	    (rc = fcache_w_close(&c.fc, 1)) != 0)
		goto out;
out:
	if (rc != 0)
		r->need_sync = 1;
	fcache_w_close(&c.fc, 0);
	while (c.depth > 0) {
		coffer_buf_free(&c.st[c.depth - 1].b);
		ev_free(c.st[c.depth - 1].dir);
		c.depth--;
	}
	free(c.st);
	writer_clear(&c.w);
	free(wk);
	run_free(&ru);
	return rc;
}

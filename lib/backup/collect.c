/* The collector of a backup run, on the calling thread: it takes the
 * events in traversal order as they finish, builds one tree per folder
 * (stored through its own writer when the folder ends, its id then
 * entered in the parent's tree) and writes each regular file's record to
 * the new files cache. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <coffer/err.h>

#include "backup/run.h"

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
		run_ev_free(dir);
		break;
	default:
		if (e->skip)
			break;
		if (e->node.type == BK_FILE) {
			e->node.chunks = e->chunks;
			e->node.nchunks = e->nchunks;
			e->node.sparse = e->sparse;
			e->node.extents = e->extents;
			e->node.nextents = e->nextents;
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
			rec.sparse = e->sparse;
			rec.extents = e->extents;
			rec.nextents = e->nextents;
			if ((r = fcache_w_add(c->fc, &rec)) != 0)
				break;
		}
		r = tb_add(&c->st[c->depth - 1], &e->node);
		break;
	}
	run_ev_free(e);
	return r;
}

void
collect_progress(struct coll *c, int force)
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
int
collect_loop(struct coll *c)
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
		collect_progress(c, 0);
	}
}

int
collect_init(struct coll *c, struct run *ru)
{
	int r;

	c->ru = ru;
	if ((r = writer_init(ru, &c->w)) != 0 ||
	    (r = fcache_w_open(&c->fc, ru->r->cachefd)) != 0)
		return r;
	return tb_push(c, NULL);
}

int
collect_root(struct coll *c, uint8_t root[BK_ID])
{
	struct ev *dir = NULL;	/* the root has no folder event */
	int r;

	if ((r = tb_pop(c, root, &dir)) != 0)
		return r;
	return writer_flush(c->ru, &c->w);
}

int
collect_commit(struct coll *c)
{
	return fcache_w_close(&c->fc, 1);
}

void
collect_clear(struct coll *c)
{
	fcache_w_close(&c->fc, 0);
	while (c->depth > 0) {
		coffer_buf_free(&c->st[c->depth - 1].b);
		run_ev_free(c->st[c->depth - 1].dir);
		c->depth--;
	}
	free(c->st);
	c->st = NULL;
	c->cap = 0;
	writer_clear(&c->w);
}

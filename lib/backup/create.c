/* A backup run (docs/PROTOCOL-backup.md, "Pipeline"): the scanner thread
 * pushes events in traversal order; N workers read, chunk, identify,
 * deduplicate, compress, encrypt and pack the files that changed; the
 * uploader stores full packs several at a time and journals each; the
 * calling thread collects events in order, builds one tree per folder as
 * its contents finish, writes the new files cache and, at the end, the
 * index segments, the INDEX ref and the SNAPSHOT ref. Queues are bounded:
 * memory is a few packs and read buffers per thread, not the data set. */
#define _GNU_SOURCE	/* O_NOATIME */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include <coffer/err.h>

#include "backup/run.h"

#define READ_BLOCK	((size_t)1024 * 1024)

void
run_cond_init(struct run *ru)
{
	pthread_mutex_init(&ru->lock, NULL);
	pthread_cond_init(&ru->c_jobs, NULL);
	pthread_cond_init(&ru->c_head, NULL);
	pthread_cond_init(&ru->c_room, NULL);
	pthread_cond_init(&ru->c_up, NULL);
	pthread_cond_init(&ru->c_uproom, NULL);
}

void
run_cond_destroy(struct run *ru)
{
	pthread_mutex_destroy(&ru->lock);
	pthread_cond_destroy(&ru->c_jobs);
	pthread_cond_destroy(&ru->c_head);
	pthread_cond_destroy(&ru->c_room);
	pthread_cond_destroy(&ru->c_up);
	pthread_cond_destroy(&ru->c_uproom);
}

int
run_fail(struct run *ru, int err)
{
	pthread_mutex_lock(&ru->lock);
	if (ru->err == 0)
		ru->err = err;
	/* An error stops every thread. */
	pthread_cond_broadcast(&ru->c_jobs);
	pthread_cond_broadcast(&ru->c_head);
	pthread_cond_broadcast(&ru->c_room);
	pthread_cond_broadcast(&ru->c_up);
	pthread_cond_broadcast(&ru->c_uproom);
	pthread_mutex_unlock(&ru->lock);
	return err;
}

int
run_push(struct run *ru, struct ev *e)
{
	int r;

	pthread_mutex_lock(&ru->lock);
	while (ru->count == ru->ring_cap && ru->err == 0)
		pthread_cond_wait(&ru->c_room, &ru->lock);
	if ((r = ru->err) == 0) {
		ru->ring[(ru->head + ru->count) % ru->ring_cap] = e;
		/* The collector waits on an empty ring or an unfinished
		 * head only. */
		if (ru->count++ == 0)
			pthread_cond_signal(&ru->c_head);
		if (e->need_read) {
			if (ru->jobs_tail != NULL)
				ru->jobs_tail->next = e;
			else
				ru->jobs = e;
			ru->jobs_tail = e;
			pthread_cond_signal(&ru->c_jobs);
		}
	}
	pthread_mutex_unlock(&ru->lock);
	if (r != 0)
		ev_free(e);
	return r;
}

static void
pack_free(struct pack *p)
{
	if (p == NULL)
		return;
	free(p->data);
	free(p->e);
	free(p);
}

static int
pack_new(struct run *ru, struct pack **out)
{
	struct pack *p;
	int r;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return COFFER_ERR_NOMEM;
	p->cap = ru->pack_size + bk_chunk_bound(ru->cdc.max);
	p->ecap = 256;
	if ((p->data = malloc(p->cap)) == NULL ||
	    (p->e = malloc(p->ecap * sizeof(*p->e))) == NULL) {
		pack_free(p);
		return COFFER_ERR_NOMEM;
	}
	randombytes_buf(p->id, BK_ID);
	if ((r = cidx_pack(ru->r->idx, p->id, &p->no)) != 0) {
		pack_free(p);
		return r;
	}
	*out = p;
	return 0;
}

/* Close a pack (header, padding) and queue it for the uploader. */
int
pack_flush(struct run *ru, struct pack **pp)
{
	struct pack *p = *pp;
	struct coffer_buf *t;
	uint8_t *nd;
	int r;

	*pp = NULL;
	if (p == NULL)
		return 0;
	if (p->n == 0) {
		pack_free(p);
		return 0;
	}
	if ((t = coffer_buf_new(COFFER_BSTORE_BLOB_MAX)) == NULL) {
		pack_free(p);
		return COFFER_ERR_NOMEM;
	}
	if ((r = bk_pack_trailer(ru->r->k, p->id, p->e, p->n, p->len, t)) != 0)
		goto fail;
	if (p->len + coffer_buf_len(t) > p->cap) {
		if ((nd = realloc(p->data, p->len + coffer_buf_len(t))) == NULL) {
			r = COFFER_ERR_NOMEM;
			goto fail;
		}
		p->data = nd;
		p->cap = p->len + coffer_buf_len(t);
	}
	memcpy(p->data + p->len, coffer_buf_data(t), coffer_buf_len(t));
	p->len += coffer_buf_len(t);
	coffer_buf_free(&t);
	pthread_mutex_lock(&ru->lock);
	while (ru->up_n >= ru->up_max && ru->err == 0)
		pthread_cond_wait(&ru->c_uproom, &ru->lock);
	if ((r = ru->err) == 0) {
		if (ru->up_tail != NULL)
			ru->up_tail->next = p;
		else
			ru->up = p;
		ru->up_tail = p;
		ru->up_n++;
		p = NULL;
		pthread_cond_signal(&ru->c_up);
	}
	pthread_mutex_unlock(&ru->lock);
	pack_free(p);
	return r;
fail:
	coffer_buf_free(&t);
	pack_free(p);
	return r;
}

int
writer_chunk(struct run *ru, struct writer *w, uint8_t type,
    const uint8_t *p, size_t len, uint8_t id[BK_ID])
{
	struct bk_entry *e;
	size_t slen;
	int r;

	if ((r = bk_hmac(w->h, p, len, id)) != 0)
		return r;
	if (cidx_get(ru->r->idx, id, NULL, NULL) == 0)
		return 0;
	if (w->pack != NULL && w->pack->len + bk_chunk_bound(len) >
	    w->pack->cap && (r = pack_flush(ru, &w->pack)) != 0)
		return r;
	if (w->pack == NULL && (r = pack_new(ru, &w->pack)) != 0)
		return r;
	if (w->pack->len + bk_chunk_bound(len) > w->pack->cap) {
		uint8_t *nd = realloc(w->pack->data, bk_chunk_bound(len));

		if (nd == NULL)
			return COFFER_ERR_NOMEM;
		w->pack->data = nd;
		w->pack->cap = bk_chunk_bound(len);
	}
	if (w->pack->n == w->pack->ecap) {
		e = realloc(w->pack->e, 2 * w->pack->ecap * sizeof(*e));
		if (e == NULL)
			return COFFER_ERR_NOMEM;
		w->pack->e = e;
		w->pack->ecap *= 2;
	}
	if ((r = bk_chunk_seal(w->z, ru->r->k, id, type, p, len,
	    w->pack->data + w->pack->len, &slen)) != 0)
		return r;
	e = &w->pack->e[w->pack->n];
	memcpy(e->id, id, BK_ID);
	e->type = type;
	e->offset = (uint32_t)w->pack->len;
	e->slen = (uint32_t)slen;
	e->rlen = (uint32_t)len;
	if ((r = cidx_add(ru->r->idx, w->pack->no, e)) < 0)
		return r;
	if (r == 1)		/* another thread stored it meanwhile */
		return 0;
	w->pack->len += slen;
	w->pack->n++;
	PG_ADD(ru, bytes_new, len);
	if (w->pack->len >= ru->pack_size ||
	    w->pack->n >= BK_PACK_ENTRIES_MAX)
		return pack_flush(ru, &w->pack);
	return 0;
}

int
writer_init(struct run *ru, struct writer *w)
{
	int r;

	memset(w, 0, sizeof(*w));
	if ((r = bk_zctx_new(&w->z, ru->level)) == 0)
		r = bk_hmac_new(&w->h, ru->r->k);
	return r;
}

void
writer_clear(struct writer *w)
{
	bk_zctx_free(&w->z);
	bk_hmac_free(&w->h);
	pack_free(w->pack);
	w->pack = NULL;
}

/* Append a chunk id to the event's list. */
static int
ev_add_chunk(struct ev *e, uint32_t *cap, const uint8_t id[BK_ID])
{
	uint8_t *nc;

	if (e->nchunks == *cap) {
		*cap = *cap ? 2 * *cap : 16;
		if ((nc = realloc(e->chunks, (size_t)*cap * BK_ID)) == NULL)
			return COFFER_ERR_NOMEM;
		e->chunks = nc;
	}
	memcpy(e->chunks + (size_t)e->nchunks * BK_ID, id, BK_ID);
	e->nchunks++;
	return 0;
}

/* Read, chunk and store one file. */
static int
work_file(struct run *ru, struct writer *w, struct coffer_cdc *cdc,
    uint8_t *buf, size_t cap, struct ev *e)
{
	size_t fill = 0, fed = 0, start = 0, cut;
	uint64_t total = 0;
	uint32_t ccap = 0;
	uint8_t id[BK_ID];
	ssize_t n;
	int fd, eof = 0, r = 0, c;

	if ((fd = open(e->path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC |
	    O_NOATIME)) < 0 && errno == EPERM)
		fd = open(e->path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		e->skip = 1;
		PG_ADD(ru, warnings, 1);
		return 0;
	}
	coffer_cdc_reset(cdc);
	PG_ADD(ru, files_read, 1);
	for (;;) {
		if (ru->pg->cancel) {
			r = COFFER_ERR_CANCELLED;
			break;
		}
		if (fed == fill && !eof) {
			if (start > 0) {
				memmove(buf, buf + start, fill - start);
				fill -= start;
				fed -= start;
				start = 0;
			}
			n = read(fd, buf + fill, cap - fill < READ_BLOCK ?
			    cap - fill : READ_BLOCK);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0) {
				r = repo_fail(ru->r, COFFER_ERR_IO,
				    "reading %s: %s", e->path,
				    strerror(errno));
				break;
			}
			if (n == 0)
				eof = 1;
			fill += (size_t)n;
			total += (uint64_t)n;
			PG_ADD(ru, bytes_read, n);
			continue;
		}
		if ((c = coffer_cdc_next(cdc, buf + fed, fill - fed, eof,
		    &cut)) < 0) {
			r = c;
			break;
		}
		if (c == 1) {
			fed += cut;
			if ((r = writer_chunk(ru, w, BK_DATA, buf + start,
			    fed - start, id)) != 0 ||
			    (r = ev_add_chunk(e, &ccap, id)) != 0)
				break;
			start = fed;
			continue;
		}
		fed = fill;
		if (eof)
			break;
	}
	close(fd);
	e->node.size = total;
	return r;
}

void *
worker_main(void *arg)
{
	struct run *ru = arg;
	struct coffer_cdc *cdc = NULL;
	struct writer w;
	struct ev *e;
	uint8_t *buf = NULL;
	size_t cap = ru->cdc.max + READ_BLOCK;
	int r;

	if ((r = writer_init(ru, &w)) != 0 ||
	    (r = coffer_cdc_new(&cdc, ru->r->k->cdc, &ru->cdc)) != 0 ||
	    (buf = malloc(cap)) == NULL) {
		run_fail(ru, r != 0 ? r : COFFER_ERR_NOMEM);
		goto out;
	}
	for (;;) {
		pthread_mutex_lock(&ru->lock);
		while (ru->jobs == NULL && !ru->scan_done && ru->err == 0)
			pthread_cond_wait(&ru->c_jobs, &ru->lock);
		if ((e = ru->jobs) == NULL || ru->err != 0) {
			pthread_mutex_unlock(&ru->lock);
			break;
		}
		if ((ru->jobs = e->next) == NULL)
			ru->jobs_tail = NULL;
		pthread_mutex_unlock(&ru->lock);
		r = work_file(ru, &w, cdc, buf, cap, e);
		pthread_mutex_lock(&ru->lock);
		e->done = 1;
		if (ru->count > 0 && ru->ring[ru->head] == e)
			pthread_cond_signal(&ru->c_head);
		pthread_mutex_unlock(&ru->lock);
		if (r != 0) {
			run_fail(ru, r);
			break;
		}
	}
	if ((r = pack_flush(ru, &w.pack)) != 0)
		run_fail(ru, r);
out:
	if (buf != NULL) {
		sodium_memzero(buf, cap);
		free(buf);
	}
	coffer_cdc_free(&cdc);
	writer_clear(&w);
	pthread_mutex_lock(&ru->lock);
	ru->workers_live--;
	pthread_mutex_unlock(&ru->lock);
	return NULL;
}

static int
upload(struct run *ru, struct pack **v, size_t n)
{
	struct coffer_bstore_xfer x[UP_MAX];
	struct bk_seg_pack sp;
	size_t i;
	int r;

	memset(x, 0, sizeof(x));
	for (i = 0; i < n; i++) {
		memcpy(x[i].id, v[i]->id, BK_ID);
		x[i].data = v[i]->data;
		x[i].len = v[i]->len;
	}
	r = ru->r->store.ops->put_many(ru->r->store.ctx, x, n);
	for (i = 0; i < n; i++) {
		if (x[i].result != 0) {
			if (r == 0)
				r = x[i].result;
			repo_store_fail(ru->r, x[i].result, "storing pack",
			    v[i]->id, BK_ID);
			continue;
		}
		memcpy(sp.id, v[i]->id, BK_ID);
		sp.len = (uint32_t)v[i]->len;
		sp.e = v[i]->e;
		sp.n = v[i]->n;
		if (journal_add(ru->r->jn, &sp) != 0 && r == 0)
			r = repo_fail(ru->r, COFFER_ERR_IO,
			    "writing the journal in the cache folder");
		PG_ADD(ru, packs, 1);
		PG_ADD(ru, bytes_stored, v[i]->len);
	}
	return r;
}

/* Free the packs still queued when a run ends early (the uploader stops
 * at the first error and leaves the rest). */
void
upload_drain(struct run *ru)
{
	struct pack *p;

	while ((p = ru->up) != NULL) {
		ru->up = p->next;
		pack_free(p);
	}
	ru->up_tail = NULL;
	ru->up_n = 0;
}

void *
upload_main(void *arg)
{
	struct run *ru = arg;
	struct pack *v[UP_MAX];
	size_t n, i;
	int r;

	for (;;) {
		pthread_mutex_lock(&ru->lock);
		while (ru->up == NULL && !ru->up_done && ru->err == 0)
			pthread_cond_wait(&ru->c_up, &ru->lock);
		if (ru->up == NULL || ru->err != 0) {
			pthread_mutex_unlock(&ru->lock);
			break;
		}
		for (n = 0; n < UP_MAX && ru->up != NULL; n++) {
			v[n] = ru->up;
			if ((ru->up = v[n]->next) == NULL)
				ru->up_tail = NULL;
		}
		pthread_mutex_unlock(&ru->lock);
		r = upload(ru, v, n);
		pthread_mutex_lock(&ru->lock);
		ru->up_n -= n;
		pthread_cond_broadcast(&ru->c_uproom);
		pthread_mutex_unlock(&ru->lock);
		for (i = 0; i < n; i++)
			pack_free(v[i]);
		if (r != 0) {
			run_fail(ru, r);
			break;
		}
	}
	return NULL;
}

/* The workers of a backup run: each takes the next file to read from
 * the jobs the scanner queued, cuts it into chunks (FastCDC) and stores
 * them through its writer; the event then holds the file's chunk ids and
 * is marked done for the collector. Reads go in 1 MiB blocks into one
 * buffer per worker (max chunk + 1 MiB), wiped at the end. */
#define _GNU_SOURCE	/* O_NOATIME */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include <coffer/err.h>

#include "backup/run.h"

#define READ_BLOCK	((size_t)1024 * 1024)

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
	    (r = coffer_cdc_new(&cdc, ru->r->kr->cdc, &ru->cdc)) != 0 ||
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
	if ((r = writer_flush(ru, &w)) != 0)
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

/* The workers of a backup run: each takes the next file to read from
 * the jobs the scanner queued, cuts it into chunks (FastCDC) and stores
 * them through its writer; the event then holds the file's chunk ids and
 * is marked done for the collector. A file with holes (SEEK_DATA,
 * SEEK_HOLE) is read by its data extents only, cut as one stream of
 * their bytes, and the extents go into its node. Reads go in 1 MiB blocks into one
 * buffer per worker (max chunk + 1 MiB), wiped at the end. */
#define _GNU_SOURCE	/* O_NOATIME, SEEK_DATA, SEEK_HOLE */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include <coffer/err.h>

#include "backup/run.h"
#include "core/sysendian.h"

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

/* Where a file's bytes come from: the whole file read in order, or, for
 * a file with holes, its data extents read at their offsets (holes are
 * never read). */
struct src {
	int		 fd;
	int		 sparse;	/* 0: the whole file */
	const uint8_t	*ext;
	uint32_t	 n, i;		/* extents; the one being read */
	uint64_t	 at;		/* bytes of extent i read */
	int		 short_read;	/* an extent ended early */
};

static ssize_t
src_read(struct src *s, uint8_t *p, size_t len)
{
	uint64_t off, elen;
	ssize_t n;

	if (!s->sparse)
		return read(s->fd, p, len);
	for (;;) {
		if (s->i == s->n)
			return 0;
		off = be64dec(s->ext + (size_t)s->i * BK_EXTENT);
		elen = be64dec(s->ext + (size_t)s->i * BK_EXTENT + 8);
		if (s->at < elen)
			break;
		s->i++;
		s->at = 0;
	}
	if (len > elen - s->at)
		len = (size_t)(elen - s->at);
	n = pread(s->fd, p, len, (off_t)(off + s->at));
	if (n == 0)
		s->short_read = 1;	/* shrunk while read */
	if (n > 0)
		s->at += (uint64_t)n;
	return n;
}

/* The data extents of the ${size} bytes of fd (SEEK_DATA, SEEK_HOLE)
 * into a malloc'd *out of *nout extents. Returns 1 when the file has
 * holes; 0 when it is to be read whole (no hole, a file system without
 * SEEK_DATA, more than BK_EXTENTS_MAX extents), *out then NULL; or
 * COFFER_ERR_NOMEM. Moves the file offset. */
static int
find_extents(int fd, uint64_t size, uint8_t **out, uint32_t *nout)
{
	uint8_t *v = NULL, *nv;
	uint32_t n = 0, cap = 0;
	off_t d, h = 0;

	*out = NULL;
	*nout = 0;
	while ((uint64_t)h < size) {
		if ((d = lseek(fd, h, SEEK_DATA)) < 0 && errno == ENXIO)
			break;		/* a hole up to the end */
		if (d < 0 || (uint64_t)d >= size)
			goto dense;	/* EINVAL: no SEEK_DATA here */
		if ((h = lseek(fd, d, SEEK_HOLE)) <= d)
			goto dense;
		if ((uint64_t)h > size)
			h = (off_t)size;
		if (n == BK_EXTENTS_MAX)
			goto dense;
		if (n == cap) {
			cap = cap ? 2 * cap : 16;
			if ((nv = realloc(v, (size_t)cap * BK_EXTENT)) ==
			    NULL) {
				free(v);
				return COFFER_ERR_NOMEM;
			}
			v = nv;
		}
		be64enc(v + (size_t)n * BK_EXTENT, (uint64_t)d);
		be64enc(v + (size_t)n * BK_EXTENT + 8, (uint64_t)(h - d));
		n++;
	}
	if (size == 0 || (n == 1 && be64dec(v) == 0 &&
	    be64dec(v + 8) == size))
		goto dense;
	*out = v;
	*nout = n;
	return 1;
dense:
	free(v);
	return 0;
}

/* Read, chunk and store the bytes of src. */
static int
read_stream(struct run *ru, struct writer *w, struct coffer_cdc *cdc,
    uint8_t *buf, size_t cap, struct ev *e, struct src *src, uint32_t *ccap,
    uint64_t *total)
{
	size_t fill = 0, fed = 0, start = 0, cut;
	uint8_t id[BK_ID];
	ssize_t n;
	int eof = 0, r = 0, c;

	coffer_cdc_reset(cdc);
	*total = 0;
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
			n = src_read(src, buf + fill, cap - fill < READ_BLOCK ?
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
			*total += (uint64_t)n;
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
			    (r = ev_add_chunk(e, ccap, id)) != 0)
				break;
			start = fed;
			continue;
		}
		fed = fill;
		if (eof)
			break;
	}
	return r;
}

/* Did the sparse file read from st change meanwhile (size, mtime or
 * extents)? 1 yes, 0 no, or COFFER_ERR_NOMEM. */
static int
sparse_changed(int fd, const struct stat *st, const struct ev *e,
    const struct src *src)
{
	struct stat now;
	uint8_t *again = NULL;
	uint32_t n;
	int r;

	if (src->short_read || fstat(fd, &now) != 0 ||
	    now.st_size != st->st_size ||
	    now.st_mtim.tv_sec != st->st_mtim.tv_sec ||
	    now.st_mtim.tv_nsec != st->st_mtim.tv_nsec)
		return 1;
	if ((r = find_extents(fd, (uint64_t)st->st_size, &again, &n)) < 0)
		return r;
	r = r != 1 || n != e->nextents || (n > 0 &&
	    memcmp(again, e->extents, (size_t)n * BK_EXTENT) != 0);
	free(again);
	return r;
}

/* Read, chunk and store one file: a file with holes by its data extents,
 * recorded in the event; read whole again if it changed meanwhile. */
static int
work_file(struct run *ru, struct writer *w, struct coffer_cdc *cdc,
    uint8_t *buf, size_t cap, struct ev *e)
{
	struct src src;
	struct stat st;
	uint64_t total = 0;
	uint32_t ccap = 0;
	int fd, r = 0;

	if ((fd = open(e->path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC |
	    O_NOATIME)) < 0 && errno == EPERM)
		fd = open(e->path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		e->skip = 1;
		PG_ADD(ru, warnings, 1);
		return 0;
	}
	PG_ADD(ru, files_read, 1);
	memset(&st, 0, sizeof(st));
	memset(&src, 0, sizeof(src));
	src.fd = fd;
	/* Only a file with fewer blocks than bytes can have holes. */
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
	    (uint64_t)st.st_blocks * 512 < (uint64_t)st.st_size &&
	    (r = find_extents(fd, (uint64_t)st.st_size, &e->extents,
	    &e->nextents)) < 0)
		goto out;
	if ((e->sparse = r == 1)) {
		src.sparse = 1;
		src.ext = e->extents;
		src.n = e->nextents;
		if ((r = read_stream(ru, w, cdc, buf, cap, e, &src, &ccap,
		    &total)) != 0 ||
		    (r = sparse_changed(fd, &st, e, &src)) <= 0)
			goto out;
		free(e->extents);
		e->extents = NULL;
		e->nextents = 0;
		e->nchunks = 0;
		e->sparse = 0;
		memset(&src, 0, sizeof(src));
		src.fd = fd;
	}
	if (lseek(fd, 0, SEEK_SET) != 0)
		r = repo_fail(ru->r, COFFER_ERR_IO, "reading %s: %s", e->path,
		    strerror(errno));
	else
		r = read_stream(ru, w, cdc, buf, cap, e, &src, &ccap, &total);
out:
	close(fd);
	e->node.size = e->sparse ? (uint64_t)st.st_size : total;
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

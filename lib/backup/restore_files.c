/* Restore's workers (docs/PROTOCOL-backup.md, "Restore"): each takes
 * files from the queue in order and fetches their chunks in rounds of up
 * to FETCH_BYTES: one get_many per round, with the ranges of one pack
 * that touch merged into one transfer (a server costs a round trip per
 * call, a request per transfer). Each chunk is verified, then written.
 * A sparse file's chunks hold its data extents back to back: each byte
 * goes to its extent, the holes are never written, and the file is then
 * extended to its size. A file without recorded holes (dense, or backed
 * up before holes were recorded) gets a hole for each all-zero chunk.
 *
 * A file is written under a fresh temporary name (.NAME.coffer-RANDOM,
 * created exclusively) in its folder, opened with no symbolic link on the
 * way, and renamed when whole, verified and with its metadata set: a
 * failure never leaves a partial file under a real name nor touches one
 * already restored.
 *
 * The walk queues a folder's files one after another, so a worker opens
 * each folder once for the run of its files that it takes (struct pdir)
 * instead of once per file: the same open below the target with no
 * symbolic link resolved, done less often.
 */
#define _GNU_SOURCE	/* O_PATH */
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include <coffer/err.h>

#include "backup/cache.h"
#include "backup/restore_run.h"
#include "core/file.h"
#include "core/sysendian.h"

#define FETCH_BYTES	((size_t)8 << 20)	/* stored bytes a round */
#define FETCH_CHUNKS	256			/* chunks a round */
#define XFER_MAX	((uint64_t)16 << 20)	/* a merged range */

/* A folder opened for the files in it: by the worker while it is the
 * last one it opened, and by each job that writes in it. */
struct pdir {
	char		*path;		/* below the target; "" the target */
	size_t		 len;
	int		 fd;
	unsigned	 refs;
};

struct job {
	struct item	*it;
	char		 tmp[RS_TMP_MAX];	/* "" until created */
	const char	*leaf;		/* of it->path */
	struct pdir	*pd;		/* its folder, NULL until opened */
	int		 dfd;		/* pd->fd, -1 until opened */
	int		 fd;		/* -1 until the first chunk */
	uint64_t	 off;		/* bytes placed (written or holes) */
	uint64_t	 wend;		/* end of the bytes written */
	uint32_t	 ei;		/* sparse: the extent being written */
	uint64_t	 eat;		/* sparse: its bytes written */
	uint32_t	 planned, done;	/* chunks */
	struct job	*next;
};

/* A chunk of this round: its entry, its transfer, where it is there. */
struct want {
	struct job	*j;
	struct bk_entry	 e;
	uint8_t		 pack[BK_ID];
	uint32_t	 plen;		/* the pack's length, 0 unknown */
	size_t		 x;
	size_t		 at;
};

struct rw {
	struct rs		*s;
	struct repo_reader	 rd;
	uint8_t			*pt;		/* plaintext (wiped) */
	size_t			 ptcap;
	struct job		*head, *tail;
	struct pdir		*cur;		/* the folder opened last */
	struct want		 w[FETCH_CHUNKS];
	struct want		*ord[FETCH_CHUNKS];
	size_t			 nw, bytes;
	struct coffer_bstore_xfer x[FETCH_CHUNKS];
	size_t			 nx;
	struct rs_bufs		 bufs;		/* kept between rounds */
};

static void
pdir_put(struct rs *s, struct pdir *p)
{
	if (p == NULL || --p->refs > 0)
		return;
	rs_close_parent(s, p->fd);
	free(p->path);
	free(p);
}

/* The folder of j's file: the one opened last if it is the same, else
 * opened now (and kept as the last). */
static int
job_dir(struct rw *w, struct job *j)
{
	const char *path = j->it->path, *slash = strrchr(path, '/');
	size_t len = slash != NULL ? (size_t)(slash - path) : 0;
	struct pdir *p = w->cur;
	int e;

	j->leaf = slash != NULL ? slash + 1 : path;
	if (p == NULL || p->len != len || memcmp(p->path, path, len) != 0) {
		if ((p = calloc(1, sizeof(*p))) == NULL ||
		    (p->path = strndup(path, len)) == NULL) {
			free(p);
			return COFFER_ERR_NOMEM;
		}
		p->len = len;
		p->refs = 1;
		p->fd = slash == NULL ? w->s->tfd : rs_open_beneath(w->s->tfd,
		    p->path, O_PATH | O_DIRECTORY);
		if (p->fd < 0) {
			e = errno;
			pdir_put(w->s, p);
			errno = e;
			return rs_io_fail(w->s, "open the folder of", path);
		}
		pdir_put(w->s, w->cur);
		w->cur = p;
	}
	p->refs++;
	j->pd = p;
	j->dfd = p->fd;
	return 0;
}

static void
job_free(struct rs *s, struct job *j, int abort)
{
	if (j->fd >= 0)
		close(j->fd);
	if (abort && j->tmp[0] != '\0')
		unlinkat(j->dfd, j->tmp, 0);
	pdir_put(s, j->pd);
	rs_item_free(j->it);
	free(j);
}

static int
job_open(struct rw *w, struct job *j)
{
	struct rs *s = w->s;
	int i, rc;

	if (j->pd == NULL && (rc = job_dir(w, j)) != 0)
		return rc;
	for (i = 0; i < TMP_TRIES && j->fd < 0; i++) {
		rs_tmp_name(j->tmp, j->leaf);
		j->fd = openat(j->dfd, j->tmp, O_WRONLY | O_CREAT | O_EXCL |
		    O_NOFOLLOW | O_CLOEXEC, 0600);
		if (j->fd < 0 && errno != EEXIST)
			break;
	}
	if (j->fd < 0) {
		j->tmp[0] = '\0';
		return rs_io_fail(s, "create", j->it->path);
	}
	return 0;
}

static int
job_finish(struct rw *w, struct job *j)
{
	struct rs *s = w->s;
	const struct bk_node *n = &j->it->n;
	uint64_t want = n->sparse ? bk_extents_data(n) : n->size;
	int rc;

	if (j->fd < 0 && (rc = job_open(w, j)) != 0)
		return rc;
	if (j->off != want)
		return repo_fail(s->r, COFFER_ERR_CORRUPT,
		    "%s: its chunks hold %llu bytes, its entry says %llu",
		    j->it->path, (unsigned long long)j->off,
		    (unsigned long long)want);
	/* A file ending in a hole. */
	if ((n->sparse || j->wend < j->off) &&
	    ftruncate(j->fd, (off_t)n->size) != 0)
		return rs_io_fail(s, "write", j->it->path);
	if ((rc = rs_set_meta(s, j->fd, -1, NULL, j->it->path, n)) != 0)
		return rc;
	rc = close(j->fd);
	j->fd = -1;
	if (rc != 0)
		return rs_io_fail(s, "write", j->it->path);
	if (renameat(j->dfd, j->tmp, j->dfd, j->leaf) != 0)
		return rs_io_fail(s, "rename", j->it->path);
	j->tmp[0] = '\0';
	__atomic_fetch_add(&s->pg->files, 1, __ATOMIC_RELAXED);
	return 0;
}

/* Finish the files at the head whose chunks are all placed. */
static int
rw_finish_done(struct rw *w)
{
	struct job *j;
	int rc;

	while ((j = w->head) != NULL && j->done == j->it->n.nchunks) {
		if ((rc = job_finish(w, j)) != 0)
			return rc;
		if ((w->head = j->next) == NULL)
			w->tail = NULL;
		job_free(w->s, j, 0);
	}
	return 0;
}

/* Plan a round: chunks of the files in hand, then of more files, up to
 * the round's budget. Blocks for a file only with nothing in hand. */
static int
rw_plan(struct rw *w)
{
	struct rs *s = w->s;
	struct job *j;
	struct item *it;
	struct want *wa;
	char hex[2 * BK_ID + 1];

	w->nw = 0;
	w->bytes = 0;
	for (;;) {
		j = w->tail;
		while (j != NULL && j->planned < j->it->n.nchunks &&
		    w->nw < FETCH_CHUNKS && w->bytes < FETCH_BYTES) {
			wa = &w->w[w->nw];
			wa->j = j;
			if (cidx_locate(s->r->idx, j->it->n.chunks +
			    (size_t)j->planned * BK_ID, BK_DATA, &wa->e,
			    wa->pack, &wa->plen) != 0) {
				repo_hex(hex, j->it->n.chunks +
				    (size_t)j->planned * BK_ID, BK_ID);
				return repo_fail(s->r, COFFER_ERR_CORRUPT,
				    "chunk %s is not in the repository's index",
				    hex);
			}
			w->bytes += wa->e.slen;
			w->nw++;
			j->planned++;
		}
		if (w->nw == FETCH_CHUNKS || w->bytes >= FETCH_BYTES ||
		    (it = rs_take(s, w->head == NULL)) == NULL)
			return 0;
		if ((j = calloc(1, sizeof(*j))) == NULL) {
			rs_item_free(it);
			return COFFER_ERR_NOMEM;
		}
		j->it = it;
		j->dfd = j->fd = -1;
		if (w->tail != NULL)
			w->tail->next = j;
		else
			w->head = j;
		w->tail = j;
	}
}

static int
want_cmp(const void *a, const void *b)
{
	const struct want *x = *(const struct want *const *)a;
	const struct want *y = *(const struct want *const *)b;
	int c = memcmp(x->pack, y->pack, BK_ID);

	if (c != 0)
		return c;
	return x->e.offset < y->e.offset ? -1 : x->e.offset > y->e.offset;
}

static void
rw_free_xfers(struct rw *w)
{
	size_t i;

	for (i = 0; i < w->nx; i++)
		rs_buf_give(&w->bufs, &w->x[i].out);
	w->nx = 0;
}

/* Fetch the round's chunks: each chunk's span aligned to the grid
 * (repo_span: the server never sees a chunk's own offset or length), the
 * spans of one pack that touch or overlap merged into one transfer
 * (length 0: to the pack's end), every transfer in one call. */
static int
rw_fetch(struct rw *w)
{
	struct coffer_bstore_xfer *x = NULL;
	struct want *wa;
	uint64_t start, end, xend = 0;
	size_t i;
	int rc;

	for (i = 0; i < w->nw; i++)
		w->ord[i] = &w->w[i];
	qsort(w->ord, w->nw, sizeof(w->ord[0]), want_cmp);
	for (i = 0; i < w->nw; i++) {
		wa = w->ord[i];
		repo_span(wa->e.offset, wa->e.slen, wa->plen, &start, &end);
		if (x != NULL && memcmp(x->id, wa->pack, BK_ID) == 0 &&
		    (xend == 0 || start <= xend) &&
		    (end == 0 || end - x->offset <= XFER_MAX)) {
			if (xend != 0 && (end == 0 || end > xend))
				xend = end;
		} else {
			x = &w->x[w->nx++];
			memset(x, 0, sizeof(*x));
			memcpy(x->id, wa->pack, BK_ID);
			x->offset = start;
			xend = end;
		}
		x->length = xend != 0 ? (size_t)(xend - x->offset) : 0;
		wa->x = w->nx - 1;
		wa->at = (size_t)(wa->e.offset - x->offset);
	}
	for (i = 0; i < w->nx; i++)
		if ((w->x[i].out = w->x[i].length != 0 ?
		    rs_buf_take(&w->bufs, w->x[i].length) :
		    coffer_buf_new(REPO_GRID)) == NULL)
			return COFFER_ERR_NOMEM;
	rc = w->nx > 0 ? w->s->r->store.ops->get_many(w->s->r->store.ctx,
	    w->x, w->nx) : 0;
	for (i = 0; i < w->nx; i++) {
		x = &w->x[i];
		if (rc != 0 && x->result == 0)
			continue;
		if (rc == 0 && (x->length == 0 ||
		    coffer_buf_len(x->out) == x->length))
			continue;
		rc = rc != 0 ? x->result : COFFER_ERR_TRUNCATED;
		return repo_store_fail(w->s->r, rc == COFFER_ERR_FORMAT ||
		    rc == COFFER_ERR_TRUNCATED ? COFFER_ERR_CORRUPT : rc, "pack",
		    x->id, BK_ID);
	}
	if (rc != 0)
		return repo_store_fail(w->s->r, rc, "pack", w->x[0].id, BK_ID);
	/* A read to the end must hold every chunk planned in it. */
	for (i = 0; i < w->nw; i++) {
		wa = &w->w[i];
		if (coffer_buf_len(w->x[wa->x].out) < wa->at + wa->e.slen)
			return repo_store_fail(w->s->r, COFFER_ERR_CORRUPT,
			    "pack", wa->pack, BK_ID);
	}
	return 0;
}

static int
rw_grow(struct rw *w, size_t n)
{
	uint8_t *p;

	if (n <= w->ptcap)
		return 0;
	if ((p = malloc(n)) == NULL)
		return COFFER_ERR_NOMEM;
	if (w->pt != NULL)
		sodium_memzero(w->pt, w->ptcap);
	free(w->pt);
	w->pt = p;
	w->ptcap = n;
	return 0;
}

/* Write one verified chunk of a sparse file into its extents. */
static int
job_put_sparse(struct rs *s, struct job *j, const uint8_t *p, size_t len)
{
	const struct bk_node *n = &j->it->n;
	const uint8_t *e;
	uint64_t take;

	__atomic_fetch_add(&s->pg->bytes_read, len, __ATOMIC_RELAXED);
	while (len > 0) {
		if (j->ei == n->nextents)
			return repo_fail(s->r, COFFER_ERR_CORRUPT,
			    "%s: its chunks hold more bytes than its extents",
			    j->it->path);
		e = n->extents + (size_t)j->ei * BK_EXTENT;
		take = be64dec(e + 8) - j->eat;
		if (take > len)
			take = len;
		if (file_pwrite_all(j->fd, p, (size_t)take,
		    (off_t)(be64dec(e) + j->eat)) != 0)
			return rs_io_fail(s, "write", j->it->path);
		p += take;
		len -= (size_t)take;
		j->off += take;
		if ((j->eat += take) == be64dec(e + 8)) {
			j->ei++;
			j->eat = 0;
		}
	}
	return 0;
}

/* Place one verified chunk: a sparse file's into its extents; else a
 * hole if all zero, else written. */
static int
job_put(struct rs *s, struct job *j, const uint8_t *p, size_t len)
{
	if (j->it->n.sparse)
		return job_put_sparse(s, j, p, len);
	if (len > 0 && p[0] == 0 && p[len - 1] == 0 &&
	    memcmp(p, p + 1, len - 1) == 0) {
		j->off += len;
		return 0;
	}
	if (file_pwrite_all(j->fd, p, len, (off_t)j->off) != 0)
		return rs_io_fail(s, "write", j->it->path);
	j->off += len;
	j->wend = j->off;
	__atomic_fetch_add(&s->pg->bytes_read, len, __ATOMIC_RELAXED);
	return 0;
}

/* Verify and place the round's chunks in file order. */
static int
rw_write(struct rw *w)
{
	struct rs *s = w->s;
	struct want *wa;
	size_t i;
	int rc;

	if ((rc = rw_finish_done(w)) != 0)
		return rc;
	for (i = 0; i < w->nw; i++) {
		wa = &w->w[i];
		if (s->pg->cancel)
			return COFFER_ERR_CANCELLED;
		if ((wa->j->fd < 0 && (rc = job_open(w, wa->j)) != 0) ||
		    (rc = rw_grow(w, wa->e.rlen > 0 ? wa->e.rlen : 1)) != 0 ||
		    (rc = repo_open_chunk(s->r, &w->rd, wa->pack, &wa->e,
		    coffer_buf_data(w->x[wa->x].out) + wa->at, wa->e.slen,
		    w->pt)) != 0 ||
		    (rc = job_put(s, wa->j, w->pt, wa->e.rlen)) != 0)
			return rc;
		wa->j->done++;
		if ((rc = rw_finish_done(w)) != 0)
			return rc;
	}
	return 0;
}

void *
rs_worker(void *arg)
{
	struct rw *w;
	struct job *j;
	int rc;

	if ((w = calloc(1, sizeof(*w))) == NULL) {
		rs_fail(arg, COFFER_ERR_NOMEM);
		return NULL;
	}
	w->s = arg;
	if ((rc = repo_reader_init(&w->rd, w->s->r->kr)) == 0)
		for (;;) {
			/* Another thread failed: stop, keeping its error. */
			if (__atomic_load_n(&w->s->err, __ATOMIC_RELAXED) != 0)
				break;
			if ((rc = rw_plan(w)) != 0 || w->head == NULL)
				break;
			rc = rw_fetch(w);
			if (rc == 0)
				rc = rw_write(w);
			rw_free_xfers(w);
			if (rc != 0)
				break;
		}
	if (rc != 0)
		rs_fail(w->s, rc);
	rw_free_xfers(w);
	rs_bufs_clear(&w->bufs);
	while ((j = w->head) != NULL) {
		w->head = j->next;
		job_free(w->s, j, 1);
	}
	pdir_put(w->s, w->cur);
	if (w->pt != NULL)
		sodium_memzero(w->pt, w->ptcap);
	free(w->pt);
	repo_reader_clear(&w->rd);
	free(w);
	return NULL;
}

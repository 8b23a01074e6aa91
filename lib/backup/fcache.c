/* The files cache (docs/PROTOCOL-backup.md, "Local cache"): one record per
 * regular file, in the order the scanner visits them (component-wise
 * path order), so that a run reads the previous run's file as a merge
 * join with its own walk: memory does not grow with the number of files.
 *
 *   files.cache  "CFBKFC2\n" | records
 *   record       path (u16 len) | dev, ino, size (u64) | mtime_ns,
 *                ctime_ns (i64) | nchunks (u32) | chunk ids | holes (u32:
 *                0 a file read whole, else 1 + nextents) | extents
 *                (offset, length: u64 each)
 *
 * A cache of version 1 ("CFBKFC1\n": records end after the chunk ids,
 * from before holes were recorded) is still read; its records are marked
 * so that the scanner takes them only for files without holes.
 *
 * A record that does not parse ends the reader (the cache is advisory:
 * files it does not describe are read again). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <coffer/err.h>

#include "backup/cache.h"
#include "core/file.h"
#include "core/sysendian.h"

#define FC_MAGIC	"CFBKFC2\n"
#define FC_MAGIC_V1	"CFBKFC1\n"
#define FC_FIXED	(8 * 5 + 4)
#define FC_CHUNKS_MAX	(BK_CHUNK_MAX / BK_ID)

struct fcache_r {
	FILE		*f;
	int		 v1;		/* a version 1 cache */
	int		 have;		/* rec holds a record not yet passed */
	struct fc_rec	 rec;
	uint8_t		 path[BK_PATH_MAX + 1];
	uint8_t		*chunks, *extents;
	size_t		 cap, ecap;
};

struct fcache_w {
	FILE		*f;
	int		 dirfd;
};

/* Component-wise path order: '/' sorts before every other byte. */
static int
path_cmp(const uint8_t *a, size_t al, const uint8_t *b, size_t bl)
{
	size_t i, n = al < bl ? al : bl;
	unsigned ca, cb;

	for (i = 0; i < n; i++)
		if (a[i] != b[i]) {
			ca = a[i] == '/' ? 0 : (unsigned)a[i] + 1;
			cb = b[i] == '/' ? 0 : (unsigned)b[i] + 1;
			return ca < cb ? -1 : 1;
		}
	return al < bl ? -1 : al > bl;
}

/* Read n items of size each into a growing buffer; 0 or -1. */
static int
fcr_array(FILE *f, uint8_t **p, size_t *cap, size_t n, size_t size)
{
	uint8_t *np;

	if (n * size > *cap) {
		if ((np = realloc(*p, n * size)) == NULL)
			return -1;
		*p = np;
		*cap = n * size;
	}
	return n > 0 && fread(*p, size, n, f) != n ? -1 : 0;
}

/* Read the next record into r->rec; 0 at the end or on a bad record. */
static int
fcr_next(struct fcache_r *r)
{
	uint8_t fixed[FC_FIXED], l[4];
	size_t plen, n;

	r->have = 0;
	if (r->f == NULL || fread(l, 1, 2, r->f) != 2)
		return 0;
	plen = be16dec(l);
	if (plen == 0 || plen > BK_PATH_MAX ||
	    fread(r->path, 1, plen, r->f) != plen ||
	    fread(fixed, 1, FC_FIXED, r->f) != FC_FIXED)
		return 0;
	r->rec.path = r->path;
	r->rec.path_len = plen;
	r->rec.dev = be64dec(fixed);
	r->rec.ino = be64dec(fixed + 8);
	r->rec.size = be64dec(fixed + 16);
	r->rec.mtime_ns = (int64_t)be64dec(fixed + 24);
	r->rec.ctime_ns = (int64_t)be64dec(fixed + 32);
	n = be32dec(fixed + 40);
	if (n > FC_CHUNKS_MAX ||
	    fcr_array(r->f, &r->chunks, &r->cap, n, BK_ID) != 0)
		return 0;
	r->rec.chunks = r->chunks;
	r->rec.nchunks = (uint32_t)n;
	r->rec.v1 = r->v1;
	r->rec.sparse = 0;
	r->rec.nextents = 0;
	if (!r->v1) {
		if (fread(l, 1, 4, r->f) != 4)
			return 0;
		n = be32dec(l);
		if (n > (size_t)BK_EXTENTS_MAX + 1 || fcr_array(r->f,
		    &r->extents, &r->ecap, n ? n - 1 : 0, BK_EXTENT) != 0)
			return 0;
		r->rec.sparse = n > 0;
		r->rec.extents = r->extents;
		r->rec.nextents = n ? (uint32_t)(n - 1) : 0;
	}
	r->have = 1;
	return 1;
}

int
fcache_r_open(struct fcache_r **out, int dirfd)
{
	struct fcache_r *r;
	char magic[8] = { 0 };
	int fd;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return COFFER_ERR_NOMEM;
	if ((fd = openat(dirfd, "files.cache", O_RDONLY | O_CLOEXEC)) >= 0 &&
	    (r->f = fdopen(fd, "r")) == NULL)
		close(fd);
	if (r->f != NULL && fread(magic, 1, 8, r->f) == 8 &&
	    memcmp(magic, FC_MAGIC_V1, 8) == 0)
		r->v1 = 1;
	else if (r->f != NULL && memcmp(magic, FC_MAGIC, 8) != 0) {
		fclose(r->f);
		r->f = NULL;
	}
	fcr_next(r);
	*out = r;
	return 0;
}

void
fcache_r_close(struct fcache_r **p)
{
	struct fcache_r *r;

	if (p == NULL || (r = *p) == NULL)
		return;
	if (r->f != NULL)
		fclose(r->f);
	free(r->chunks);
	free(r->extents);
	free(r);
	*p = NULL;
}

int
fcache_r_find(struct fcache_r *r, const uint8_t *path, size_t len,
    struct fc_rec *rec)
{
	int c;

	while (r->have) {
		c = path_cmp(r->rec.path, r->rec.path_len, path, len);
		if (c == 0) {
			*rec = r->rec;
			return 1;
		}
		if (c > 0)
			return 0;
		fcr_next(r);
	}
	return 0;
}

int
fcache_w_open(struct fcache_w **out, int dirfd)
{
	struct fcache_w *w;
	int fd;

	if ((w = calloc(1, sizeof(*w))) == NULL)
		return COFFER_ERR_NOMEM;
	w->dirfd = dirfd;
	if ((fd = openat(dirfd, "files.cache.new", O_WRONLY | O_CREAT |
	    O_TRUNC | O_CLOEXEC, 0600)) < 0 ||
	    (w->f = fdopen(fd, "w")) == NULL) {
		if (fd >= 0)
			close(fd);
		free(w);
		return COFFER_ERR_IO;
	}
	if (fwrite(FC_MAGIC, 1, 8, w->f) != 8) {
		fclose(w->f);
		free(w);
		return COFFER_ERR_IO;
	}
	*out = w;
	return 0;
}

int
fcache_w_add(struct fcache_w *w, const struct fc_rec *rec)
{
	uint8_t fixed[2 + FC_FIXED];

	if (rec->path_len == 0 || rec->path_len > BK_PATH_MAX ||
	    rec->nchunks > FC_CHUNKS_MAX || rec->nextents > BK_EXTENTS_MAX ||
	    (!rec->sparse && rec->nextents > 0))
		return COFFER_ERR_INVALID;
	be16enc(fixed, (uint16_t)rec->path_len);
	if (fwrite(fixed, 1, 2, w->f) != 2 ||
	    fwrite(rec->path, 1, rec->path_len, w->f) != rec->path_len)
		return COFFER_ERR_IO;
	be64enc(fixed, rec->dev);
	be64enc(fixed + 8, rec->ino);
	be64enc(fixed + 16, rec->size);
	be64enc(fixed + 24, (uint64_t)rec->mtime_ns);
	be64enc(fixed + 32, (uint64_t)rec->ctime_ns);
	be32enc(fixed + 40, rec->nchunks);
	if (fwrite(fixed, 1, FC_FIXED, w->f) != FC_FIXED ||
	    (rec->nchunks > 0 && fwrite(rec->chunks, BK_ID, rec->nchunks,
	    w->f) != rec->nchunks))
		return COFFER_ERR_IO;
	be32enc(fixed, rec->sparse ? rec->nextents + 1 : 0);
	if (fwrite(fixed, 1, 4, w->f) != 4 ||
	    (rec->nextents > 0 && fwrite(rec->extents, BK_EXTENT,
	    rec->nextents, w->f) != rec->nextents))
		return COFFER_ERR_IO;
	return 0;
}

int
fcache_w_close(struct fcache_w **p, int commit)
{
	struct fcache_w *w;
	int r = 0;

	if (p == NULL || (w = *p) == NULL)
		return 0;
	if (commit && (fflush(w->f) != 0 || file_sync(fileno(w->f)) != 0))
		r = errno == ENOSPC ? COFFER_ERR_NOSPACE : COFFER_ERR_IO;
	if (fclose(w->f) != 0 && r == 0 && commit)
		r = COFFER_ERR_IO;
	/* the folder too, so that the rename survives a crash */
	if (commit && r == 0 && (renameat(w->dirfd, "files.cache.new",
	    w->dirfd, "files.cache") != 0 || file_sync(w->dirfd) != 0))
		r = COFFER_ERR_IO;
	if (!commit || r != 0)
		unlinkat(w->dirfd, "files.cache.new", 0);
	free(w);
	*p = NULL;
	return r;
}

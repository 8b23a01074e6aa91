/* The journal of uploaded packs (docs/PROTOCOL-backup.md, "Local cache"):
 * after each successful put of packs, one record a pack, then one fsync
 * for the batch:
 *
 *   body length (u32) | body | BLAKE2b-128 of body
 *   body = pack id (32) | pack length (u32) | count (u32) | count x
 *          (id 32 | type 1 | offset | slen | rlen (u32))
 *
 * A run that ends writes the journal's packs into index segments and
 * clears it; a run that was interrupted leaves it for the next, which
 * keeps the records whose packs the store still holds. A torn last record
 * (a crash during the append) fails its hash and ends the reading. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include <coffer/err.h>

#include "backup/cache.h"
#include "core/file.h"
#include "core/sysendian.h"

#define ENT	(BK_ID + 1 + 12)
#define SUM	16

struct journal {
	int	dirfd;
	int	fd;
};

/* The journal's error for errno, as the failed call left it (core/file.h
 * keeps it): only ENOSPC is told apart. */
static int
jerr(void)
{
	return errno == ENOSPC ? COFFER_ERR_NOSPACE : COFFER_ERR_IO;
}

int
journal_open(struct journal **out, int dirfd)
{
	struct journal *j;

	if ((j = calloc(1, sizeof(*j))) == NULL)
		return COFFER_ERR_NOMEM;
	j->dirfd = dirfd;
	if ((j->fd = openat(dirfd, "journal", O_RDWR | O_CREAT | O_CLOEXEC,
	    0600)) < 0) {
		free(j);
		return jerr();
	}
	*out = j;
	return 0;
}

void
journal_close(struct journal **p)
{
	if (p == NULL || *p == NULL)
		return;
	close((*p)->fd);
	free(*p);
	*p = NULL;
}

static int
rec_append(int fd, const struct bk_seg_pack *sp)
{
	size_t blen = BK_ID + 8 + sp->n * ENT, i;
	uint8_t *b, *q;
	int r;

	if ((b = malloc(4 + blen + SUM)) == NULL)
		return COFFER_ERR_NOMEM;
	be32enc(b, (uint32_t)blen);
	memcpy(b + 4, sp->id, BK_ID);
	be32enc(b + 4 + BK_ID, sp->len);
	be32enc(b + 8 + BK_ID, (uint32_t)sp->n);
	for (i = 0, q = b + 12 + BK_ID; i < sp->n; i++, q += ENT) {
		memcpy(q, sp->e[i].id, BK_ID);
		q[BK_ID] = sp->e[i].type;
		be32enc(q + BK_ID + 1, sp->e[i].offset);
		be32enc(q + BK_ID + 5, sp->e[i].slen);
		be32enc(q + BK_ID + 9, sp->e[i].rlen);
	}
	crypto_generichash(b + 4 + blen, SUM, b + 4, blen, NULL, 0);
	r = file_write_all(fd, b, 4 + blen + SUM) == 0 ? 0 : jerr();
	free(b);
	return r;
}

int
journal_add(struct journal *j, const struct bk_seg_pack *p, size_t n)
{
	size_t i;
	int r;

	if (n == 0)
		return 0;
	if (lseek(j->fd, 0, SEEK_END) < 0)
		return jerr();
	for (i = 0; i < n; i++)
		if ((r = rec_append(j->fd, &p[i])) != 0)
			return r;
	return file_datasync(j->fd) == 0 ? 0 : jerr();
}

int
journal_read(struct journal *j, bk_seg_fn fn, void *arg)
{
	uint8_t l[4], sum[SUM], *b = NULL;
	struct bk_seg_pack sp;
	off_t off = 0;
	size_t blen, i;
	int r = 0;

	memset(&sp, 0, sizeof(sp));
	for (;;) {
		if (pread(j->fd, l, 4, off) != 4)
			break;
		blen = be32dec(l);
		if (blen < BK_ID + 8 || blen > BK_ID + 8 +
		    (size_t)BK_PACK_ENTRIES_MAX * ENT)
			break;
		free(b);
		if ((b = malloc(blen + SUM)) == NULL) {
			r = COFFER_ERR_NOMEM;
			break;
		}
		if (pread(j->fd, b, blen + SUM, off + 4) != (ssize_t)(blen +
		    SUM))
			break;
		crypto_generichash(sum, SUM, b, blen, NULL, 0);
		if (sodium_memcmp(sum, b + blen, SUM) != 0)
			break;
		memcpy(sp.id, b, BK_ID);
		sp.len = be32dec(b + BK_ID);
		sp.n = be32dec(b + BK_ID + 4);
		if (sp.n * ENT != blen - BK_ID - 8)
			break;
		free(sp.e);
		if ((sp.e = calloc(sp.n ? sp.n : 1, sizeof(*sp.e))) == NULL) {
			r = COFFER_ERR_NOMEM;
			break;
		}
		for (i = 0; i < sp.n; i++) {
			const uint8_t *q = b + BK_ID + 8 + i * ENT;

			memcpy(sp.e[i].id, q, BK_ID);
			sp.e[i].type = q[BK_ID];
			sp.e[i].offset = be32dec(q + BK_ID + 1);
			sp.e[i].slen = be32dec(q + BK_ID + 5);
			sp.e[i].rlen = be32dec(q + BK_ID + 9);
		}
		if ((r = fn(arg, &sp)) != 0)
			break;
		off += (off_t)(4 + blen + SUM);
	}
	free(sp.e);
	free(b);
	return r;
}

struct jfilter {
	int	  fd;
	int	(*keep)(void *, const uint8_t *);
	void	 *arg;
};

static int
jfilter_one(void *arg, const struct bk_seg_pack *p)
{
	struct jfilter *f = arg;

	if (!f->keep(f->arg, p->id))
		return 0;
	return rec_append(f->fd, p);
}

int
journal_filter(struct journal *j, int (*keep)(void *, const uint8_t *),
    void *arg)
{
	struct jfilter f = { -1, keep, arg };
	int r;

	if ((f.fd = openat(j->dirfd, "journal.new", O_RDWR | O_CREAT |
	    O_TRUNC | O_CLOEXEC, 0600)) < 0)
		return jerr();
	if ((r = journal_read(j, jfilter_one, &f)) != 0 ||
	    (file_sync(f.fd) != 0 && (r = jerr()) != 0) ||
	    (renameat(j->dirfd, "journal.new", j->dirfd, "journal") != 0 &&
	    (r = jerr()) != 0) ||
	    (file_sync(j->dirfd) != 0 && (r = jerr()) != 0)) {
		close(f.fd);
		unlinkat(j->dirfd, "journal.new", 0);
		return r;
	}
	close(j->fd);
	j->fd = f.fd;
	return 0;
}

int
journal_clear(struct journal *j)
{
	if (ftruncate(j->fd, 0) != 0 || file_sync(j->fd) != 0)
		return jerr();
	return 0;
}

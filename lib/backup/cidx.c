/* The local chunk index (docs/PROTOCOL-backup.md, "Local cache"):
 *
 *   chunks.idx  header (64) | nslots x slot (48): id (32) | pack number + 1
 *               (u32, 0: empty) | offset | slen | type << 31 | rlen
 *   packs.lst   pack ids (32 each), numbered by position
 *   segs.lst    ids of the index segments folded in
 *   packs.len   pack lengths: records of pack number | length (u32 each,
 *               host order), the last for a number wins (restore aligns
 *               its reads to a grid and clips them at the pack's end)
 *
 * Keyed on (id, type): a data chunk and a tree with the same id are two
 * entries. Open addressing with linear probing on the id's first 8 bytes
 * (ids are MACs: uniform); the table doubles past 5/8 full. The file is mapped, so
 * memory is the page cache's, not the heap's. A run sets the dirty flag
 * (durably) before its first change and a clean close clears it: a cache
 * left dirty is rebuilt from the repository, since it may name chunks of
 * packs that were never uploaded. */
#include <sys/mman.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <coffer/err.h>

#include "backup/cache.h"
#include "core/file.h"

#define IDX_MAGIC	"CFBKIDX2"	/* 2: with packs.len */
#define HDR		64
#define SLOT		48
#define MIN_SLOTS	(1u << 14)

struct cidx_hdr {
	char		magic[8];
	uint64_t	nslots;
	uint64_t	count;
	uint32_t	dirty;
};

struct cidx {
	int		 dirfd;
	int		 fd;
	uint8_t		*map;
	size_t		 maplen;
	uint64_t	 nslots;
	uint8_t		(*packs)[BK_ID];
	size_t		 npacks, packcap;
	uint8_t		(*segs)[BK_ID];
	size_t		 nsegs, segcap;
	uint32_t	*plen;		/* pack lengths, 0 unknown */
	size_t		 plencap;
	int		 packfd;
	int		 segfd;
	int		 lenfd;
	pthread_mutex_t	 lock;
};

static struct cidx_hdr *
hdr(struct cidx *c)
{
	return (struct cidx_hdr *)(void *)c->map;
}

static int
errno_err(void)
{
	return errno == ENOSPC ? COFFER_ERR_NOSPACE : errno == ENOMEM ?
	    COFFER_ERR_NOMEM : COFFER_ERR_IO;
}

/* Map a table of nslots at fd (already sized). */
static int
idx_map(int fd, uint64_t nslots, uint8_t **map)
{
	void *p = mmap(NULL, HDR + nslots * SLOT, PROT_READ | PROT_WRITE,
	    MAP_SHARED, fd, 0);

	if (p == MAP_FAILED)
		return errno_err();
	*map = p;
	return 0;
}

/* A new empty table file at name, mapped. */
static int
idx_create(int dirfd, const char *name, uint64_t nslots, int *fdp,
    uint8_t **map)
{
	struct cidx_hdr h;
	int fd, r;

	if ((fd = openat(dirfd, name, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0600)) < 0)
		return errno_err();
	if (ftruncate(fd, (off_t)(HDR + nslots * SLOT)) != 0) {
		r = errno_err();
		close(fd);
		return r;
	}
	if ((r = idx_map(fd, nslots, map)) != 0) {
		close(fd);
		return r;
	}
	memset(&h, 0, sizeof(h));
	memcpy(h.magic, IDX_MAGIC, 8);
	h.nslots = nslots;
	memcpy(*map, &h, sizeof(h));
	*fdp = fd;
	return 0;
}

/* chunks.idx is a local cache, mapped and never read on another machine:
 * its fields are in the host's byte order on purpose, so a lookup
 * copies them without swapping (core/sysendian.h is for the formats that
 * leave the machine). The file's layout does not change with this. */
static void
slot_put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

static uint32_t
slot_get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

/* The slot of (id, type), or the empty slot where it would go. A chunk is
 * keyed by its id and its type together: a data chunk whose bytes equal a
 * tree's has the tree's id, and both must be found (PROTOCOL-backup.md,
 * "Chunks and ids"). */
static uint8_t *
slot_find(uint8_t *map, uint64_t nslots, const uint8_t id[BK_ID], uint8_t type,
    int *found)
{
	uint64_t h, i;
	uint8_t *s;

	memcpy(&h, id, sizeof(h));
	for (i = h & (nslots - 1);; i = (i + 1) & (nslots - 1)) {
		s = map + HDR + i * SLOT;
		if (memcmp(s + BK_ID, "\0\0\0\0", 4) == 0) {
			*found = 0;
			return s;
		}
		if (memcmp(s, id, BK_ID) == 0 &&
		    slot_get32(s + BK_ID + 12) >> 31 == type) {
			*found = 1;
			return s;
		}
	}
}

static int
list_load(int dirfd, const char *name, int *fdp, uint8_t (**v)[BK_ID],
    size_t *n, size_t *cap)
{
	struct stat st;
	size_t cnt;
	int fd;

	if ((fd = openat(dirfd, name, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC,
	    0600)) < 0 || fstat(fd, &st) != 0)
		goto fail;
	cnt = (size_t)st.st_size / BK_ID;
	*cap = cnt + 64;
	if ((*v = malloc(*cap * BK_ID)) == NULL) {
		close(fd);
		return COFFER_ERR_NOMEM;
	}
	if (cnt > 0 && pread(fd, *v, cnt * BK_ID, 0) != (ssize_t)(cnt * BK_ID))
		goto fail;
	*n = cnt;
	*fdp = fd;
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	return errno_err();
}

static int
list_add(int fd, uint8_t (**v)[BK_ID], size_t *n, size_t *cap,
    const uint8_t id[BK_ID])
{
	uint8_t (*nv)[BK_ID];

	if (*n == *cap) {
		if ((nv = realloc(*v, *cap * 2 * BK_ID)) == NULL)
			return COFFER_ERR_NOMEM;
		*v = nv;
		*cap *= 2;
	}
	if (file_write_all(fd, id, BK_ID) != 0)
		return errno_err();
	memcpy((*v)[*n], id, BK_ID);
	(*n)++;
	return 0;
}

/* Room for the length of pack number n - 1 (lock held or not shared). */
static int
len_room(struct cidx *c, size_t n)
{
	uint32_t *nl;
	size_t cap;

	if (n <= c->plencap)
		return 0;
	cap = c->plencap < 64 ? 64 : c->plencap;
	while (cap < n)
		cap *= 2;
	if ((nl = realloc(c->plen, cap * sizeof(*nl))) == NULL)
		return COFFER_ERR_NOMEM;
	memset(nl + c->plencap, 0, (cap - c->plencap) * sizeof(*nl));
	c->plen = nl;
	c->plencap = cap;
	return 0;
}

/* Read packs.len: each record naming a registered pack sets its length. */
static int
len_load(struct cidx *c)
{
	uint32_t rec[2];
	int r;

	if ((c->lenfd = openat(c->dirfd, "packs.len", O_RDWR | O_CREAT |
	    O_APPEND | O_CLOEXEC, 0600)) < 0)
		return errno_err();
	if ((r = len_room(c, c->npacks)) != 0)
		return r;
	while (read(c->lenfd, rec, sizeof(rec)) == (ssize_t)sizeof(rec))
		if (rec[0] < c->npacks)
			c->plen[rec[0]] = rec[1];
	return 0;
}

int
cidx_open(struct cidx **out, int dirfd)
{
	struct cidx *c;
	struct stat st;
	struct cidx_hdr h;
	int r;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return COFFER_ERR_NOMEM;
	c->dirfd = dirfd;
	c->fd = c->packfd = c->segfd = c->lenfd = -1;
	pthread_mutex_init(&c->lock, NULL);
	if ((c->fd = openat(dirfd, "chunks.idx", O_RDWR | O_CLOEXEC)) >= 0 &&
	    fstat(c->fd, &st) == 0 && st.st_size >= HDR &&
	    pread(c->fd, &h, sizeof(h), 0) == (ssize_t)sizeof(h) &&
	    memcmp(h.magic, IDX_MAGIC, 8) == 0 && h.nslots >= MIN_SLOTS &&
	    h.nslots <= (SIZE_MAX - HDR) / SLOT &&
	    (h.nslots & (h.nslots - 1)) == 0 &&
	    (uint64_t)st.st_size == HDR + h.nslots * SLOT &&
	    idx_map(c->fd, h.nslots, &c->map) == 0) {
		c->nslots = h.nslots;
	} else {
		if (c->fd >= 0)
			close(c->fd);
		c->fd = -1;
		if ((r = idx_create(dirfd, "chunks.idx", MIN_SLOTS, &c->fd,
		    &c->map)) != 0)
			goto fail;
		c->nslots = MIN_SLOTS;
		/* A new table knows nothing: drop the side files too. */
		unlinkat(dirfd, "packs.lst", 0);
		unlinkat(dirfd, "segs.lst", 0);
		unlinkat(dirfd, "packs.len", 0);
	}
	c->maplen = HDR + c->nslots * SLOT;
	if ((r = list_load(dirfd, "packs.lst", &c->packfd, &c->packs,
	    &c->npacks, &c->packcap)) != 0 ||
	    (r = list_load(dirfd, "segs.lst", &c->segfd, &c->segs, &c->nsegs,
	    &c->segcap)) != 0 || (r = len_load(c)) != 0)
		goto fail;
	*out = c;
	return 0;
fail:
	cidx_close(&c, 0);
	return r;
}

void
cidx_close(struct cidx **p, int clean)
{
	struct cidx *c;

	if (p == NULL || (c = *p) == NULL)
		return;
	if (c->map != NULL) {
		if (clean && msync(c->map, c->maplen, MS_SYNC) == 0 &&
		    file_sync(c->packfd) == 0 && file_sync(c->segfd) == 0 &&
		    file_sync(c->lenfd) == 0) {
			hdr(c)->dirty = 0;
			msync(c->map, HDR, MS_SYNC);
		}
		munmap(c->map, c->maplen);
	}
	if (c->fd >= 0)
		close(c->fd);
	if (c->packfd >= 0)
		close(c->packfd);
	if (c->segfd >= 0)
		close(c->segfd);
	if (c->lenfd >= 0)
		close(c->lenfd);
	free(c->plen);
	free(c->packs);
	free(c->segs);
	pthread_mutex_destroy(&c->lock);
	free(c);
	*p = NULL;
}

int
cidx_dirty(const struct cidx *c)
{
	return ((const struct cidx_hdr *)(const void *)c->map)->dirty != 0;
}

int
cidx_begin(struct cidx *c)
{
	if (hdr(c)->dirty)
		return 0;
	hdr(c)->dirty = 1;
	return msync(c->map, HDR, MS_SYNC) == 0 ? 0 : errno_err();
}

int
cidx_reset(struct cidx *c)
{
	int r = 0;

	pthread_mutex_lock(&c->lock);
	memset(c->map + HDR, 0, c->nslots * SLOT);
	hdr(c)->count = 0;
	c->npacks = c->nsegs = 0;
	if (c->plen != NULL)
		memset(c->plen, 0, c->plencap * sizeof(*c->plen));
	if (ftruncate(c->packfd, 0) != 0 || ftruncate(c->segfd, 0) != 0 ||
	    ftruncate(c->lenfd, 0) != 0)
		r = errno_err();
	pthread_mutex_unlock(&c->lock);
	return r;
}

int
cidx_pack(struct cidx *c, const uint8_t id[BK_ID], uint32_t *no)
{
	int r;

	pthread_mutex_lock(&c->lock);
	if (c->npacks >= UINT32_MAX - 1)
		r = COFFER_ERR_TOOBIG;
	else if ((r = len_room(c, c->npacks + 1)) == 0 &&
	    (r = list_add(c->packfd, &c->packs, &c->npacks, &c->packcap,
	    id)) == 0) {
		*no = (uint32_t)(c->npacks - 1);
		c->plen[*no] = 0;
	}
	pthread_mutex_unlock(&c->lock);
	return r;
}

int
cidx_pack_len(struct cidx *c, uint32_t no, uint32_t len)
{
	uint32_t rec[2] = { no, len };
	int r = 0;

	pthread_mutex_lock(&c->lock);
	if (no >= c->npacks)
		r = COFFER_ERR_INVALID;
	else if (c->plen[no] != len) {
		if (file_write_all(c->lenfd, rec, sizeof(rec)) != 0)
			r = errno_err();
		else
			c->plen[no] = len;
	}
	pthread_mutex_unlock(&c->lock);
	return r;
}

/* Double the table: a new file, every entry re-inserted, renamed over. */
static int
idx_grow(struct cidx *c)
{
	uint64_t n = c->nslots * 2, i;
	uint8_t *map = NULL, *s, *d;
	int fd = -1, found, r;

	if ((r = idx_create(c->dirfd, "chunks.idx.new", n, &fd, &map)) != 0)
		return r;
	for (i = 0; i < c->nslots; i++) {
		s = c->map + HDR + i * SLOT;
		if (memcmp(s + BK_ID, "\0\0\0\0", 4) == 0)
			continue;
		d = slot_find(map, n, s, (uint8_t)(slot_get32(s + BK_ID + 12) >>
		    31), &found);
		memcpy(d, s, SLOT);
	}
	((struct cidx_hdr *)(void *)map)->count = hdr(c)->count;
	((struct cidx_hdr *)(void *)map)->dirty = hdr(c)->dirty;
	if (renameat(c->dirfd, "chunks.idx.new", c->dirfd, "chunks.idx")
	    != 0) {
		r = errno_err();
		munmap(map, HDR + n * SLOT);
		close(fd);
		return r;
	}
	munmap(c->map, c->maplen);
	close(c->fd);
	c->map = map;
	c->fd = fd;
	c->nslots = n;
	c->maplen = HDR + n * SLOT;
	return 0;
}

int
cidx_add(struct cidx *c, uint32_t no, const struct bk_entry *e)
{
	uint8_t *s;
	int found, r = 0;

	pthread_mutex_lock(&c->lock);
	if (no >= c->npacks) {
		r = COFFER_ERR_INVALID;
		goto out;
	}
	if ((hdr(c)->count + 1) * 8 > c->nslots * 5 &&
	    (r = idx_grow(c)) != 0)
		goto out;
	s = slot_find(c->map, c->nslots, e->id, e->type, &found);
	if (found) {
		r = 1;
		goto out;
	}
	memcpy(s, e->id, BK_ID);
	slot_put32(s + BK_ID + 4, e->offset);
	slot_put32(s + BK_ID + 8, e->slen);
	slot_put32(s + BK_ID + 12, (uint32_t)e->type << 31 | e->rlen);
	slot_put32(s + BK_ID, no + 1);
	hdr(c)->count++;
out:
	pthread_mutex_unlock(&c->lock);
	return r;
}

/* Decode an occupied slot (lock held); COFFER_ERR_CORRUPT when its pack
 * number names no known pack (a damaged cache file). */
static int
slot_read(struct cidx *c, const uint8_t *s, struct bk_entry *e,
    uint8_t packid[BK_ID], uint32_t *plen)
{
	uint32_t v, pn = slot_get32(s + BK_ID);

	if (pn == 0 || (size_t)pn - 1 >= c->npacks)
		return COFFER_ERR_CORRUPT;
	if (e != NULL) {
		memcpy(e->id, s, BK_ID);
		e->offset = slot_get32(s + BK_ID + 4);
		e->slen = slot_get32(s + BK_ID + 8);
		v = slot_get32(s + BK_ID + 12);
		e->type = (uint8_t)(v >> 31);
		e->rlen = v & 0x7fffffffu;
	}
	if (packid != NULL)
		memcpy(packid, c->packs[pn - 1], BK_ID);
	if (plen != NULL)
		*plen = c->plen[pn - 1];
	return 0;
}

int
cidx_get(struct cidx *c, const uint8_t id[BK_ID], uint8_t type,
    struct bk_entry *e, uint8_t packid[BK_ID])
{
	return cidx_locate(c, id, type, e, packid, NULL);
}

int
cidx_locate(struct cidx *c, const uint8_t id[BK_ID], uint8_t type,
    struct bk_entry *e, uint8_t packid[BK_ID], uint32_t *plen)
{
	const uint8_t *s;
	int found, r;

	if (type > BK_TREE)
		return COFFER_ERR_NOTFOUND;
	pthread_mutex_lock(&c->lock);
	s = slot_find(c->map, c->nslots, id, type, &found);
	r = found ? slot_read(c, s, e, packid, plen) : COFFER_ERR_NOTFOUND;
	pthread_mutex_unlock(&c->lock);
	return r;
}

int
cidx_has_seg(struct cidx *c, const uint8_t id[BK_ID])
{
	size_t i;

	for (i = 0; i < c->nsegs; i++)
		if (memcmp(c->segs[i], id, BK_ID) == 0)
			return 1;
	return 0;
}

int
cidx_add_seg(struct cidx *c, const uint8_t id[BK_ID])
{
	int r;

	pthread_mutex_lock(&c->lock);
	r = list_add(c->segfd, &c->segs, &c->nsegs, &c->segcap, id);
	pthread_mutex_unlock(&c->lock);
	return r;
}

size_t
cidx_nsegs(struct cidx *c)
{
	return c->nsegs;
}

const uint8_t *
cidx_seg(struct cidx *c, size_t i)
{
	return c->segs[i];
}

size_t
cidx_count(struct cidx *c)
{
	return (size_t)hdr(c)->count;
}

int
cidx_slot(struct cidx *c, const uint8_t id[BK_ID], uint8_t type,
    uint64_t *slot)
{
	const uint8_t *s;
	int found;

	if (type > BK_TREE)
		return COFFER_ERR_NOTFOUND;
	pthread_mutex_lock(&c->lock);
	s = slot_find(c->map, c->nslots, id, type, &found);
	*slot = (uint64_t)(s - c->map - HDR) / SLOT;
	pthread_mutex_unlock(&c->lock);
	return found ? 0 : COFFER_ERR_NOTFOUND;
}

uint64_t
cidx_nslots(struct cidx *c)
{
	return c->nslots;
}

int
cidx_at(struct cidx *c, uint64_t slot, struct bk_entry *e,
    uint8_t packid[BK_ID])
{
	const uint8_t *s;
	int r = COFFER_ERR_NOTFOUND;

	pthread_mutex_lock(&c->lock);
	if (slot < c->nslots) {
		s = c->map + HDR + slot * SLOT;
		if (memcmp(s + BK_ID, "\0\0\0\0", 4) != 0)
			r = slot_read(c, s, e, packid, NULL);
	}
	pthread_mutex_unlock(&c->lock);
	return r;
}

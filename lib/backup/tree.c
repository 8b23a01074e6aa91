/* Trees: one per directory (docs/PROTOCOL-backup.md, "Tree").
 *
 * tree  = version (1) | count (u32) | count x node, sorted by name bytes
 * node  = name (u16 len) | type (1) | mode, uid, gid (u32) | user, group
 *         (u8 len) | mtime_ns, ctime_ns (i64) | size (u64) | by type:
 *         file: nchunks (u32) | ids; dir: subtree id; symlink, hardlink:
 *         target (u16 len); chr, blk: rdev (u64); fifo, sock: nothing |
 *         nxattrs (u16) | nxattrs x (name (u8 len) | value (u32 len))
 *
 * Version 2 (written only for a tree holding a sparse file, so every
 * other tree keeps its version 1 bytes) adds type 9, a sparse file: a
 * file's fields, then nextents (u32) | nextents x (offset, length (u64)),
 * its data extents; the chunks hold their bytes back to back.
 *
 * The encoder and the decoder share node_valid, so nothing the encoder
 * writes is refused by the decoder and the reverse. */
#include <stdlib.h>
#include <string.h>

#include <coffer/err.h>

#include "backup/format.h"
#include "core/reader.h"
#include "core/sysendian.h"

/* The smallest node: a 1-byte name, empty user and group, no xattrs, a
 * fifo or socket (name length 2 + 1, type 1, mode, uid, gid 12, user and
 * group lengths 2, times 16, size 8, xattr count 2). */
#define NODE_MIN	44

static int
bytes_nonul(const uint8_t *p, size_t n)
{
	return n == 0 || memchr(p, 0, n) == NULL;
}

static int
name_valid(const uint8_t *p, size_t n)
{
	if (n == 0 || n > BK_NAME_MAX || !bytes_nonul(p, n) ||
	    memchr(p, '/', n) != NULL)
		return 0;
	return !(n == 1 && p[0] == '.') && !(n == 2 && p[0] == '.' &&
	    p[1] == '.');
}

/* A hard link's target: a relative path of valid names. */
static int
relpath_valid(const uint8_t *p, size_t n)
{
	size_t i, start = 0;

	if (n == 0 || n > BK_PATH_MAX)
		return 0;
	for (i = 0; i <= n; i++)
		if (i == n || p[i] == '/') {
			if (!name_valid(p + start, i - start))
				return 0;
			start = i + 1;
		}
	return 1;
}

static int
order(const uint8_t *a, size_t al, const uint8_t *b, size_t bl)
{
	int c = memcmp(a, b, al < bl ? al : bl);

	if (c != 0)
		return c;
	return al < bl ? -1 : al > bl;
}

/* The xattr list at p: count records, names strictly increasing. */
static int
xattrs_walk(const uint8_t *p, size_t len, uint16_t count)
{
	struct reader rd;
	const uint8_t *name, *prev = NULL, *v;
	uint8_t nl;
	uint32_t vl;
	size_t prevl = 0, i;
	int r;

	if (count > BK_XATTRS_MAX)
		return COFFER_ERR_TOOBIG;
	reader_init(&rd, p, len);
	for (i = 0; i < count; i++) {
		if ((r = reader_u8(&rd, &nl)) != 0 ||
		    (r = reader_bytes(&rd, nl, &name)) != 0 ||
		    (r = reader_u32(&rd, &vl)) != 0)
			return r;
		if (vl > BK_XATTR_VALUE_MAX)
			return COFFER_ERR_TOOBIG;
		if ((r = reader_bytes(&rd, vl, &v)) != 0)
			return r;
		if (nl == 0 || !bytes_nonul(name, nl) ||
		    (prev != NULL && order(prev, prevl, name, nl) >= 0))
			return COFFER_ERR_FORMAT;
		prev = name;
		prevl = nl;
	}
	return reader_end(&rd);
}

/* A sparse file's extents: sorted with a hole between each two, none
 * empty, inside the size; some data iff some chunks; at least one hole. */
static int
extents_valid(const struct bk_node *n)
{
	uint64_t off, len, end = 0;
	uint32_t i;

	if (n->nextents > BK_EXTENTS_MAX)
		return COFFER_ERR_TOOBIG;
	if (n->size == 0 || (n->nextents == 0) != (n->nchunks == 0))
		return COFFER_ERR_FORMAT;
	for (i = 0; i < n->nextents; i++) {
		off = be64dec(n->extents + (size_t)i * BK_EXTENT);
		len = be64dec(n->extents + (size_t)i * BK_EXTENT + 8);
		if (len == 0 || (i > 0 && off <= end) || off > n->size ||
		    len > n->size - off)
			return COFFER_ERR_FORMAT;
		end = off + len;
	}
	/* One extent over the whole file is a dense file. */
	if (n->nextents == 1 && be64dec(n->extents) == 0 && end == n->size)
		return COFFER_ERR_FORMAT;
	return 0;
}

uint64_t
bk_extents_data(const struct bk_node *n)
{
	uint64_t sum = 0;
	uint32_t i;

	for (i = 0; i < n->nextents; i++)
		sum += be64dec(n->extents + (size_t)i * BK_EXTENT + 8);
	return sum;
}

static int
node_valid(const struct bk_node *n)
{
	int r;

	if (!name_valid(n->name, n->name_len) || (n->mode & ~07777u) != 0 ||
	    n->user_len > 255 || n->group_len > 255 ||
	    !bytes_nonul(n->user, n->user_len) ||
	    !bytes_nonul(n->group, n->group_len))
		return COFFER_ERR_FORMAT;
	switch (n->type) {
	case BK_FILE:
		if ((uint64_t)n->nchunks * BK_ID > BK_CHUNK_MAX)
			return COFFER_ERR_TOOBIG;
		if (n->sparse && (r = extents_valid(n)) != 0)
			return r;
		break;
	case BK_DIR:
		if (n->subtree == NULL)
			return COFFER_ERR_FORMAT;
		break;
	case BK_SYMLINK:
		if (n->target_len == 0 || n->target_len > BK_PATH_MAX ||
		    !bytes_nonul(n->target, n->target_len))
			return COFFER_ERR_FORMAT;
		break;
	case BK_HARDLINK:
		if (!relpath_valid(n->target, n->target_len))
			return COFFER_ERR_FORMAT;
		break;
	case BK_CHR: case BK_BLK: case BK_FIFO: case BK_SOCK:
		break;
	default:
		return COFFER_ERR_FORMAT;
	}
	return xattrs_walk(n->xattrs, n->xattrs_len, n->nxattrs);
}

int
bk_tree_begin(struct coffer_buf *b)
{
	int r;

	coffer_buf_reset(b);
	if ((r = coffer_buf_put_u8(b, BK_TREE_VERSION)) != 0)
		return r;
	return coffer_buf_put_u32(b, 0);
}

int
bk_tree_end(struct coffer_buf *b, uint32_t count)
{
	uint8_t *p = coffer_buf_mutable(b);

	if (coffer_buf_len(b) < 5)
		return COFFER_ERR_INVALID;
	be32enc(p + 1, count);
	return 0;
}

int
bk_tree_add(struct coffer_buf *b, const struct bk_node *n,
    const uint8_t *prev, size_t prevlen)
{
	size_t old = coffer_buf_len(b);
	int r;

	if ((r = node_valid(n)) != 0)
		return r;
	if (prev != NULL && order(prev, prevlen, n->name, n->name_len) >= 0)
		return COFFER_ERR_FORMAT;
	if ((r = coffer_buf_put_u16(b, (uint16_t)n->name_len)) != 0 ||
	    (r = coffer_buf_append(b, n->name, n->name_len)) != 0 ||
	    (r = coffer_buf_put_u8(b, n->type == BK_FILE && n->sparse ?
	    BK_TYPE_SPARSE : n->type)) != 0 ||
	    (r = coffer_buf_put_u32(b, n->mode)) != 0 ||
	    (r = coffer_buf_put_u32(b, n->uid)) != 0 ||
	    (r = coffer_buf_put_u32(b, n->gid)) != 0 ||
	    (r = coffer_buf_put_u8(b, (uint8_t)n->user_len)) != 0 ||
	    (r = coffer_buf_append(b, n->user, n->user_len)) != 0 ||
	    (r = coffer_buf_put_u8(b, (uint8_t)n->group_len)) != 0 ||
	    (r = coffer_buf_append(b, n->group, n->group_len)) != 0 ||
	    (r = coffer_buf_put_u64(b, (uint64_t)n->mtime_ns)) != 0 ||
	    (r = coffer_buf_put_u64(b, (uint64_t)n->ctime_ns)) != 0 ||
	    (r = coffer_buf_put_u64(b, n->size)) != 0)
		goto out;
	switch (n->type) {
	case BK_FILE:
		if ((r = coffer_buf_put_u32(b, n->nchunks)) == 0)
			r = coffer_buf_append(b, n->chunks,
			    (size_t)n->nchunks * BK_ID);
		if (r == 0 && n->sparse &&
		    (r = coffer_buf_put_u32(b, n->nextents)) == 0 &&
		    (r = coffer_buf_append(b, n->extents,
		    (size_t)n->nextents * BK_EXTENT)) == 0)
			coffer_buf_mutable(b)[0] = BK_TREE_VERSION_SPARSE;
		break;
	case BK_DIR:
		r = coffer_buf_append(b, n->subtree, BK_ID);
		break;
	case BK_SYMLINK: case BK_HARDLINK:
		if ((r = coffer_buf_put_u16(b, (uint16_t)n->target_len)) == 0)
			r = coffer_buf_append(b, n->target, n->target_len);
		break;
	case BK_CHR: case BK_BLK:
		r = coffer_buf_put_u64(b, n->rdev);
		break;
	default:
		break;
	}
	if (r == 0 && (r = coffer_buf_put_u16(b, n->nxattrs)) == 0)
		r = coffer_buf_append(b, n->xattrs, n->xattrs_len);
out:
	if (r != 0)
		coffer_buf_truncate(b, old);
	return r;
}

static int
tree_node(struct reader *rd, uint8_t version, struct bk_node *n)
{
	uint16_t u16;
	uint8_t u8;
	uint64_t u64;
	size_t start;
	int r;

	memset(n, 0, sizeof(*n));
	if ((r = reader_u16(rd, &u16)) != 0 ||
	    (r = reader_bytes(rd, u16, &n->name)) != 0 ||
	    (r = reader_u8(rd, &n->type)) != 0 ||
	    (r = reader_u32(rd, &n->mode)) != 0 ||
	    (r = reader_u32(rd, &n->uid)) != 0 ||
	    (r = reader_u32(rd, &n->gid)) != 0)
		return r;
	n->name_len = u16;
	if (n->type == BK_TYPE_SPARSE && version == BK_TREE_VERSION_SPARSE) {
		n->type = BK_FILE;
		n->sparse = 1;
	}
	if ((r = reader_u8(rd, &u8)) != 0 ||
	    (r = reader_bytes(rd, u8, &n->user)) != 0)
		return r;
	n->user_len = u8;
	if ((r = reader_u8(rd, &u8)) != 0 ||
	    (r = reader_bytes(rd, u8, &n->group)) != 0)
		return r;
	n->group_len = u8;
	if ((r = reader_u64(rd, &u64)) != 0)
		return r;
	n->mtime_ns = (int64_t)u64;
	if ((r = reader_u64(rd, &u64)) != 0)
		return r;
	n->ctime_ns = (int64_t)u64;
	if ((r = reader_u64(rd, &n->size)) != 0)
		return r;
	switch (n->type) {
	case BK_FILE:
		if ((r = reader_u32(rd, &n->nchunks)) != 0)
			return r;
		if ((uint64_t)n->nchunks * BK_ID > reader_left(rd))
			return COFFER_ERR_TRUNCATED;
		r = reader_bytes(rd, (size_t)n->nchunks * BK_ID,
		    &n->chunks);
		if (r != 0 || !n->sparse)
			break;
		if ((r = reader_u32(rd, &n->nextents)) != 0)
			return r;
		if (n->nextents > BK_EXTENTS_MAX)
			return COFFER_ERR_TOOBIG;
		r = reader_bytes(rd, (size_t)n->nextents * BK_EXTENT,
		    &n->extents);
		break;
	case BK_DIR:
		r = reader_bytes(rd, BK_ID, &n->subtree);
		break;
	case BK_SYMLINK: case BK_HARDLINK:
		if ((r = reader_u16(rd, &u16)) != 0)
			return r;
		n->target_len = u16;
		r = reader_bytes(rd, u16, &n->target);
		break;
	case BK_CHR: case BK_BLK:
		r = reader_u64(rd, &n->rdev);
		break;
	case BK_FIFO: case BK_SOCK:
		break;
	default:
		return COFFER_ERR_FORMAT;
	}
	if (r != 0 || (r = reader_u16(rd, &n->nxattrs)) != 0)
		return r;
	/* Find the list's end by walking it without the order check. */
	start = rd->off;
	for (u16 = 0; u16 < n->nxattrs; u16++) {
		uint32_t vl;
		const uint8_t *skip;

		if ((r = reader_u8(rd, &u8)) != 0 ||
		    (r = reader_bytes(rd, u8, &skip)) != 0 ||
		    (r = reader_u32(rd, &vl)) != 0)
			return r;
		if (vl > BK_XATTR_VALUE_MAX)
			return COFFER_ERR_TOOBIG;
		if ((r = reader_bytes(rd, vl, &skip)) != 0)
			return r;
	}
	n->xattrs = rd->p + start;
	n->xattrs_len = rd->off - start;
	return node_valid(n);
}

int
bk_tree_decode(const uint8_t *p, size_t len, struct bk_node **out, size_t *n)
{
	struct reader rd;
	struct bk_node *v = NULL;
	uint8_t version;
	uint32_t count, i;
	int r, sparse = 0;

	if (len > BK_CHUNK_MAX)
		return COFFER_ERR_TOOBIG;
	reader_init(&rd, p, len);
	if ((r = reader_u8(&rd, &version)) != 0)
		goto out;
	if (version != BK_TREE_VERSION &&
	    version != BK_TREE_VERSION_SPARSE) {
		r = COFFER_ERR_VERSION;
		goto out;
	}
	if ((r = reader_u32(&rd, &count)) != 0)
		goto out;
	/* Every node takes at least NODE_MIN bytes: refuse impossible
	 * counts before allocating. */
	if ((uint64_t)count * NODE_MIN > reader_left(&rd)) {
		r = COFFER_ERR_TRUNCATED;
		goto out;
	}
	if ((v = calloc(count ? count : 1, sizeof(*v))) == NULL) {
		r = COFFER_ERR_NOMEM;
		goto out;
	}
	for (i = 0; i < count; i++) {
		if ((r = tree_node(&rd, version, &v[i])) != 0)
			goto out;
		sparse |= v[i].sparse;
		if (i > 0 && order(v[i - 1].name, v[i - 1].name_len,
		    v[i].name, v[i].name_len) >= 0) {
			r = COFFER_ERR_FORMAT;
			goto out;
		}
	}
	if ((r = reader_end(&rd)) != 0)
		goto out;
	/* Version 2 only for a tree with a sparse file: one encoding. */
	if ((version == BK_TREE_VERSION_SPARSE) != sparse) {
		r = COFFER_ERR_FORMAT;
		goto out;
	}
	*out = v;
	*n = count;
	v = NULL;
out:
	free(v);
	return r;
}

int
bk_xattr_put(struct coffer_buf *b, const char *name, size_t nlen,
    const uint8_t *value, size_t vlen)
{
	size_t old = coffer_buf_len(b);
	int r;

	if (nlen == 0 || nlen > BK_XATTR_NAME_MAX)
		return COFFER_ERR_FORMAT;
	if (vlen > BK_XATTR_VALUE_MAX)
		return COFFER_ERR_TOOBIG;
	if ((r = coffer_buf_put_u8(b, (uint8_t)nlen)) != 0 ||
	    (r = coffer_buf_append(b, name, nlen)) != 0 ||
	    (r = coffer_buf_put_u32(b, (uint32_t)vlen)) != 0 ||
	    (r = coffer_buf_append(b, value, vlen)) != 0)
		coffer_buf_truncate(b, old);
	return r;
}

void
bk_xattr_next(const uint8_t *p, size_t *off, const uint8_t **name,
    size_t *nlen, const uint8_t **value, size_t *vlen)
{
	size_t o = *off;

	*nlen = p[o];
	*name = p + o + 1;
	o += 1 + *nlen;
	*vlen = be32dec(p + o);
	*value = p + o + 4;
	*off = o + 4 + *vlen;
}

/* The snapshot view (coffer_backup_view_*, coffer_backup_stat, _readdir,
 * _read): paths looked up through cached trees, files read chunk by
 * chunk. A chunk is fetched and verified (AEAD, then its HMAC id) before
 * any byte of it is copied out; the few most recent chunks are kept
 * decrypted (in wiped memory). Sequential reads of a file resume at the
 * chunk the last read ended in. */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include <coffer/err.h>

#include "backup/tcache.h"
#include "backup/walk.h"
#include "core/sysendian.h"

#define VIEW_CHUNKS	4		/* decrypted chunks kept */
#define VIEW_CACHE	((size_t)32 << 20)

struct vchunk {
	uint8_t			 id[BK_ID];
	struct coffer_buf	*plain;
	uint64_t		 used;
};

struct coffer_backup_view {
	struct coffer_backup_repo	*r;
	struct repo_snaps		 ss;
	struct tcache			 tc;
	struct vchunk			 ch[VIEW_CHUNKS];
	uint64_t			 clock;
	/* Where the last read ended: the file's chunk list (hashed), the
	 * chunk and its first byte's offset. */
	uint8_t				 hint_list[32];
	uint32_t			 hint_chunk;
	uint64_t			 hint_off;
	int				 hint_ok;
	struct tc_ent			 ent;
	char				 name[BK_NAME_MAX + 1];
};

int
coffer_backup_view_open(struct coffer_backup_view **out,
    struct coffer_backup_repo *r, size_t cache_bytes)
{
	struct coffer_backup_view *v = NULL;
	int rc;

	if (out == NULL || r == NULL)
		return COFFER_ERR_INVALID;
	*out = NULL;
	repo_clear(r);
	if ((v = calloc(1, sizeof(*v))) == NULL)
		return COFFER_ERR_NOMEM;
	v->r = r;
	if ((rc = tc_init(&v->tc, r, cache_bytes ? cache_bytes :
	    VIEW_CACHE)) != 0 ||
	    (rc = repo_snapshots(r, NULL, 0, &v->ss)) != 0)
		goto out;
	*out = v;
	v = NULL;
out:
	coffer_backup_view_close(&v);
	return rc;
}

void
coffer_backup_view_close(struct coffer_backup_view **p)
{
	struct coffer_backup_view *v;
	size_t i;

	if (p == NULL || (v = *p) == NULL)
		return;
	for (i = 0; i < VIEW_CHUNKS; i++)
		coffer_buf_free(&v->ch[i].plain);
	tc_clear(&v->tc);
	repo_snaps_free(&v->ss);
	free(v);
	*p = NULL;
}

int
coffer_backup_view_snapshots(struct coffer_backup_view *v,
    coffer_backup_snapshot_fn fn, void *arg)
{
	struct coffer_backup_snapshot s;
	size_t i;
	int rc = 0;

	if (v == NULL || fn == NULL)
		return COFFER_ERR_INVALID;
	for (i = 0; i < v->ss.n && rc == 0; i++) {
		repo_snap_public(&v->ss.v[i], v->ss.names[i], &s);
		rc = fn(arg, &s);
	}
	return rc;
}

static const struct bk_snapshot *
view_snap(struct coffer_backup_view *v, const uint8_t *id)
{
	char hex[2 * BK_NAME + 1];
	size_t i;

	for (i = 0; i < v->ss.n; i++)
		if (memcmp(v->ss.names[i], id, BK_NAME) == 0)
			return &v->ss.v[i];
	repo_hex(hex, id, BK_NAME);
	repo_fail(v->r, COFFER_ERR_NOTFOUND, "no snapshot %s", hex);
	return NULL;
}

/* The node at ${path} below tree ${root}: *${n} points into *${t}, which
 * stays pinned until tc_put. An empty path gives *${n} NULL and *${t} the
 * root tree. */
static int
lookup(struct coffer_backup_view *v, const uint8_t *root, const char *path,
    struct tc_tree **t, const struct bk_node **n)
{
	const char *p = path, *slash;
	const uint8_t *id = root;
	struct tc_tree *cur = NULL;
	const struct bk_node *node = NULL;
	size_t cl;
	int rc;

	*t = NULL;
	*n = NULL;
	for (;;) {
		while (*p == '/')
			p++;
		if (*p == '\0')
			break;
		if (node != NULL && node->type != BK_DIR) {
			rc = COFFER_ERR_NOTFOUND;
			goto fail;
		}
		if (node != NULL)
			id = node->subtree;
		slash = strchr(p, '/');
		cl = slash != NULL ? (size_t)(slash - p) : strlen(p);
		{
			struct tc_tree *next = NULL;

			if ((rc = tc_get(&v->tc, id, &next)) != 0)
				goto fail;
			tc_put(&v->tc, cur);
			cur = next;
		}
		if ((node = tc_find(cur, p, cl)) == NULL) {
			rc = COFFER_ERR_NOTFOUND;
			goto fail;
		}
		p += cl;
	}
	if (node == NULL) {
		if ((rc = tc_get(&v->tc, root, &cur)) != 0)
			goto fail;
	}
	*t = cur;
	*n = node;
	return 0;
fail:
	tc_put(&v->tc, cur);
	if (rc == COFFER_ERR_NOTFOUND)
		rc = repo_fail(v->r, rc, "no %s in the snapshot", path);
	return rc;
}

/* Start a call on ${path} of snapshot ${id}: its node into *${n} (NULL
 * for the top folder), its tree pinned into *${t}. */
static int
view_begin(struct coffer_backup_view *v, const uint8_t *id, const char *path,
    const struct bk_snapshot **s, struct tc_tree **t, const struct bk_node **n)
{
	repo_clear(v->r);
	if ((*s = view_snap(v, id)) == NULL)
		return COFFER_ERR_NOTFOUND;
	return lookup(v, (*s)->root, path, t, n);
}

int
coffer_backup_stat(struct coffer_backup_view *v,
    const uint8_t id[COFFER_SNAPSHOT_ID_BYTES], const char *path,
    struct coffer_backup_entry *e)
{
	const struct bk_snapshot *s;
	const struct bk_node *n;
	struct tc_tree *t = NULL;
	int rc;

	if (v == NULL || id == NULL || path == NULL || e == NULL)
		return COFFER_ERR_INVALID;
	if ((rc = view_begin(v, id, path, &s, &t, &n)) != 0)
		return rc;
	if (n == NULL) {
		/* The snapshot's top folder: made by the backup, not kept. */
		memset(e, 0, sizeof(*e));
		e->path = "";
		e->type = COFFER_BACKUP_DIR;
		e->mode = 0555;
		e->mtime_ns = s->time_ns;
		e->user = e->group = "";
	} else {
		tc_entry(&v->ent, n, path);
		*e = v->ent.e;
	}
	tc_put(&v->tc, t);
	return 0;
}

int
coffer_backup_readdir(struct coffer_backup_view *v,
    const uint8_t id[COFFER_SNAPSHOT_ID_BYTES], const char *path,
    coffer_backup_entry_fn fn, void *arg)
{
	const struct bk_snapshot *s;
	const struct bk_node *n;
	struct tc_tree *t = NULL, *dir = NULL;
	struct tc_ent *ent = NULL;
	size_t i;
	int rc;

	if (v == NULL || id == NULL || path == NULL || fn == NULL)
		return COFFER_ERR_INVALID;
	if ((rc = view_begin(v, id, path, &s, &t, &n)) != 0)
		return rc;
	if (n != NULL && n->type != BK_DIR) {
		rc = repo_fail(v->r, COFFER_ERR_STATE, "%s is not a folder",
		    path);
		goto out;
	}
	if (n == NULL) {
		dir = t;
		t = NULL;
	} else if ((rc = tc_get(&v->tc, n->subtree, &dir)) != 0)
		goto out;
	/* The callback may call the view again: entries of its own. */
	if ((ent = malloc(sizeof(*ent))) == NULL) {
		rc = COFFER_ERR_NOMEM;
		goto out;
	}
	for (i = 0; i < dir->n && rc == 0; i++) {
		memcpy(v->name, dir->v[i].name, dir->v[i].name_len);
		v->name[dir->v[i].name_len] = '\0';
		tc_entry(ent, &dir->v[i], v->name);
		rc = fn(arg, &ent->e);
	}
out:
	free(ent);
	tc_put(&v->tc, dir);
	tc_put(&v->tc, t);
	return rc;
}

/* Chunk ${cid}'s plaintext: from the cache, or fetched and verified. */
static int
view_chunk(struct coffer_backup_view *v, const uint8_t *cid,
    const struct coffer_buf **out)
{
	struct vchunk *c, *victim = &v->ch[0];
	size_t i;
	int rc;

	for (i = 0; i < VIEW_CHUNKS; i++) {
		c = &v->ch[i];
		if (c->plain != NULL && memcmp(c->id, cid, BK_ID) == 0) {
			c->used = ++v->clock;
			*out = c->plain;
			return 0;
		}
		if (c->plain == NULL || c->used < victim->used)
			victim = c;
	}
	if (victim->plain == NULL &&
	    (victim->plain = coffer_buf_new_secret(BK_CHUNK_MAX)) == NULL)
		return COFFER_ERR_NOMEM;
	memset(victim->id, 0, BK_ID);
	victim->used = 0;
	if ((rc = repo_read_chunk(v->r, &v->tc.rd, cid, BK_DATA,
	    victim->plain)) != 0) {
		coffer_buf_free(&victim->plain);
		return rc;
	}
	memcpy(victim->id, cid, BK_ID);
	victim->used = ++v->clock;
	*out = victim->plain;
	return 0;
}

/* Bytes [${off}, ${off} + ${len}) of the stream of ${n}'s chunks (a
 * sparse file's data extents back to back; else the file) into ${buf}:
 * 0, or CORRUPT when the chunks end first. */
static int
read_stream(struct coffer_backup_view *v, const struct bk_node *n,
    uint64_t off, uint8_t *buf, size_t len)
{
	const struct coffer_buf *p;
	struct bk_entry e;
	uint8_t list[32];
	uint64_t start = 0, end;
	uint32_t i = 0;
	size_t done = 0, k;
	int rc;

	crypto_generichash(list, sizeof(list), n->chunks,
	    (size_t)n->nchunks * BK_ID, NULL, 0);
	if (v->hint_ok && sodium_memcmp(list, v->hint_list, 32) == 0 &&
	    v->hint_off <= off) {
		i = v->hint_chunk;
		start = v->hint_off;
	}
	for (; i < n->nchunks && done < len; i++) {
		if (cidx_get(v->r->idx, n->chunks + (size_t)i * BK_ID,
		    BK_DATA, &e, NULL) != 0)
			return repo_fail(v->r, COFFER_ERR_CORRUPT,
			    "a chunk of the file is not in the index");
		end = start + e.rlen;
		if (end > off + done) {
			if ((rc = view_chunk(v, n->chunks + (size_t)i * BK_ID,
			    &p)) != 0)
				return rc;
			k = (size_t)(end - (off + done));
			if (k > len - done)
				k = len - done;
			memcpy(buf + done, coffer_buf_data(p) +
			    (off + done - start), k);
			done += k;
			memcpy(v->hint_list, list, 32);
			v->hint_chunk = i;
			v->hint_off = start;
			v->hint_ok = 1;
		}
		start = end;
	}
	if (done < len) {
		/* The chunks end before the size the tree gives. */
		sodium_memzero(buf, done);
		v->hint_ok = 0;
		return repo_fail(v->r, COFFER_ERR_CORRUPT, "a file's chunks "
		    "hold fewer bytes than its size");
	}
	return 0;
}

/* Bytes [${off}, ${off} + ${len}) of file ${n}, holes read as zeros. */
static int
read_file(struct coffer_backup_view *v, const struct bk_node *n,
    uint64_t off, uint8_t *buf, size_t len, size_t *got)
{
	uint64_t eoff, elen, soff = 0, pos, stop;
	size_t k;
	uint32_t x;
	int rc;

	*got = 0;
	if (off >= n->size || len == 0)
		return 0;
	if (len > n->size - off)
		len = (size_t)(n->size - off);
	if (!n->sparse) {
		if ((rc = read_stream(v, n, off, buf, len)) != 0)
			return rc;
		*got = len;
		return 0;
	}
	memset(buf, 0, len);		/* the holes */
	stop = off + len;
	for (x = 0; x < n->nextents; x++, soff += elen) {
		eoff = be64dec(n->extents + (size_t)x * BK_EXTENT);
		elen = be64dec(n->extents + (size_t)x * BK_EXTENT +
		    8);
		if (eoff >= stop)
			break;
		if (eoff + elen <= off)
			continue;
		pos = eoff > off ? eoff : off;
		k = (size_t)((eoff + elen < stop ? eoff + elen : stop) - pos);
		if ((rc = read_stream(v, n, soff + (pos - eoff),
		    buf + (pos - off), k)) != 0) {
			sodium_memzero(buf, len);
			return rc;
		}
	}
	*got = len;
	return 0;
}

int
coffer_backup_read(struct coffer_backup_view *v,
    const uint8_t id[COFFER_SNAPSHOT_ID_BYTES], const char *path,
    uint64_t offset, void *buf, size_t len, size_t *got)
{
	const struct bk_snapshot *s;
	const struct bk_node *n;
	struct tc_tree *t = NULL, *t2 = NULL;
	char *target = NULL;
	int rc;

	if (v == NULL || id == NULL || path == NULL || (buf == NULL &&
	    len > 0) || got == NULL)
		return COFFER_ERR_INVALID;
	*got = 0;
	if ((rc = view_begin(v, id, path, &s, &t, &n)) != 0)
		return rc;
	if (n != NULL && n->type == BK_HARDLINK) {
		/* A path from the snapshot's top to the first link. */
		if ((target = malloc(n->target_len + 1)) == NULL) {
			rc = COFFER_ERR_NOMEM;
			goto out;
		}
		memcpy(target, n->target, n->target_len);
		target[n->target_len] = '\0';
		if ((rc = lookup(v, s->root, target, &t2, &n)) != 0)
			goto out;
	}
	if (n == NULL || n->type != BK_FILE) {
		rc = repo_fail(v->r, COFFER_ERR_STATE, "%s is not a file",
		    path);
		goto out;
	}
	rc = read_file(v, n, offset, buf, len, got);
out:
	free(target);
	tc_put(&v->tc, t2);
	tc_put(&v->tc, t);
	return rc;
}

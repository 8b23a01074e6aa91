/* The tree cache: trees fetched once per run and kept, decoded, while
 * they fit; a tree in use is pinned and never evicted. */
#include <stdlib.h>
#include <string.h>

#include <coffer/err.h>

#include "backup/tcache.h"

int
tc_init(struct tcache *tc, struct coffer_backup_repo *r, size_t cap)
{
	memset(tc, 0, sizeof(*tc));
	tc->r = r;
	tc->cap = cap;
	return repo_reader_init(&tc->rd, r->kr);
}

static void
tree_free(struct tc_tree *t)
{
	coffer_buf_free(&t->plain);
	free(t->v);
	free(t);
}

void
tc_clear(struct tcache *tc)
{
	struct tc_tree *t;

	while ((t = tc->head) != NULL) {
		tc->head = t->next;
		tree_free(t);
	}
	tc->bytes = 0;
	repo_reader_clear(&tc->rd);
}

/* Drop least recently used unpinned trees until the cache fits. */
static void
evict(struct tcache *tc)
{
	struct tc_tree **pp, **victim;

	while (tc->bytes > tc->cap) {
		victim = NULL;
		for (pp = &tc->head; *pp != NULL; pp = &(*pp)->next)
			if ((*pp)->pins == 0 && (victim == NULL ||
			    (*pp)->used < (*victim)->used))
				victim = pp;
		if (victim == NULL)
			return;
		{
			struct tc_tree *t = *victim;

			*victim = t->next;
			tc->bytes -= coffer_buf_len(t->plain) +
			    t->n * sizeof(*t->v);
			tree_free(t);
		}
	}
}

int
tc_get(struct tcache *tc, const uint8_t id[BK_ID], struct tc_tree **out)
{
	struct tc_tree *t;
	char hex[2 * BK_ID + 1];
	int rc;

	for (t = tc->head; t != NULL; t = t->next)
		if (memcmp(t->id, id, BK_ID) == 0) {
			t->pins++;
			t->used = ++tc->clock;
			*out = t;
			return 0;
		}
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return COFFER_ERR_NOMEM;
	memcpy(t->id, id, BK_ID);
	if ((t->plain = coffer_buf_new_secret(BK_CHUNK_MAX)) == NULL) {
		rc = COFFER_ERR_NOMEM;
		goto fail;
	}
	if ((rc = repo_read_chunk(tc->r, &tc->rd, id, BK_TREE,
	    t->plain)) != 0)
		goto fail;
	tc->loads++;
	if ((rc = bk_tree_decode(coffer_buf_data(t->plain),
	    coffer_buf_len(t->plain), &t->v, &t->n)) != 0) {
		if (rc != COFFER_ERR_NOMEM) {
			repo_hex(hex, id, BK_ID);
			rc = repo_fail(tc->r, COFFER_ERR_CORRUPT,
			    "tree %s does not parse (%s)", hex,
			    coffer_strerror(rc));
		}
		goto fail;
	}
	t->pins = 1;
	t->used = ++tc->clock;
	t->next = tc->head;
	tc->head = t;
	tc->bytes += coffer_buf_len(t->plain) + t->n * sizeof(*t->v);
	evict(tc);
	*out = t;
	return 0;
fail:
	tree_free(t);
	return rc;
}

void
tc_put(struct tcache *tc, struct tc_tree *t)
{
	if (t == NULL)
		return;
	if (t->pins > 0)
		t->pins--;
	evict(tc);
}

static int
name_cmp(const uint8_t *a, size_t al, const uint8_t *b, size_t bl)
{
	int c = memcmp(a, b, al < bl ? al : bl);

	if (c != 0)
		return c;
	return al < bl ? -1 : al > bl;
}

int
tc_name_cmp(const struct bk_node *a, const struct bk_node *b)
{
	return name_cmp(a->name, a->name_len, b->name, b->name_len);
}

const struct bk_node *
tc_find(const struct tc_tree *t, const char *name, size_t len)
{
	size_t lo = 0, hi = t->n, mid;
	int c;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = name_cmp(t->v[mid].name, t->v[mid].name_len,
		    (const uint8_t *)name, len);
		if (c == 0)
			return &t->v[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

void
tc_entry(struct tc_ent *out, const struct bk_node *n, const char *path)
{
	struct coffer_backup_entry *e = &out->e;

	memset(e, 0, sizeof(*e));
	memcpy(out->user, n->user, n->user_len);
	out->user[n->user_len] = '\0';
	memcpy(out->group, n->group, n->group_len);
	out->group[n->group_len] = '\0';
	e->path = path;
	e->type = n->type;
	e->mode = n->mode;
	e->uid = n->uid;
	e->gid = n->gid;
	e->user = out->user;
	e->group = out->group;
	e->mtime_ns = n->mtime_ns;
	e->size = n->size;
	if (n->target != NULL) {
		memcpy(out->target, n->target, n->target_len);
		out->target[n->target_len] = '\0';
		e->target = out->target;
	}
}

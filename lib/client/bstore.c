/* The backup engine's storage (coffer/backup_store.h) over a cofferd:
 * the ops table, whose blob operations are bstore_blob.c's; refs as the
 * records of the backup set's zone (category "backup"), listed through
 * its change feed and deleted by sealed tombstones (record_seal.c;
 * docs/PROTOCOL-client.md, "Backup sets"); the set's keys. */
#include <coffer/client.h>
#include <coffer/err.h>

#include <stdlib.h>
#include <string.h>

#include "client/bstore_internal.h"
#include "core/secret.h"

/* Ref operations share the client's state: one at a time. */
static int
ref_done(struct bctx *b, int r)
{
	if (r != 0)
		(void)bstore_say(b, r, b->c->errmsg);
	(void)pthread_mutex_unlock(&b->c->lock);
	return r;
}

static int
bs_ref_put(void *ctx, const uint8_t name[COFFER_BSTORE_NAME_BYTES],
    const uint8_t *data, size_t len)
{
	struct bctx *b = ctx;
	uint64_t version = 0;
	int r;

	if (len == 0 || len > COFFER_BSTORE_REF_MAX)
		return bstore_say(b, COFFER_ERR_INVALID, "a ref of 1 byte to 1 MiB");
	(void)pthread_mutex_lock(&b->c->lock);
	r = rc_put(b->c, &b->z, name, &version, 0, data, len);
	if (r == COFFER_ERR_CONFLICT)
		r = cl_fail(b->c, COFFER_ERR_EXISTS, "the ref exists");
	return ref_done(b, r);
}

struct list_arg {
	coffer_bstore_ref_fn	 fn;
	void			*arg;
};

static int
list_one(void *arg, const uint8_t id[COFFER_WIRE_ID_BYTES], uint64_t version,
    const uint8_t *data, size_t len)
{
	struct list_arg *l = arg;

	(void)version;
	return l->fn(l->arg, id, data, len);
}

/* The set's zone synced, each ref and tombstone checked against what the
 * home has seen: a ref put back after its tombstone is refused. */
static int
bs_ref_list(void *ctx, coffer_bstore_ref_fn fn, void *arg)
{
	struct bctx *b = ctx;
	struct list_arg l = { fn, arg };
	int r;

	(void)pthread_mutex_lock(&b->c->lock);
	if ((r = zn_sync(b->c, &b->z, rc_check, NULL, NULL)) == 0)
		r = rc_each(b->c, &b->z, list_one, &l);
	return ref_done(b, r);
}

/* A sealed tombstone over the ref (counter 1), not a DELETE: every device
 * that syncs learns the ref is gone, and refuses it if it comes back. */
static int
bs_ref_del(void *ctx, const uint8_t name[COFFER_BSTORE_NAME_BYTES])
{
	struct bctx *b = ctx;
	int r;

	(void)pthread_mutex_lock(&b->c->lock);
	r = rc_delete(b->c, &b->z, name);
	return ref_done(b, r);
}

static const struct coffer_bstore_ops client_bstore_ops = {
	.put_many = bstore_put_many,
	.get_many = bstore_get_many,
	.exists = bstore_exists,
	.del = bstore_del,
	.ref_put = bs_ref_put,
	.ref_list = bs_ref_list,
	.ref_del = bs_ref_del,
	.message = bstore_message,
	.list = bstore_list,
};

/* The backup set's zone, and its key made if new. */
static int
set_zone(struct coffer_client *c, const char *set_name, struct zone *z,
    const struct coffer_key **key)
{
	int r;

	if (c == NULL)
		return COFFER_ERR_INVALID;
	c->errmsg[0] = '\0';
	if ((r = kc_ready(c)) != 0 ||
	    (r = zn_open(c, COFFER_CATEGORY_BACKUP, set_name, z)) != 0)
		return r;
	/* The current version's: the engine takes one zone key for now. */
	return kc_zone_key(c, z, 0, 1, key);
}

int
coffer_client_backup_store(struct coffer_client *c, const char *set_name,
    struct coffer_bstore *store)
{
	const struct coffer_key *k;
	struct bctx *b = NULL;
	int r;

	if (store == NULL)
		return COFFER_ERR_INVALID;
	memset(store, 0, sizeof(*store));
	if ((b = calloc(1, sizeof(*b))) == NULL)
		return COFFER_ERR_NOMEM;
	if ((r = set_zone(c, set_name, &b->z, &k)) != 0) {
		free(b);
		return r;
	}
	b->c = c;
	(void)pthread_mutex_init(&b->lock, NULL);
	store->ops = &client_bstore_ops;
	store->ctx = b;
	return 0;
}

void
coffer_client_backup_store_close(struct coffer_bstore *store)
{
	struct bctx *b;

	if (store == NULL || (b = store->ctx) == NULL)
		return;
	(void)pthread_mutex_destroy(&b->lock);
	free(b);
	store->ctx = NULL;
	store->ops = NULL;
}

int
coffer_client_backup_keys(struct coffer_client *c, const char *set_name,
    struct coffer_key **keys, size_t max, size_t *n)
{
	const struct coffer_key *k;
	struct zone z;
	uint32_t v;
	size_t i;
	int r;

	if (keys == NULL || n == NULL || max == 0)
		return COFFER_ERR_INVALID;
	*n = 0;
	/* The current version first: made on the set's first write in this
	 * epoch, so that new objects have a key. */
	if ((r = set_zone(c, set_name, &z, &k)) != 0)
		return r;
	for (v = 1; v <= c->epoch; v++) {
		if ((r = kc_zone_key(c, &z, v, 0, &k)) == COFFER_ERR_NOTFOUND) {
			/* The set was not written in that epoch. */
			c->errmsg[0] = '\0';
			continue;
		}
		if (r == 0 && *n == max)
			r = cl_fail(c, COFFER_ERR_TOOBIG, "backup set %s has more "
			    "than %zu key versions", set_name, max);
		/* A copy at once: the handle's zone keys are a small cache. */
		if (r != 0 || (r = coffer_key_import(&keys[*n],
		    COFFER_KEY_SYMMETRIC, key_secret(k), coffer_key_id(k),
		    coffer_key_version(k))) != 0)
			goto fail;
		(*n)++;
	}
	return 0;
fail:
	for (i = 0; i < *n; i++)
		coffer_key_free(&keys[i]);
	*n = 0;
	return r;
}

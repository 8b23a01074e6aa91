/*
 * What meta.h declares beside the ops: the results' cleanup, the day a
 * time falls in and the session token hash, for every backend and caller (at the bottom of
 * store/: it calls nothing of it).
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "store/meta.h"

void
store_record_cleanup(struct store_record *r)
{
	if (r == NULL)
		return;
	free(r->data);
	memset(r, 0, sizeof(*r));
}

void
store_changes_cleanup(struct store_changes *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; c->v != NULL && i < c->n; i++)
		store_record_cleanup(&c->v[i]);
	free(c->v);
	memset(c, 0, sizeof(*c));
}

void
store_devlist_entry_cleanup(struct store_devlist_entry *e)
{
	if (e == NULL)
		return;
	free(e->data);
	memset(e, 0, sizeof(*e));
}

void
store_devlist_page_cleanup(struct store_devlist_page *p)
{
	size_t i;

	if (p == NULL)
		return;
	for (i = 0; p->v != NULL && i < p->n; i++)
		store_devlist_entry_cleanup(&p->v[i]);
	free(p->v);
	memset(p, 0, sizeof(*p));
}

int64_t
store_day(int64_t now)
{
	int64_t r = now % STORE_DAY;

	return now - (r < 0 ? r + STORE_DAY : r);
}

void
store_token_hash(uint8_t out[STORE_TOKEN_HASH_BYTES], const uint8_t *token,
    size_t len)
{
	crypto_hash_sha256(out, token, len);
}

/* Writing chunks into packs, for the workers (file data) and the
 * collector (trees): each thread has its writer, with its own compression
 * and HMAC contexts and the pack it fills. A chunk is identified, looked
 * up in the index (a known one is not stored again), sealed and appended;
 * a full pack is closed (header box, Padmé padding) and handed to the
 * uploader's queue. */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include <coffer/err.h>

#include "backup/run.h"

static int
pack_new(struct run *ru, struct pack **out)
{
	struct pack *p;
	int r;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return COFFER_ERR_NOMEM;
	p->cap = ru->pack_size + bk_chunk_bound(ru->cdc.max);
	p->ecap = 256;
	if ((p->data = malloc(p->cap)) == NULL ||
	    (p->e = malloc(p->ecap * sizeof(*p->e))) == NULL) {
		run_pack_free(p);
		return COFFER_ERR_NOMEM;
	}
	bk_blob_id(ru->r->kr, p->id);
	if ((r = cidx_pack(ru->r->idx, p->id, &p->no)) != 0) {
		run_pack_free(p);
		return r;
	}
	*out = p;
	return 0;
}

int
writer_flush(struct run *ru, struct writer *w)
{
	struct pack *p = w->pack;
	struct coffer_buf *t;
	uint8_t *nd;
	int r;

	w->pack = NULL;
	if (p == NULL)
		return 0;
	if (p->n == 0) {
		run_pack_free(p);
		return 0;
	}
	if ((t = coffer_buf_new(COFFER_BSTORE_BLOB_MAX)) == NULL) {
		run_pack_free(p);
		return COFFER_ERR_NOMEM;
	}
	if ((r = bk_pack_trailer(ru->r->kr, p->id, p->e, p->n, p->len, t)) != 0)
		goto fail;
	if (p->len + coffer_buf_len(t) > p->cap) {
		if ((nd = realloc(p->data, p->len + coffer_buf_len(t))) == NULL) {
			r = COFFER_ERR_NOMEM;
			goto fail;
		}
		p->data = nd;
		p->cap = p->len + coffer_buf_len(t);
	}
	memcpy(p->data + p->len, coffer_buf_data(t), coffer_buf_len(t));
	p->len += coffer_buf_len(t);
	coffer_buf_free(&t);
	/* Restore clips its grid-aligned reads at the pack's end. */
	if ((r = cidx_pack_len(ru->r->idx, p->no, (uint32_t)p->len)) != 0)
		goto fail;
	return run_pack_push(ru, p);
fail:
	coffer_buf_free(&t);
	run_pack_free(p);
	return r;
}

int
writer_chunk(struct run *ru, struct writer *w, uint8_t type,
    const uint8_t *p, size_t len, uint8_t id[BK_ID])
{
	struct bk_entry *e;
	size_t slen;
	int r;

	if ((r = bk_hmac(w->h, p, len, id)) != 0)
		return r;
	if (cidx_get(ru->r->idx, id, type, NULL, NULL) == 0)
		return 0;
	if (w->pack != NULL && w->pack->len + bk_chunk_bound(len) >
	    w->pack->cap && (r = writer_flush(ru, w)) != 0)
		return r;
	if (w->pack == NULL && (r = pack_new(ru, &w->pack)) != 0)
		return r;
	if (w->pack->len + bk_chunk_bound(len) > w->pack->cap) {
		uint8_t *nd = realloc(w->pack->data, bk_chunk_bound(len));

		if (nd == NULL)
			return COFFER_ERR_NOMEM;
		w->pack->data = nd;
		w->pack->cap = bk_chunk_bound(len);
	}
	if (w->pack->n == w->pack->ecap) {
		e = realloc(w->pack->e, 2 * w->pack->ecap * sizeof(*e));
		if (e == NULL)
			return COFFER_ERR_NOMEM;
		w->pack->e = e;
		w->pack->ecap *= 2;
	}
	if ((r = bk_chunk_seal(w->z, ru->r->kr, id, type, p, len,
	    w->pack->data + w->pack->len, &slen)) != 0)
		return r;
	e = &w->pack->e[w->pack->n];
	memcpy(e->id, id, BK_ID);
	e->type = type;
	e->offset = (uint32_t)w->pack->len;
	e->slen = (uint32_t)slen;
	e->rlen = (uint32_t)len;
	if ((r = cidx_add(ru->r->idx, w->pack->no, e)) < 0)
		return r;
	if (r == 1)		/* another thread stored it meanwhile */
		return 0;
	w->pack->len += slen;
	w->pack->n++;
	PG_ADD(ru, bytes_new, len);
	if (w->pack->len >= ru->pack_size ||
	    w->pack->n >= BK_PACK_ENTRIES_MAX)
		return writer_flush(ru, w);
	return 0;
}

int
writer_init(struct run *ru, struct writer *w)
{
	int r;

	memset(w, 0, sizeof(*w));
	if ((r = bk_zctx_new(&w->z, ru->level)) == 0)
		r = bk_hmac_new(&w->h, bk_keyring_oldest(ru->r->kr));
	return r;
}

void
writer_clear(struct writer *w)
{
	bk_zctx_free(&w->z);
	bk_hmac_free(&w->h);
	run_pack_free(w->pack);
	w->pack = NULL;
}

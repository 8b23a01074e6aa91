/* A store that runs a hook at a chosen ref_put (hook_store.h). */
#include <string.h>

#include "hook_store.h"

static int
hks_put(void *c, struct coffer_bstore_xfer *x, size_t n)
{
	struct hks *h = c;

	return h->in.ops->put_many(h->in.ctx, x, n);
}

static int
hks_get(void *c, struct coffer_bstore_xfer *x, size_t n)
{
	struct hks *h = c;

	return h->in.ops->get_many(h->in.ctx, x, n);
}

static int
hks_exists(void *c, const uint8_t (*ids)[32], size_t n, uint64_t *s)
{
	struct hks *h = c;

	return h->in.ops->exists(h->in.ctx, ids, n, s);
}

static int
hks_del(void *c, const uint8_t id[32])
{
	struct hks *h = c;

	return h->in.ops->del(h->in.ctx, id);
}

static int
hks_ref_put(void *c, const uint8_t name[16], const uint8_t *d, size_t l)
{
	struct hks *h = c;
	int r;

	if (h->armed && h->skip-- == 0) {
		h->armed = 0;
		if ((r = h->hook(h->arg)) != 0)
			return r;
	}
	return h->in.ops->ref_put(h->in.ctx, name, d, l);
}

struct hks_wrap {
	struct hks		*h;
	coffer_bstore_ref_fn	 fn;
	void			*arg;
};

static int
hks_filter(void *arg, const uint8_t name[16], const uint8_t *d, size_t l)
{
	struct hks_wrap *w = arg;

	if (w->h->hide_on && memcmp(name, w->h->hide, 16) == 0)
		return 0;
	return w->fn(w->arg, name, d, l);
}

static int
hks_ref_list(void *c, coffer_bstore_ref_fn fn, void *arg)
{
	struct hks *h = c;
	struct hks_wrap w = { h, fn, arg };
	int r;

	if (!h->lie)
		return h->in.ops->ref_list(h->in.ctx, fn, arg);
	if (h->honest == NULL)
		h->honest = fn;
	if (fn == h->honest)
		return h->in.ops->ref_list(h->in.ctx, fn, arg);
	h->lied++;
	if ((r = h->in.ops->ref_list(h->in.ctx, hks_filter, &w)) != 0)
		return r;
	return h->inj_data != NULL ? fn(arg, h->inj_name, h->inj_data,
	    h->inj_len) : 0;
}

static int
hks_ref_del(void *c, const uint8_t name[16])
{
	struct hks *h = c;

	return h->in.ops->ref_del(h->in.ctx, name);
}

static const char *
hks_message(void *c)
{
	struct hks *h = c;

	return h->in.ops->message(h->in.ctx);
}

static int
hks_list(void *c, coffer_bstore_blob_fn fn, void *arg)
{
	struct hks *h = c;

	return h->in.ops->list(h->in.ctx, fn, arg);
}

static const struct coffer_bstore_ops hks_ops = {
	hks_put, hks_get, hks_exists, hks_del, hks_ref_put, hks_ref_list,
	hks_ref_del, hks_message, hks_list,
};

void
hks_init(struct hks *h, const struct coffer_bstore *in)
{
	memset(h, 0, sizeof(*h));
	h->in = *in;
	h->out.ops = &hks_ops;
	h->out.ctx = h;
}

void
hks_arm(struct hks *h, int skip, int (*hook)(void *), void *arg)
{
	h->hook = hook;
	h->arg = arg;
	h->skip = skip;
	h->armed = 1;
}

void
hks_lie(struct hks *h, const uint8_t *hide, const uint8_t *inj_name,
    const uint8_t *inj_data, size_t inj_len)
{
	h->lie = 1;
	h->honest = NULL;
	h->lied = 0;
	h->hide_on = hide != NULL;
	if (hide != NULL)
		memcpy(h->hide, hide, 16);
	h->inj_data = inj_name != NULL ? inj_data : NULL;
	if (inj_name != NULL)
		memcpy(h->inj_name, inj_name, 16);
	h->inj_len = inj_len;
}

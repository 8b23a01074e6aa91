/* dc_*: a device list from fixed seeds (devchain.h). */
#include "devchain.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include <coffer/buf.h>
#include <coffer/err.h>
#include <coffer/sign.h>

#include "keys/device_internal.h"

void
dc_fill(uint8_t *p, size_t n, uint8_t seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(seed * 29 + i * 5 + 3);
}

void
dc_clamp(uint8_t x[32])
{
	x[0] &= 248;
	x[31] &= 127;
	x[31] |= 64;
	/* Bits 3 and 252 set too: then no hex digit of the secret is one
	 * clamping would make again, which the vectors' mutation pass (a
	 * digit turned to 0, or 0 to 1) needs to see every digit matter. */
	x[0] |= 0x08;
	x[31] |= 0x10;
}

struct coffer_device *
dc_device(uint8_t seed)
{
	struct coffer_device *d = NULL;
	uint8_t id[16], s[32], x[32];

	dc_fill(id, sizeof(id), seed);
	dc_fill(s, sizeof(s), (uint8_t)(seed + 1));
	dc_fill(x, sizeof(x), (uint8_t)(seed + 2));
	dc_clamp(x);
	if (device_import(&d, id, s, 1, x, 1) != 0)
		abort();
	return d;
}

struct coffer_key *
dc_key(enum coffer_key_kind kind, uint8_t seed, uint32_t version)
{
	struct coffer_key *k = NULL;
	uint8_t s[32], id[16];

	dc_fill(s, sizeof(s), seed);
	dc_fill(id, sizeof(id), (uint8_t)(seed + 1));
	if (kind == COFFER_KEY_X25519)
		dc_clamp(s);
	if (coffer_key_import(&k, kind, s, kind == COFFER_KEY_SYMMETRIC ? id :
	    NULL, version) != 0)
		abort();
	return k;
}

void
dc_listed(struct devlist_device *d, const struct coffer_device *dev,
    uint64_t seq, const struct coffer_device *approver, uint64_t time)
{
	struct coffer_buf *b = coffer_buf_new(COFFER_DEVICE_CARD_BYTES);

	memset(d, 0, sizeof(*d));
	if (b == NULL || coffer_device_card_encode(b, dev) != 0)
		abort();
	memcpy(d->raw, coffer_buf_data(b), sizeof(d->raw));
	if (coffer_device_card_parse(&d->card, d->raw, sizeof(d->raw)) != 0)
		abort();
	d->added_seq = seq;
	memcpy(d->approver, coffer_device_id(approver), 16);
	d->added_time = time;
	coffer_buf_free(&b);
}

void
dc_nonce(uint8_t nonce[24], uint64_t seq)
{
	dc_fill(nonce, 24, (uint8_t)(0x70 + seq));
}

void
dc_make(struct coffer_buf *out, const struct devlist_draft *d,
    const struct coffer_key *signer)
{
	if (devlist_make(out, d, signer) != 0)
		abort();
}

void
dc_parse(struct devlist_entry *e, const uint8_t *p, size_t len)
{
	if (devlist_parse(e, p, len) != 0)
		abort();
}

int
dc_hash_is(const uint8_t *p, size_t len, const uint8_t hash[32])
{
	static const char ctx[] = "coffer/devlist-hash/v1";
	uint8_t h[32];

	if (len < COFFER_SIGN_BYTES || crypto_generichash(h, sizeof(h), p,
	    len - COFFER_SIGN_BYTES, (const uint8_t *)ctx,
	    sizeof(ctx) - 1) != 0)
		return -1;
	return memcmp(h, hash, sizeof(h)) == 0 ? 0 : -1;
}

void
dc_resign(uint8_t *p, size_t len, const struct coffer_key *signer)
{
	if (len < COFFER_SIGN_BYTES || coffer_sign(p + len - COFFER_SIGN_BYTES,
	    signer, "coffer/devlist/v1", p, len - COFFER_SIGN_BYTES) != 0)
		abort();
}

static void
name(struct devlist_names *t, const struct coffer_device *d, const char *s)
{
	struct devlist_name *v = &t->v[t->n++];

	memcpy(v->device, coffer_device_id(d), sizeof(v->device));
	if (strlen(s) >= sizeof(v->name))
		abort();
	memcpy(v->name, s, strlen(s) + 1);
}

/* Entry ${i} of the chain: kind, actor, subject, epoch and devices. */
static void
draft(struct devchain *c, size_t i, enum devlist_kind kind, size_t actor,
    size_t subject, int ep, const struct devlist_device *devs, size_t n)
{
	struct devlist_draft *d = &c->draft[i];
	uint8_t nonce[24];

	memset(d, 0, sizeof(*d));
	d->kind = kind;
	d->seq = i + 1;
	d->account = c->account;
	d->prev = i == 0 ? NULL : c->e[i - 1].hash;
	d->time = DC_TIME + d->seq;
	d->epoch = (uint32_t)ep + 1;
	d->account_pk = c->pk[ep];
	d->root_commit = c->commit[ep];
	d->actor = coffer_device_id(c->dev[actor]);
	d->subject = coffer_device_id(c->dev[subject]);
	d->devices = devs;
	d->ndevices = n;
	if ((c->sealed[i] = coffer_buf_new(DEVLIST_NAMES_MAX)) == NULL ||
	    (c->raw[i] = coffer_buf_new(DEVLIST_ENTRY_MAX)) == NULL)
		abort();
	if (c->names[i].n > 0) {
		dc_nonce(nonce, d->seq);
		if (devlist_names_seal_det(c->sealed[i], &c->names[i],
		    c->root[ep], nonce) != 0)
			abort();
		d->names = coffer_buf_data(c->sealed[i]);
		d->names_len = coffer_buf_len(c->sealed[i]);
	}
	dc_make(c->raw[i], d, c->acct[0]);
	dc_parse(&c->e[i], coffer_buf_data(c->raw[i]),
	    coffer_buf_len(c->raw[i]));
}

void
dc_init(struct devchain *c)
{
	int i;

	memset(c, 0, sizeof(*c));
	for (i = 0; i < DC_DEVICES; i++)
		c->dev[i] = dc_device((uint8_t)(0x10 * (i + 1)));
	for (i = 0; i < 2; i++) {
		c->acct[i] = dc_key(COFFER_KEY_ED25519, (uint8_t)(0x40 + i),
		    (uint32_t)i + 1);
		c->root[i] = dc_key(COFFER_KEY_SYMMETRIC, (uint8_t)(0x50 + 2 * i),
		    (uint32_t)i + 1);
		if (coffer_key_public(c->acct[i], c->pk[i]) != 0 ||
		    devlist_root_commit(c->commit[i], c->root[i]) != 0)
			abort();
	}
	dc_fill(c->account, sizeof(c->account), 0x60);
	dc_listed(&c->listed[0], c->dev[0], 1, c->dev[0], DC_TIME + 1);
	dc_listed(&c->listed[1], c->dev[1], 2, c->dev[0], DC_TIME + 2);
	name(&c->names[2], c->dev[0], "Ana's laptop");
	name(&c->names[2], c->dev[1], "T\xc3\xa9l\xc3\xa9phone");
	name(&c->names[3], c->dev[1], "T\xc3\xa9l\xc3\xa9phone");
	draft(c, 0, DEVLIST_GENESIS, 0, 0, 0, c->listed, 1);
	draft(c, 1, DEVLIST_ADD, 0, 1, 0, c->listed, 2);
	draft(c, 2, DEVLIST_RENAME, 1, 1, 0, c->listed, 2);
	draft(c, 3, DEVLIST_REMOVE, 1, 0, 1, &c->listed[1], 1);
}

void
dc_cleanup(struct devchain *c)
{
	int i;

	for (i = 0; i < DC_DEVICES; i++)
		coffer_device_free(&c->dev[i]);
	for (i = 0; i < 2; i++) {
		coffer_key_free(&c->acct[i]);
		coffer_key_free(&c->root[i]);
	}
	for (i = 0; i < DC_ENTRIES; i++) {
		devlist_entry_cleanup(&c->e[i]);
		coffer_buf_free(&c->sealed[i]);
		coffer_buf_free(&c->raw[i]);
	}
	memset(c, 0, sizeof(*c));
}

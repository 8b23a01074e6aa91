/* devlist_names_*: the sealed table of device names an entry of the
 * device list carries (docs/PROTOCOL-devices.md §2.1, "names"). */
#include <coffer/envelope.h>
#include <coffer/err.h>
#include <coffer/kdf.h>

#include "core/reader.h"
#include "crypto/envelope_det.h"
#include "keys/devlist.h"
#include "keys/devlist_names.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

static const char names_ctx[] = "coffer/devlist-names/v1";

/* A table of DEVLIST_DEVICES_MAX longest names, sealed (an envelope's
 * header, the table, the tag), fits the field. */
_Static_assert(8 + sizeof(names_ctx) - 1 + COFFER_KEY_ID_BYTES + 4 + 24 + 4 +
    DEVLIST_DEVICES_MAX * (COFFER_WIRE_ID_BYTES + 1 + DEVLIST_NAME_MAX) +
    16 <= DEVLIST_NAMES_MAX, "the largest table fits");
_Static_assert(DEVLIST_NAME_MAX <= 255, "a name's length is one byte");

/* Code points a name may not hold, besides the controls: the line and
 * paragraph separators and the bidirectional formatting characters,
 * which would let a name change how the text around it is shown. */
static int
refused_code_point(uint32_t c)
{
	return c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == 0x061c ||
	    c == 0x200e || c == 0x200f || (c >= 0x2028 && c <= 0x202e) ||
	    (c >= 0x2066 && c <= 0x2069);
}

int
devlist_names_valid(const char *name, size_t len)
{
	const uint8_t *p = (const uint8_t *)name;
	size_t i = 0, n, k;
	uint32_t c, min;

	if (name == NULL || len == 0 || len > DEVLIST_NAME_MAX)
		return 0;
	while (i < len) {
		c = p[i];
		if (c < 0x80) {
			n = 0;
			min = 0;
		} else if (c >= 0xc2 && c <= 0xdf) {
			n = 1;
			c &= 0x1f;
			min = 0x80;
		} else if (c >= 0xe0 && c <= 0xef) {
			n = 2;
			c &= 0x0f;
			min = 0x800;
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 3;
			c &= 0x07;
			min = 0x10000;
		} else {
			return 0;	/* a continuation byte, 0xc0, 0xc1, 0xf5.. */
		}
		if (n > len - i - 1)
			return 0;
		for (k = 1; k <= n; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				return 0;
			c = (c << 6) | (p[i + k] & 0x3f);
		}
		/* Shortest form only; no surrogates; nothing past U+10FFFF. */
		if (c < min || (c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff ||
		    refused_code_point(c))
			return 0;
		i += n + 1;
	}
	return 1;
}

const char *
devlist_names_find(const struct devlist_names *t,
    const uint8_t device_id[COFFER_WIRE_ID_BYTES])
{
	size_t i;

	for (i = 0; i < t->n && i < DEVLIST_DEVICES_MAX; i++)
		if (devlist_id_cmp(t->v[i].device, device_id) == 0)
			return t->v[i].name;
	return NULL;
}

static int
cmp_name(const void *a, const void *b)
{
	const struct devlist_name *const *x = a, *const *y = b;

	return devlist_id_cmp((*x)->device, (*y)->device);
}

int
devlist_names_encode(struct coffer_buf *out, const struct devlist_names *t)
{
	const struct devlist_name *order[DEVLIST_DEVICES_MAX];
	size_t len0 = coffer_buf_len(out), i, n;
	int r = COFFER_ERR_INVALID;

	if (t == NULL || t->n == 0 || t->n > DEVLIST_DEVICES_MAX)
		goto out;
	for (i = 0; i < t->n; i++) {
		order[i] = &t->v[i];
		n = strnlen(t->v[i].name, sizeof(t->v[i].name));
		if (!devlist_names_valid(t->v[i].name, n))
			goto out;
	}
	qsort(order, t->n, sizeof(order[0]), cmp_name);
	for (i = 1; i < t->n; i++)
		if (cmp_name(&order[i - 1], &order[i]) == 0)
			goto out;
	for (i = 0; i < t->n; i++) {
		n = strlen(order[i]->name);
		if ((r = coffer_buf_append(out, order[i]->device,
		    COFFER_WIRE_ID_BYTES)) != 0 ||
		    (r = coffer_buf_put_u8(out, (uint8_t)n)) != 0 ||
		    (r = coffer_buf_append(out, order[i]->name, n)) != 0)
			goto out;
	}
	r = 0;
out:
	if (r != 0)
		coffer_buf_truncate(out, len0);
	return r;
}

int
devlist_names_parse(struct devlist_names *out, const uint8_t *p, size_t len)
{
	struct devlist_name *v;
	struct reader rd;
	const uint8_t *name;
	uint8_t n;
	int r = COFFER_ERR_FORMAT;

	memset(out, 0, sizeof(*out));
	reader_init(&rd, p, len);
	if (len == 0)
		goto out;	/* no names is no names field, not an empty table */
	while (reader_left(&rd) > 0) {
		if (out->n == DEVLIST_DEVICES_MAX) {
			r = COFFER_ERR_FORMAT;
			goto out;
		}
		v = &out->v[out->n];
		if ((r = reader_copy(&rd, v->device, sizeof(v->device))) != 0 ||
		    (r = reader_u8(&rd, &n)) != 0)
			goto out;
		r = COFFER_ERR_FORMAT;
		if (n == 0 || n > DEVLIST_NAME_MAX)
			goto out;
		if ((r = reader_bytes(&rd, n, &name)) != 0)
			goto out;
		r = COFFER_ERR_FORMAT;
		if (!devlist_names_valid((const char *)name, n) ||
		    (out->n > 0 && devlist_id_cmp(out->v[out->n - 1].device,
		    v->device) >= 0))
			goto out;
		memcpy(v->name, name, n);
		out->n++;
	}
	r = 0;
out:
	if (r != 0)
		sodium_memzero(out, sizeof(*out));
	return r;
}

int
devlist_names_key(struct coffer_key **out, const struct coffer_key *root)
{
	*out = NULL;
	if (root == NULL || coffer_key_kind(root) != COFFER_KEY_SYMMETRIC)
		return COFFER_ERR_INVALID;
	return coffer_kdf_key(out, root, names_ctx, NULL, 0,
	    coffer_key_version(root));
}

int
devlist_names_seal_det(struct coffer_buf *out, const struct devlist_names *t,
    const struct coffer_key *root, const uint8_t *nonce)
{
	struct coffer_buf *pt = NULL;
	struct coffer_key *k = NULL;
	int r;

	if (nonce == NULL) {
		r = COFFER_ERR_INVALID;
		goto out;
	}
	if ((pt = coffer_buf_new_secret(DEVLIST_NAMES_MAX)) == NULL) {
		r = COFFER_ERR_NOMEM;
		goto out;
	}
	if ((r = devlist_names_encode(pt, t)) != 0 ||
	    (r = devlist_names_key(&k, root)) != 0)
		goto out;
	r = envelope_seal_det(out, COFFER_ENVELOPE_SECRET, k, NULL, 0,
	    names_ctx, coffer_buf_data(pt), coffer_buf_len(pt), nonce, NULL);
out:
	coffer_key_free(&k);
	coffer_buf_free(&pt);
	return r;
}

int
devlist_names_seal(struct coffer_buf *out, const struct devlist_names *t,
    const struct coffer_key *root)
{
	uint8_t nonce[24];

	if (coffer_init() != 0)
		return COFFER_ERR_CRYPTO;
	randombytes_buf(nonce, sizeof(nonce));
	return devlist_names_seal_det(out, t, root, nonce);
}

int
devlist_names_open(struct devlist_names *out, const struct devlist_entry *e,
    const struct coffer_key *root)
{
	struct coffer_buf *pt = NULL;
	struct coffer_key *k = NULL;
	size_t i;
	int r = COFFER_ERR_INVALID;

	memset(out, 0, sizeof(*out));
	if (e == NULL || root == NULL)
		goto out;
	if (e->names_len == 0) {
		r = 0;
		goto out;
	}
	if ((pt = coffer_buf_new_secret(DEVLIST_NAMES_MAX)) == NULL) {
		r = COFFER_ERR_NOMEM;
		goto out;
	}
	if ((r = devlist_names_key(&k, root)) != 0 ||
	    (r = coffer_envelope_open(pt, k, names_ctx, e->names,
	    e->names_len)) != 0 ||
	    (r = devlist_names_parse(out, coffer_buf_data(pt),
	    coffer_buf_len(pt))) != 0)
		goto out;
	/* A name for a device the entry does not list says nothing true. */
	for (i = 0; i < out->n; i++)
		if (devlist_find(e, out->v[i].device) == NULL) {
			r = COFFER_ERR_FORMAT;
			goto out;
		}
out:
	if (r != 0)
		sodium_memzero(out, sizeof(*out));
	coffer_key_free(&k);
	coffer_buf_free(&pt);
	return r;
}

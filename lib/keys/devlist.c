/* devlist_*: the signed device list's entries, CFDL v1
 * (docs/PROTOCOL-devices.md §2). */
#include <coffer/err.h>
#include <coffer/kdf.h>
#include <coffer/sign.h>

#include "core/reader.h"
#include "core/secret.h"
#include "core/sysendian.h"
#include "keys/devlist.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

static const uint8_t entry_magic[4] = { 'C', 'F', 'D', 'L' };
static const char sig_ctx[] = "coffer/devlist/v1";
static const char hash_ctx[] = "coffer/devlist-hash/v1";
static const char commit_ctx[] = "coffer/root-commit/v1";

#define ENTRY_VERSION	1
#define HEADER_BYTES	172	/* through n */

_Static_assert(HEADER_BYTES == 4 + 1 + 1 + 8 + COFFER_WIRE_ID_BYTES +
    DEVLIST_HASH_BYTES + 8 + 4 + COFFER_PUBLIC_BYTES + 32 +
    2 * COFFER_WIRE_ID_BYTES + 2, "CFDL header layout");
_Static_assert(HEADER_BYTES + DEVLIST_DEVICES_MAX * DEVLIST_DEVICE_BYTES +
    2 + DEVLIST_NAMES_MAX + COFFER_SIGN_BYTES <= DEVLIST_ENTRY_MAX,
    "the largest entry fits the cap");
_Static_assert(DEVLIST_ENTRY_MAX <= COFFER_WIRE_DEVLIST_ENTRY_MAX,
    "an entry fits the wire's cap");

/* Device ids are public and ordered: the list keeps them sorted, so a
 * plain byte comparison (not constant-time, nothing secret). */
int
devlist_id_cmp(const uint8_t *a, const uint8_t *b)
{
	size_t i;

	for (i = 0; i < COFFER_WIRE_ID_BYTES; i++)
		if (a[i] != b[i])
			return a[i] < b[i] ? -1 : 1;
	return 0;
}

static int
same(const void *a, const void *b, size_t n)
{
	return sodium_memcmp(a, b, n) == 0;
}

static int
hash_body(uint8_t out[DEVLIST_HASH_BYTES], const uint8_t *p, size_t len)
{
	return crypto_generichash(out, DEVLIST_HASH_BYTES, p, len,
	    (const uint8_t *)hash_ctx, sizeof(hash_ctx) - 1) == 0 ? 0 :
	    COFFER_ERR_CRYPTO;
}

static int
read_device(struct reader *rd, struct devlist_device *d, uint64_t seq)
{
	int r;

	if ((r = reader_copy(rd, d->raw, sizeof(d->raw))) != 0 ||
	    (r = reader_u64(rd, &d->added_seq)) != 0 ||
	    (r = reader_copy(rd, d->approver, sizeof(d->approver))) != 0 ||
	    (r = reader_u64(rd, &d->added_time)) != 0)
		return r;
	if (d->added_seq == 0 || d->added_seq > seq)
		return COFFER_ERR_FORMAT;
	/* The card's own self-signature; an entry never lists a card that
	 * does not hold. */
	return coffer_device_card_parse(&d->card, d->raw, sizeof(d->raw));
}

void
devlist_entry_cleanup(struct devlist_entry *e)
{
	if (e == NULL)
		return;
	free(e->devices);
	free(e->raw);
	memset(e, 0, sizeof(*e));
}

/* The fields before the devices, kind through n, read and range-checked
 * into ${e} and ${n}: the one reader of the header, for devlist_peek and
 * devlist_parse. */
static int
read_header(struct reader *rd, struct devlist_entry *e, uint16_t *n)
{
	uint8_t kind;
	int r;

	if ((r = reader_header(rd, entry_magic, sizeof(entry_magic),
	    ENTRY_VERSION)) != 0)
		return r;
	if ((r = reader_u8(rd, &kind)) != 0 ||
	    (r = reader_u64(rd, &e->seq)) != 0 ||
	    (r = reader_copy(rd, e->account, sizeof(e->account))) != 0 ||
	    (r = reader_copy(rd, e->prev, sizeof(e->prev))) != 0 ||
	    (r = reader_u64(rd, &e->time)) != 0 ||
	    (r = reader_u32(rd, &e->epoch)) != 0 ||
	    (r = reader_copy(rd, e->account_pk, sizeof(e->account_pk))) != 0 ||
	    (r = reader_copy(rd, e->root_commit,
	    sizeof(e->root_commit))) != 0 ||
	    (r = reader_copy(rd, e->actor, sizeof(e->actor))) != 0 ||
	    (r = reader_copy(rd, e->subject, sizeof(e->subject))) != 0 ||
	    (r = reader_u16(rd, n)) != 0)
		return r;
	if (kind < DEVLIST_GENESIS || kind > DEVLIST_RENAME || e->seq == 0 ||
	    e->epoch == 0 || *n == 0 || *n > DEVLIST_DEVICES_MAX ||
	    crypto_core_ed25519_is_valid_point(e->account_pk) != 1)
		return COFFER_ERR_FORMAT;
	e->kind = (enum devlist_kind)kind;
	return 0;
}

/* What devlist_peek and devlist_parse do first: clear ${out} and ${e},
 * refuse what is over the cap, and read the header at ${p}. */
static int
start(struct devlist_entry *out, struct devlist_entry *e, struct reader *rd,
    const uint8_t *p, size_t len, uint16_t *n)
{
	memset(out, 0, sizeof(*out));
	memset(e, 0, sizeof(*e));
	if (coffer_init() != 0)
		return COFFER_ERR_CRYPTO;
	if (len > DEVLIST_ENTRY_MAX)
		return COFFER_ERR_TOOBIG;
	reader_init(rd, p, len);
	return read_header(rd, e, n);
}

/* After the devices: the names table (its length checked), the signature
 * and nothing more; ${signed_len} is where the signature begins. */
static int
read_tail(struct reader *rd, struct devlist_entry *e, size_t *signed_len)
{
	uint16_t nl;
	int r;

	if ((r = reader_u16(rd, &nl)) != 0)
		return r;
	if (nl > DEVLIST_NAMES_MAX)
		return COFFER_ERR_FORMAT;
	*signed_len = rd->off + nl;
	e->names_len = nl;
	if ((r = reader_bytes(rd, nl, &e->names)) != 0 ||
	    (r = reader_copy(rd, e->sig, sizeof(e->sig))) != 0 ||
	    (r = reader_end(rd)) != 0)
		return r;
	return 0;
}

/* Keep a copy of the ${len} bytes at ${p} in ${e}, names pointing into
 * it. */
static int
keep_bytes(struct devlist_entry *e, const uint8_t *p, size_t len,
    size_t signed_len)
{
	if ((e->raw = malloc(len)) == NULL)
		return COFFER_ERR_NOMEM;
	memcpy(e->raw, p, len);
	e->raw_len = len;
	e->names = e->names_len > 0 ? e->raw + (signed_len - e->names_len) :
	    NULL;
	return 0;
}

int
devlist_peek(struct devlist_entry *out, const uint8_t *p, size_t len)
{
	struct devlist_entry e;
	struct reader rd;
	const uint8_t *skip;
	uint16_t n;
	size_t signed_len;
	int r;

	/* The devices' bytes are stepped over, not read. */
	if ((r = start(out, &e, &rd, p, len, &n)) != 0 ||
	    (r = reader_bytes(&rd, (size_t)n * DEVLIST_DEVICE_BYTES,
	    &skip)) != 0 || (r = read_tail(&rd, &e, &signed_len)) != 0 ||
	    (r = keep_bytes(&e, p, len, signed_len)) != 0)
		goto out;
	*out = e;
	memset(&e, 0, sizeof(e));
out:
	devlist_entry_cleanup(&e);
	return r;
}

int
devlist_parse(struct devlist_entry *out, const uint8_t *p, size_t len)
{
	struct devlist_entry e;
	struct reader rd;
	uint16_t n;
	size_t i, signed_len;
	int r;

	if ((r = start(out, &e, &rd, p, len, &n)) != 0)
		goto out;
	if ((e.devices = calloc(n, sizeof(*e.devices))) == NULL) {
		r = COFFER_ERR_NOMEM;
		goto out;
	}
	for (i = 0; i < n; i++) {
		if ((r = read_device(&rd, &e.devices[i], e.seq)) != 0)
			goto out;
		/* Strictly increasing ids: sorted, no device twice. */
		if (i > 0 && devlist_id_cmp(e.devices[i - 1].card.device_id,
		    e.devices[i].card.device_id) >= 0) {
			r = COFFER_ERR_FORMAT;
			goto out;
		}
	}
	e.ndevices = n;
	if ((r = read_tail(&rd, &e, &signed_len)) != 0 ||
	    (r = hash_body(e.hash, p, signed_len)) != 0 ||
	    (r = keep_bytes(&e, p, len, signed_len)) != 0)
		goto out;
	*out = e;
	memset(&e, 0, sizeof(e));
	r = 0;
out:
	devlist_entry_cleanup(&e);
	return r;
}

int
devlist_verify_sig(const struct devlist_entry *e,
    const uint8_t pk[COFFER_PUBLIC_BYTES])
{
	if (e->raw == NULL || e->raw_len < COFFER_SIGN_BYTES)
		return COFFER_ERR_INVALID;
	return coffer_sign_verify(e->sig, pk, sig_ctx, e->raw,
	    e->raw_len - COFFER_SIGN_BYTES) == 0 ? 0 : COFFER_ERR_AUTH;
}

/* The signature of ${e} under ${pk}: over every byte but the last 64. */
static int
sig_ok(const struct devlist_entry *e, const uint8_t pk[COFFER_PUBLIC_BYTES])
{
	return devlist_verify_sig(e, pk) == 0;
}

const struct devlist_device *
devlist_find(const struct devlist_entry *e,
    const uint8_t device_id[COFFER_WIRE_ID_BYTES])
{
	size_t i;

	for (i = 0; i < e->ndevices; i++)
		if (same(e->devices[i].card.device_id, device_id,
		    COFFER_WIRE_ID_BYTES))
			return &e->devices[i];
	return NULL;
}

static int
same_device(const struct devlist_device *a, const struct devlist_device *b)
{
	return same(a->raw, b->raw, sizeof(a->raw)) &&
	    a->added_seq == b->added_seq && a->added_time == b->added_time &&
	    same(a->approver, b->approver, sizeof(a->approver));
}

int
devlist_verify_genesis(const struct devlist_entry *e)
{
	const struct devlist_device *d = &e->devices[0];
	static const uint8_t zero[DEVLIST_HASH_BYTES];

	if (e->kind != DEVLIST_GENESIS || e->seq != 1 || e->epoch != 1 ||
	    e->ndevices != 1 || !same(e->prev, zero, sizeof(zero)) ||
	    !same(d->card.device_id, e->actor, COFFER_WIRE_ID_BYTES) ||
	    !same(e->subject, e->actor, COFFER_WIRE_ID_BYTES) ||
	    !same(d->approver, e->actor, COFFER_WIRE_ID_BYTES) ||
	    d->added_seq != 1)
		return COFFER_ERR_FORMAT;
	return sig_ok(e, e->account_pk) ? 0 : COFFER_ERR_AUTH;
}

int
devlist_refuse(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	if (why != NULL && whylen > 0) {
		va_start(ap, fmt);
		(void)vsnprintf(why, whylen, fmt, ap);
		va_end(ap);
	}
	return COFFER_ERR_AUTH;
}

/* Rule 5: every device of ${prev} but ${skip} (may be NULL) is in ${e},
 * byte for byte, and ${e} lists ${extra} more. */
static const char *
check_kept(const struct devlist_entry *prev, const struct devlist_entry *e,
    const uint8_t *skip, size_t extra)
{
	const struct devlist_device *d;
	size_t i, kept = 0;

	for (i = 0; i < prev->ndevices; i++) {
		if (skip != NULL && same(prev->devices[i].card.device_id, skip,
		    COFFER_WIRE_ID_BYTES))
			continue;
		if ((d = devlist_find(e, prev->devices[i].card.device_id)) ==
		    NULL)
			return "drops a device it does not name";
		if (!same_device(d, &prev->devices[i]))
			return "alters a device it keeps";
		kept++;
	}
	return kept + extra == e->ndevices ? NULL :
	    "lists a device it does not name";
}

/* Rule 4 for an add: prev's devices plus the subject's, added now, under
 * the same keys. */
static const char *
check_add(const struct devlist_entry *prev, const struct devlist_entry *e,
    int same_keys)
{
	const struct devlist_device *d;

	if (!same_keys)
		return "changes the epoch, the account key or the root commit";
	if (devlist_find(prev, e->subject) != NULL)
		return "adds a device that was listed";
	if ((d = devlist_find(e, e->subject)) == NULL)
		return "does not list the device it adds";
	if (d->added_seq != e->seq || d->added_time != e->time ||
	    !same(d->approver, e->actor, COFFER_WIRE_ID_BYTES))
		return "does not say the added device was added by it";
	return check_kept(prev, e, NULL, 1);
}

/* Rule 4 for a remove: prev's devices without the subject, under new
 * keys of the next epoch. */
static const char *
check_remove(const struct devlist_entry *prev, const struct devlist_entry *e)
{
	if (e->epoch != prev->epoch + 1)
		return "does not move to the next epoch";
	if (same(e->account_pk, prev->account_pk, COFFER_PUBLIC_BYTES))
		return "keeps the account key";
	if (same(e->root_commit, prev->root_commit, 32))
		return "keeps the root commit";
	if (devlist_find(prev, e->subject) == NULL)
		return "removes a device that was not listed";
	if (same(e->subject, e->actor, COFFER_WIRE_ID_BYTES))
		return "removes the device that made it";
	if (devlist_find(e, e->subject) != NULL)
		return "still lists the device it removes";
	return check_kept(prev, e, e->subject, 0);
}

/* Rule 4 for a rename: the very same devices and keys. */
static const char *
check_rename(const struct devlist_entry *prev, const struct devlist_entry *e,
    int same_keys)
{
	if (!same_keys)
		return "changes the epoch, the account key or the root commit";
	if (devlist_find(prev, e->subject) == NULL)
		return "renames a device that is not listed";
	return check_kept(prev, e, NULL, 0);
}

static const char *
kind_word(enum devlist_kind kind)
{
	switch (kind) {
	case DEVLIST_GENESIS:
		return "genesis";
	case DEVLIST_ADD:
		return "add";
	case DEVLIST_REMOVE:
		return "remove";
	case DEVLIST_RENAME:
		return "rename";
	}
	return "unknown";
}

int
devlist_verify_next(const struct devlist_entry *prev,
    const struct devlist_entry *e, char *why, size_t whylen)
{
	unsigned long long seq = e->seq, pseq = prev->seq;
	int same_keys = e->epoch == prev->epoch &&
	    same(e->account_pk, prev->account_pk, COFFER_PUBLIC_BYTES) &&
	    same(e->root_commit, prev->root_commit, 32);
	const char *no = NULL;

	if (e->seq != prev->seq + 1)
		return devlist_refuse(why, whylen, "entry %llu does not follow "
		    "entry %llu", seq, pseq);
	if (!same(e->account, prev->account, COFFER_WIRE_ID_BYTES))
		return devlist_refuse(why, whylen, "entry %llu is of another "
		    "account", seq);
	if (!same(e->prev, prev->hash, DEVLIST_HASH_BYTES))
		return devlist_refuse(why, whylen, "entry %llu does not chain to "
		    "entry %llu (a fork)", seq, pseq);
	if (!sig_ok(e, prev->account_pk))
		return devlist_refuse(why, whylen, "entry %llu is not signed by "
		    "the account key", seq);
	if (devlist_find(prev, e->actor) == NULL)
		return devlist_refuse(why, whylen, "entry %llu was made by a "
		    "device that was not trusted", seq);
	switch (e->kind) {
	case DEVLIST_ADD:
		no = check_add(prev, e, same_keys);
		break;
	case DEVLIST_REMOVE:
		no = check_remove(prev, e);
		break;
	case DEVLIST_RENAME:
		no = check_rename(prev, e, same_keys);
		break;
	case DEVLIST_GENESIS:
		no = "cannot follow an entry";
		break;
	}
	if (no != NULL)
		return devlist_refuse(why, whylen, "entry %llu (%s) %s", seq,
		    kind_word(e->kind), no);
	return 0;
}

static int
cmp_device(const void *a, const void *b)
{
	const struct devlist_device *const *x = a, *const *y = b;

	return devlist_id_cmp((*x)->card.device_id, (*y)->card.device_id);
}

int
devlist_make(struct coffer_buf *out, const struct devlist_draft *d,
    const struct coffer_key *signer)
{
	const struct devlist_device **order = NULL;
	static const uint8_t zero[DEVLIST_HASH_BYTES];
	uint8_t sig[COFFER_SIGN_BYTES], hdr[HEADER_BYTES], *p;
	size_t len0 = coffer_buf_len(out), i, off = 0;
	int r = COFFER_ERR_INVALID;

	if (d == NULL || signer == NULL || d->account == NULL ||
	    d->account_pk == NULL || d->root_commit == NULL ||
	    d->actor == NULL || d->subject == NULL || d->devices == NULL ||
	    d->kind < DEVLIST_GENESIS || d->kind > DEVLIST_RENAME ||
	    d->seq == 0 || d->epoch == 0 || d->ndevices == 0 ||
	    d->ndevices > DEVLIST_DEVICES_MAX ||
	    d->names_len > DEVLIST_NAMES_MAX ||
	    (d->names_len > 0 && d->names == NULL) ||
	    coffer_key_kind(signer) != COFFER_KEY_ED25519)
		goto out;
	r = COFFER_ERR_NOMEM;
	if ((order = calloc(d->ndevices, sizeof(*order))) == NULL)
		goto out;
	for (i = 0; i < d->ndevices; i++)
		order[i] = &d->devices[i];
	qsort(order, d->ndevices, sizeof(*order), cmp_device);
	r = COFFER_ERR_INVALID;
	for (i = 1; i < d->ndevices; i++)
		if (cmp_device(&order[i - 1], &order[i]) == 0)
			goto out;
	memcpy(hdr, entry_magic, 4);
	hdr[4] = ENTRY_VERSION;
	hdr[5] = (uint8_t)d->kind;
	be64enc(hdr + 6, d->seq);
	off = 14;
	memcpy(hdr + off, d->account, COFFER_WIRE_ID_BYTES);
	off += COFFER_WIRE_ID_BYTES;
	memcpy(hdr + off, d->prev != NULL ? d->prev : zero, DEVLIST_HASH_BYTES);
	off += DEVLIST_HASH_BYTES;
	be64enc(hdr + off, d->time);
	be32enc(hdr + off + 8, d->epoch);
	off += 12;
	memcpy(hdr + off, d->account_pk, COFFER_PUBLIC_BYTES);
	off += COFFER_PUBLIC_BYTES;
	memcpy(hdr + off, d->root_commit, 32);
	off += 32;
	memcpy(hdr + off, d->actor, COFFER_WIRE_ID_BYTES);
	off += COFFER_WIRE_ID_BYTES;
	memcpy(hdr + off, d->subject, COFFER_WIRE_ID_BYTES);
	off += COFFER_WIRE_ID_BYTES;
	be16enc(hdr + off, (uint16_t)d->ndevices);
	if ((r = coffer_buf_append(out, hdr, sizeof(hdr))) != 0)
		goto out;
	for (i = 0; i < d->ndevices; i++) {
		if ((r = coffer_buf_extend(out, DEVLIST_DEVICE_BYTES,
		    &p)) != 0)
			goto out;
		memcpy(p, order[i]->raw, COFFER_DEVICE_CARD_BYTES);
		be64enc(p + COFFER_DEVICE_CARD_BYTES, order[i]->added_seq);
		memcpy(p + COFFER_DEVICE_CARD_BYTES + 8, order[i]->approver,
		    COFFER_WIRE_ID_BYTES);
		be64enc(p + COFFER_DEVICE_CARD_BYTES + 8 +
		    COFFER_WIRE_ID_BYTES, order[i]->added_time);
	}
	if ((r = coffer_buf_put_u16(out, (uint16_t)d->names_len)) != 0 ||
	    (d->names_len > 0 && (r = coffer_buf_append(out, d->names,
	    d->names_len)) != 0))
		goto out;
	if ((r = coffer_sign(sig, signer, sig_ctx, coffer_buf_data(out) + len0,
	    coffer_buf_len(out) - len0)) != 0 ||
	    (r = coffer_buf_append(out, sig, sizeof(sig))) != 0)
		goto out;
out:
	if (r != 0)
		coffer_buf_truncate(out, len0);
	free(order);
	return r;
}

int
devlist_root_commit(uint8_t out[32], const struct coffer_key *root)
{
	if (out == NULL || root == NULL ||
	    coffer_key_kind(root) != COFFER_KEY_SYMMETRIC)
		return COFFER_ERR_INVALID;
	return coffer_kdf(out, 32, key_secret(root), COFFER_KEY_BYTES,
	    commit_ctx, NULL, 0);
}

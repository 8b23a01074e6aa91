/* grant_*: an epoch's root sealed to one device and signed by the account
 * key, CFRG v1 (docs/PROTOCOL-devices.md §3). */
#include <coffer/envelope.h>
#include <coffer/err.h>
#include <coffer/keychain.h>
#include <coffer/sign.h>

#include "core/reader.h"
#include "core/sysendian.h"
#include "keys/devlist.h"
#include "keys/grant.h"
#include "keys/keychain_internal.h"

#include <string.h>

#include <sodium.h>

static const uint8_t grant_magic[4] = { 'C', 'F', 'R', 'G' };
static const char sig_ctx[] = "coffer/root-grant/v1";

_Static_assert(GRANT_HEADER_BYTES == 4 + 1 + COFFER_WIRE_ID_BYTES + 8 +
    DEVLIST_HASH_BYTES + 4 + COFFER_WIRE_ID_BYTES + COFFER_PUBLIC_BYTES + 4 +
    2, "CFRG layout through the sealed root's length");
_Static_assert(GRANT_SEALED_BYTES == KEYCHAIN_DEVICE_SEALED_BYTES,
    "a grant carries one key sealed to a device");

static int
same(const void *a, const void *b, size_t n)
{
	return sodium_memcmp(a, b, n) == 0;
}

/* The sealed root is a device envelope to the grant's own key and
 * version, of one key record: checked from its header, without a key. */
static int
sealed_ok(const struct grant *g)
{
	struct coffer_envelope_info info;
	uint8_t id[COFFER_KEY_ID_BYTES];

	return coffer_envelope_peek(&info, g->sealed, sizeof(g->sealed)) == 0 &&
	    info.type == COFFER_ENVELOPE_PUBLIC &&
	    strcmp(info.context, KEYCHAIN_DEVICE_CONTEXT) == 0 &&
	    coffer_key_id_of_public(COFFER_KEY_X25519, g->agree_pk, id) == 0 &&
	    same(info.key_id, id, sizeof(id)) &&
	    info.key_version == g->agree_version &&
	    info.plaintext_len == KEYRECORD_BYTES;
}

int
grant_parse(struct grant *out, const uint8_t *p, size_t len)
{
	struct grant g;
	struct reader rd;
	uint16_t slen;
	int r;

	memset(out, 0, sizeof(*out));
	memset(&g, 0, sizeof(g));
	if (coffer_init() != 0) {
		r = COFFER_ERR_CRYPTO;
		goto out;
	}
	reader_init(&rd, p, len);
	if ((r = reader_header(&rd, grant_magic, sizeof(grant_magic),
	    GRANT_VERSION)) != 0)
		goto out;
	if ((r = reader_copy(&rd, g.account, sizeof(g.account))) != 0 ||
	    (r = reader_u64(&rd, &g.seq)) != 0 ||
	    (r = reader_copy(&rd, g.entry_hash, sizeof(g.entry_hash))) != 0 ||
	    (r = reader_u32(&rd, &g.epoch)) != 0 ||
	    (r = reader_copy(&rd, g.device, sizeof(g.device))) != 0 ||
	    (r = reader_copy(&rd, g.agree_pk, sizeof(g.agree_pk))) != 0 ||
	    (r = reader_u32(&rd, &g.agree_version)) != 0 ||
	    (r = reader_u16(&rd, &slen)) != 0)
		goto out;
	if (g.seq == 0 || g.epoch == 0 || g.agree_version == 0 ||
	    slen != GRANT_SEALED_BYTES) {
		r = COFFER_ERR_FORMAT;
		goto out;
	}
	if ((r = reader_copy(&rd, g.sealed, sizeof(g.sealed))) != 0 ||
	    (r = reader_copy(&rd, g.sig, sizeof(g.sig))) != 0 ||
	    (r = reader_end(&rd)) != 0)
		goto out;
	if (!sealed_ok(&g)) {
		r = COFFER_ERR_FORMAT;
		goto out;
	}
	*out = g;
out:
	return r;
}

int
grant_make_det(struct coffer_buf *out, const struct grant *g,
    const struct coffer_key *root, const struct coffer_key *signer,
    const uint8_t *nonce, const uint8_t *eph)
{
	uint8_t hdr[GRANT_HEADER_BYTES], sig[COFFER_SIGN_BYTES];
	size_t len0 = coffer_buf_len(out), off = 0;
	int r = COFFER_ERR_INVALID;

	if (g == NULL || root == NULL || signer == NULL || nonce == NULL ||
	    eph == NULL || g->seq == 0 || g->epoch == 0 ||
	    g->agree_version == 0 ||
	    coffer_key_kind(signer) != COFFER_KEY_ED25519)
		goto out;
	memcpy(hdr, grant_magic, sizeof(grant_magic));
	hdr[4] = GRANT_VERSION;
	off = 5;
	memcpy(hdr + off, g->account, COFFER_WIRE_ID_BYTES);
	off += COFFER_WIRE_ID_BYTES;
	be64enc(hdr + off, g->seq);
	off += 8;
	memcpy(hdr + off, g->entry_hash, DEVLIST_HASH_BYTES);
	off += DEVLIST_HASH_BYTES;
	be32enc(hdr + off, g->epoch);
	off += 4;
	memcpy(hdr + off, g->device, COFFER_WIRE_ID_BYTES);
	off += COFFER_WIRE_ID_BYTES;
	memcpy(hdr + off, g->agree_pk, COFFER_PUBLIC_BYTES);
	off += COFFER_PUBLIC_BYTES;
	be32enc(hdr + off, g->agree_version);
	be16enc(hdr + off + 4, GRANT_SEALED_BYTES);
	if ((r = coffer_buf_append(out, hdr, sizeof(hdr))) != 0 ||
	    (r = keychain_wrap_det(out, root, COFFER_ROLE_ROOT, 0,
	    COFFER_ENVELOPE_PUBLIC, NULL, g->agree_pk, g->agree_version, nonce,
	    eph)) != 0)
		goto out;
	if (coffer_buf_len(out) - len0 != GRANT_HEADER_BYTES +
	    GRANT_SEALED_BYTES) {
		r = COFFER_ERR_INTERNAL;
		goto out;
	}
	if ((r = coffer_sign(sig, signer, sig_ctx, coffer_buf_data(out) + len0,
	    coffer_buf_len(out) - len0)) != 0 ||
	    (r = coffer_buf_append(out, sig, sizeof(sig))) != 0)
		goto out;
out:
	if (r != 0)
		coffer_buf_truncate(out, len0);
	return r;
}

int
grant_make(struct coffer_buf *out, const struct devlist_entry *entry,
    const uint8_t device_id[COFFER_WIRE_ID_BYTES],
    const struct coffer_key *root, const struct coffer_key *signer)
{
	const struct devlist_device *d;
	struct grant g;
	uint8_t commit[32], pk[COFFER_PUBLIC_BYTES], nonce[24], eph[32];
	int r = COFFER_ERR_INVALID;

	memset(&g, 0, sizeof(g));
	if (coffer_init() != 0) {
		r = COFFER_ERR_CRYPTO;
		goto out;
	}
	if (entry == NULL || device_id == NULL || root == NULL ||
	    signer == NULL || (d = devlist_find(entry, device_id)) == NULL ||
	    coffer_key_kind(root) != COFFER_KEY_SYMMETRIC ||
	    coffer_key_version(root) != entry->epoch ||
	    devlist_root_commit(commit, root) != 0 ||
	    !same(commit, entry->root_commit, sizeof(commit)) ||
	    coffer_key_public(signer, pk) != 0 ||
	    coffer_key_kind(signer) != COFFER_KEY_ED25519 ||
	    !same(pk, entry->account_pk, sizeof(pk)))
		goto out;
	memcpy(g.account, entry->account, sizeof(g.account));
	g.seq = entry->seq;
	memcpy(g.entry_hash, entry->hash, sizeof(g.entry_hash));
	g.epoch = entry->epoch;
	memcpy(g.device, device_id, sizeof(g.device));
	memcpy(g.agree_pk, d->card.agree_pk, sizeof(g.agree_pk));
	g.agree_version = d->card.agree_version;
	randombytes_buf(nonce, sizeof(nonce));
	randombytes_buf(eph, sizeof(eph));
	r = grant_make_det(out, &g, root, signer, nonce, eph);
out:
	sodium_memzero(eph, sizeof(eph));
	return r;
}

/* §3's checks that need no secret: the grant names ${e}, is signed by its
 * account key, is for ${self} whose card ${e} lists, and is of ${e}'s
 * epoch. The grant's bytes ${p} are for the signature. */
static int
check_public(const struct grant *g, const uint8_t *p,
    const struct devlist_entry *e, const struct coffer_device *self,
    char *why, size_t whylen)
{
	const struct coffer_key *sk = coffer_device_sign_key(self);
	const struct coffer_key *ak = coffer_device_agree_key(self);
	const struct devlist_device *d;
	unsigned long long seq = e->seq;

	if (!same(g->account, e->account, sizeof(g->account)))
		return devlist_refuse(why, whylen, "the grant is for another "
		    "account");
	if (g->seq != e->seq)
		return devlist_refuse(why, whylen, "the grant is for list entry "
		    "%llu, not entry %llu", (unsigned long long)g->seq, seq);
	if (!same(g->entry_hash, e->hash, sizeof(g->entry_hash)))
		return devlist_refuse(why, whylen, "the grant is for another "
		    "list entry %llu (a fork)", seq);
	if (coffer_sign_verify(g->sig, e->account_pk, sig_ctx, p,
	    GRANT_HEADER_BYTES + GRANT_SEALED_BYTES) != 0)
		return devlist_refuse(why, whylen, "the grant is not signed by "
		    "the account key of list entry %llu", seq);
	if (!same(g->device, coffer_device_id(self), sizeof(g->device)))
		return devlist_refuse(why, whylen, "the grant is for another "
		    "device");
	if (!same(g->agree_pk, coffer_device_agree_public(self),
	    sizeof(g->agree_pk)) ||
	    g->agree_version != coffer_key_version(ak))
		return devlist_refuse(why, whylen, "the grant is for another key "
		    "of this device");
	if ((d = devlist_find(e, g->device)) == NULL)
		return devlist_refuse(why, whylen, "list entry %llu does not "
		    "list this device", seq);
	if (!same(d->card.agree_pk, g->agree_pk, sizeof(g->agree_pk)) ||
	    d->card.agree_version != g->agree_version ||
	    !same(d->card.sign_pk, coffer_device_sign_public(self),
	    sizeof(d->card.sign_pk)) ||
	    d->card.sign_version != coffer_key_version(sk))
		return devlist_refuse(why, whylen, "list entry %llu lists "
		    "another card for this device", seq);
	if (g->epoch != e->epoch)
		return devlist_refuse(why, whylen, "the grant is for epoch %lu, "
		    "list entry %llu for epoch %lu", (unsigned long)g->epoch,
		    seq, (unsigned long)e->epoch);
	return 0;
}

int
grant_open(struct coffer_key **out, const uint8_t *p, size_t len,
    const struct devlist_entry *entry, const struct coffer_device *self,
    char *why, size_t whylen)
{
	struct coffer_key *root = NULL;
	struct grant g;
	uint8_t commit[32];
	int r = COFFER_ERR_INVALID;

	if (out != NULL)
		*out = NULL;
	if (why != NULL && whylen > 0)
		why[0] = '\0';
	if (out == NULL || (p == NULL && len > 0) || entry == NULL ||
	    entry->raw == NULL || self == NULL)
		goto out;
	if ((r = grant_parse(&g, p, len)) != 0 ||
	    (r = check_public(&g, p, entry, self, why, whylen)) != 0)
		goto out;
	r = coffer_keychain_open_from_device(&root, g.sealed, sizeof(g.sealed),
	    COFFER_ROLE_ROOT, 0, g.epoch, coffer_device_agree_key(self));
	if (r == COFFER_ERR_NOMEM || r == COFFER_ERR_CRYPTO)
		goto out;
	if (r != 0) {
		r = devlist_refuse(why, whylen, "the root in the grant does not "
		    "open with this device's key");
		goto out;
	}
	/* A root the server sealed to this device itself fails here, even
	 * if it could forge nothing else. */
	if ((r = devlist_root_commit(commit, root)) != 0)
		goto out;
	if (!same(commit, entry->root_commit, sizeof(commit))) {
		r = devlist_refuse(why, whylen, "the root in the grant is not "
		    "the root of list entry %llu", (unsigned long long)entry->seq);
		goto out;
	}
	*out = root;
	root = NULL;
out:
	coffer_key_free(&root);
	return r;
}

/* The backup engine's signer of forgets (coffer/backup.h, "Snapshots a
 * server cannot hide"; docs/PROTOCOL-client.md, "Backup sets"): a FORGET
 * is signed with the account key this device holds (A_e of its epoch)
 * and bound to the set's zone id; one counts when its key is the account
 * key of an entry of the device list this home verified. */
#include <coffer/backup.h>
#include <coffer/client.h>
#include <coffer/err.h>
#include <coffer/sign.h>

#include <string.h>

#include <sodium.h>

#include "client/client_internal.h"

static int
bsign_sign(void *arg, const char *context, const uint8_t *msg, size_t len,
    uint8_t sig[COFFER_SIGN_BYTES], uint8_t pk[COFFER_PUBLIC_BYTES])
{
	struct coffer_client *c = arg;
	int r;

	if ((r = kc_ready(c)) != 0)
		return r;
	if (c->acct == NULL)
		return cl_fail(c, COFFER_ERR_STATE, "this device holds no "
		    "account key (not approved yet)");
	if ((r = coffer_key_public(c->acct, pk)) != 0)
		return r;
	return coffer_sign(sig, c->acct, context, msg, len);
}

/* Every entry this home verified, newest first: whose account key is
 * ${pk}? */
static int
bsign_trusted(void *arg, const uint8_t pk[COFFER_PUBLIC_BYTES])
{
	struct coffer_client *c = arg;
	struct devlist_entry e;
	struct coffer_buf *b = NULL;
	uint64_t seq = 0;
	int r;

	if ((b = coffer_buf_new(DEVLIST_ENTRY_MAX)) == NULL)
		return COFFER_ERR_NOMEM;
	r = st_dl_head(c, &seq, b);
	coffer_buf_free(&b);
	if (r != 0)
		return r == COFFER_ERR_NOTFOUND ? COFFER_ERR_AUTH : r;
	for (r = COFFER_ERR_AUTH; seq > 0 && r == COFFER_ERR_AUTH; seq--) {
		int g = tr_entry(c, seq, &e);

		if (g == COFFER_ERR_NOTFOUND)
			break;		/* before the first this home pinned */
		if (g != 0)
			return g;
		if (sodium_memcmp(e.account_pk, pk, COFFER_PUBLIC_BYTES) == 0)
			r = 0;
		devlist_entry_cleanup(&e);
	}
	return r;
}

int
coffer_client_backup_signer(struct coffer_client *c, const char *set_name,
    struct coffer_backup_signer *out)
{
	struct zone z;
	int r;

	if (c == NULL || out == NULL)
		return COFFER_ERR_INVALID;
	memset(out, 0, sizeof(*out));
	c->errmsg[0] = '\0';
	if ((r = kc_ready(c)) != 0 ||
	    (r = zn_open(c, COFFER_CATEGORY_BACKUP, set_name, &z)) != 0)
		return r;
	_Static_assert(sizeof(out->set) == sizeof(z.id), "set id: zone id");
	out->version = COFFER_BACKUP_SIGNER_V1;
	memcpy(out->set, z.id, sizeof(out->set));
	out->sign = bsign_sign;
	out->trusted = bsign_trusted;
	out->arg = c;
	return 0;
}

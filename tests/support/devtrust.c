/* The device-trust fixture (devtrust.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include <coffer/encoding.h>
#include <coffer/keychain.h>
#include <coffer/sign.h>

#include "devtrust.h"
#include "route_util.h"
#include "wire/json.h"

void
dt_device_new(struct dt_device *v)
{
	struct coffer_buf *b = coffer_buf_new(COFFER_DEVICE_CARD_BYTES);

	assert_non_null(b);
	memset(v, 0, sizeof(*v));
	assert_int_equal(coffer_device_generate(&v->d), 0);
	assert_int_equal(coffer_device_card_encode(b, v->d), 0);
	memcpy(v->card, coffer_buf_data(b), sizeof(v->card));
	coffer_buf_free(&b);
	memcpy(v->id, coffer_device_id(v->d), sizeof(v->id));
	wire_id_encode(v->hex, v->id, sizeof(v->id));
}

void
dt_device_free(struct dt_device *v)
{
	coffer_device_free(&v->d);
}

void
dt_session(struct srv *s, const char *account, const struct dt_device *claim,
    struct test_account *out)
{
	char path[128];
	json_t *j;

	snprintf(path, sizeof(path), "/v1/_test/session/%s%s%s", account,
	    claim != NULL ? "?device=" : "", claim != NULL ? claim->hex : "");
	j = rt_want(s, "POST", path, NULL, NULL, 200, NULL);
	memset(out, 0, sizeof(*out));
	snprintf(out->id, sizeof(out->id), "%s", account);
	snprintf(out->token, sizeof(out->token), "%s", rt_str(j, "token"));
	assert_int_equal(strlen(out->token), 43);
	snprintf(out->auth, sizeof(out->auth), "Authorization: Bearer %s",
	    out->token);
	json_decref(j);
}

void
dt_register(struct srv *s, const struct test_account *a,
    const struct dt_device *v)
{
	char path[64], *b64 = rt_b64(v->card, sizeof(v->card)), body[400];
	long st = 0;

	snprintf(path, sizeof(path), "/v1/devices/%s", v->hex);
	snprintf(body, sizeof(body), "{\"card\":\"%s\"}", b64);
	json_decref(rt_call(s, "PUT", path, a->auth, body, &st));
	assert_true(st == 201 || st == 200);
	free(b64);
}

void
dt_bind_body(const struct test_account *a, const struct dt_device *v,
    const char *context, char *out, size_t size)
{
	uint8_t msg[COFFER_WIRE_ID_BYTES + crypto_hash_sha256_BYTES];
	uint8_t sig[COFFER_SIGN_BYTES];
	char *b64;

	assert_int_equal(wire_id_decode(a->id, COFFER_WIRE_ID_HEX, msg,
	    COFFER_WIRE_ID_BYTES), 0);
	crypto_hash_sha256(msg + COFFER_WIRE_ID_BYTES,
	    (const uint8_t *)a->token, strlen(a->token));
	assert_int_equal(coffer_sign(sig, coffer_device_sign_key(v->d),
	    context, msg, sizeof(msg)), 0);
	b64 = rt_b64(sig, sizeof(sig));
	snprintf(out, size, "{\"device\":\"%s\",\"sig\":\"%s\"}", v->hex, b64);
	free(b64);
}

int
dt_bind(struct srv *s, const struct test_account *a, const struct dt_device *v)
{
	char body[300];
	json_t *j;
	int r;

	dt_bind_body(a, v, "coffer/session-device/v1", body, sizeof(body));
	j = rt_want(s, "PUT", "/v1/sessions/current/device", a->auth, body,
	    200, NULL);
	assert_string_equal(rt_str(j, "device"), v->hex);
	assert_true(json_is_boolean(json_object_get(j, "restricted")));
	r = json_is_true(json_object_get(j, "restricted"));
	json_decref(j);
	return r;
}

int
dt_restricted(struct srv *s, const struct test_account *a)
{
	json_t *j = rt_want(s, "GET", "/v1/account", a->auth, NULL, 200, NULL);
	int r;

	assert_true(json_is_boolean(json_object_get(j, "restricted")));
	r = json_is_true(json_object_get(j, "restricted"));
	json_decref(j);
	return r;
}

/* A new account key and root for epoch ${epoch}: the key in *${acct},
 * its public half and the root's commit. */
static void
epoch_keys(uint32_t epoch, struct coffer_key **acct, uint8_t pk[32],
    uint8_t commit[32])
{
	struct coffer_key *root = NULL;

	assert_int_equal(coffer_keychain_key_generate(acct, COFFER_ROLE_ACCOUNT,
	    0, epoch), 0);
	assert_int_equal(coffer_key_public(*acct, pk), 0);
	assert_int_equal(coffer_keychain_key_generate(&root, COFFER_ROLE_ROOT,
	    0, epoch), 0);
	assert_int_equal(devlist_root_commit(commit, root), 0);
	coffer_key_free(&root);
}

void
dt_chain_init(struct dt_chain *c, const char *account)
{
	memset(c, 0, sizeof(*c));
	assert_int_equal(wire_id_decode(account, COFFER_WIRE_ID_HEX,
	    c->account, sizeof(c->account)), 0);
	c->epoch = 1;
	epoch_keys(1, &c->acct, c->pk, c->commit);
}

void
dt_chain_free(struct dt_chain *c)
{
	coffer_key_free(&c->acct);
	coffer_key_free(&c->old);
}

/* ${v} as a listed device, added at ${seq} by ${approver}. */
static void
listed(struct devlist_device *d, const struct dt_device *v, uint64_t seq,
    const struct dt_device *approver, uint64_t time)
{
	memset(d, 0, sizeof(*d));
	memcpy(d->raw, v->card, sizeof(d->raw));
	assert_int_equal(coffer_device_card_parse(&d->card, d->raw,
	    sizeof(d->raw)), 0);
	d->added_seq = seq;
	memcpy(d->approver, approver->id, sizeof(d->approver));
	d->added_time = time;
}

struct coffer_buf *
dt_entry(struct dt_chain *c, enum devlist_kind kind,
    const struct dt_device *actor, const struct dt_device *subject,
    const struct dt_tweak *t, int keep)
{
	struct devlist_device devs[DEVLIST_DEVICES_MAX];
	struct devlist_draft d;
	struct devlist_entry e;
	struct coffer_key *next = NULL;
	uint8_t pk[32], commit[32];
	struct coffer_buf *b = coffer_buf_new(DEVLIST_ENTRY_MAX);
	size_t i, n = c->n;

	assert_non_null(b);
	memcpy(devs, c->devs, n * sizeof(devs[0]));
	memcpy(pk, c->pk, sizeof(pk));
	memcpy(commit, c->commit, sizeof(commit));
	memset(&d, 0, sizeof(d));
	d.kind = kind;
	d.seq = t != NULL && t->seq != 0 ? t->seq : c->seq + 1;
	d.account = t != NULL && t->account != NULL ? t->account : c->account;
	d.prev = t != NULL && t->prev != NULL ? t->prev : c->seq > 0 ?
	    c->hash : NULL;
	d.time = 1700000000 + d.seq;
	d.epoch = c->epoch;
	d.actor = actor->id;
	d.subject = subject->id;
	switch (kind) {
	case DEVLIST_GENESIS:
		listed(&devs[0], actor, 1, actor, d.time);
		n = 1;
		break;
	case DEVLIST_ADD:
		listed(&devs[n++], subject, d.seq, actor, d.time);
		break;
	case DEVLIST_REMOVE:
		for (i = 0; i < n; i++)
			if (memcmp(devs[i].card.device_id, subject->id, 16) ==
			    0)
				devs[i] = devs[--n];
		d.epoch = c->epoch + 1;
		epoch_keys(d.epoch, &next, pk, commit);
		break;
	case DEVLIST_RENAME:
		break;
	}
	d.account_pk = pk;
	d.root_commit = commit;
	d.devices = devs;
	d.ndevices = n;
	assert_int_equal(devlist_make(b, &d, t != NULL && t->signer != NULL ?
	    t->signer : c->acct), 0);
	if (keep) {
		assert_int_equal(devlist_parse(&e, coffer_buf_data(b),
		    coffer_buf_len(b)), 0);
		c->seq = e.seq;
		memcpy(c->hash, e.hash, sizeof(c->hash));
		c->epoch = e.epoch;
		memcpy(c->pk, pk, sizeof(pk));
		memcpy(c->commit, commit, sizeof(commit));
		memcpy(c->devs, devs, n * sizeof(devs[0]));
		c->n = n;
		if (next != NULL) {
			coffer_key_free(&c->old);
			c->old = c->acct;
			c->acct = next;
			next = NULL;
		}
		devlist_entry_cleanup(&e);
	}
	coffer_key_free(&next);
	return b;
}

char *
dt_put_body(const struct coffer_buf *entry, uint64_t seq, char path[64])
{
	char *b64, *body;
	size_t n;

	b64 = rt_b64(coffer_buf_data(entry), coffer_buf_len(entry));
	n = strlen(b64) + 32;
	assert_non_null(body = malloc(n));
	snprintf(body, n, "{\"entry\":\"%s\"}", b64);
	snprintf(path, 64, "/v1/devicelist/%llu", (unsigned long long)seq);
	free(b64);
	return body;
}

json_t *
dt_put(struct srv *s, const struct test_account *a, uint64_t seq,
    const struct coffer_buf *entry, long *status)
{
	char path[64], *body = dt_put_body(entry, seq, path);
	json_t *j;

	j = rt_call(s, "PUT", path, a->auth, body, status);
	free(body);
	return j;
}

uint64_t
dt_head(struct srv *s, const struct test_account *a)
{
	char path[64];
	json_t *j;
	long long h;

	snprintf(path, sizeof(path), "/v1/devicelist?since=%d", INT32_MAX);
	j = rt_want(s, "GET", path, a->auth, NULL, 200, NULL);
	h = rt_int(j, "head");
	assert_true(h >= 0);
	assert_int_equal(json_array_size(json_object_get(j, "entries")), 0);
	json_decref(j);
	return (uint64_t)h;
}

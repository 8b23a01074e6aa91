/* Zones on the server: made on demand, records written with optimistic
 * concurrency, and synced by change token into the home's copy. What a
 * record must be to enter the home is the caller's check, given to
 * zn_sync: this file neither opens nor seals records. Records are never
 * deleted from here: a delete is a tombstone written over the record
 * (record_seal.c). */
#include <coffer/category.h>
#include <coffer/encoding.h>
#include <coffer/err.h>
#include <coffer/kdf.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/client_internal.h"
#include "core/secret.h"

#define TOKEN_MAX	256

/* Why a device has no key of the account: it never signed in, or it
 * waits for approval (a removed device was told so by kc_refresh). */
static int
not_ready(struct coffer_client *c)
{
	struct coffer_buf *b = coffer_buf_new(64);
	int r = b == NULL ? COFFER_ERR_NOMEM : st_get(c, "account", b);

	coffer_buf_free(&b);
	if (r == COFFER_ERR_NOTFOUND)
		return cl_fail(c, COFFER_ERR_UNAUTHORIZED, "not signed in: "
		    "run coffer account login");
	return cl_fail(c, COFFER_ERR_STATE, "this device is not approved "
	    "yet: approve it from a trusted device (coffer device approve "
	    "--code CODE)");
}

int
zn_open(struct coffer_client *c, const char *category, const char *name,
    struct zone *z)
{
	uint8_t info[256];
	char path[128], hex[ID_HEX], tok[TOKEN_MAX + 1], *body = NULL;
	size_t cl, nl;
	int r;

	memset(z, 0, sizeof(*z));
	if (name == NULL)
		name = "default";
	if (category == NULL ||
	    (z->cat = coffer_category_by_name(category)) == NULL)
		return cl_fail(c, COFFER_ERR_INVALID, "no category \"%s\"",
		    category == NULL ? "" : category);
	if (c->naming == NULL)
		return not_ready(c);
	cl = strlen(category);
	nl = strlen(name);
	if (nl == 0 || cl + nl + 1 > sizeof(info))
		return cl_fail(c, COFFER_ERR_INVALID, "bad zone name");
	/* The id hides the name: only holders of the naming key can tell
	 * which zone is which. It never rolls: rolling it would move every
	 * zone. */
	memcpy(info, category, cl);
	info[cl] = 0;
	memcpy(info + cl + 1, name, nl);
	if ((r = coffer_kdf(z->id, COFFER_WIRE_ID_BYTES, key_secret(c->naming),
	    COFFER_KEY_BYTES, "coffer/zone-id/v1", info, cl + 1 + nl)) != 0)
		return r;
	if (st_zone_token(c, z->id, tok, sizeof(tok)) == 0)
		return 0;
	if ((r = cl_hex(hex, z->id)) != 0 ||
	    (r = net_json_body(&body, "{s:s}", "category", category)) != 0)
		return r;
	(void)snprintf(path, sizeof(path), "/v1/zones/%s", hex);
	if ((r = cl_json(c, "PUT", path, body, CL_IDEMPOTENT, NULL,
	    NULL)) == 0)
		r = st_zone_put(c, z->id, category, NULL);
	free(body);
	return r;
}

static const char *const change_keys[] = { "record", "version", "deleted",
	"data", NULL };
static const char *const page_keys[] = { "changes", "token", "more", NULL };

/* Whether ${rec} changes what the home holds: a new live record, another
 * version, or a delete of one it had. */
static int
is_change(struct coffer_client *c, const struct zone *z,
    const struct rec *rec, int *changed)
{
	struct rec old;
	int r;

	r = st_rec_get(c, z->id, rec->id, &old, NULL);
	if (r == COFFER_ERR_NOTFOUND) {
		*changed = !rec->deleted;
		return 0;
	}
	if (r == 0)
		*changed = old.version != rec->version ||
		    old.deleted != rec->deleted;
	return r;
}

/* Take one page of the change feed into the home, each live record
 * checked by ${check} first (if not NULL); add the records it changed to
 * *${changed}. */
static int
take_page(struct coffer_client *c, const struct zone *z, zn_check_fn check,
    void *arg, json_t *j, char *detail, char *tok, int *more,
    uint64_t *changed)
{
	struct coffer_buf *data = NULL;
	const char *t;
	json_t *a, *ch;
	struct rec rec;
	size_t i;
	int r, diff;

	if ((r = net_json_only(j, page_keys, detail)) != 0 ||
	    (r = net_json_bool(j, "more", more, detail)) != 0 ||
	    (r = net_json_str(j, "token", &t, detail)) != 0)
		return r;
	if (strlen(t) == 0 || strlen(t) > TOKEN_MAX)
		return cl_fail(c, COFFER_ERR_SERVER, "the server's answer: "
		    "field \"token\" has a bad length");
	a = json_object_get(j, "changes");
	if (!json_is_array(a) || json_array_size(a) > 1000)
		return cl_fail(c, COFFER_ERR_SERVER, "the server's answer: "
		    "field \"changes\" is not an array of at most 1000");
	if ((data = coffer_buf_new(COFFER_WIRE_RECORD_MAX)) == NULL)
		return COFFER_ERR_NOMEM;
	json_array_foreach(a, i, ch) {
		memset(&rec, 0, sizeof(rec));
		coffer_buf_reset(data);
		if (!json_is_object(ch) ||
		    (r = net_json_only(ch, change_keys, detail)) != 0 ||
		    (r = net_json_hex(ch, "record", rec.id,
		    COFFER_WIRE_ID_BYTES, detail)) != 0 ||
		    (r = net_json_int(ch, "version", &rec.version,
		    detail)) != 0 ||
		    (r = net_json_bool(ch, "deleted", &rec.deleted,
		    detail)) != 0) {
			r = COFFER_ERR_SERVER;
			goto out;
		}
		if (!rec.deleted && (r = net_json_b64(ch, "data", data,
		    COFFER_WIRE_RECORD_MAX, detail)) != 0)
			goto out;
		if (!rec.deleted && check != NULL && (r = check(arg, c, z,
		    rec.id, coffer_buf_data(data), coffer_buf_len(data))) != 0)
			goto out;
		if ((r = is_change(c, z, &rec, &diff)) != 0 ||
		    (r = st_rec_put(c, z->id, &rec, coffer_buf_data(data),
		    coffer_buf_len(data))) != 0)
			goto out;
		*changed += (uint64_t)diff;
	}
	(void)snprintf(tok, TOKEN_MAX + 1, "%s", t);
	r = 0;
out:
	coffer_buf_free(&data);
	return r;
}

int
zn_sync(struct coffer_client *c, const struct zone *z, zn_check_fn check,
    void *arg, uint64_t *changed)
{
	char path[TOKEN_MAX + 128], hex[ID_HEX], tok[TOKEN_MAX + 1];
	json_t *j = NULL;
	uint64_t n = 0, page;
	int r, more = 1, restarted = 0;

	/* A zone of sealed records or of a backup set's refs is never
	 * synced unchecked: fail closed if a caller forgets its check. */
	if (check == NULL && (coffer_category_is_generic(z->cat) ||
	    strcmp(z->cat->name, COFFER_CATEGORY_BACKUP) == 0))
		return cl_fail(c, COFFER_ERR_INTERNAL, "zone sync: a zone of "
		    "sealed records or refs needs its record check");
	if ((r = cl_hex(hex, z->id)) != 0)
		return r;
	if ((r = st_zone_token(c, z->id, tok, sizeof(tok))) != 0 &&
	    r != COFFER_ERR_NOTFOUND)
		return r;
	while (more) {
		(void)snprintf(path, sizeof(path), "/v1/zones/%s/changes%s%s",
		    hex, tok[0] ? "?since=" : "", tok);
		r = cl_json(c, "GET", path, NULL, CL_IDEMPOTENT | CL_BIG, &j,
		    NULL);
		if (r == COFFER_ERR_STATE && !restarted) {
			/* The token is refused or ahead of the store: start
			 * again from nothing. */
			restarted = 1;
			tok[0] = '\0';
			if ((r = st_rec_drop_zone(c, z->id)) != 0)
				break;
			continue;
		}
		if (r != 0 || (r = st_begin(c)) != 0)
			break;
		page = 0;
		r = take_page(c, z, check, arg, j, c->errmsg, tok, &more,
		    &page);
		if (r == 0)
			r = st_zone_put(c, z->id, z->cat->name, tok);
		json_decref(j);
		j = NULL;
		if ((r = st_end(c, r)) != 0)
			break;
		n += page;
	}
	json_decref(j);
	if (changed != NULL)
		*changed = n;
	return r;
}

/* A record's path. */
static int
rec_path(char *out, size_t cap, const struct zone *z,
    const uint8_t id[COFFER_WIRE_ID_BYTES])
{
	char zh[ID_HEX], rh[ID_HEX];
	int r;

	if ((r = cl_hex(zh, z->id)) != 0 || (r = cl_hex(rh, id)) != 0)
		return r;
	(void)snprintf(out, cap, "/v1/zones/%s/records/%s", zh, rh);
	return 0;
}

/* A write's answer: {"version": n}; a 409's: the current version. */
static int
version_answer(struct coffer_client *c, int r, json_t *j, json_t *err,
    uint64_t *version)
{
	if (r == COFFER_ERR_CONFLICT && err != NULL &&
	    net_json_int(err, "version", version, c->errmsg) != 0)
		r = COFFER_ERR_SERVER;
	else if (r == 0)
		r = net_json_int(j, "version", version, c->errmsg);
	json_decref(j);
	json_decref(err);
	return r;
}

int
zn_send(struct coffer_client *c, const struct zone *z,
    const uint8_t id[COFFER_WIRE_ID_BYTES], uint64_t *version,
    const uint8_t *data, size_t len)
{
	json_t *j = NULL, *err = NULL;
	char path[128], *b64 = NULL, *body = NULL;
	int r = COFFER_ERR_NOMEM;

	if (len == 0 || len > COFFER_WIRE_RECORD_MAX)
		return cl_fail(c, COFFER_ERR_TOOBIG, "a record of %zu bytes",
		    len);
	if ((b64 = malloc(COFFER_B64URL_LEN(len))) == NULL)
		goto out;
	if ((r = coffer_b64url_encode(b64, COFFER_B64URL_LEN(len), data,
	    len)) != 0 ||
	    (r = net_json_body(&body, "{s:s,s:I}", "data", b64, "version",
	    (json_int_t)*version)) != 0 ||
	    (r = rec_path(path, sizeof(path), z, id)) != 0)
		goto out;
	/* Idempotent: conditional on the version. */
	r = cl_json(c, "PUT", path, body, CL_IDEMPOTENT, &j, &err);
	r = version_answer(c, r, j, err, version);
out:
	free(b64);
	free(body);
	return r;
}

int
zn_put(struct coffer_client *c, const struct zone *z,
    const uint8_t id[COFFER_WIRE_ID_BYTES], uint64_t *version,
    const uint8_t *data, size_t len)
{
	struct rec rec;
	int r;

	if ((r = zn_send(c, z, id, version, data, len)) != 0)
		return r;
	memcpy(rec.id, id, COFFER_WIRE_ID_BYTES);
	rec.version = *version;
	rec.deleted = 0;
	return st_rec_put(c, z->id, &rec, data, len);
}

static const char *const record_keys[] = { "data", "version", NULL };

int
zn_fetch(struct coffer_client *c, const struct zone *z,
    const uint8_t id[COFFER_WIRE_ID_BYTES], struct rec *rec,
    struct coffer_buf *data)
{
	char path[128], detail[NET_DETAIL];
	json_t *j = NULL, *err = NULL;
	int r;

	memset(rec, 0, sizeof(*rec));
	memcpy(rec->id, id, COFFER_WIRE_ID_BYTES);
	if ((r = rec_path(path, sizeof(path), z, id)) != 0)
		return r;
	if ((r = cl_json(c, "GET", path, NULL, CL_IDEMPOTENT, &j,
	    &err)) != 0) {
		/* A tombstone says so, with its version. */
		if (r == COFFER_ERR_NOTFOUND && err != NULL &&
		    json_is_true(json_object_get(err, "deleted")) &&
		    net_json_int(err, "version", &rec->version,
		    detail) == 0) {
			rec->deleted = 1;
			(void)st_rec_put(c, z->id, rec, NULL, 0);
		}
	} else if ((r = net_json_only(j, record_keys, c->errmsg)) != 0 ||
	    (r = net_json_int(j, "version", &rec->version,
	    c->errmsg)) != 0 ||
	    (r = net_json_b64(j, "data", data, COFFER_WIRE_RECORD_MAX,
	    c->errmsg)) != 0)
		r = COFFER_ERR_SERVER;
	json_decref(j);
	json_decref(err);
	return r;
}

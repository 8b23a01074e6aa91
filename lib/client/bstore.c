/* The backup engine's storage (coffer/backup_store.h) over a cofferd:
 * blobs through /v1/blobs, four transfers in flight; refs as the records
 * of the backup set's zone (category "backup"), listed through its change
 * feed and deleted by sealed tombstones (record_seal.c;
 * docs/PROTOCOL-client.md, "Backup sets"). */
#include <coffer/client.h>
#include <coffer/encoding.h>
#include <coffer/err.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/client_internal.h"
#include "core/secret.h"
#include "wire/json.h"

#define PARALLEL	4
#define MSG_SLOTS	16
#define BLOB_PATH	(sizeof("/v1/blobs/") + COFFER_BSTORE_ID_BYTES * 2)

struct msg_slot {
	pthread_t	thread;
	int		used;
	char		text[NET_DETAIL];
};

struct bctx {
	struct coffer_client	*c;
	struct zone		 z;
	pthread_mutex_t		 lock;		/* msgs */
	struct msg_slot		 msgs[MSG_SLOTS];
	unsigned		 next;
};

/* Keep ${text} as the calling thread's last message. */
static int
say(struct bctx *b, int r, const char *text)
{
	struct msg_slot *m = NULL;
	pthread_t self = pthread_self();
	size_t i;

	(void)pthread_mutex_lock(&b->lock);
	for (i = 0; i < MSG_SLOTS && m == NULL; i++)
		if (b->msgs[i].used && pthread_equal(b->msgs[i].thread, self))
			m = &b->msgs[i];
	if (m == NULL) {
		m = &b->msgs[b->next++ % MSG_SLOTS];
		m->thread = self;
		m->used = 1;
	}
	(void)snprintf(m->text, sizeof(m->text), "%s", text);
	(void)pthread_mutex_unlock(&b->lock);
	return r;
}

static const char *
bs_message(void *ctx)
{
	struct bctx *b = ctx;
	pthread_t self = pthread_self();
	const char *t = NULL;
	size_t i;

	(void)pthread_mutex_lock(&b->lock);
	for (i = 0; i < MSG_SLOTS; i++)
		if (b->msgs[i].used && pthread_equal(b->msgs[i].thread, self))
			t = b->msgs[i].text[0] ? b->msgs[i].text : NULL;
	(void)pthread_mutex_unlock(&b->lock);
	return t;
}

/* 64 hex digits of a blob id; ${out} has room for them and the NUL. */
static void
blob_hex(char *out, const uint8_t id[COFFER_BSTORE_ID_BYTES])
{
	if (coffer_hex_encode(out, COFFER_HEX_LEN(COFFER_BSTORE_ID_BYTES), id,
	    COFFER_BSTORE_ID_BYTES) != 0)
		out[0] = '\0';		/* cannot happen: room is there */
}

static void
blob_path(char out[BLOB_PATH], const uint8_t id[COFFER_BSTORE_ID_BYTES])
{
	memcpy(out, "/v1/blobs/", 10);
	blob_hex(out + 10, id);
}

/* Run a batch of blob requests; the first failure's detail is kept. */
static int
run_batch(struct bctx *b, struct net_req *q, size_t n)
{
	size_t i;
	int r;

	r = net_run(b->c->net, q, n, PARALLEL);
	for (i = 0; i < n; i++)
		if (q[i].result != 0) {
			(void)say(b, r, q[i].detail);
			break;
		}
	return r;
}

struct batch {
	struct net_req		*q;
	char			(*path)[BLOB_PATH];
	struct coffer_buf	**reply;
};

static int
batch_new(struct batch *t, size_t n, int replies)
{
	memset(t, 0, sizeof(*t));
	if (n == 0)
		return 0;
	if ((t->q = calloc(n, sizeof(*t->q))) == NULL ||
	    (t->path = calloc(n, sizeof(*t->path))) == NULL ||
	    (replies && (t->reply = calloc(n, sizeof(*t->reply))) == NULL))
		return COFFER_ERR_NOMEM;
	return 0;
}

static void
batch_free(struct batch *t, size_t n)
{
	size_t i;

	for (i = 0; t->q != NULL && i < n; i++)
		net_req_cleanup(&t->q[i]);
	for (i = 0; t->reply != NULL && i < n; i++)
		coffer_buf_free(&t->reply[i]);
	free(t->q);
	free(t->path);
	free(t->reply);
}

static int
bs_put_many(void *ctx, struct coffer_bstore_xfer *x, size_t n)
{
	struct bctx *b = ctx;
	struct batch t;
	json_t *j;
	uint64_t size;
	size_t i;
	int r, ran = 0;

	if ((r = batch_new(&t, n, 1)) != 0)
		goto out;
	for (i = 0; i < n; i++) {
		if (x[i].len > COFFER_BSTORE_BLOB_MAX) {
			r = say(b, COFFER_ERR_TOOBIG, "a blob over 256 MiB");
			goto out;
		}
		if ((t.reply[i] = coffer_buf_new(4096)) == NULL) {
			r = COFFER_ERR_NOMEM;
			goto out;
		}
		blob_path(t.path[i], x[i].id);
		t.q[i].method = "PUT";
		t.q[i].path = t.path[i];
		t.q[i].content_type = "application/octet-stream";
		t.q[i].body = x[i].data;
		t.q[i].body_len = x[i].len;
		t.q[i].idempotent = 1;
		t.q[i].reply = t.reply[i];
	}
	(void)run_batch(b, t.q, n);
	ran = 1;
	for (i = 0; i < n; i++) {
		/* The answer names the size the server holds. */
		if ((x[i].result = t.q[i].result) == 0 &&
		    (x[i].result = net_json_reply(&t.q[i], &j)) == 0) {
			if (net_json_int(j, "size", &size, t.q[i].detail) !=
			    0 || size != x[i].len)
				x[i].result = say(b, COFFER_ERR_SERVER,
				    "the server's answer to a blob upload "
				    "names another size");
			json_decref(j);
		}
		if (r == 0 && x[i].result != 0)
			r = x[i].result;
	}
out:
	for (i = 0; !ran && i < n; i++)
		x[i].result = r;
	batch_free(&t, n);
	return r;
}

static int
bs_get_many(void *ctx, struct coffer_bstore_xfer *x, size_t n)
{
	struct bctx *b = ctx;
	struct batch t;
	char (*range)[64] = NULL;
	size_t i, len0;
	int r;

	if ((r = batch_new(&t, n, 0)) != 0 ||
	    (n > 0 && (range = calloc(n, sizeof(*range))) == NULL)) {
		r = COFFER_ERR_NOMEM;
		goto out;
	}
	for (i = 0; i < n; i++) {
		blob_path(t.path[i], x[i].id);
		t.q[i].method = "GET";
		t.q[i].path = t.path[i];
		t.q[i].idempotent = 1;
		t.q[i].reply = x[i].out;
		if (x[i].length > 0)
			(void)snprintf(range[i], sizeof(range[i]),
			    "bytes=%llu-%llu", (unsigned long long)x[i].offset,
			    (unsigned long long)(x[i].offset + x[i].length -
			    1));
		else if (x[i].offset > 0)
			(void)snprintf(range[i], sizeof(range[i]),
			    "bytes=%llu-", (unsigned long long)x[i].offset);
		if (range[i][0] != '\0')
			t.q[i].range = range[i];
	}
	(void)run_batch(b, t.q, n);
	r = 0;
	for (i = 0; i < n; i++) {
		x[i].result = t.q[i].result;
		len0 = t.q[i].reply_len0;
		if (x[i].result == 0 && x[i].length > 0 &&
		    coffer_buf_len(x[i].out) - len0 != x[i].length)
			x[i].result = say(b, COFFER_ERR_TRUNCATED, "the server "
			    "gave fewer bytes of a blob than asked");
		if (r == 0 && x[i].result != 0)
			r = x[i].result;
	}
out:
	free(range);
	batch_free(&t, n);
	return r;
}

static int
bs_exists(void *ctx, const uint8_t (*ids)[COFFER_BSTORE_ID_BYTES], size_t n,
    uint64_t *sizes)
{
	struct bctx *b = ctx;
	struct net_req q = { 0 };
	struct coffer_buf *reply = NULL;
	char hex[COFFER_HEX_LEN(COFFER_BSTORE_ID_BYTES)], *body = NULL;
	json_t *req = NULL, *a, *j = NULL, *ex, *v;
	size_t i;
	int r = COFFER_ERR_INVALID;

	if (n > COFFER_BSTORE_BATCH_MAX)
		return say(b, r, "more than 1000 ids");
	r = COFFER_ERR_NOMEM;
	if ((req = json_object()) == NULL || (a = json_array()) == NULL ||
	    json_object_set_new(req, "ids", a) != 0 ||
	    (reply = coffer_buf_new(NET_JSON_MAX)) == NULL)
		goto out;
	for (i = 0; i < n; i++) {
		blob_hex(hex, ids[i]);
		if (json_array_append_new(a, json_string(hex)) != 0)
			goto out;
	}
	if ((body = json_dumps(req, JSON_COMPACT)) == NULL)
		goto out;
	q.method = "POST";
	q.path = "/v1/blobs/exists";
	q.content_type = "application/json";
	q.body = (const uint8_t *)body;
	q.body_len = strlen(body);
	q.idempotent = 1;	/* a read */
	q.reply = reply;
	if ((r = run_batch(b, &q, 1)) != 0)
		goto out;
	if ((r = net_json_reply(&q, &j)) != 0)
		goto out;
	ex = json_object_get(j, "exists");
	if (json_object_size(j) != 1 || !json_is_object(ex) ||
	    json_object_size(ex) > n) {
		r = say(b, COFFER_ERR_SERVER, "the server's answer: field "
		    "\"exists\" is not an object of the ids asked");
		goto out;
	}
	for (i = 0; i < n; i++) {
		blob_hex(hex, ids[i]);
		sizes[i] = COFFER_BSTORE_ABSENT;
		if ((v = json_object_get(ex, hex)) == NULL)
			continue;
		if (!json_is_integer(v) || json_integer_value(v) < 0) {
			r = say(b, COFFER_ERR_SERVER, "the server's answer: "
			    "a size in \"exists\" is not an integer");
			goto out;
		}
		sizes[i] = (uint64_t)json_integer_value(v);
	}
	r = 0;
out:
	if (r == COFFER_ERR_SERVER && q.detail[0] != '\0' &&
	    bs_message(b) == NULL)
		(void)say(b, r, q.detail);
	json_decref(req);
	json_decref(j);
	net_req_cleanup(&q);
	coffer_buf_free(&reply);
	free(body);
	return r;
}

static int
bs_del(void *ctx, const uint8_t id[COFFER_BSTORE_ID_BYTES])
{
	struct bctx *b = ctx;
	struct net_req q = { 0 };
	char path[BLOB_PATH];
	int r;

	blob_path(path, id);
	q.method = "DELETE";
	q.path = path;
	q.idempotent = 1;
	r = run_batch(b, &q, 1);
	net_req_cleanup(&q);
	return r;
}

/* Ref operations share the client's state: one at a time. */
static int
ref_done(struct bctx *b, int r)
{
	if (r != 0)
		(void)say(b, r, b->c->errmsg);
	(void)pthread_mutex_unlock(&b->c->lock);
	return r;
}

static int
bs_ref_put(void *ctx, const uint8_t name[COFFER_BSTORE_NAME_BYTES],
    const uint8_t *data, size_t len)
{
	struct bctx *b = ctx;
	uint64_t version = 0;
	int r;

	if (len == 0 || len > COFFER_BSTORE_REF_MAX)
		return say(b, COFFER_ERR_INVALID, "a ref of 1 byte to 1 MiB");
	(void)pthread_mutex_lock(&b->c->lock);
	r = rc_put(b->c, &b->z, name, &version, 0, data, len);
	if (r == COFFER_ERR_CONFLICT)
		r = cl_fail(b->c, COFFER_ERR_EXISTS, "the ref exists");
	return ref_done(b, r);
}

struct list_arg {
	coffer_bstore_ref_fn	 fn;
	void			*arg;
};

static int
list_one(void *arg, const uint8_t id[COFFER_WIRE_ID_BYTES], uint64_t version,
    const uint8_t *data, size_t len)
{
	struct list_arg *l = arg;

	(void)version;
	return l->fn(l->arg, id, data, len);
}

/* The set's zone synced, each ref and tombstone checked against what the
 * home has seen: a ref put back after its tombstone is refused. */
static int
bs_ref_list(void *ctx, coffer_bstore_ref_fn fn, void *arg)
{
	struct bctx *b = ctx;
	struct list_arg l = { fn, arg };
	int r;

	(void)pthread_mutex_lock(&b->c->lock);
	if ((r = zn_sync(b->c, &b->z, rc_check, NULL, NULL)) == 0)
		r = rc_each(b->c, &b->z, list_one, &l);
	return ref_done(b, r);
}

/* A sealed tombstone over the ref (counter 1), not a DELETE: every device
 * that syncs learns the ref is gone, and refuses it if it comes back. */
static int
bs_ref_del(void *ctx, const uint8_t name[COFFER_BSTORE_NAME_BYTES])
{
	struct bctx *b = ctx;
	int r;

	(void)pthread_mutex_lock(&b->c->lock);
	r = rc_delete(b->c, &b->z, name);
	return ref_done(b, r);
}

/* Whether id a sorts before id b (ids are public: no constant time). */
static int
id_before(const uint8_t *a, const uint8_t *b)
{
	size_t i;

	for (i = 0; i < COFFER_BSTORE_ID_BYTES; i++)
		if (a[i] != b[i])
			return a[i] < b[i];
	return 0;
}

/* One page of GET /v1/blobs after ${after} (NULL: the first): each blob
 * to ${fn}, the last id into ${after}, whether more follow into *${more}.
 * The server's order is checked: ids must increase. */
static int
list_page(struct bctx *b, uint8_t after[COFFER_BSTORE_ID_BYTES], int first,
    coffer_bstore_blob_fn fn, void *arg, int *more)
{
	struct net_req q = { 0 };
	struct coffer_buf *reply = NULL;
	char path[sizeof("/v1/blobs?after=") + 2 * COFFER_BSTORE_ID_BYTES];
	char hex[COFFER_HEX_LEN(COFFER_BSTORE_ID_BYTES)];
	uint8_t id[COFFER_BSTORE_ID_BYTES];
	json_t *j = NULL, *list, *mo, *v, *jid, *jsz;
	size_t i;
	int r = COFFER_ERR_NOMEM;

	if ((reply = coffer_buf_new(NET_JSON_MAX)) == NULL)
		goto out;
	if (first)
		(void)snprintf(path, sizeof(path), "/v1/blobs");
	else {
		blob_hex(hex, after);
		(void)snprintf(path, sizeof(path), "/v1/blobs?after=%s", hex);
	}
	q.method = "GET";
	q.path = path;
	q.idempotent = 1;
	q.reply = reply;
	if ((r = run_batch(b, &q, 1)) != 0 || (r = net_json_reply(&q, &j)) != 0)
		goto out;
	list = json_object_get(j, "blobs");
	mo = json_object_get(j, "more");
	r = say(b, COFFER_ERR_SERVER, "the server's answer: not a page of "
	    "blobs in increasing id order");
	if (json_object_size(j) != 2 || !json_is_array(list) ||
	    !json_is_boolean(mo) ||
	    json_array_size(list) > COFFER_WIRE_BLOB_LIST_MAX)
		goto out;
	json_array_foreach(list, i, v) {
		jid = json_object_get(v, "id");
		jsz = json_object_get(v, "size");
		if (json_object_size(v) != 2 || !json_is_string(jid) ||
		    !json_is_integer(jsz) || json_integer_value(jsz) < 0 ||
		    wire_id_decode(json_string_value(jid),
		    json_string_length(jid), id, sizeof(id)) != 0 ||
		    ((!first || i > 0) && !id_before(after, id)))
			goto out;
		memcpy(after, id, sizeof(id));
		if ((r = fn(arg, id, (uint64_t)json_integer_value(jsz))) != 0)
			goto out;
		r = COFFER_ERR_SERVER;
	}
	*more = json_is_true(mo) && json_array_size(list) > 0;
	r = 0;
out:
	if (r == COFFER_ERR_SERVER && q.detail[0] != '\0' &&
	    bs_message(b) == NULL)
		(void)say(b, r, q.detail);
	json_decref(j);
	net_req_cleanup(&q);
	coffer_buf_free(&reply);
	return r;
}

static int
bs_list(void *ctx, coffer_bstore_blob_fn fn, void *arg)
{
	uint8_t after[COFFER_BSTORE_ID_BYTES] = { 0 };
	int r, more = 1, first = 1;

	while (more) {
		if ((r = list_page(ctx, after, first, fn, arg, &more)) != 0)
			return r;
		first = 0;
	}
	return 0;
}

static const struct coffer_bstore_ops client_bstore_ops = {
	.put_many = bs_put_many,
	.get_many = bs_get_many,
	.exists = bs_exists,
	.del = bs_del,
	.ref_put = bs_ref_put,
	.ref_list = bs_ref_list,
	.ref_del = bs_ref_del,
	.message = bs_message,
	.list = bs_list,
};

/* The backup set's zone, and its key made if new. */
static int
set_zone(struct coffer_client *c, const char *set_name, struct zone *z,
    const struct coffer_key **key)
{
	int r;

	if (c == NULL)
		return COFFER_ERR_INVALID;
	c->errmsg[0] = '\0';
	if ((r = kc_ready(c)) != 0 ||
	    (r = zn_open(c, COFFER_CATEGORY_BACKUP, set_name, z)) != 0)
		return r;
	/* The current version's: the engine takes one zone key for now. */
	return kc_zone_key(c, z, 0, 1, key);
}

int
coffer_client_backup_store(struct coffer_client *c, const char *set_name,
    struct coffer_bstore *store)
{
	const struct coffer_key *k;
	struct bctx *b = NULL;
	int r;

	if (store == NULL)
		return COFFER_ERR_INVALID;
	memset(store, 0, sizeof(*store));
	if ((b = calloc(1, sizeof(*b))) == NULL)
		return COFFER_ERR_NOMEM;
	if ((r = set_zone(c, set_name, &b->z, &k)) != 0) {
		free(b);
		return r;
	}
	b->c = c;
	(void)pthread_mutex_init(&b->lock, NULL);
	store->ops = &client_bstore_ops;
	store->ctx = b;
	return 0;
}

void
coffer_client_backup_store_close(struct coffer_bstore *store)
{
	struct bctx *b;

	if (store == NULL || (b = store->ctx) == NULL)
		return;
	(void)pthread_mutex_destroy(&b->lock);
	free(b);
	store->ctx = NULL;
	store->ops = NULL;
}

int
coffer_client_backup_keys(struct coffer_client *c, const char *set_name,
    struct coffer_key **keys, size_t max, size_t *n)
{
	const struct coffer_key *k;
	struct zone z;
	uint32_t v;
	size_t i;
	int r;

	if (keys == NULL || n == NULL || max == 0)
		return COFFER_ERR_INVALID;
	*n = 0;
	/* The current version first: made on the set's first write in this
	 * epoch, so that new objects have a key. */
	if ((r = set_zone(c, set_name, &z, &k)) != 0)
		return r;
	for (v = 1; v <= c->epoch; v++) {
		if ((r = kc_zone_key(c, &z, v, 0, &k)) == COFFER_ERR_NOTFOUND) {
			/* The set was not written in that epoch. */
			c->errmsg[0] = '\0';
			continue;
		}
		if (r == 0 && *n == max)
			r = cl_fail(c, COFFER_ERR_TOOBIG, "backup set %s has more "
			    "than %zu key versions", set_name, max);
		/* A copy at once: the handle's zone keys are a small cache. */
		if (r != 0 || (r = coffer_key_import(&keys[*n],
		    COFFER_KEY_SYMMETRIC, key_secret(k), coffer_key_id(k),
		    coffer_key_version(k))) != 0)
			goto fail;
		(*n)++;
	}
	return 0;
fail:
	for (i = 0; i < *n; i++)
		coffer_key_free(&keys[i]);
	*n = 0;
	return r;
}

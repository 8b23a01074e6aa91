/* The backup store's blobs over a cofferd (coffer/backup_store.h):
 * /v1/blobs, four transfers in flight; the account's blob listing
 * (GET /v1/blobs, page by page); and each thread's last message, which
 * bstore.c's refs keep too. */
#include <coffer/client.h>
#include <coffer/encoding.h>
#include <coffer/err.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/bstore_internal.h"
#include "core/secret.h"
#include "wire/json.h"

#define PARALLEL	4
#define BLOB_PATH	(sizeof("/v1/blobs/") + COFFER_BSTORE_ID_BYTES * 2)

/* Keep ${text} as the calling thread's last message. */
int
bstore_say(struct bctx *b, int r, const char *text)
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

const char *
bstore_message(void *ctx)
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
			(void)bstore_say(b, r, q[i].detail);
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

int
bstore_put_many(void *ctx, struct coffer_bstore_xfer *x, size_t n)
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
			r = bstore_say(b, COFFER_ERR_TOOBIG, "a blob over 256 MiB");
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
				x[i].result = bstore_say(b, COFFER_ERR_SERVER,
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

int
bstore_get_many(void *ctx, struct coffer_bstore_xfer *x, size_t n)
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
			x[i].result = bstore_say(b, COFFER_ERR_TRUNCATED, "the server "
			    "gave fewer bytes of a blob than asked");
		if (r == 0 && x[i].result != 0)
			r = x[i].result;
	}
out:
	free(range);
	batch_free(&t, n);
	return r;
}

int
bstore_exists(void *ctx, const uint8_t (*ids)[COFFER_BSTORE_ID_BYTES], size_t n,
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
		return bstore_say(b, r, "more than 1000 ids");
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
		r = bstore_say(b, COFFER_ERR_SERVER, "the server's answer: field "
		    "\"exists\" is not an object of the ids asked");
		goto out;
	}
	for (i = 0; i < n; i++) {
		blob_hex(hex, ids[i]);
		sizes[i] = COFFER_BSTORE_ABSENT;
		if ((v = json_object_get(ex, hex)) == NULL)
			continue;
		if (!json_is_integer(v) || json_integer_value(v) < 0) {
			r = bstore_say(b, COFFER_ERR_SERVER, "the server's answer: "
			    "a size in \"exists\" is not an integer");
			goto out;
		}
		sizes[i] = (uint64_t)json_integer_value(v);
	}
	r = 0;
out:
	if (r == COFFER_ERR_SERVER && q.detail[0] != '\0' &&
	    bstore_message(b) == NULL)
		(void)bstore_say(b, r, q.detail);
	json_decref(req);
	json_decref(j);
	net_req_cleanup(&q);
	coffer_buf_free(&reply);
	free(body);
	return r;
}

int
bstore_del(void *ctx, const uint8_t id[COFFER_BSTORE_ID_BYTES])
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
	r = bstore_say(b, COFFER_ERR_SERVER, "the server's answer: not a page of "
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
	    bstore_message(b) == NULL)
		(void)bstore_say(b, r, q.detail);
	json_decref(j);
	net_req_cleanup(&q);
	coffer_buf_free(&reply);
	return r;
}

int
bstore_list(void *ctx, coffer_bstore_blob_fn fn, void *arg)
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

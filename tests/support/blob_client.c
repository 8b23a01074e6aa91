/* Blob requests for the blob integration tests (blob_client.h). */
/* nftw() is XSI. */
#define _XOPEN_SOURCE 700
#include <arpa/inet.h>
#include <ftw.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>
#include <sodium.h>

#include "blob_client.h"
#include "http_client.h"

uint8_t
bc_byte(const uint8_t id[32], uint64_t i)
{
	return (uint8_t)(id[i % 32] + i * 131 + (i >> 13));
}

int
bc_match(const uint8_t id[32], uint64_t start, const uint8_t *p, uint64_t n)
{
	uint64_t i;

	for (i = 0; i < n; i++)
		if (p[i] != bc_byte(id, start + i))
			return 0;
	return 1;
}

void
bc_random_id(uint8_t id[32])
{
	randombytes_buf(id, 32);
}

void
bc_hex(char hex[65], const uint8_t id[32])
{
	sodium_bin2hex(hex, 65, id, 32);
}

const char *
bc_url(struct srv *s, const uint8_t id[32])
{
	char path[100], hex[65];

	bc_hex(hex, id);
	snprintf(path, sizeof(path), "/v1/blobs/%s", hex);
	return srv_url(s, path);
}

static size_t
gen_upload(void *cls, uint8_t *buf, size_t max)
{
	struct bc_gen *g = cls;
	size_t i, n = max;

	if (g->hook != NULL)
		g->hook(g, max);
	if (n > g->len - g->pos)
		n = (size_t)(g->len - g->pos);
	for (i = 0; i < n; i++)
		buf[i] = bc_byte(g->seed, g->pos + i);
	g->pos += n;
	return n;
}

int
bc_put_gen(struct srv *s, const struct test_account *a, const uint8_t *id,
    uint64_t len, const uint8_t *seed, void (*hook)(struct bc_gen *, size_t),
    void *cls, long *status, json_t **resp)
{
	const char *hdrs[] = { a->auth,
	    "Content-Type: application/octet-stream", NULL };
	struct bc_gen g = { seed != NULL ? seed : id, 0, len, hook, cls };
	struct http_opts o;
	struct http_resp r;

	memset(&o, 0, sizeof(o));
	o.method = "PUT";
	o.url = bc_url(s, id);
	o.headers = hdrs;
	o.upload = gen_upload;
	o.upload_cls = &g;
	o.upload_len = len;
	o.timeout_s = 120;
	if (http_do(&o, &r) != 0)
		return -1;
	*status = r.status;
	if (resp != NULL)
		*resp = json_loads(r.body != NULL ? r.body : "", 0, NULL);
	http_resp_free(&r);
	return 0;
}

int
bc_put(struct srv *s, const struct test_account *a, const uint8_t *id,
    uint64_t len, const uint8_t *seed, long *status, json_t **resp)
{
	return bc_put_gen(s, a, id, len, seed, NULL, NULL, status, resp);
}

int
bc_get(struct srv *s, const struct test_account *a, const uint8_t *id,
    const char *range, int count_only, struct http_resp *r)
{
	char rh[100];
	const char *hdrs[] = { a->auth, rh, NULL };
	struct http_opts o;

	snprintf(rh, sizeof(rh), "Range: %s", range != NULL ? range : "");
	if (range == NULL)
		hdrs[1] = NULL;
	memset(&o, 0, sizeof(o));
	o.method = "GET";
	o.url = bc_url(s, id);
	o.headers = hdrs;
	o.count_only = count_only;
	o.cap = 32u << 20;
	o.timeout_s = 120;
	return http_do(&o, r);
}

void
bc_check(struct srv *s, const struct test_account *a, const uint8_t *id,
    uint64_t len)
{
	struct http_resp r;

	assert_int_equal(bc_get(s, a, id, NULL, 0, &r), 0);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.len, len);
	assert_true(bc_match(id, 0, (const uint8_t *)r.body, len));
	http_resp_free(&r);
}

void
bc_delete(struct srv *s, const struct test_account *a, const uint8_t *id,
    long want)
{
	const char *hdrs[] = { a->auth, NULL };
	char *body = NULL;
	long st = 0;

	assert_int_equal(http_request("DELETE", bc_url(s, id), hdrs, NULL, 0,
	    &st, &body), 0);
	assert_int_equal(st, want);
	if (want == 404)
		assert_true(http_is_error(body, "no_such_object"));
	free(body);
}

long long
bc_usage(struct srv *s, const struct test_account *a, uint64_t *quota)
{
	const char *hdrs[] = { a->auth, NULL };
	char *body = NULL;
	json_t *v;
	long long used;
	long st = 0;

	assert_int_equal(http_request("GET", srv_url(s, "/v1/usage"), hdrs,
	    NULL, 0, &st, &body), 0);
	assert_int_equal(st, 200);
	assert_non_null(v = json_loads(body, 0, NULL));
	assert_int_equal(json_object_size(v), 2);
	used = json_integer_value(json_object_get(v, "used"));
	if (quota != NULL)
		*quota = (uint64_t)json_integer_value(json_object_get(v,
		    "quota"));
	json_decref(v);
	free(body);
	return used;
}

json_t *
bc_exists(struct srv *s, const struct test_account *a,
    const uint8_t (*ids)[32], size_t n, const uint8_t *extra, long *status)
{
	const char *hdrs[] = { a->auth, "Content-Type: application/json",
	    NULL };
	json_t *req = json_array(), *obj, *v = NULL, *m = NULL;
	char hex[65], *text, *body = NULL;
	size_t i;

	for (i = 0; i <= n; i++) {
		if (i == n && extra == NULL)
			break;
		bc_hex(hex, i < n ? ids[i] : extra);
		json_array_append_new(req, json_string(hex));
	}
	obj = json_pack("{s:o}", "ids", req);
	text = json_dumps(obj, JSON_COMPACT);
	json_decref(obj);
	if (text != NULL && http_request("POST", srv_url(s, "/v1/blobs/exists"),
	    hdrs, text, strlen(text), status, &body) == 0 &&
	    (v = json_loads(body, 0, NULL)) != NULL &&
	    json_object_size(v) == 1)
		m = json_incref(json_object_get(v, "exists"));
	json_decref(v);
	free(body);
	free(text);
	return m;
}

long long
bc_exists_one(struct srv *s, const struct test_account *a, const uint8_t *id)
{
	json_t *m, *v;
	char hex[65];
	long long size = -1;
	long st = 0;

	assert_non_null(m = bc_exists(s, a, NULL, 0, id, &st));
	assert_int_equal(st, 200);
	bc_hex(hex, id);
	if ((v = json_object_get(m, hex)) != NULL)
		size = json_integer_value(v);
	assert_true(json_object_size(m) == (size >= 0 ? 1u : 0u));
	json_decref(m);
	return size;
}

void
bc_expect_absent(struct srv *s, const struct test_account *a,
    const uint8_t *id)
{
	struct http_resp r;

	assert_int_equal(bc_get(s, a, id, NULL, 0, &r), 0);
	assert_int_equal(r.status, 404);
	assert_true(http_is_error(r.body, "no_such_object"));
	http_resp_free(&r);
	assert_int_equal(bc_exists_one(s, a, id), -1);
}

int
bc_put_cut(struct srv *s, const struct test_account *a, const uint8_t *id,
    uint64_t declared, uint64_t sent)
{
	struct sockaddr_in sa;
	char head[512], hex[65];
	uint8_t buf[4096];
	uint64_t off = 0;
	size_t i, n;
	int fd, len, r = -1;

	bc_hex(hex, id);
	len = snprintf(head, sizeof(head), "PUT /v1/blobs/%s HTTP/1.1\r\n"
	    "Host: x\r\n%s\r\nContent-Type: application/octet-stream\r\n"
	    "Content-Length: %llu\r\n\r\n", hex, a->auth,
	    (unsigned long long)declared);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)srv_port(s));
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    send(fd, head, (size_t)len, MSG_NOSIGNAL) != len)
		goto out;
	while (off < sent) {
		n = sent - off < sizeof(buf) ? (size_t)(sent - off) :
		    sizeof(buf);
		for (i = 0; i < n; i++)
			buf[i] = bc_byte(id, off + i);
		if (send(fd, buf, n, MSG_NOSIGNAL) != (ssize_t)n)
			goto out;
		off += n;
	}
	/* Let the server take what was sent before the close. */
	{
		struct timespec ts = { 0, 200 * 1000 * 1000L };

		nanosleep(&ts, NULL);
	}
	r = 0;
out:
	close(fd);
	return r;
}

/* bc_count_files' walk: nftw's callback takes no argument. */
static const char *count_needle;
static size_t count_found;

static int
visit(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	if (flag == FTW_F && strstr(path + f->base, count_needle) != NULL)
		count_found++;
	return 0;
}

size_t
bc_count_files(const char *dir, const char *needle)
{
	count_needle = needle;
	count_found = 0;
	assert_int_equal(nftw(dir, visit, 16, FTW_PHYS), 0);
	return count_found;
}

struct bc_racer {
	struct bc_race	*race;
	int		 k;
};

static void
race_hook(struct bc_gen *g, size_t max)
{
	struct bc_racer *r = g->cls;

	/* Hold before the piece that would reach half of the body. */
	if (!r->race->waited[r->k] && g->pos + max >= g->len / 2) {
		r->race->waited[r->k] = 1;
		pthread_barrier_wait(&r->race->bar);
	}
}

static void *
race_run(void *cls)
{
	struct bc_racer *r = cls;
	struct bc_race *race = r->race;

	if (bc_put_gen(race->s, race->a, race->id[r->k], race->len, NULL,
	    race_hook, r, &race->status[r->k], NULL) != 0)
		race->status[r->k] = -1;
	return NULL;
}

int
bc_put_race(struct srv *s, const struct test_account *a, uint64_t len,
    struct bc_race *race)
{
	struct bc_racer r[2];
	pthread_t t[2];
	int k;

	memset(race, 0, sizeof(*race));
	race->s = s;
	race->a = a;
	race->len = len;
	pthread_barrier_init(&race->bar, NULL, 2);
	for (k = 0; k < 2; k++) {
		bc_random_id(race->id[k]);
		r[k].race = race;
		r[k].k = k;
		if (pthread_create(&t[k], NULL, race_run, &r[k]) != 0)
			abort();
	}
	for (k = 0; k < 2; k++)
		pthread_join(t[k], NULL);
	pthread_barrier_destroy(&race->bar);
	return 0;
}

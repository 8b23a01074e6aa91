/* A malicious server for client tests (evil_proxy.h): libmicrohttpd takes
 * the client's request whole, libcurl forwards it to the real cofferd, and
 * the current rule decides what of the answer the client gets. */
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <microhttpd.h>

#include "evil_proxy.h"

#define BODY_CAP	((size_t)300 << 20)
#define HDR_KEEP	4

struct evil {
	struct MHD_Daemon	*d;
	char			 upstream[128];
	char			 url[64];
	pthread_mutex_t		 mu;
	struct evil_rule	 rule;
	char			*method, *prefix, *swap;
	unsigned		 hits, requests;
};

struct bytes {
	uint8_t	*p;
	size_t	 len;
	int	 over;
};

struct answer {
	long		status;
	struct bytes	body;
	char		hdr[HDR_KEEP][2][256];	/* kept headers: name, value */
};

static const char *const kept[HDR_KEEP] = {
	"Content-Type", "Content-Range", "Retry-After", "Allow",
};

static int
bytes_add(struct bytes *b, const void *p, size_t n)
{
	uint8_t *q;

	if (n > BODY_CAP - b->len) {
		b->over = 1;
		return -1;
	}
	if ((q = realloc(b->p, b->len + n + 1)) == NULL)
		return -1;
	b->p = q;
	memcpy(b->p + b->len, p, n);
	b->len += n;
	return 0;
}

static size_t
on_body(char *p, size_t size, size_t n, void *cls)
{
	return bytes_add(cls, p, size * n) == 0 ? size * n : 0;
}

static size_t
on_header(char *p, size_t size, size_t n, void *cls)
{
	struct answer *a = cls;
	size_t len = size * n, i, k;

	for (i = 0; i < HDR_KEEP; i++) {
		k = strlen(kept[i]);
		if (len > k + 1 && strncasecmp(p, kept[i], k) == 0 &&
		    p[k] == ':') {
			const char *v = p + k + 1;
			size_t vl = len - k - 1;

			while (vl > 0 && (*v == ' ' || *v == '\t'))
				v++, vl--;
			while (vl > 0 && (v[vl - 1] == '\r' || v[vl - 1] == '\n'))
				vl--;
			if (vl >= sizeof(a->hdr[i][1]))
				vl = sizeof(a->hdr[i][1]) - 1;
			snprintf(a->hdr[i][0], sizeof(a->hdr[i][0]), "%s",
			    kept[i]);
			memcpy(a->hdr[i][1], v, vl);
			a->hdr[i][1][vl] = '\0';
		}
	}
	return len;
}

struct query {
	char	buf[1024];
	size_t	len;
};

static enum MHD_Result
on_arg(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	struct query *q = cls;
	int n;

	(void)kind;
	n = snprintf(q->buf + q->len, sizeof(q->buf) - q->len, "%c%s=%s",
	    q->len == 0 ? '?' : '&', key, value != NULL ? value : "");
	if (n > 0 && (size_t)n < sizeof(q->buf) - q->len)
		q->len += (size_t)n;
	return MHD_YES;
}

/* The request's query string ("?a=b&c=d", or ""). */
static void
query_of(struct MHD_Connection *c, struct query *q)
{
	q->len = 0;
	MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, on_arg, q);
	q->buf[q->len] = '\0';
}

/* Forward the request to path ${path} upstream; fill ${a}. */
static int
forward(struct evil *e, struct MHD_Connection *c, const char *method,
    const char *path, const struct bytes *body, struct answer *a)
{
	static const char *const fwd[] = {
		"Authorization", "Content-Type", "Range", NULL,
	};
	struct curl_slist *hs = NULL;
	struct query q = { .len = 0 };
	char url[2200], line[600];
	CURL *h;
	CURLcode rc;
	size_t i;

	query_of(c, &q);
	snprintf(url, sizeof(url), "%s%s%s", e->upstream, path, q.buf);
	if ((h = curl_easy_init()) == NULL)
		return -1;
	for (i = 0; fwd[i] != NULL; i++) {
		const char *v = MHD_lookup_connection_value(c,
		    MHD_HEADER_KIND, fwd[i]);

		if (v != NULL) {
			snprintf(line, sizeof(line), "%s: %s", fwd[i], v);
			hs = curl_slist_append(hs, line);
		}
	}
	hs = curl_slist_append(hs, "Expect:");
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hs);
	if (strcmp(method, "GET") != 0 && strcmp(method, "DELETE") != 0) {
		curl_easy_setopt(h, CURLOPT_POSTFIELDS,
		    body->p != NULL ? (const char *)body->p : "");
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)body->len);
	}
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &a->body);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, a);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, 120L);
	rc = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &a->status);
	curl_easy_cleanup(h);
	curl_slist_free_all(hs);
	return rc == CURLE_OK ? 0 : -1;
}

/* Which action applies to this request (and count it). */
static enum evil_action
match(struct evil *e, const char *method, const char *path, size_t *offset,
    char *swap, size_t swapsize, evil_hook_fn *hook, void **hook_arg)
{
	enum evil_action act = EVIL_PASS;

	pthread_mutex_lock(&e->mu);
	e->requests++;
	if (e->rule.action != EVIL_PASS && e->rule.times != 0 &&
	    (e->method == NULL || strcmp(e->method, method) == 0) &&
	    (e->prefix == NULL ||
	    strncmp(path, e->prefix, strlen(e->prefix)) == 0)) {
		act = e->rule.action;
		*offset = e->rule.offset;
		snprintf(swap, swapsize, "%s", e->swap != NULL ? e->swap : "");
		*hook = e->rule.hook;
		*hook_arg = e->rule.hook_arg;
		if (e->rule.times > 0)
			e->rule.times--;
		e->hits++;
	}
	pthread_mutex_unlock(&e->mu);
	return act;
}

static enum MHD_Result
reply(struct MHD_Connection *c, long status, struct answer *a, int json)
{
	struct MHD_Response *r;
	enum MHD_Result ret;
	size_t i;

	r = MHD_create_response_from_buffer(a->body.len,
	    a->body.p != NULL ? a->body.p : (uint8_t *)"",
	    MHD_RESPMEM_MUST_COPY);
	if (r == NULL)
		return MHD_NO;
	for (i = 0; i < HDR_KEEP; i++)
		if (a->hdr[i][0][0] != '\0')
			MHD_add_response_header(r, a->hdr[i][0], a->hdr[i][1]);
	if (json)
		MHD_add_response_header(r, "Content-Type", "application/json");
	ret = MHD_queue_response(c, (unsigned)status, r);
	MHD_destroy_response(r);
	return ret;
}

static void
set_error(struct answer *a, const char *code)
{
	char msg[128];
	int n = snprintf(msg, sizeof(msg),
	    "{\"error\":\"%s\",\"message\":\"evil proxy\"}", code);

	free(a->body.p);
	a->body = (struct bytes){ NULL, 0, 0 };
	memset(a->hdr, 0, sizeof(a->hdr));
	(void)bytes_add(&a->body, msg, (size_t)n);
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *c, const char *path,
    const char *method, const char *version, const char *upload,
    size_t *upload_size, void **state)
{
	struct evil *e = cls;
	struct bytes *body = *state;
	struct answer a;
	enum evil_action act;
	enum MHD_Result ret;
	char swap[512];
	size_t off = 0, i;
	evil_hook_fn hook = NULL;
	void *hook_arg = NULL;
	int json = 0;

	(void)version;
	if (body == NULL) {
		if ((body = calloc(1, sizeof(*body))) == NULL)
			return MHD_NO;
		*state = body;
		return MHD_YES;
	}
	if (*upload_size > 0) {
		(void)bytes_add(body, upload, *upload_size);
		*upload_size = 0;
		return MHD_YES;
	}
	memset(&a, 0, sizeof(a));
	act = match(e, method, path, &off, swap, sizeof(swap), &hook,
	    &hook_arg);
	if (act == EVIL_HOOK && hook != NULL) {
		struct evil_body hb;
		struct query q;

		query_of(c, &q);
		if (bytes_add(body, "", 1) != 0)
			return MHD_NO;
		body->len--;		/* the NUL stays after the last byte */
		hb.p = body->p;
		hb.len = body->len;
		hook(hook_arg, method, path, q.buf, 0, &hb, &a.status);
		body->p = hb.p;
		body->len = hb.len;
	}
	if (act == EVIL_NOT_FOUND || act == EVIL_ERROR_500) {
		set_error(&a, act == EVIL_NOT_FOUND ? "no_such_object" :
		    "internal");
		a.status = act == EVIL_NOT_FOUND ? 404 : 500;
		json = 1;
	} else if (forward(e, c, method, act == EVIL_SWAP ? swap : path,
	    body, &a) != 0) {
		set_error(&a, "internal");
		a.status = 502;
		json = 1;
	} else if (act == EVIL_FLIP && a.body.len > 0) {
		a.body.p[off % a.body.len] ^= 0x01;
	} else if (act == EVIL_TRUNCATE && off < a.body.len) {
		a.body.len = off;
	} else if (act == EVIL_GARBAGE) {
		a.body.len = 0;
		a.status = 200;
		for (i = 0; i < (off != 0 ? off : 64); i++) {
			uint8_t junk = (uint8_t)(i * 37 + 11);

			(void)bytes_add(&a.body, &junk, 1);
		}
	} else if (act == EVIL_HOOK && hook != NULL) {
		struct evil_body hb;
		struct query q;

		query_of(c, &q);
		if (bytes_add(&a.body, "", 1) == 0)
			a.body.len--;
		hb.p = a.body.p;
		hb.len = a.body.len;
		hook(hook_arg, method, path, q.buf, 1, &hb, &a.status);
		a.body.p = hb.p;
		a.body.len = hb.len;
	} else if (act == EVIL_DROP) {
		set_error(&a, "internal");
		a.status = 500;
		json = 1;
	}
	ret = reply(c, a.status, &a, json);
	free(a.body.p);
	return ret;
}

static void
on_done(void *cls, struct MHD_Connection *c, void **state,
    enum MHD_RequestTerminationCode code)
{
	struct bytes *body = *state;

	(void)cls;
	(void)c;
	(void)code;
	if (body != NULL) {
		free(body->p);
		free(body);
		*state = NULL;
	}
}

int
evil_start(struct evil **out, const char *upstream)
{
	struct evil *e;
	const union MHD_DaemonInfo *info;
	struct sockaddr_in sa;

	*out = NULL;
	if ((e = calloc(1, sizeof(*e))) == NULL)
		return -1;
	pthread_mutex_init(&e->mu, NULL);
	snprintf(e->upstream, sizeof(e->upstream), "%s", upstream);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	e->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD |
	    MHD_USE_THREAD_PER_CONNECTION | MHD_USE_ERROR_LOG, 0, NULL, NULL,
	    on_request, e, MHD_OPTION_SOCK_ADDR, &sa,
	    MHD_OPTION_NOTIFY_COMPLETED, on_done, e,
	    MHD_OPTION_CONNECTION_TIMEOUT, 120u, MHD_OPTION_END);
	if (e->d == NULL ||
	    (info = MHD_get_daemon_info(e->d,
	    MHD_DAEMON_INFO_BIND_PORT)) == NULL) {
		fprintf(stderr, "evil_start: cannot start the proxy\n");
		evil_stop(&e);
		return -1;
	}
	snprintf(e->url, sizeof(e->url), "http://127.0.0.1:%u",
	    (unsigned)info->port);
	*out = e;
	return 0;
}

const char *
evil_url(const struct evil *e)
{
	return e->url;
}

static char *
dup_or_null(const char *s)
{
	return s != NULL ? strdup(s) : NULL;
}

void
evil_set(struct evil *e, const struct evil_rule *rule)
{
	pthread_mutex_lock(&e->mu);
	free(e->method);
	free(e->prefix);
	free(e->swap);
	memset(&e->rule, 0, sizeof(e->rule));
	e->method = e->prefix = e->swap = NULL;
	if (rule != NULL) {
		e->rule = *rule;
		e->method = dup_or_null(rule->method);
		e->prefix = dup_or_null(rule->path_prefix);
		e->swap = dup_or_null(rule->swap_path);
	}
	e->hits = 0;
	pthread_mutex_unlock(&e->mu);
}

static unsigned
read_locked(struct evil *e, const unsigned *field)
{
	unsigned n;

	pthread_mutex_lock(&e->mu);
	n = *field;
	pthread_mutex_unlock(&e->mu);
	return n;
}

unsigned
evil_hits(struct evil *e)
{
	return read_locked(e, &e->hits);
}

unsigned
evil_requests(struct evil *e)
{
	return read_locked(e, &e->requests);
}

void
evil_stop(struct evil **p)
{
	struct evil *e;

	if (p == NULL || (e = *p) == NULL)
		return;
	if (e->d != NULL)
		MHD_stop_daemon(e->d);
	evil_set(e, NULL);
	pthread_mutex_destroy(&e->mu);
	free(e);
	*p = NULL;
}

/* HTTP over libcurl: a pool of reused easy handles sharing DNS,
 * connections and TLS sessions, batches through curl multi, retries with
 * back-off and jitter (net.h). */
#include <coffer/err.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "net/net.h"

#define POOL_MAX	16
#define RETRY_AFTER_MAX_S 60

enum { Q_PENDING = 0, Q_RUNNING, Q_DONE };

struct net {
	char		*base;
	char		*ca_file;
	struct net_opts	 opts;
	CURLSH		*share;
	pthread_mutex_t	 share_lock[CURL_LOCK_DATA_LAST];
	pthread_mutex_t	 lock;		/* pool and token */
	CURL		*pool[POOL_MAX];
	size_t		 npool;
	CURLM		*mpool[POOL_MAX];	/* idle multi handles */
	size_t		 nmpool;
	char		 token[NET_TOKEN_MAX + 1];
};

static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static int global_ok;

static void
global_init(void)
{
	global_ok = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
}

static void
share_lock(CURL *h, curl_lock_data d, curl_lock_access a, void *arg)
{
	struct net *n = arg;

	(void)h;
	(void)a;
	if ((int)d >= 0 && d < CURL_LOCK_DATA_LAST)
		(void)pthread_mutex_lock(&n->share_lock[d]);
}

static void
share_unlock(CURL *h, curl_lock_data d, void *arg)
{
	struct net *n = arg;

	(void)h;
	if ((int)d >= 0 && d < CURL_LOCK_DATA_LAST)
		(void)pthread_mutex_unlock(&n->share_lock[d]);
}

static uint64_t
now_ms(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Whether ${host} (${len} bytes) is this machine: localhost, [::1] or
 * 127.a.b.c. */
static int
host_is_loopback(const char *host, size_t len)
{
	size_t i, dots = 0;

	if ((len == 9 && sodium_memcmp(host, "localhost", 9) == 0) ||
	    (len == 5 && sodium_memcmp(host, "[::1]", 5) == 0))
		return 1;
	if (len < 7 || sodium_memcmp(host, "127.", 4) != 0)
		return 0;
	for (i = 3; i < len; i++) {
		if (host[i] == '.') {
			if (host[i - 1] == '.' || ++dots > 3)
				return 0;
		} else if (host[i] < '0' || host[i] > '9')
			return 0;
	}
	return dots == 3 && host[len - 1] != '.';
}

/* Plain http:// only to this machine: a session token or an OPAQUE
 * exchange never crosses a network in the clear. */
static int
url_allowed(const char *url)
{
	size_t len;

	if (strncmp(url, "https://", 8) == 0)
		return 1;
	if (strncmp(url, "http://", 7) != 0)
		return 0;
	url += 7;
	len = url[0] == '[' ? strcspn(url, "]") + 1 : strcspn(url, ":/");
	return host_is_loopback(url, len);
}

int
net_new(struct net **out, const char *base_url, const struct net_opts *opts)
{
	struct net *n = NULL;
	size_t len, i;
	int r = COFFER_ERR_INVALID;

	*out = NULL;
	if (base_url == NULL || !url_allowed(base_url))
		goto out;
	r = COFFER_ERR_NETWORK;
	(void)pthread_once(&global_once, global_init);
	if (!global_ok)
		goto out;
	r = COFFER_ERR_NOMEM;
	if ((n = calloc(1, sizeof(*n))) == NULL)
		goto out;
	for (i = 0; i < CURL_LOCK_DATA_LAST; i++)
		(void)pthread_mutex_init(&n->share_lock[i], NULL);
	(void)pthread_mutex_init(&n->lock, NULL);
	if (opts != NULL)
		n->opts = *opts;
	if (n->opts.retries == 0)
		n->opts.retries = 4;
	else if (n->opts.retries == NET_NO_RETRY)
		n->opts.retries = 0;
	if (n->opts.backoff_ms == 0)
		n->opts.backoff_ms = 250;
	if (n->opts.backoff_max_ms == 0)
		n->opts.backoff_max_ms = 8000;
	if (n->opts.connect_timeout_s == 0)
		n->opts.connect_timeout_s = 10;
	if (n->opts.timeout_s == 0)
		n->opts.timeout_s = NET_TIMEOUT_DEFAULT;
	if (n->opts.min_rate == 0)
		n->opts.min_rate = NET_MIN_RATE_DEFAULT;
	len = strlen(base_url);
	while (len > 0 && base_url[len - 1] == '/')
		len--;
	if ((n->base = strndup(base_url, len)) == NULL)
		goto out;
	if (opts != NULL && opts->ca_file != NULL &&
	    (n->ca_file = strdup(opts->ca_file)) == NULL)
		goto out;
	n->opts.ca_file = n->ca_file;
	r = COFFER_ERR_NETWORK;
	if ((n->share = curl_share_init()) == NULL ||
	    curl_share_setopt(n->share, CURLSHOPT_LOCKFUNC, share_lock) ||
	    curl_share_setopt(n->share, CURLSHOPT_UNLOCKFUNC, share_unlock) ||
	    curl_share_setopt(n->share, CURLSHOPT_USERDATA, n) ||
	    curl_share_setopt(n->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS) ||
	    curl_share_setopt(n->share, CURLSHOPT_SHARE,
	    CURL_LOCK_DATA_SSL_SESSION) ||
	    curl_share_setopt(n->share, CURLSHOPT_SHARE,
	    CURL_LOCK_DATA_CONNECT))
		goto out;
	*out = n;
	n = NULL;
	r = 0;
out:
	net_free(&n);
	return r;
}

void
net_free(struct net **p)
{
	struct net *n;
	size_t i;

	if (p == NULL || (n = *p) == NULL)
		return;
	for (i = 0; i < n->npool; i++)
		curl_easy_cleanup(n->pool[i]);
	for (i = 0; i < n->nmpool; i++)
		curl_multi_cleanup(n->mpool[i]);
	if (n->share != NULL)
		curl_share_cleanup(n->share);
	for (i = 0; i < CURL_LOCK_DATA_LAST; i++)
		(void)pthread_mutex_destroy(&n->share_lock[i]);
	(void)pthread_mutex_destroy(&n->lock);
	sodium_memzero(n->token, sizeof(n->token));
	free(n->base);
	free(n->ca_file);
	free(n);
	*p = NULL;
}

int
net_set_token(struct net *n, const char *token)
{
	if (n == NULL)
		return COFFER_ERR_INVALID;
	if (token != NULL && strlen(token) > NET_TOKEN_MAX)
		return COFFER_ERR_TOOBIG;
	(void)pthread_mutex_lock(&n->lock);
	sodium_memzero(n->token, sizeof(n->token));
	if (token != NULL)
		memcpy(n->token, token, strlen(token));
	(void)pthread_mutex_unlock(&n->lock);
	return 0;
}

/* Free a request's headers, wiping them first: one is the bearer token
 * (curl_slist_append keeps its own copy). */
static void
headers_free(struct net_req *q)
{
	struct curl_slist *h;

	for (h = q->headers; h != NULL; h = h->next)
		sodium_memzero(h->data, strlen(h->data));
	curl_slist_free_all(q->headers);
	q->headers = NULL;
}

/* The idle handles of ${pool} (${np} of them; CURL and CURLM are both
 * void): take one, or NULL if there is none. */
static void *
unstash(struct net *n, void **pool, size_t *np)
{
	void *h = NULL;

	(void)pthread_mutex_lock(&n->lock);
	if (*np > 0)
		h = pool[--*np];
	(void)pthread_mutex_unlock(&n->lock);
	return h;
}

/* Keep ${h} in ${pool} if there is room; else hand it back to be freed. */
static void *
stash(struct net *n, void **pool, size_t *np, void *h)
{
	(void)pthread_mutex_lock(&n->lock);
	if (*np < POOL_MAX) {
		pool[(*np)++] = h;
		h = NULL;
	}
	(void)pthread_mutex_unlock(&n->lock);
	return h;
}

static CURL *
pool_take(struct net *n)
{
	CURL *e = unstash(n, n->pool, &n->npool);

	if (e == NULL)
		e = curl_easy_init();
	else
		curl_easy_reset(e);	/* keeps its connection */
	return e;
}

static void
pool_give(struct net *n, CURL *e)
{
	if ((e = stash(n, n->pool, &n->npool, e)) != NULL)
		curl_easy_cleanup(e);
}

/* A multi handle for a batch: an idle one, or a new one. Reusing them
 * saves the socket pair and the wake-up set-up curl makes for each (a
 * restore runs thousands of batches). */
static CURLM *
multi_take(struct net *n)
{
	CURLM *m = unstash(n, n->mpool, &n->nmpool);

	return m != NULL ? m : curl_multi_init();
}

/* Back to the pool: the batch removed every easy handle from ${m}. */
static void
multi_give(struct net *n, CURLM *m)
{
	if ((m = stash(n, n->mpool, &n->nmpool, m)) != NULL)
		curl_multi_cleanup(m);
}

int
net_status_err(long status, const char *code)
{
	if (code != NULL && (strcmp(code, "invalid_change_token") == 0 ||
	    strcmp(code, "resync") == 0))
		return COFFER_ERR_STATE;
	switch (status) {
	case 401:
	case 403:
		return COFFER_ERR_UNAUTHORIZED;
	case 404:
		return COFFER_ERR_NOTFOUND;
	case 409:
		return COFFER_ERR_CONFLICT;
	case 413:
		return COFFER_ERR_TOOBIG;
	case 416:
		return COFFER_ERR_FORMAT;
	case 429:
	case 503:
		return COFFER_ERR_BUSY;
	case 507:
		return COFFER_ERR_QUOTA;
	default:
		return COFFER_ERR_SERVER;
	}
}

/* Bodies of 2xx answers go to the caller's buffer, others to the error
 * buffer; each capped. */
static size_t
on_data(char *p, size_t size, size_t nmemb, void *arg)
{
	struct net_req *q = arg;
	struct coffer_buf *b;
	size_t len = size * nmemb;
	long status = 0;

	(void)curl_easy_getinfo(q->easy, CURLINFO_RESPONSE_CODE, &status);
	b = status / 100 == 2 ? q->reply : q->errbuf;
	if (b == NULL)
		return len;	/* a 2xx body nobody asked for */
	if (coffer_buf_append(b, p, len) != 0) {
		q->toobig = 1;
		return 0;
	}
	return len;
}

static int
set_headers(struct net *n, struct net_req *q)
{
	char line[NET_TOKEN_MAX + 64];
	struct curl_slist *h;

	if (q->content_type != NULL) {
		(void)snprintf(line, sizeof(line), "Content-Type: %s",
		    q->content_type);
		if ((h = curl_slist_append(q->headers, line)) == NULL)
			return COFFER_ERR_NOMEM;
		q->headers = h;
	}
	if (q->range != NULL) {
		(void)snprintf(line, sizeof(line), "Range: %s", q->range);
		if ((h = curl_slist_append(q->headers, line)) == NULL)
			return COFFER_ERR_NOMEM;
		q->headers = h;
	}
	(void)pthread_mutex_lock(&n->lock);
	line[0] = '\0';
	if (!q->no_auth && n->token[0] != '\0')
		(void)snprintf(line, sizeof(line), "Authorization: Bearer %s",
		    n->token);
	(void)pthread_mutex_unlock(&n->lock);
	if (line[0] != '\0') {
		h = curl_slist_append(q->headers, line);
		sodium_memzero(line, sizeof(line));
		if (h == NULL)
			return COFFER_ERR_NOMEM;
		q->headers = h;
	}
	return 0;
}

/* curl's progress callback, at least once a second: cut the attempt
 * (non-zero) past its deadline, which grows with the bytes it carries,
 * or, for a transfer larger than min_rate * timeout_s bytes, when a
 * window of timeout_s seconds moved less than min_rate bytes/s. A bulk
 * transfer is so held to the rate floor, not to a deadline that suits a
 * small JSON request. */
static int
on_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow,
    curl_off_t ultotal, curl_off_t ulnow)
{
	struct net_req *q = arg;
	const struct net_opts *o = &q->owner->opts;
	uint64_t now = now_ms(), size, moved, window;

	(void)ultotal;
	size = (uint64_t)q->body_len + (dltotal > 0 ? (uint64_t)dltotal : 0);
	if (now - q->t0_ms > (uint64_t)o->timeout_s * 1000 +
	    size * 1000 / o->min_rate) {
		q->late = NET_LATE_DEADLINE;
		return 1;
	}
	/* A transfer the floor moves within one window has the deadline
	 * alone; a bulk one is held to the rate as well. */
	if (size <= (uint64_t)o->min_rate * o->timeout_s)
		return 0;
	moved = (dlnow > 0 ? (uint64_t)dlnow : 0) +
	    (ulnow > 0 ? (uint64_t)ulnow : 0);
	window = (uint64_t)o->timeout_s * 1000;
	if (now - q->win_ms >= window) {
		if (moved - q->win_bytes < (uint64_t)o->min_rate *
		    o->timeout_s) {
			q->late = NET_LATE_RATE;
			return 1;
		}
		q->win_ms = now;
		q->win_bytes = moved;
	}
	return 0;
}

/* Set up the easy handle of ${q} for one attempt. */
static int
prepare(struct net *n, struct net_req *q)
{
	CURL *e = q->easy;
	size_t len;
	int r, bad = 0;

	len = strlen(n->base) + strlen(q->path) + 1;
	if (q->url == NULL) {
		if ((q->url = malloc(len)) == NULL)
			return COFFER_ERR_NOMEM;
		(void)snprintf(q->url, len, "%s%s", n->base, q->path);
	}
	if ((r = set_headers(n, q)) != 0)
		return r;
	bad |= curl_easy_setopt(e, CURLOPT_URL, q->url);
	bad |= curl_easy_setopt(e, CURLOPT_SHARE, n->share);
	bad |= curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	bad |= curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	bad |= curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
	bad |= curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
	if (n->ca_file != NULL)
		bad |= curl_easy_setopt(e, CURLOPT_CAINFO, n->ca_file);
	bad |= curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT,
	    (long)n->opts.connect_timeout_s);
	/* The deadline and the rate floor (on_progress). */
	q->owner = n;
	q->late = 0;
	q->t0_ms = q->win_ms = now_ms();
	q->win_bytes = 0;
	bad |= curl_easy_setopt(e, CURLOPT_NOPROGRESS, 0L);
	bad |= curl_easy_setopt(e, CURLOPT_XFERINFOFUNCTION, on_progress);
	bad |= curl_easy_setopt(e, CURLOPT_XFERINFODATA, q);
	bad |= curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
	bad |= curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, q->method);
	if (q->body != NULL || strcmp(q->method, "PUT") == 0 ||
	    strcmp(q->method, "POST") == 0) {
		bad |= curl_easy_setopt(e, CURLOPT_POSTFIELDS,
		    q->body != NULL ? (const char *)q->body : "");
		bad |= curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)q->body_len);
	}
	if (q->headers != NULL)
		bad |= curl_easy_setopt(e, CURLOPT_HTTPHEADER, q->headers);
	bad |= curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_data);
	bad |= curl_easy_setopt(e, CURLOPT_WRITEDATA, q);
	bad |= curl_easy_setopt(e, CURLOPT_PRIVATE, q);
	return bad ? COFFER_ERR_NETWORK : 0;
}

static int
start(struct net *n, CURLM *m, struct net_req *q)
{
	int r = COFFER_ERR_NOMEM;

	if (q->reply != NULL)
		coffer_buf_truncate(q->reply, q->reply_len0);
	if (q->errbuf == NULL &&
	    (q->errbuf = coffer_buf_new(NET_ERROR_MAX)) == NULL)
		goto out;
	coffer_buf_reset(q->errbuf);
	q->toobig = 0;
	if ((q->easy = pool_take(n)) == NULL)
		goto out;
	if ((r = prepare(n, q)) != 0)
		goto out;
	if (curl_multi_add_handle(m, q->easy) != CURLM_OK) {
		r = COFFER_ERR_NETWORK;
		goto out;
	}
	q->state = Q_RUNNING;
	r = 0;
out:
	return r;
}

/* Read {"error": code, "message": text} from an error answer. */
static void
read_error(struct net_req *q)
{
	const char *code = "", *msg = "";
	char ignored[NET_DETAIL];

	json_decref(q->err);
	q->err = NULL;
	if (net_json_load(&q->err, coffer_buf_data(q->errbuf),
	    coffer_buf_len(q->errbuf), ignored) == 0) {
		(void)net_json_str(q->err, "error", &code, ignored);
		(void)net_json_str(q->err, "message", &msg, ignored);
	}
	(void)snprintf(q->code, sizeof(q->code), "%s", code);
	(void)snprintf(q->detail, sizeof(q->detail), "HTTP %ld%s%s%s%s",
	    q->status, code[0] ? " " : "", code, msg[0] ? ": " : "", msg);
}

static int
transient(CURLcode rc)
{
	switch (rc) {
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_CONNECT:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
	case CURLE_OPERATION_TIMEDOUT:
		return 1;
	default:
		return 0;
	}
}

static uint64_t
backoff_ms(const struct net *n, unsigned attempt, long retry_after)
{
	uint64_t d = n->opts.backoff_ms;

	if (retry_after > 0)
		return (uint64_t)retry_after * 1000;
	while (attempt-- > 1 && d < n->opts.backoff_max_ms)
		d *= 2;
	if (d > n->opts.backoff_max_ms)
		d = n->opts.backoff_max_ms;
	/* Full jitter over the upper half: clients that failed together do
	 * not come back together. */
	return d / 2 + randombytes_uniform((uint32_t)(d / 2 + 1));
}

/* One attempt of ${q} ended with ${rc}: set its result, and queue it again
 * if it may be retried. */
static void
finish(struct net *n, struct net_req *q, CURLcode rc)
{
	curl_off_t ra = -1;
	int retry = 0;

	q->status = 0;
	(void)curl_easy_getinfo(q->easy, CURLINFO_RESPONSE_CODE, &q->status);
	(void)curl_easy_getinfo(q->easy, CURLINFO_RETRY_AFTER, &ra);
	q->code[0] = '\0';
	if (q->toobig) {
		q->result = COFFER_ERR_SERVER;
		(void)snprintf(q->detail, sizeof(q->detail),
		    "HTTP %ld: the answer is over %zu bytes", q->status,
		    q->status / 100 == 2 && q->reply != NULL ?
		    coffer_buf_max(q->reply) : NET_ERROR_MAX);
	} else if (rc == CURLE_ABORTED_BY_CALLBACK && q->late != 0) {
		/* The caller's bound: not retried. */
		q->result = COFFER_ERR_NETWORK;
		if (q->late == NET_LATE_DEADLINE)
			(void)snprintf(q->detail, sizeof(q->detail), "server %s "
			    "did not answer %s %s within %llu s", n->base,
			    q->method, q->path, (unsigned long long)
			    ((now_ms() - q->t0_ms) / 1000));
		else
			(void)snprintf(q->detail, sizeof(q->detail), "server %s "
			    "answered %s %s slower than %u bytes/s",
			    n->base, q->method, q->path, n->opts.min_rate);
	} else if (rc != CURLE_OK) {
		q->result = COFFER_ERR_NETWORK;
		(void)snprintf(q->detail, sizeof(q->detail), "%s %s: %s",
		    q->method, q->path, curl_easy_strerror(rc));
		/* A request that never reached the server may always go
		 * again; one that may have, only if it is idempotent. */
		retry = transient(rc) && (q->idempotent ||
		    rc == CURLE_COULDNT_CONNECT ||
		    rc == CURLE_COULDNT_RESOLVE_HOST);
	} else if (q->status / 100 == 2) {
		q->result = 0;
		q->detail[0] = '\0';
	} else {
		read_error(q);
		q->result = net_status_err(q->status, q->code);
		retry = q->idempotent && (q->status / 100 == 5 ||
		    q->status == 429) && ra <= RETRY_AFTER_MAX_S;
	}
	q->state = Q_DONE;
	if (retry && q->attempt < n->opts.retries) {
		q->attempt++;
		q->state = Q_PENDING;
		q->not_before_ms = now_ms() + backoff_ms(n, q->attempt,
		    (long)ra);
	}
	headers_free(q);
}

/* The next request that may start now, or NULL; *${wait} is how long until
 * one may (UINT64_MAX if none is pending). */
static struct net_req *
next_ready(struct net_req *reqs, size_t count, uint64_t *wait)
{
	uint64_t now = now_ms();
	size_t i;

	*wait = UINT64_MAX;
	for (i = 0; i < count; i++) {
		if (reqs[i].state != Q_PENDING)
			continue;
		if (reqs[i].not_before_ms <= now)
			return &reqs[i];
		if (reqs[i].not_before_ms - now < *wait)
			*wait = reqs[i].not_before_ms - now;
	}
	return NULL;
}

int
net_run(struct net *n, struct net_req *reqs, size_t count, unsigned parallel)
{
	struct net_req *q;
	CURLMsg *msg;
	CURLM *m = NULL;
	uint64_t wait;
	size_t i;
	unsigned active = 0;
	int still, left, r = COFFER_ERR_INVALID;

	if (n == NULL || (count > 0 && reqs == NULL))
		goto out;
	if (parallel == 0)
		parallel = 1;
	for (i = 0; i < count; i++) {
		q = &reqs[i];
		q->state = Q_PENDING;
		q->attempt = 0;
		q->not_before_ms = 0;
		q->result = COFFER_ERR_INTERNAL;
		q->status = 0;
		q->detail[0] = '\0';
		q->code[0] = '\0';
		q->reply_len0 = q->reply != NULL ? coffer_buf_len(q->reply) : 0;
	}
	r = COFFER_ERR_NOMEM;
	if ((m = multi_take(n)) == NULL)
		goto out;
	for (;;) {
		while (active < parallel &&
		    (q = next_ready(reqs, count, &wait)) != NULL) {
			if ((r = start(n, m, q)) != 0) {
				q->result = r;
				(void)snprintf(q->detail, sizeof(q->detail),
				    "%s %s: could not start", q->method,
				    q->path);
				q->state = Q_DONE;
				headers_free(q);
				if (q->easy != NULL)
					pool_give(n, q->easy);
				q->easy = NULL;
				continue;
			}
			active++;
		}
		(void)next_ready(reqs, count, &wait);
		if (active == 0 && wait == UINT64_MAX)
			break;
		(void)curl_multi_perform(m, &still);
		while ((msg = curl_multi_info_read(m, &left)) != NULL) {
			if (msg->msg != CURLMSG_DONE)
				continue;
			q = NULL;
			(void)curl_easy_getinfo(msg->easy_handle,
			    CURLINFO_PRIVATE, (char **)&q);
			(void)curl_multi_remove_handle(m, msg->easy_handle);
			finish(n, q, msg->data.result);
			pool_give(n, q->easy);
			q->easy = NULL;
			active--;
		}
		if (active > 0 || wait != UINT64_MAX)
			(void)curl_multi_poll(m, NULL, 0, wait > 1000 ? 1000 :
			    (int)wait, NULL);
	}
	r = 0;
	for (i = 0; i < count; i++) {
		if (reqs[i].result != 0) {
			r = reqs[i].result;
			break;
		}
	}
out:
	if (m != NULL)
		multi_give(n, m);
	for (i = 0; reqs != NULL && i < count; i++) {
		coffer_buf_free(&reqs[i].errbuf);
		free(reqs[i].url);
		reqs[i].url = NULL;
	}
	return r;
}

void
net_req_cleanup(struct net_req *q)
{
	if (q == NULL)
		return;
	json_decref(q->err);
	q->err = NULL;
}

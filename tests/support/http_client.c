/* libcurl client for the tests (http_client.h). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "http_client.h"

static pthread_once_t once = PTHREAD_ONCE_INIT;

static void
init_curl(void)
{
	if (curl_global_init(CURL_GLOBAL_ALL) != CURLE_OK)
		abort();
}

struct sink {
	char	*p;
	size_t	 len, cap, limit;
	int	 count_only;
};

static int
grow(struct sink *s, const char *data, size_t n)
{
	char *t;

	if (s->len + n > s->limit)
		return -1;
	if (s->len + n + 1 > s->cap) {
		size_t cap = (s->len + n + 1) * 2;

		if ((t = realloc(s->p, cap)) == NULL)
			return -1;
		s->p = t;
		s->cap = cap;
	}
	memcpy(s->p + s->len, data, n);
	s->len += n;
	s->p[s->len] = '\0';
	return 0;
}

static size_t
on_body(char *data, size_t size, size_t nmemb, void *cls)
{
	struct sink *s = cls;
	size_t n = size * nmemb;

	if (s->count_only) {
		s->len += n;
		return n;
	}
	return grow(s, data, n) == 0 ? n : 0;
}

static size_t
on_header(char *data, size_t size, size_t nmemb, void *cls)
{
	struct sink *s = cls;
	size_t n = size * nmemb;

	/* A new status line (after 100 Continue) starts a new block. */
	if (n >= 5 && memcmp(data, "HTTP/", 5) == 0)
		s->len = 0;
	return grow(s, data, n) == 0 ? n : 0;
}

struct upload {
	http_upload_fn	 fn;
	void		*cls;
};

static size_t
on_upload(char *buf, size_t size, size_t nmemb, void *cls)
{
	struct upload *u = cls;

	return u->fn(u->cls, (uint8_t *)buf, size * nmemb);
}

int
http_do(const struct http_opts *o, struct http_resp *r)
{
	struct sink body = { NULL, 0, 0, 0, 0 }, hdrs = { NULL, 0, 0, 1 << 20,
	    0 };
	struct upload up = { o->upload, o->upload_cls };
	struct curl_slist *list = NULL, *t;
	CURL *c;
	CURLcode cc;
	size_t i;
	int rv = -1;

	pthread_once(&once, init_curl);
	memset(r, 0, sizeof(*r));
	body.limit = o->cap != 0 ? o->cap : HTTP_BODY_CAP;
	body.count_only = o->count_only;
	if ((c = curl_easy_init()) == NULL)
		return -1;
	for (i = 0; o->headers != NULL && o->headers[i] != NULL; i++) {
		if ((t = curl_slist_append(list, o->headers[i])) == NULL)
			goto out;
		list = t;
	}
	curl_easy_setopt(c, CURLOPT_URL, o->url);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, o->timeout_s > 0 ? o->timeout_s :
	    60L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &hdrs);
	if (o->upload != NULL) {
		curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
		curl_easy_setopt(c, CURLOPT_READFUNCTION, on_upload);
		curl_easy_setopt(c, CURLOPT_READDATA, &up);
		curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE,
		    (curl_off_t)o->upload_len);
	} else if (o->body != NULL) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)o->len);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, o->body);
	}
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, o->method);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, list);
	if (o->local_addr != NULL) {
		char iface[80];

		(void)snprintf(iface, sizeof(iface), "host!%s", o->local_addr);
		curl_easy_setopt(c, CURLOPT_INTERFACE, iface);
	}
	if (o->cainfo != NULL) {
		curl_easy_setopt(c, CURLOPT_CAINFO, o->cainfo);
		curl_easy_setopt(c, CURLOPT_CAPATH, NULL);
	}
	if ((cc = curl_easy_perform(c)) != CURLE_OK) {
		fprintf(stderr, "http_do: %s %s: %s\n", o->method, o->url,
		    curl_easy_strerror(cc));
		goto out;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
	if (!o->count_only && body.p == NULL && grow(&body, "", 0) != 0)
		goto out;
	r->body = body.p;
	r->len = body.len;
	r->headers = hdrs.p;
	body.p = hdrs.p = NULL;
	rv = 0;
out:
	free(body.p);
	free(hdrs.p);
	curl_slist_free_all(list);
	curl_easy_cleanup(c);
	return rv;
}

void
http_resp_free(struct http_resp *r)
{
	free(r->body);
	free(r->headers);
	memset(r, 0, sizeof(*r));
}

const char *
http_resp_header(const struct http_resp *r, const char *name, char *buf,
    size_t size)
{
	const char *p, *end, *found = NULL;
	size_t n = strlen(name), vl;

	for (p = r->headers; p != NULL && *p != '\0'; p = end) {
		if ((end = strstr(p, "\r\n")) == NULL)
			end = p + strlen(p);
		if (strncasecmp(p, name, n) == 0 && p[n] == ':')
			found = p;
		if (*end != '\0')
			end += 2;
	}
	if (found == NULL || size == 0)
		return NULL;
	found += n + 1;
	while (*found == ' ')
		found++;
	for (vl = 0; found[vl] != '\r' && found[vl] != '\0'; vl++)
		;
	if (vl >= size)
		vl = size - 1;
	memcpy(buf, found, vl);
	buf[vl] = '\0';
	return buf;
}

int
http_request(const char *method, const char *url, const char *const *headers,
    const void *body, size_t len, long *status, char **response_body)
{
	struct http_opts o;
	struct http_resp r;

	memset(&o, 0, sizeof(o));
	o.method = method;
	o.url = url;
	o.headers = headers;
	o.body = body;
	o.len = len;
	if (http_do(&o, &r) != 0)
		return -1;
	*status = r.status;
	if (response_body != NULL) {
		*response_body = r.body;
		r.body = NULL;
	}
	http_resp_free(&r);
	return 0;
}

json_t *
http_json(const char *method, const char *url, const char *json_body,
    long *status)
{
	static const char *const hdrs[] = { "Content-Type: application/json",
	    NULL };
	char *body = NULL;
	json_t *v;

	*status = 0;
	if (http_request(method, url, json_body != NULL ? hdrs : NULL,
	    json_body, json_body != NULL ? strlen(json_body) : 0, status,
	    &body) != 0)
		return NULL;
	v = json_loads(body, JSON_REJECT_DUPLICATES, NULL);
	free(body);
	return v;
}

json_t *
http_json_from(const char *local_addr, const char *method, const char *url,
    const char *json_body, long *status)
{
	static const char *const hdrs[] = { "Content-Type: application/json",
	    NULL };
	struct http_opts o;
	struct http_resp r;
	json_t *v = NULL;

	memset(&o, 0, sizeof(o));
	o.method = method;
	o.url = url;
	o.headers = json_body != NULL ? hdrs : NULL;
	o.body = json_body;
	o.len = json_body != NULL ? strlen(json_body) : 0;
	o.local_addr = local_addr;
	*status = 0;
	if (http_do(&o, &r) != 0)
		return NULL;
	*status = r.status;
	if (r.body != NULL)
		v = json_loads(r.body, JSON_REJECT_DUPLICATES, NULL);
	http_resp_free(&r);
	return v;
}

int
http_is_error(const char *body, const char *code)
{
	json_t *v = body != NULL ? json_loads(body, JSON_REJECT_DUPLICATES,
	    NULL) : NULL;
	json_t *e, *m;
	int ok;

	if (v == NULL)
		return 0;
	e = json_object_get(v, "error");
	m = json_object_get(v, "message");
	ok = json_object_size(v) == 2 && json_is_string(e) &&
	    strcmp(json_string_value(e), code) == 0 && json_is_string(m) &&
	    json_string_length(m) > 0;
	json_decref(v);
	return ok;
}

static const char *
find_nocase(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	for (; *hay != '\0'; hay++)
		if (strncasecmp(hay, needle, n) == 0)
			return hay;
	return NULL;
}

/* Is buf[0..len) one whole response (headers and Content-Length bytes)? */
static int
whole(const char *buf, size_t len)
{
	const char *end = strstr(buf, "\r\n\r\n"), *cl;
	unsigned long n;

	(void)len;
	if (end == NULL)
		return 0;
	if ((cl = find_nocase(buf, "\r\nContent-Length:")) == NULL || cl > end)
		return 1;
	n = strtoul(cl + 17, NULL, 10);
	return (size_t)(buf + len - (end + 4)) >= n;
}

int
http_raw(unsigned port, const char *request, size_t len, char **response,
    int timeout_s)
{
	struct sockaddr_in a;
	struct sink s = { NULL, 0, 0, 1 << 20, 0 };
	struct pollfd pfd;
	char buf[4096];
	size_t off = 0;
	ssize_t n;
	time_t deadline = time(NULL) + timeout_s;
	int fd, r = -1;

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0)
		goto out;
	while (off < len) {
		if ((n = send(fd, request + off, len - off, MSG_NOSIGNAL)) <= 0)
			goto out;
		off += (size_t)n;
	}
	if (grow(&s, "", 0) != 0)
		goto out;
	while (!whole(s.p, s.len) && time(NULL) < deadline) {
		pfd.fd = fd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, 100) <= 0)
			continue;
		if ((n = recv(fd, buf, sizeof(buf), 0)) <= 0)
			break;
		if (grow(&s, buf, (size_t)n) != 0)
			goto out;
	}
	if (s.len == 0)
		goto out;
	*response = s.p;
	s.p = NULL;
	r = 0;
out:
	free(s.p);
	close(fd);
	return r;
}

int
http_raw_status(const char *response)
{
	int st;

	if (response == NULL || sscanf(response, "HTTP/1.%*d %d", &st) != 1)
		return -1;
	return st;
}

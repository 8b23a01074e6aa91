/* cofferd.conf (config.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "http/service.h"
#include "store/types.h"

#include <coffer/opaque.h>

enum kind { K_PATH, K_BOOL, K_UINT, K_LOGFMT, K_LISTEN, K_SIZE };

static const struct key {
	const char	*name;
	enum kind	 kind;
	size_t		 off;
	unsigned	 min, max;
} keys[] = {
	{ "listen", K_LISTEN, offsetof(struct srv_config, listen), 0, 0 },
	{ "port_file", K_PATH, offsetof(struct srv_config, port_file), 0, 0 },
	{ "tls_cert", K_PATH, offsetof(struct srv_config, tls_cert), 0, 0 },
	{ "tls_key", K_PATH, offsetof(struct srv_config, tls_key), 0, 0 },
	{ "allow_remote_plaintext", K_BOOL,
	    offsetof(struct srv_config, allow_remote_plaintext), 0, 1 },
	{ "log_format", K_LOGFMT, offsetof(struct srv_config, log_format),
	    0, 0 },
	{ "threads", K_UINT, offsetof(struct srv_config, threads), 0, 256 },
	{ "max_connections", K_UINT,
	    offsetof(struct srv_config, max_connections), 1, 100000 },
	{ "per_ip_connections", K_UINT,
	    offsetof(struct srv_config, per_ip_connections), 0, 100000 },
	{ "connection_timeout", K_UINT,
	    offsetof(struct srv_config, connection_timeout), 1, 3600 },
	{ "header_timeout", K_UINT,
	    offsetof(struct srv_config, header_timeout), 0, 3600 },
	{ "body_rate_min", K_UINT,
	    offsetof(struct srv_config, body_rate_min), 0, 1u << 30 },
	{ "body_rate_grace", K_UINT,
	    offsetof(struct srv_config, body_rate_grace), 1, 3600 },
	{ "shutdown_timeout", K_UINT,
	    offsetof(struct srv_config, shutdown_timeout), 0, 3600 },
	{ "opaque_t_cost", K_UINT, offsetof(struct srv_config, opaque_t_cost),
	    1, 64 },
	{ "opaque_m_cost", K_UINT, offsetof(struct srv_config, opaque_m_cost),
	    8, 4194304 },
	{ "session_ttl", K_UINT, offsetof(struct srv_config, session_ttl),
	    60, 366 * 24 * 3600 },
	{ "login_window", K_UINT, offsetof(struct srv_config, login_window),
	    1, 24 * 3600 },
	{ "login_failures_account", K_UINT,
	    offsetof(struct srv_config, login_failures_account), 1, 100000 },
	{ "login_failures_address", K_UINT,
	    offsetof(struct srv_config, login_failures_address), 1, 100000 },
	{ "login_failures_pair", K_UINT,
	    offsetof(struct srv_config, login_failures_pair), 1, 100000 },
	{ "register_per_address", K_UINT,
	    offsetof(struct srv_config, register_per_address), 1, 100000 },
	{ "signin_ticket_ttl", K_UINT,
	    offsetof(struct srv_config, signin_ticket_ttl), 10, 3600 },
	{ "quota", K_SIZE, offsetof(struct srv_config, quota), 0, 0 },
	{ "upload_concurrency", K_UINT,
	    offsetof(struct srv_config, upload_concurrency), 1, 1024 },
	{ "upload_reservation_ttl", K_UINT,
	    offsetof(struct srv_config, upload_reservation_ttl), 2, 7 * 86400 },
	{ "maint_interval", K_UINT,
	    offsetof(struct srv_config, maint_interval), 1, 7 * 86400 },
	{ "orphan_grace", K_UINT, offsetof(struct srv_config, orphan_grace),
	    1, 366 * 86400 },
	{ "tombstone_retention", K_UINT,
	    offsetof(struct srv_config, tombstone_retention), 1, 3660 * 86400 },
};
#define NKEYS (sizeof(keys) / sizeof(keys[0]))

const char *
srv_config_key(size_t i)
{
	return i < NKEYS ? keys[i].name : NULL;
}

int
srv_config_init(struct srv_config *c)
{
	memset(c, 0, sizeof(*c));
	c->log_format = SRV_LOG_TEXT;
	c->threads = 0;
	c->max_connections = 1024;
	c->per_ip_connections = 32;
	c->connection_timeout = 60;
	c->header_timeout = 10;
	c->body_rate_min = 1024;
	c->body_rate_grace = 5;
	c->shutdown_timeout = 10;
	c->opaque_t_cost = COFFER_OPAQUE_T_COST;
	c->opaque_m_cost = COFFER_OPAQUE_M_COST;
	c->session_ttl = 30 * 24 * 3600;
	c->login_window = 15 * 60;
	c->login_failures_account = 30;
	c->login_failures_address = 100;
	c->login_failures_pair = 5;
	c->register_per_address = 20;
	c->signin_ticket_ttl = 120;
	c->quota = STORE_QUOTA_DEFAULT;
	c->upload_concurrency = 4;
	c->upload_reservation_ttl = 3600;
	c->maint_interval = 300;
	c->orphan_grace = 86400;
	c->tombstone_retention = 180 * 86400;
	if ((c->listen = strdup(SRV_DEFAULT_LISTEN)) == NULL)
		return -1;
	return 0;
}

void
srv_config_cleanup(struct srv_config *c)
{
	free(c->listen);
	free(c->port_file);
	free(c->tls_cert);
	free(c->tls_key);
	memset(c, 0, sizeof(*c));
}

/* A byte count: decimal digits (no sign, blanks or leading zeros), then
 * optionally one of K, M, G, T (powers of 1024); at most 2^63 - 1. */
static int
parse_size(const char *s, uint64_t *out)
{
	static const char units[] = "KMGT";
	const char *u;
	uint64_t v = 0;
	unsigned shift = 0;

	if (*s < '0' || *s > '9' || (s[0] == '0' && s[1] >= '0' &&
	    s[1] <= '9'))
		return -1;
	for (; *s >= '0' && *s <= '9'; s++) {
		v = v * 10 + (unsigned)(*s - '0');
		if (v > STORE_SIZE_MAX)
			return -1;
	}
	if (*s != '\0') {
		if ((u = strchr(units, *s)) == NULL || s[1] != '\0')
			return -1;
		shift = 10 * (unsigned)(u - units + 1);
		if (v > STORE_SIZE_MAX >> shift)
			return -1;
	}
	*out = v << shift;
	return 0;
}

/* Decimal digits only: no sign, no blanks, no leading zeros. */
static int
parse_uint(const char *s, unsigned long long max, unsigned long long *out)
{
	unsigned long long v = 0;

	if (*s == '\0' || (s[0] == '0' && s[1] != '\0'))
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (unsigned)(*s - '0');
		if (v > max)
			return -1;
	}
	*out = v;
	return 0;
}

static int
set_key(struct srv_config *c, const struct key *k, const char *value,
    char *err, size_t errlen)
{
	void *field = (char *)c + k->off;
	unsigned long long u;
	struct sockaddr_storage ss;
	socklen_t sl;
	char *dup;

	switch (k->kind) {
	case K_BOOL:
		if (strcmp(value, "yes") == 0 || strcmp(value, "true") == 0)
			*(int *)field = 1;
		else if (strcmp(value, "no") == 0 ||
		    strcmp(value, "false") == 0)
			*(int *)field = 0;
		else
			goto bad;
		return 0;
	case K_UINT:
		if (parse_uint(value, k->max, &u) != 0 || u < k->min) {
			snprintf(err, errlen, "%s: expected a whole number "
			    "from %u to %u", k->name, k->min, k->max);
			return -1;
		}
		*(unsigned *)field = (unsigned)u;
		return 0;
	case K_SIZE:
		if (parse_size(value, (uint64_t *)field) != 0) {
			snprintf(err, errlen, "%s: expected a byte count such "
			    "as 1073741824 or 1G (suffixes K, M, G, T)",
			    k->name);
			return -1;
		}
		return 0;
	case K_LOGFMT:
		if (srv_log_format_parse(value, (enum srv_log_format *)field)
		    != 0)
			goto bad;
		return 0;
	case K_LISTEN:
		if (srv_listen_parse(value, &ss, &sl) != 0) {
			snprintf(err, errlen, "%s: expected ADDR:PORT with a "
			    "numeric address (127.0.0.1:8780, [::1]:8780)",
			    k->name);
			return -1;
		}
		break;
	case K_PATH:
		if (strlen(value) >= 4096)
			goto bad;
		break;
	}
	if ((dup = strdup(value)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	free(*(char **)field);
	*(char **)field = dup;
	return 0;
bad:
	snprintf(err, errlen, "%s: bad value", k->name);
	return -1;
}

int
srv_config_check(const struct srv_config *c, char *err, size_t errlen)
{
	/* One address must not be able to take every connection. */
	if (c->per_ip_connections > c->max_connections / 2) {
		snprintf(err, errlen, "per_ip_connections (%u) must be at most "
		    "half of max_connections (%u), or 0 for no limit",
		    c->per_ip_connections, c->max_connections);
		return -1;
	}
	return 0;
}

static const struct key *
find_key(const char *name)
{
	size_t i;

	for (i = 0; i < NKEYS; i++)
		if (strcmp(keys[i].name, name) == 0)
			return &keys[i];
	return NULL;
}

int
srv_config_set(struct srv_config *c, const char *key, const char *value,
    char *err, size_t errlen)
{
	const struct key *k;

	if ((k = find_key(key)) == NULL) {
		snprintf(err, errlen, "unknown setting \"%.64s\"", key);
		return -1;
	}
	return set_key(c, k, value, err, errlen);
}

static int
is_blank(char ch)
{
	return ch == ' ' || ch == '\t';
}

/* One line [p, end) without its newline; seen[] marks keys already set. */
static int
parse_line(struct srv_config *c, const char *p, const char *end,
    unsigned char *seen, char *msg, size_t msglen)
{
	char key[40], value[SRV_CONFIG_LINE_MAX + 1];
	const char *k0, *v0;
	const struct key *k;
	size_t kl, vl;

	while (p < end && is_blank(*p))
		p++;
	while (end > p && (is_blank(end[-1]) || end[-1] == '\r'))
		end--;
	if (p == end || *p == '#')
		return 0;
	for (k0 = p; p < end && ((*p >= 'a' && *p <= 'z') || *p == '_'); p++)
		;
	kl = (size_t)(p - k0);
	while (p < end && is_blank(*p))
		p++;
	if (kl == 0 || p == end || *p != '=') {
		snprintf(msg, msglen, "expected \"key = value\"");
		return -1;
	}
	if (kl >= sizeof(key)) {
		snprintf(msg, msglen, "unknown setting");
		return -1;
	}
	memcpy(key, k0, kl);
	key[kl] = '\0';
	for (p++; p < end && is_blank(*p); p++)
		;
	v0 = p;
	vl = (size_t)(end - v0);
	if (vl == 0) {
		snprintf(msg, msglen, "%s: empty value", key);
		return -1;
	}
	for (p = v0; p < end; p++)
		if ((unsigned char)*p < 0x20 && *p != '\t') {
			snprintf(msg, msglen, "%s: control character in value",
			    key);
			return -1;
		}
	if ((k = find_key(key)) == NULL) {
		snprintf(msg, msglen, "unknown setting \"%s\"", key);
		return -1;
	}
	if (seen[k - keys]) {
		snprintf(msg, msglen, "%s is set twice", key);
		return -1;
	}
	seen[k - keys] = 1;
	memcpy(value, v0, vl);
	value[vl] = '\0';
	return set_key(c, k, value, msg, msglen);
}

int
srv_config_parse(struct srv_config *c, const char *text, size_t len,
    const char *name, char *err, size_t errlen)
{
	unsigned char seen[NKEYS] = { 0 };
	char msg[200];
	const char *p = text, *end = text + len, *nl;
	size_t line = 0;

	if (len > SRV_CONFIG_FILE_MAX) {
		snprintf(err, errlen, "%s: larger than %u bytes", name,
		    SRV_CONFIG_FILE_MAX);
		return -1;
	}
	if (memchr(text, '\0', len) != NULL) {
		snprintf(err, errlen, "%s: contains a NUL byte", name);
		return -1;
	}
	while (p < end) {
		line++;
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		if ((size_t)(nl - p) > SRV_CONFIG_LINE_MAX) {
			snprintf(err, errlen, "%s:%zu: line longer than %u "
			    "bytes", name, line, SRV_CONFIG_LINE_MAX);
			return -1;
		}
		if (parse_line(c, p, nl, seen, msg, sizeof(msg)) != 0) {
			snprintf(err, errlen, "%s:%zu: %s", name, line, msg);
			return -1;
		}
		p = nl + 1;
	}
	return 0;
}

int
srv_config_load(struct srv_config *c, const char *path, int must_exist,
    char *err, size_t errlen)
{
	char *text = NULL;
	size_t len = 0;
	ssize_t n;
	int fd = -1, r = -1;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		/* ENOTDIR: the data folder is a file; main says so next. */
		if ((errno == ENOENT || errno == ENOTDIR) && !must_exist) {
			r = 1;
			goto out;
		}
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	if ((text = malloc(SRV_CONFIG_FILE_MAX + 1)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	/* Read one byte past the cap so a too-big file is caught. */
	while (len <= SRV_CONFIG_FILE_MAX && (n = read(fd, text + len,
	    SRV_CONFIG_FILE_MAX + 1 - len)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			goto out;
		}
		len += (size_t)n;
	}
	r = srv_config_parse(c, text, len, path, err, errlen);
out:
	if (fd >= 0)
		close(fd);
	free(text);
	return r;
}

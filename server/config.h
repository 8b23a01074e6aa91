/* cofferd's settings: defaults and the strict cofferd.conf parser (the
 * listen address is parsed by srv_listen_parse, http/service.h).
 *
 * cofferd.conf holds "key = value" lines; blank lines and lines whose
 * first non-blank character is '#' are skipped. There are no inline
 * comments, quotes or continuation lines: the value is the rest of the
 * line with its surrounding blanks removed. An unknown key, a bad value, a
 * repeated key, a NUL byte, a line over 1024 bytes or a file over 64 KiB
 * is an error naming the file and line. docs/man/cofferd.8 lists the keys. */
#ifndef COFFERD_CONFIG_H
#define COFFERD_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "http/log.h"

#define SRV_DEFAULT_DATA	"./var"
#define SRV_DEFAULT_LISTEN	"127.0.0.1:8780"
#define SRV_CONFIG_NAME		"cofferd.conf"
#define SRV_CONFIG_FILE_MAX	(64u * 1024)
#define SRV_CONFIG_LINE_MAX	1024

struct srv_config {
	char			*listen;	/* "ADDR:PORT", "[V6]:PORT" */
	char			*port_file;	/* NULL: none */
	char			*tls_cert;	/* PEM file; NULL: plain HTTP */
	char			*tls_key;	/* PEM file */
	int			 allow_remote_plaintext;
	enum srv_log_format	 log_format;
	unsigned		 threads;	/* 0: one per core */
	unsigned		 max_connections;
	unsigned		 per_ip_connections; /* 0: no limit */
	unsigned		 connection_timeout; /* s, idle */
	unsigned		 header_timeout;	/* s to a header block; 0: none */
	unsigned		 body_rate_min;	/* bytes/s of a body; 0: none */
	unsigned		 body_rate_grace; /* s before the rate counts */
	unsigned		 shutdown_timeout; /* s, for in-flight requests */
	/* Accounts and sign-in (server/auth.h). */
	unsigned		 opaque_t_cost;	/* Argon2id passes (client side) */
	unsigned		 opaque_m_cost;	/* Argon2id KiB (client side) */
	unsigned		 session_ttl;	/* s */
	unsigned		 login_window;	/* s, for the failure counts */
	unsigned		 login_failures_account; /* per window */
	unsigned		 login_failures_address; /* per window */
	unsigned		 login_failures_pair; /* per login and address */
	unsigned		 register_per_address; /* per window */
	unsigned		 signin_ticket_ttl; /* s */
	uint64_t		 quota;	/* bytes per account, by default */
	/* Blob uploads and the maintenance sweep (server/maint.h). */
	unsigned		 upload_concurrency; /* per account */
	unsigned		 upload_reservation_ttl; /* s */
	unsigned		 maint_interval;	/* s */
	unsigned		 orphan_grace;		/* s */
	unsigned		 tombstone_retention;	/* s */
};

/** srv_config_init(c): fill ${c} with the defaults. Returns 0, or -1 if
 * out of memory (${c} is then safe to clean up). */
int srv_config_init(struct srv_config *c);

/** srv_config_cleanup(c): free what ${c} holds; ${c} may be reused after
 * srv_config_init. */
void srv_config_cleanup(struct srv_config *c);

/** srv_config_set(c, key, value, err, errlen): set one setting by its
 * config-file name. Returns 0, or -1 with a message in ${err} (an
 * unknown ${key}, a ${value} out of range or malformed, out of memory). */
int srv_config_set(struct srv_config *c, const char *key, const char *value,
    char *err, size_t errlen);

/** srv_config_parse(c, text, len, name, err, errlen): apply the file text
 * ${text} of ${len} bytes, called ${name} in messages. Returns 0, or -1
 * with "NAME:LINE: reason" in ${err}; on error ${c} may hold the settings
 * of the lines before the bad one. */
int srv_config_parse(struct srv_config *c, const char *text, size_t len,
    const char *name, char *err, size_t errlen);

/** srv_config_load(c, path, must_exist, err, errlen): read and apply the
 * file ${path}. Returns 0; 1 if it does not exist and ${must_exist} is 0;
 * or -1 with a message in ${err} (unreadable, too big, a bad line). */
int srv_config_load(struct srv_config *c, const char *path, int must_exist,
    char *err, size_t errlen);

/** srv_config_check(c, err, errlen): the settings of ${c} together:
 * per_ip_connections at most half of max_connections (or 0). Returns 0,
 * or -1 with the reason in ${err}. */
int srv_config_check(const struct srv_config *c, char *err, size_t errlen);

/** srv_config_key(i): the name of config key number ${i}, or NULL past
 * the last; for the tests that check the man page lists them all. */
const char *srv_config_key(size_t i);

#endif

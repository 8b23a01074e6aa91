/* A malicious server for client tests: an HTTP proxy on loopback in front
 * of a real cofferd that passes requests through and, for the requests a
 * rule matches, lies: flips a byte of the answer, cuts it short, answers
 * 404 or 500, serves another object's bytes, answers garbage, or lets a
 * test's hook rewrite what the client sent and what it gets back. The
 * client under test talks to the proxy's URL as if it were the server. */
#ifndef COFFER_TEST_EVIL_PROXY_H
#define COFFER_TEST_EVIL_PROXY_H

#include <stddef.h>
#include <stdint.h>

enum evil_action {
	EVIL_PASS = 0,		/* forward unchanged */
	EVIL_FLIP,		/* flip one bit of the body at `offset` (mod len) */
	EVIL_TRUNCATE,		/* keep only the first `offset` bytes of the body */
	EVIL_NOT_FOUND,		/* 404 no_such_object, nothing forwarded */
	EVIL_ERROR_500,		/* 500 internal, nothing forwarded */
	EVIL_SWAP,		/* answer with the upstream answer for `swap_path` */
	EVIL_GARBAGE,		/* 200 with `offset` bytes of junk (0: 64) */
	EVIL_DROP,		/* forward, then claim 500 (the write happened) */
	EVIL_HOOK,		/* `hook` rewrites the request, then the answer */
};

/* A body the hook may rewrite: malloc'd bytes (NUL after the last), its
 * length. To change it, free p and set another malloc'd buffer. */
struct evil_body {
	uint8_t	*p;
	size_t	 len;
};

/* For EVIL_HOOK: called for each request the rule matches, first with
 * ${answer} 0 on the client's request body before it goes upstream (the
 * query string, if any, in ${query}), then with ${answer} 1 on the upstream
 * answer's body and *${status}, which it may change (a 404 made a 200
 * serves what upstream does not hold). Runs on the proxy's threads. */
typedef void (*evil_hook_fn)(void *arg, const char *method, const char *path,
    const char *query, int answer, struct evil_body *body, long *status);

struct evil_rule {
	const char		*method;	/* NULL: any */
	const char		*path_prefix;	/* NULL: any */
	enum evil_action	 action;
	size_t			 offset;
	int			 times;		/* how many matches; -1: all */
	const char		*swap_path;	/* for EVIL_SWAP */
	evil_hook_fn		 hook;		/* for EVIL_HOOK */
	void			*hook_arg;
};

struct evil;

/** evil_start(out, upstream): a proxy on a free loopback port forwarding to
 * the server at base URL ${upstream} ("http://127.0.0.1:PORT"). Returns 0
 * or -1 (printed). */
int evil_start(struct evil **out, const char *upstream);

/** evil_url(e): the proxy's base URL (no trailing slash). */
const char *evil_url(const struct evil *e);

/** evil_set(e, rule): replace the rule (NULL: pass everything) and reset
 * the hit count. The strings are copied. */
void evil_set(struct evil *e, const struct evil_rule *rule);

/** evil_hits(e): how many requests the current rule has changed. */
unsigned evil_hits(struct evil *e);

/** evil_requests(e): how many requests the proxy has served in all. */
unsigned evil_requests(struct evil *e);

/** evil_stop(p): stop and free *${p}; accepts NULL. */
void evil_stop(struct evil **p);

#endif

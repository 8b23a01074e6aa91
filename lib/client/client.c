/* The client handle, at the top of lib/client: open a home folder, free
 * it, its last error, what it holds. */
#include <coffer/client.h>
#include <coffer/err.h>
#include <coffer/opaque.h>
#include <coffer/keychain.h>
#include <coffer/keystore.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "client/client_internal.h"
#include "core/file.h"

/* The home folder: made if missing, and ours alone. */
static int
home_check(struct coffer_client *c, const char *home)
{
	struct stat st;

	if (mkdir(home, 0700) != 0 && errno != EEXIST)
		return cl_fail(c, COFFER_ERR_IO, "cannot make %s: %s", home,
		    strerror(errno));
	if (lstat(home, &st) != 0)
		return cl_fail(c, COFFER_ERR_IO, "%s: %s", home,
		    strerror(errno));
	if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() ||
	    (st.st_mode & (S_IRWXG | S_IRWXO)) != 0)
		return cl_fail(c, COFFER_ERR_PERM, "%s must be a folder of "
		    "yours with mode 0700", home);
	return 0;
}

/* The session token file, if any. */
static int
load_token(struct coffer_client *c)
{
	struct coffer_buf *b = NULL;
	char path[4096], tok[NET_TOKEN_MAX + 1];
	int r;

	if ((r = cl_path(path, sizeof(path), c->home, "session")) != 0)
		return r;
	if ((b = coffer_buf_new_secret(NET_TOKEN_MAX)) == NULL)
		return COFFER_ERR_NOMEM;
	r = file_read_private(path, NET_TOKEN_MAX, b);
	if (r == 0) {
		memcpy(tok, coffer_buf_data(b), coffer_buf_len(b));
		tok[coffer_buf_len(b)] = '\0';
		r = net_set_token(c->net, tok);
		sodium_memzero(tok, sizeof(tok));
	} else if (r == COFFER_ERR_NOTFOUND)
		r = 0;
	else
		r = cl_fail(c, r, "%s: %s", path, coffer_strerror(r));
	coffer_buf_free(&b);
	return r;
}

/* The server: the caller's, else the one the home remembers from its last
 * sign-in (docs/PROTOCOL-client.md §1). */
static int
pick_server(struct coffer_client *c, const char *server_url)
{
	struct coffer_buf *b = NULL;
	int r;

	if (server_url != NULL && strlen(server_url) > COFFER_CLIENT_URL_MAX)
		return cl_fail(c, COFFER_ERR_INVALID, "a server URL is at most "
		    "%d bytes", COFFER_CLIENT_URL_MAX);
	if (server_url != NULL)
		return (c->url = strdup(server_url)) == NULL ?
		    COFFER_ERR_NOMEM : 0;
	if ((b = coffer_buf_new(COFFER_CLIENT_URL_MAX)) == NULL)
		return COFFER_ERR_NOMEM;
	if ((r = st_get(c, "server", b)) == COFFER_ERR_NOTFOUND)
		r = cl_fail(c, COFFER_ERR_STATE, "no server: this home has "
		    "not signed in to one yet");
	else if (r == 0 && (c->url = strndup((const char *)coffer_buf_data(b),
	    coffer_buf_len(b))) == NULL)
		r = COFFER_ERR_NOMEM;
	coffer_buf_free(&b);
	return r;
}

/* Whether the home's session belongs to the server in use: a token is
 * only ever sent to the server that issued it (the one the home
 * remembers from that sign-in). */
static int
token_is_for_url(struct coffer_client *c)
{
	struct coffer_buf *b;
	int same;

	if ((b = coffer_buf_new(COFFER_CLIENT_URL_MAX)) == NULL)
		return 0;
	same = st_get(c, "server", b) == 0 &&
	    coffer_buf_len(b) == strlen(c->url) &&
	    sodium_memcmp(coffer_buf_data(b), c->url,
	    coffer_buf_len(b)) == 0;
	coffer_buf_free(&b);
	return same;
}

int
coffer_client_open(struct coffer_client **out, const char *server_url,
    const char *home_dir, const struct coffer_client_opts *opts)
{
	struct net_opts no = { 0 };
	struct coffer_client *c = NULL;
	pthread_mutexattr_t ma;
	char path[4096];
	int r = COFFER_ERR_INVALID;

	if (out == NULL)
		return COFFER_ERR_INVALID;
	*out = NULL;
	if (home_dir == NULL || home_dir[0] == '\0')
		goto out;
	if ((r = coffer_init()) != 0)
		goto out;
	r = COFFER_ERR_NOMEM;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		goto out;
	/* Recursive: a backup store's ref listing calls back into the
	 * engine, which may call the store again. */
	if (pthread_mutexattr_init(&ma) != 0 ||
	    pthread_mutexattr_settype(&ma, PTHREAD_MUTEX_RECURSIVE) != 0 ||
	    pthread_mutex_init(&c->lock, &ma) != 0)
		goto out;
	c->locked = 1;
	(void)pthread_mutexattr_destroy(&ma);
	if ((c->home = strdup(home_dir)) == NULL)
		goto out;
	if (opts != NULL && opts->passcode != NULL) {
		if ((c->passcode = sodium_malloc(opts->passcode_len + 1)) ==
		    NULL)
			goto out;
		memcpy(c->passcode, opts->passcode, opts->passcode_len);
		c->passcode_len = opts->passcode_len;
	}
	c->ksf_min_t = opts != NULL && opts->ksf_min_t != 0 ?
	    opts->ksf_min_t : COFFER_OPAQUE_T_COST;
	c->ksf_min_m = opts != NULL && opts->ksf_min_m != 0 ?
	    opts->ksf_min_m : COFFER_OPAQUE_M_COST;
	if (opts != NULL) {
		no.ca_file = opts->ca_file;
		no.retries = opts->retries;
		no.backoff_ms = opts->backoff_ms;
		no.timeout_s = opts->timeout_s;
		no.min_rate = opts->min_rate;
	}
	if ((r = home_check(c, home_dir)) != 0 ||
	    (r = st_open(c)) != 0 ||
	    (r = pick_server(c, server_url)) != 0 ||
	    (r = net_new(&c->net, c->url, &no)) != 0 ||
	    (r = cl_path(path, sizeof(path), c->home, "device.key")) != 0)
		goto out;
	r = coffer_keystore_load(&c->device, path, c->passcode,
	    c->passcode_len);
	if (r == COFFER_ERR_NOTFOUND)
		r = 0;
	if (r != 0 || (token_is_for_url(c) && (r = load_token(c)) != 0) ||
	    (r = kc_load(c)) != 0)
		goto out;
	*out = c;
	c = NULL;
out:
	coffer_client_free(&c);
	return r;
}

void
coffer_client_free(struct coffer_client **p)
{
	struct coffer_client *c;

	if (p == NULL || (c = *p) == NULL)
		return;
	net_free(&c->net);
	if (c->db != NULL)
		(void)sqlite3_close_v2(c->db);
	pair_end(c);
	kc_forget(c);
	coffer_device_free(&c->device);
	sodium_memzero(c->token_hash, sizeof(c->token_hash));
	if (c->passcode != NULL)
		sodium_free(c->passcode);
	if (c->locked)
		(void)pthread_mutex_destroy(&c->lock);
	free(c->home);
	free(c->url);
	free(c);
	*p = NULL;
}

const char *
coffer_client_errmsg(const struct coffer_client *c)
{
	return c == NULL ? "" : c->errmsg;
}

const char *
coffer_client_server_url(const struct coffer_client *c)
{
	return c == NULL ? "" : c->url;
}

long
coffer_client_http_status(const struct coffer_client *c)
{
	return c == NULL ? 0 : c->status;
}

int
coffer_client_status(struct coffer_client *c, struct coffer_client_status *st)
{
	struct devlist_entry head;
	struct coffer_buf *b = NULL;
	char path[4096];
	struct stat sb;
	uint64_t until = 0;
	int r = COFFER_ERR_INVALID;

	memset(&head, 0, sizeof(head));
	if (c == NULL || st == NULL)
		goto out;
	memset(st, 0, sizeof(*st));
	r = COFFER_ERR_NOMEM;
	if ((b = coffer_buf_new(COFFER_CLIENT_LOGIN_MAX + 64)) == NULL)
		goto out;
	if ((r = cl_path(path, sizeof(path), c->home, "session")) != 0)
		goto out;
	/* A session of another server than the one in use does not count. */
	st->signed_in = lstat(path, &sb) == 0 && token_is_for_url(c);
	if (st_get(c, "login", b) == 0 &&
	    coffer_buf_len(b) <= COFFER_CLIENT_LOGIN_MAX) {
		memcpy(st->login, coffer_buf_data(b), coffer_buf_len(b));
		coffer_buf_reset(b);
		if (st_get(c, "account", b) == 0 &&
		    coffer_buf_len(b) == sizeof(st->account)) {
			memcpy(st->account, coffer_buf_data(b),
			    sizeof(st->account));
			st->has_account = 1;
		}
	}
	coffer_buf_reset(b);
	if (c->device != NULL && st_get(c, "registered", b) == 0) {
		st->has_device = 1;
		memcpy(st->device, coffer_device_id(c->device),
		    sizeof(st->device));
	}
	if ((r = tr_head(c, &head)) == 0) {
		st->devlist_seq = head.seq;
		st->listed = kc_listed(c, &head);
		st->removed = c->device != NULL && !st->listed;
	} else if (r != COFFER_ERR_NOTFOUND)
		goto out;
	if (st->removed && (r = tr_removal(c, coffer_device_id(c->device),
	    NULL, st->removal, sizeof(st->removal))) != 0)
		goto out;
	if ((r = tr_refused(c, st->refusal, sizeof(st->refusal))) != 0)
		goto out;
	st->trusted = st->listed && c->root != NULL;
	/* Waiting: a pairing this home opened that has not expired. */
	st->waiting = !st->listed && !st->removed &&
	    pair_open_until(c, &until) == 0 && until > (uint64_t)time(NULL);
	r = 0;
out:
	devlist_entry_cleanup(&head);
	coffer_buf_free(&b);
	return r;
}

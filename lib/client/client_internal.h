/* lib/client's own declarations: the handle's insides and what its files
 * offer each other. Included by the files of lib/client/ alone.
 *
 * The files call one way, from the top down; none calls a file above it:
 *
 *   client.c          the handle: open, free, errors, status
 *   account.c         the API's features: accounts and sessions,
 *   approval.c          device codes and approval,
 *   record.c            generic records,
 *   sync.c              sync of every zone,
 *   bstore.c            backup storage over the server
 *   enrol.c           a device's enrolment at sign-in
 *   record_seal.c     the sealed record format
 *   keychain_sync.c   the keychain zone: the account's wrapped keys
 *   zone.c            zones on the server: writes and the change feed
 *   state.c           the home's SQLite state: storage, nothing more
 *   common.c          what all of them use: errors into the handle,
 *                     requests to the server, paths, ids
 *
 * docs/PROTOCOL-client.md describes the home folder and what the client
 * keeps on the server. */
#ifndef COFFER_CLIENT_INTERNAL_H
#define COFFER_CLIENT_INTERNAL_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include <coffer/client.h>
#include <coffer/category.h>
#include <coffer/device.h>
#include <coffer/encoding.h>
#include <coffer/key.h>

#include "net/net.h"

#define ID_HEX		COFFER_HEX_LEN(COFFER_WIRE_ID_BYTES)	/* and NUL */
#define ZONE_KEYS_MAX	16

struct zone_key {
	uint8_t			 zone[COFFER_WIRE_ID_BYTES];
	struct coffer_key	*key;
};

struct coffer_client {
	struct net		*net;
	char			*url;		/* the server's */
	char			*home;
	sqlite3			*db;
	pthread_mutex_t		 lock;	/* db, keys, errmsg: backup refs */
	int			 locked;	/* lock is made */
	struct coffer_device	*device;
	struct coffer_key	*root;		/* when trusted */
	uint8_t			 kczone[COFFER_WIRE_ID_BYTES]; /* the keychain zone */
	int			 has_kczone;
	struct zone_key		 zkeys[ZONE_KEYS_MAX];
	size_t			 nzkeys;
	uint8_t			*passcode;
	size_t			 passcode_len;
	char			 errmsg[NET_DETAIL];
	long			 status;
};

/* A zone as the client knows it. Whether the client seals its records
 * itself is a fact of its category (coffer_category_is_generic). */
struct zone {
	uint8_t			 id[COFFER_WIRE_ID_BYTES];
	const struct coffer_category *cat;
};

/* A record from a zone (local copy or server). */
struct rec {
	uint8_t			 id[COFFER_WIRE_ID_BYTES];
	uint64_t		 version;
	int			 deleted;
};

/* common.c: the helpers every file uses. */

/** cl_fail(c, r, fmt, ...): the printf-style sentence into ${c}'s error
 * message. Returns ${r}. */
int cl_fail(struct coffer_client *c, int r, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* cl_json flags. */
#define CL_IDEMPOTENT	1	/* may be sent again */
#define CL_NOAUTH	2	/* no session token */
#define CL_BIG		4	/* an answer up to twice NET_JSON_MAX */
/** cl_json(c, method, path, body, flags, out, err): one request with an
 * optional JSON ${body}; with ${out}, its answer as a JSON object; with
 * ${err}, the server's error object (or NULL). A failure's status and
 * detail go into ${c}. Returns 0 or a coffer error. */
int cl_json(struct coffer_client *c, const char *method, const char *path,
    const char *body, int flags, json_t **out, json_t **err);
/** cl_list(c, path, key, out, array): GET ${path}, whose answer must be
 * an object of the one field ${key}, an array: the answer into *${out}
 * (json_decref it), the array into *${array} (borrowed from it). Returns
 * 0, COFFER_ERR_SERVER (another shape) or as cl_json. */
int cl_list(struct coffer_client *c, const char *path, const char *key,
    json_t **out, json_t **array);
/** cl_path(out, cap, home, name): "${home}/${name}" into ${out}. Returns 0
 * or COFFER_ERR_TOOBIG. */
int cl_path(char *out, size_t cap, const char *home, const char *name);
/** cl_hex(out, id): an id as lower-case hex. Returns 0 or an encoding
 * error. */
int cl_hex(char out[ID_HEX], const uint8_t id[COFFER_WIRE_ID_BYTES]);

/* state.c: the SQLite state in the home folder. Storage alone: it calls
 * nothing of lib/client but common.c. */
int st_open(struct coffer_client *c);
int st_get(struct coffer_client *c, const char *k, struct coffer_buf *out);
int st_set(struct coffer_client *c, const char *k, const void *v, size_t len);
int st_zone_token(struct coffer_client *c,
    const uint8_t zone[COFFER_WIRE_ID_BYTES], char *tok, size_t cap);
int st_zone_put(struct coffer_client *c,
    const uint8_t zone[COFFER_WIRE_ID_BYTES], const char *category,
    const char *token);
int st_zones(struct coffer_client *c, uint8_t **ids, size_t *n);
int st_zone_get(struct coffer_client *c,
    const uint8_t zone[COFFER_WIRE_ID_BYTES], struct zone *z);
int st_rec_get(struct coffer_client *c,
    const uint8_t zone[COFFER_WIRE_ID_BYTES],
    const uint8_t id[COFFER_WIRE_ID_BYTES], struct rec *r,
    struct coffer_buf *data);
int st_rec_put(struct coffer_client *c,
    const uint8_t zone[COFFER_WIRE_ID_BYTES], const struct rec *r,
    const uint8_t *data, size_t len);
int st_rec_drop_zone(struct coffer_client *c,
    const uint8_t zone[COFFER_WIRE_ID_BYTES]);
typedef int (*st_rec_fn)(void *arg, const struct rec *r, const uint8_t *data,
    size_t len);
int st_rec_each(struct coffer_client *c,
    const uint8_t zone[COFFER_WIRE_ID_BYTES], st_rec_fn fn, void *arg);
int st_seen_get(struct coffer_client *c,
    const uint8_t zone[COFFER_WIRE_ID_BYTES],
    const uint8_t id[COFFER_WIRE_ID_BYTES], uint64_t *counter);
int st_seen_put(struct coffer_client *c,
    const uint8_t zone[COFFER_WIRE_ID_BYTES],
    const uint8_t id[COFFER_WIRE_ID_BYTES], uint64_t counter);
int st_begin(struct coffer_client *c);
int st_end(struct coffer_client *c, int r);

/* zone.c: zones on the server. */

/** A check of one live record that a zone's change feed brings, run
 * before the home takes it (a sealed record opens, is in its place and is
 * not a replay). Returns 0 to take it, or an error that stops the sync. */
typedef int (*zn_check_fn)(void *arg, struct coffer_client *c,
    const struct zone *z, const uint8_t id[COFFER_WIRE_ID_BYTES],
    const uint8_t *data, size_t len);

int zn_open(struct coffer_client *c, const char *category, const char *name,
    struct zone *z);
/** zn_sync(c, z, check, arg, changed): sync the zone from its change
 * feed, each live record passed to ${check} (with ${arg}) first unless
 * ${check} is NULL, which only a zone the client does not seal may give
 * (the keychain's, a backup set's: else COFFER_ERR_INTERNAL);
 * *${changed} (may be NULL): how many records the home's copy gained,
 * changed or lost. */
int zn_sync(struct coffer_client *c, const struct zone *z, zn_check_fn check,
    void *arg, uint64_t *changed);
int zn_put(struct coffer_client *c, const struct zone *z,
    const uint8_t id[COFFER_WIRE_ID_BYTES], uint64_t *version,
    const uint8_t *data, size_t len);
int zn_fetch(struct coffer_client *c, const struct zone *z,
    const uint8_t id[COFFER_WIRE_ID_BYTES], struct rec *r,
    struct coffer_buf *data);
int zn_delete(struct coffer_client *c, const struct zone *z,
    const uint8_t id[COFFER_WIRE_ID_BYTES], uint64_t *version);

/* keychain_sync.c: the keychain zone and the keys wrapped in it. */
int kc_join(struct coffer_client *c);
int kc_refresh(struct coffer_client *c);
int kc_zone_key(struct coffer_client *c, const struct zone *z, int create,
    const struct coffer_key **out);
int kc_seal_root(struct coffer_client *c,
    const uint8_t id[COFFER_WIRE_ID_BYTES],
    const uint8_t agree_pk[COFFER_PUBLIC_BYTES], uint32_t agree_version,
    struct coffer_buf *sealed);
int kc_is_trusted(struct coffer_client *c,
    const uint8_t id[COFFER_WIRE_ID_BYTES]);

/* record_seal.c: generic records sealed under their zone's key. */
int rc_seal(struct coffer_client *c, const struct zone *z,
    const uint8_t id[COFFER_WIRE_ID_BYTES], uint64_t counter,
    const uint8_t *pt, size_t len, struct coffer_buf *out);
int rc_open(struct coffer_client *c, const struct zone *z,
    const uint8_t id[COFFER_WIRE_ID_BYTES], const uint8_t *ct, size_t len,
    struct coffer_buf *pt, uint64_t *counter);
/** rc_check: the zn_check_fn of zones of generic records (${arg}
 * unused): the record opens and its counter is kept as seen. */
int rc_check(void *arg, struct coffer_client *c, const struct zone *z,
    const uint8_t id[COFFER_WIRE_ID_BYTES], const uint8_t *data, size_t len);

/* enrol.c */
/** enrol_device(c): at sign-in, make and register this device's keys if
 * missing, then join the account's keychain (kc_join). */
int enrol_device(struct coffer_client *c);

#endif

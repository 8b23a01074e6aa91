/* The client handle's insides, shared by the files of lib/client/.
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

/* Keychain record ids (docs/PROTOCOL-client.md, "Keychain zone"). */
enum kc_type {
	KC_ROOT_FOR_DEVICE = 1,
	KC_ACCOUNT = 2,
	KC_CATEGORY = 3,
	KC_ZONE = 4,
};

/* How a zone's records are kept: sealed by the client (generic records),
 * or as the bytes given (keychain: envelopes already; backup: the
 * engine's ciphertext). */
enum zone_kind {
	ZONE_SEALED = 1,
	ZONE_RAW = 2,
};

struct zone_key {
	uint8_t			 zone[COFFER_WIRE_ID_BYTES];
	struct coffer_key	*key;
};

struct coffer_client {
	struct net	*net;
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

/* A zone as the client knows it. */
struct zone {
	uint8_t			 id[COFFER_WIRE_ID_BYTES];
	const struct coffer_category *cat;
	enum zone_kind		 kind;
};

/* A record from a zone (local copy or server). */
struct rec {
	uint8_t			 id[COFFER_WIRE_ID_BYTES];
	uint64_t		 version;
	int			 deleted;
};

/* client.c */
int cl_fail(struct coffer_client *c, int r, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int cl_req(struct coffer_client *c, struct net_req *q);
/* cl_json flags. */
#define CL_IDEMPOTENT	1	/* may be sent again */
#define CL_NOAUTH	2	/* no session token */
#define CL_BIG		4	/* an answer up to twice NET_JSON_MAX */
/* One request with an optional JSON ${body}; with ${out}, its answer as a
 * JSON object; with ${err}, the server's error object (or NULL). */
int cl_json(struct coffer_client *c, const char *method, const char *path,
    const char *body, int flags, json_t **out, json_t **err);
int cl_path(char *out, size_t cap, const char *home, const char *name);
int cl_hex(char out[ID_HEX], const uint8_t id[COFFER_WIRE_ID_BYTES]);

/* state.c: the SQLite state in the home folder. */
int st_open(struct coffer_client *c);
int st_get(struct coffer_client *c, const char *k, struct coffer_buf *out);
int st_set(struct coffer_client *c, const char *k, const void *v,
    size_t len);
int st_zone_token(struct coffer_client *c, const uint8_t zone[COFFER_WIRE_ID_BYTES],
    char *tok, size_t cap);
int st_zone_put(struct coffer_client *c, const uint8_t zone[COFFER_WIRE_ID_BYTES],
    const char *category, const char *token);
int st_zones(struct coffer_client *c, uint8_t **ids, size_t *n);
int st_zone_get(struct coffer_client *c, const uint8_t zone[COFFER_WIRE_ID_BYTES],
    struct zone *z);
int st_rec_get(struct coffer_client *c, const uint8_t zone[COFFER_WIRE_ID_BYTES],
    const uint8_t id[COFFER_WIRE_ID_BYTES], struct rec *r, struct coffer_buf *data);
int st_rec_put(struct coffer_client *c, const uint8_t zone[COFFER_WIRE_ID_BYTES],
    const struct rec *r, const uint8_t *data, size_t len);
int st_rec_drop_zone(struct coffer_client *c, const uint8_t zone[COFFER_WIRE_ID_BYTES]);
typedef int (*st_rec_fn)(void *arg, const struct rec *r, const uint8_t *data,
    size_t len);
int st_rec_each(struct coffer_client *c, const uint8_t zone[COFFER_WIRE_ID_BYTES],
    st_rec_fn fn, void *arg);
int st_seen_get(struct coffer_client *c, const uint8_t zone[COFFER_WIRE_ID_BYTES],
    const uint8_t id[COFFER_WIRE_ID_BYTES], uint64_t *counter);
int st_seen_put(struct coffer_client *c, const uint8_t zone[COFFER_WIRE_ID_BYTES],
    const uint8_t id[COFFER_WIRE_ID_BYTES], uint64_t counter);
int st_begin(struct coffer_client *c);
int st_end(struct coffer_client *c, int r);

/* keychain.c */
int kc_record_id(uint8_t out[COFFER_WIRE_ID_BYTES], enum kc_type t, const uint8_t *arg,
    size_t len);
int kc_enrol(struct coffer_client *c);
int kc_refresh(struct coffer_client *c);
int kc_zone_key(struct coffer_client *c, const struct zone *z, int create,
    const struct coffer_key **out);
int kc_seal_root(struct coffer_client *c, const uint8_t id[COFFER_WIRE_ID_BYTES],
    const uint8_t agree_pk[COFFER_PUBLIC_BYTES], uint32_t agree_version,
    struct coffer_buf *sealed);
int kc_is_trusted(struct coffer_client *c, const uint8_t id[COFFER_WIRE_ID_BYTES]);
int kc_device_card(struct coffer_client *c, const uint8_t id[COFFER_WIRE_ID_BYTES],
    struct coffer_device_card *card, char code[COFFER_CLIENT_CODE_LEN]);

/* zone.c */
enum zone_kind zn_kind(const char *category);
int zn_open(struct coffer_client *c, const char *category, const char *name,
    struct zone *z);
/* Sync the zone from its change feed; *${changed} (may be NULL): how many
 * records the home's copy gained, changed or lost. */
int zn_sync(struct coffer_client *c, const struct zone *z, uint64_t *changed);
int zn_put(struct coffer_client *c, const struct zone *z,
    const uint8_t id[COFFER_WIRE_ID_BYTES], uint64_t *version, const uint8_t *data,
    size_t len);
int zn_fetch(struct coffer_client *c, const struct zone *z,
    const uint8_t id[COFFER_WIRE_ID_BYTES], struct rec *r, struct coffer_buf *data);
int zn_delete(struct coffer_client *c, const struct zone *z,
    const uint8_t id[COFFER_WIRE_ID_BYTES], uint64_t *version);

/* record.c */
int rc_seal(struct coffer_client *c, const struct zone *z,
    const uint8_t id[COFFER_WIRE_ID_BYTES], uint64_t counter, const uint8_t *pt,
    size_t len, struct coffer_buf *out);
int rc_open(struct coffer_client *c, const struct zone *z,
    const uint8_t id[COFFER_WIRE_ID_BYTES], const uint8_t *ct, size_t len,
    struct coffer_buf *pt, uint64_t *counter);

#endif

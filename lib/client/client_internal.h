/* lib/client's own declarations: the handle's insides and what its files
 * offer each other. Included by the files of lib/client/ alone.
 *
 * The files call one way, from the top down; none calls a file above it:
 *
 *   client.c          the handle: open, free, errors, status
 *   account.c         the API's features: accounts and sessions,
 *   pair.c              pairing a new device (both sides),
 *   devices.c           the account's devices,
 *   remove.c            removing (the epoch's keys roll) and renaming
 *                         devices,
 *   alerts.c            the changes to the devices not shown yet,
 *   record.c            generic records,
 *   sync.c              sync of every zone,
 *   bstore.c            backup storage over the server: refs, keys,
 *   bstore_blob.c         over its blobs and the blob listing
 *   bsign.c             the backup engine's signer of forgets
 *   enrol.c           a device's enrolment at sign-in
 *   record_seal.c     records as the client writes and checks them:
 *                       sealed, tombstones, what was seen before
 *   keychain_sync.c   the account's keys by epoch: grants, the
 *                       genesis and a removal's roll through their
 *                       journals
 *   keychain_store.c  the keychain zone's records: ids, lookup, store,
 *                       wrapped keys
 *   trust.c           the signed device list: the pinned head, refresh,
 *                       append
 *   zone.c            zones on the server: writes and the change feed
 *   state.c           the home's SQLite state: storage, nothing more
 *   common.c          what all of them use: errors into the handle,
 *                     requests to the server, paths, ids
 *   record_format.c   the sealed record format, pure (no handle)
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
#include <coffer/keychain.h>

#include "keys/devlist.h"
#include "net/net.h"

#define ID_HEX		COFFER_HEX_LEN(COFFER_WIRE_ID_BYTES)	/* and NUL */
#define ZONE_KEYS_MAX	16

struct zone_key {
	uint8_t			 zone[COFFER_WIRE_ID_BYTES];
	uint32_t		 version;
	struct coffer_key	*key;
};

/* The root commit of an epoch (devlist_root_commit), which ended the
 * subject of every epoch-keyed legacy id. */
#define KC_COMMIT_BYTES	32
#define KC_IDKEY_BYTES	32
/* How the record ids of one epoch are made (docs/PROTOCOL-devices.md
 * §1.2): keyed with K_id,e, a key from R_e the server does not hold, or,
 * for an epoch made before keyed ids (legacy), public ids ending with
 * the root commit. An epoch is one or the other: which one is decided
 * by where its account key opens (kc_ids_decide), never per record. */
struct kc_ids {
	uint8_t		key[KC_IDKEY_BYTES];	/* K_id,e: secret */
	uint8_t		commit[KC_COMMIT_BYTES];
	int		known;		/* 0 until decided */
	int		legacy;
};

struct pairing;

struct coffer_client {
	struct net		*net;
	char			*url;		/* the server's */
	char			*home;
	sqlite3			*db;
	pthread_mutex_t		 lock;	/* db, keys, errmsg: backup refs */
	int			 locked;	/* lock is made */
	struct coffer_device	*device;
	struct coffer_key	*root;		/* R_e, when trusted */
	struct coffer_key	*acct;		/* A_e */
	struct coffer_key	*naming;	/* K_n */
	uint32_t		 epoch;		/* e: of the root held */
	uint8_t			 commit[32];	/* R_e's root commit */
	struct kc_ids		 kcids;		/* epoch e's record ids */
	int			 refreshed;	/* kc_refresh ran in this handle */
	int			 removed;	/* the pinned head lacks us */
	uint8_t			 token_hash[32]; /* SHA-256 of the session token,
						    after a sign-in */
	struct pairing		*pair;		/* a pairing in flight (pair.c) */
	uint8_t			 kczone[COFFER_WIRE_ID_BYTES]; /* the keychain zone */
	int			 has_kczone;
	struct zone_key		 zkeys[ZONE_KEYS_MAX];
	size_t			 nzkeys;
	uint8_t			*passcode;
	size_t			 passcode_len;
	char			 errmsg[NET_DETAIL];
	long			 status;
	uint32_t		 ksf_min_t;	/* the floor of a server's KSF */
	uint32_t		 ksf_min_m;
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
/** cl_b64(c, v, out, max, what): the JSON string ${v} as base64url of at
 * most ${max} bytes, appended to ${out}. Returns 0, or COFFER_ERR_SERVER
 * naming ${what} (${out} unchanged). */
int cl_b64(struct coffer_client *c, const json_t *v, struct coffer_buf *out,
    size_t max, const char *what);
/** cl_path(out, cap, home, name): "${home}/${name}" into ${out}. Returns 0
 * or COFFER_ERR_TOOBIG. */
int cl_path(char *out, size_t cap, const char *home, const char *name);
/** cl_hex(out, id): an id as lower-case hex. Returns 0 or an encoding
 * error. */
int cl_hex(char out[ID_HEX], const uint8_t id[COFFER_WIRE_ID_BYTES]);

/* state.c: the SQLite state in the home folder. Storage alone: it calls
 * nothing of lib/client but common.c. */
/** st_open(c): open (make, migrate) the home's state.db into c->db. */
int st_open(struct coffer_client *c);
/** st_get(c, k, out): meta ${k} appended to ${out}; COFFER_ERR_NOTFOUND. */
int st_get(struct coffer_client *c, const char *k, struct coffer_buf *out);
/** st_set(c, k, v, len): meta ${k} set to the ${len} bytes at ${v}. */
int st_set(struct coffer_client *c, const char *k, const void *v, size_t len);
/** st_del(c, k): forget meta ${k} (nothing if absent). */
int st_del(struct coffer_client *c, const char *k);
/** st_get_u64(c, k, v), st_set_u64(c, k, v): meta ${k} as a number (8
 * bytes, big-endian); get returns COFFER_ERR_NOTFOUND (*${v} 0) if
 * absent, COFFER_ERR_FORMAT if not 8 bytes. */
int st_get_u64(struct coffer_client *c, const char *k, uint64_t *v);
int st_set_u64(struct coffer_client *c, const char *k, uint64_t v);
/** st_dl_put(c, seq, entry, len): keep a verified device list entry; a
 * seq is kept once (another put of it fails with COFFER_ERR_IO). */
int st_dl_put(struct coffer_client *c, uint64_t seq, const uint8_t *entry,
    size_t len);
/** st_dl_get(c, seq, out): the entry kept at ${seq}, appended to ${out};
 * COFFER_ERR_NOTFOUND if none. */
int st_dl_get(struct coffer_client *c, uint64_t seq, struct coffer_buf *out);
/** st_dl_head(c, seq, out): the newest entry kept (the pinned head) and
 * its seq; COFFER_ERR_NOTFOUND (*${seq} 0) if none. */
int st_dl_head(struct coffer_client *c, uint64_t *seq,
    struct coffer_buf *out);
/** st_zone_token(c, zone, tok, cap): the zone's last change token (""
 * if none); COFFER_ERR_NOTFOUND for a zone the home never synced. */
int st_zone_token(struct coffer_client *c,
    const uint8_t zone[COFFER_WIRE_ID_BYTES], char *tok, size_t cap);
/** st_zone_put(c, zone, category, token): remember the zone, its
 * category and its change token (NULL or "": none). */
int st_zone_put(struct coffer_client *c,
    const uint8_t zone[COFFER_WIRE_ID_BYTES], const char *category,
    const char *token);
/** st_zones(c, ids, n): every zone id the home knows (free *${ids}). */
int st_zones(struct coffer_client *c, uint8_t **ids, size_t *n);
/** st_zone_get(c, zone, z): the zone as the home knows it. */
int st_zone_get(struct coffer_client *c,
    const uint8_t zone[COFFER_WIRE_ID_BYTES], struct zone *z);
/** st_rec_get(c, zone, id, r, data): the home's copy of a record;
 * COFFER_ERR_NOTFOUND. */
int st_rec_get(struct coffer_client *c,
    const uint8_t zone[COFFER_WIRE_ID_BYTES],
    const uint8_t id[COFFER_WIRE_ID_BYTES], struct rec *r,
    struct coffer_buf *data);
/** st_rec_put(c, zone, r, data, len): keep a record as the home's copy. */
int st_rec_put(struct coffer_client *c,
    const uint8_t zone[COFFER_WIRE_ID_BYTES], const struct rec *r,
    const uint8_t *data, size_t len);
/** st_rec_drop_zone(c, zone): drop the home's copy of the zone's
 * records (seen stays). */
int st_rec_drop_zone(struct coffer_client *c,
    const uint8_t zone[COFFER_WIRE_ID_BYTES]);
typedef int (*st_rec_fn)(void *arg, const struct rec *r, const uint8_t *data,
    size_t len);
/** st_rec_each(c, zone, fn, arg): ${fn} for each record the home holds
 * of the zone, until it returns nonzero. */
int st_rec_each(struct coffer_client *c,
    const uint8_t zone[COFFER_WIRE_ID_BYTES], st_rec_fn fn, void *arg);
/* BLAKE2b-256 of a record's bytes as the server holds them. */
#define SEEN_HASH_BYTES	32
/** st_seen_get(c, zone, id, counter, hash, has_hash): the highest counter
 * seen for the record (0 if none) and, if *${has_hash}, the hash of the
 * bytes seen at it (a home from before hashes were kept has none).
 * Returns 0 or an I/O error. */
int st_seen_get(struct coffer_client *c,
    const uint8_t zone[COFFER_WIRE_ID_BYTES],
    const uint8_t id[COFFER_WIRE_ID_BYTES], uint64_t *counter,
    uint8_t hash[SEEN_HASH_BYTES], int *has_hash);
/** st_seen_put(c, zone, id, counter, hash): ${counter} and ${hash} as
 * seen, if the counter is higher than the one kept, or equal to it with no
 * hash kept; else nothing changes (seen only grows). Returns 0 or an I/O
 * error. */
int st_seen_put(struct coffer_client *c,
    const uint8_t zone[COFFER_WIRE_ID_BYTES],
    const uint8_t id[COFFER_WIRE_ID_BYTES], uint64_t counter,
    const uint8_t hash[SEEN_HASH_BYTES]);
/** st_begin(c): begin a transaction (never nested: a call made inside
 * one, such as a sync from a record check, fails with COFFER_ERR_IO). */
int st_begin(struct coffer_client *c);
/** st_in_tx(c): 1 inside a transaction (st_begin without its st_end). */
int st_in_tx(struct coffer_client *c);
/** st_end(c, r): commit if ${r} is 0, else roll back. Returns ${r}, or
 * the commit's error. */
int st_end(struct coffer_client *c, int r);

/* zone.c: zones on the server. */

/** A check of one live record that a zone's change feed brings, run
 * before the home takes it (a sealed record opens, is in its place and is
 * not a replay). Returns 0 to take it, or an error that stops the sync. */
typedef int (*zn_check_fn)(void *arg, struct coffer_client *c,
    const struct zone *z, const uint8_t id[COFFER_WIRE_ID_BYTES],
    const uint8_t *data, size_t len);

/** zn_open(c, category, name, z): the zone of ${category} named ${name}
 * (NULL: "default"), its id from the naming key: COFFER_ERR_STATE until
 * this device holds it (kc_ready first). */
int zn_open(struct coffer_client *c, const char *category, const char *name,
    struct zone *z);
/** zn_sync(c, z, check, arg, changed): sync the zone from its change
 * feed, each live record passed to ${check} (with ${arg}) first unless
 * ${check} is NULL, which only the keychain's zone may give (a generic
 * zone or a backup set's: COFFER_ERR_INTERNAL);
 * *${changed} (may be NULL): how many records the home's copy gained,
 * changed or lost. */
int zn_sync(struct coffer_client *c, const struct zone *z, zn_check_fn check,
    void *arg, uint64_t *changed);
/** zn_send(c, z, id, version, data, len): write ${data} over the record
 * if the server still holds *${version} of it (0: none), and set
 * *${version} to the new version; on COFFER_ERR_CONFLICT, to the server's
 * current one. The home is not touched. */
int zn_send(struct coffer_client *c, const struct zone *z,
    const uint8_t id[COFFER_WIRE_ID_BYTES], uint64_t *version,
    const uint8_t *data, size_t len);
/** zn_put(c, z, id, version, data, len): zn_send, then the written bytes
 * as the home's copy. */
int zn_put(struct coffer_client *c, const struct zone *z,
    const uint8_t id[COFFER_WIRE_ID_BYTES], uint64_t *version,
    const uint8_t *data, size_t len);
/** zn_fetch(c, z, id, r, data): the record as the server holds it; a
 * server-side tombstone is COFFER_ERR_NOTFOUND, and the home's copy is
 * marked deleted. A live record is not kept: the caller checks it first. */
int zn_fetch(struct coffer_client *c, const struct zone *z,
    const uint8_t id[COFFER_WIRE_ID_BYTES], struct rec *r,
    struct coffer_buf *data);

/* trust.c: the signed device list as this home keeps it
 * (docs/PROTOCOL-devices.md §2): every entry verified since the first
 * pinned, the newest being the pinned head. */

/** tr_head(c, out): the pinned head, parsed (release with
 * devlist_entry_cleanup). Returns 0, COFFER_ERR_NOTFOUND (nothing
 * pinned), or an I/O or format error of the home. */
int tr_head(struct coffer_client *c, struct devlist_entry *out);
/** tr_entry(c, seq, out): the verified entry kept at ${seq}, parsed.
 * Returns 0, COFFER_ERR_NOTFOUND, or as tr_head. */
int tr_entry(struct coffer_client *c, uint64_t seq, struct devlist_entry *out);
/** tr_pin(c, e): keep ${e} as the new pinned head (the caller verified it
 * extends the old one, or it is this device's genesis, or it came
 * through a pairing channel); it counts as shown, and ends a remembered
 * refusal. */
int tr_pin(struct coffer_client *c, const struct devlist_entry *e);
/** tr_refresh(c): read the server's list from the pinned seq on, page by
 * page: the pinned entry must come back unchanged, each later one must
 * extend the last verified (devlist_verify_next), and each is kept. A
 * list that ends before the pinned head, shows another entry at a
 * verified seq, or an entry that does not extend the chain is refused
 * (COFFER_ERR_AUTH, the message naming the seq and the rule) and the
 * refusal is remembered in the home until a valid extension arrives.
 * Returns 0, COFFER_ERR_NOTFOUND (nothing pinned), COFFER_ERR_AUTH, or a
 * server or I/O error. */
int tr_refresh(struct coffer_client *c);
/** tr_refused(c, out, cap): the remembered refusal, "" if none. */
int tr_refused(struct coffer_client *c, char *out, size_t cap);
/** tr_removal(c, self, root, msg, cap): what to tell a device the pinned
 * head does not list: "this device was removed from the account by
 * DEVICE at TIME", from the entry that dropped ${self}, DEVICE the
 * remover's name when ${root} (may be NULL) is the root of the epoch
 * before and opens it (the sentence is then kept in the home, and later
 * calls with ${root} NULL say it), else its id; a sentence without them
 * when the home does not hold that entry. Returns 0 or an error of the
 * home. */
int tr_removal(struct coffer_client *c,
    const uint8_t self[COFFER_WIRE_ID_BYTES], const struct coffer_key *root,
    char *msg, size_t cap);
/** tr_shown(c, seq): the seq of the last list head shown to the user
 * (docs/PROTOCOL-devices.md §8), 0 if none. */
int tr_shown(struct coffer_client *c, uint64_t *seq);
/** tr_set_shown(c, seq): remember ${seq} as shown. */
int tr_set_shown(struct coffer_client *c, uint64_t seq);
/** tr_shown_mine(c, seq): entry ${seq} was this device's own: shown, if
 * every entry before it was (or nothing was shown yet). */
int tr_shown_mine(struct coffer_client *c, uint64_t seq);
/** tr_server_entry(c, seq, out, head): the entry the server shows at
 * ${seq}, parsed and nothing more (not verified), and its head's seq.
 * Returns 0, COFFER_ERR_NOTFOUND (the server's list ends before), or a
 * server error. */
int tr_server_entry(struct coffer_client *c, uint64_t seq,
    struct devlist_entry *out, uint64_t *head);
/** tr_append(c, d, signer, out): make the entry ${d} signed by ${signer}
 * (devlist_make), append it (PUT /v1/devicelist/{seq}) and pin it; the
 * entry, parsed, into ${out}. Returns 0; COFFER_ERR_CONFLICT when another
 * append took the seq (the list is read again first, so the caller may
 * make its entry anew and try once more); or an error of the server, of
 * the refresh, or of devlist_make. */
int tr_append(struct coffer_client *c, const struct devlist_draft *d,
    const struct coffer_key *signer, struct devlist_entry *out);
/** tr_put(c, e): append the made entry ${e} (PUT /v1/devicelist/{seq})
 * and pin it, as tr_append does once it is made: also 0 when an earlier
 * send of it went through and its answer was lost. */
int tr_put(struct coffer_client *c, const struct devlist_entry *e);

/* keychain_store.c and keychain_sync.c: the keychain zone and the
 * account's keys by epoch (docs/PROTOCOL-devices.md §1). */

/* Keychain record types (docs/PROTOCOL-devices.md §1.2). */
enum kc_type {
	KC_GRANT = 1,		/* device (16), epoch (u32): a grant */
	KC_ACCOUNT = 2,		/* epoch: A_e under R_e */
	KC_CATEGORY = 3,	/* category (1), version, epoch: C under R_e */
	KC_ZONE = 4,		/* zone (16), version: Z under its kek */
	KC_NAMING = 5,		/* epoch: K_n under R_e */
	KC_ZONE_ROLLED = 6,	/* zone (16), version, epoch: Z under R_e */
};

/** kc_record_id(out, type, subject, len): the legacy (public) keychain
 * record id of ${type} and the ${len} bytes of ${subject}: BLAKE2b-128
 * keyed with "coffer/keychain-id/v1" of type || subject. Ids of epochs
 * made before keyed ids, and of zone keys (type 4). Returns 0 or
 * COFFER_ERR_CRYPTO. */
int kc_record_id(uint8_t out[COFFER_WIRE_ID_BYTES], enum kc_type type,
    const uint8_t *subject, size_t len);
/** kc_ids_make(out, root, commit): the keyed ids of the epoch of root
 * ${root} (commit ${commit}): K_id,e = KDF(R_e, "coffer/keychain-id/v2"),
 * known and not legacy. Returns 0 or COFFER_ERR_INVALID. */
int kc_ids_make(struct kc_ids *out, const struct coffer_key *root,
    const uint8_t commit[KC_COMMIT_BYTES]);
/** kc_ids_wipe(ids): forget ${ids}. */
void kc_ids_wipe(struct kc_ids *ids);
/** kc_grant_id(out, device, epoch, mine, theirs): the id of the grant of
 * ${device} for ${epoch} (type 1), keyed with X25519 between the account
 * key of the epoch and the device's agreement key: ${mine} is the
 * account's Ed25519 key (the writer; ${theirs} the device's X25519
 * public key from its card) or the device's X25519 key (the device;
 * ${theirs} the epoch's Ed25519 account public key). Both get the same
 * id; the server, holding neither private key, cannot. Returns 0,
 * COFFER_ERR_INVALID or COFFER_ERR_CRYPTO. */
int kc_grant_id(uint8_t out[COFFER_WIRE_ID_BYTES],
    const uint8_t device[COFFER_WIRE_ID_BYTES], uint32_t epoch,
    const struct coffer_key *mine, const uint8_t theirs[COFFER_PUBLIC_BYTES]);
/** kc_grant_id_legacy(out, device, epoch, commit): the legacy public id
 * of that grant, read only: a device looks there when the keyed id holds
 * nothing (an epoch made before keyed ids). */
int kc_grant_id_legacy(uint8_t out[COFFER_WIRE_ID_BYTES],
    const uint8_t device[COFFER_WIRE_ID_BYTES], uint32_t epoch,
    const uint8_t commit[KC_COMMIT_BYTES]);
/* keychain_store.c: the keychain zone's records, below keychain_sync.c
 * (it shares the kc_ prefix: one module, two files). */
#define KC_WRAPPED_MAX		1024	/* a wrapped key or grant's bytes */
#define KC_ZONE_KEK_CONTEXT	"coffer/zone-kek/v1"
/** kc_rid(out, type, pre, n, a, b, two, ids): the id of a record whose
 * subject is ${pre} (${n} bytes, may be 0), then one or two u32 (${two}
 * 0: ${a} alone), made as the epoch's ${ids} say (NULL for a zone key,
 * type 4, whose id stays public). Returns 0, COFFER_ERR_STATE (${ids}
 * not decided yet) or COFFER_ERR_CRYPTO. */
int kc_rid(uint8_t out[COFFER_WIRE_ID_BYTES], enum kc_type t,
    const uint8_t *pre, size_t n, uint32_t a, uint32_t b, int two,
    const struct kc_ids *ids);
/** kc_zone_keep(c, id): remember ${id} as the keychain zone. */
int kc_zone_keep(struct coffer_client *c,
    const uint8_t id[COFFER_WIRE_ID_BYTES]);
/** kc_each_zone(c, keychain, fn, arg): call ${fn} with the id and
 * category of each zone of the account the server lists (oldest first),
 * only its keychain zones if ${keychain}, until it returns nonzero. */
int kc_each_zone(struct coffer_client *c, int keychain,
    int (*fn)(struct coffer_client *, const uint8_t *, const char *,
    const void *), const void *arg);
/** kc_any_zone: a kc_each_zone callback that stops at the first zone. */
int kc_any_zone(struct coffer_client *c, const uint8_t *id, const char *cat,
    const void *arg);
/** kc_find_zone(c, rid): the keychain zone, known or the one the server
 * lists that holds this device's grant ${rid}. */
int kc_find_zone(struct coffer_client *c,
    const uint8_t rid[COFFER_WIRE_ID_BYTES]);
/** kc_zone(c, z): the keychain zone as a zone, once known. */
int kc_zone(struct coffer_client *c, struct zone *z);
/** kc_lookup(c, rid, blob): keychain record ${rid} from the home (the
 * zone synced first if absent). */
int kc_lookup(struct coffer_client *c, const uint8_t rid[COFFER_WIRE_ID_BYTES],
    struct coffer_buf *blob);
/** kc_refetch(c, rid, rec, blob): record ${rid} again from the server,
 * when the home's copy did not open; kc_keep keeps it once it opens. */
int kc_refetch(struct coffer_client *c,
    const uint8_t rid[COFFER_WIRE_ID_BYTES], struct rec *rec,
    struct coffer_buf *blob);
/** kc_keep(c, rec, blob): the refetched record as the home's copy. */
int kc_keep(struct coffer_client *c, const struct rec *rec,
    const struct coffer_buf *blob);
/** kc_store(c, rid, p, len): store record ${rid} if absent; on 409 the
 * earlier write stands (COFFER_ERR_CONFLICT: the caller reads it). */
int kc_store(struct coffer_client *c, const uint8_t rid[COFFER_WIRE_ID_BYTES],
    const uint8_t *p, size_t len);
/** kc_key(c, rid, role, category, version, kek, create, out): the key of
 * ${role}, ${category} and ${version} wrapped under ${kek} in record
 * ${rid}; made, wrapped and stored if absent and ${create}. */
int kc_key(struct coffer_client *c, const uint8_t rid[COFFER_WIRE_ID_BYTES],
    enum coffer_key_role role, uint8_t category, uint32_t version,
    const struct coffer_key *kek, int create, struct coffer_key **out);
/** kc_wrap_new(c, rid, key, role, kek): wrap ${key} under ${kek} as
 * record ${rid} if absent (the genesis). */
int kc_wrap_new(struct coffer_client *c,
    const uint8_t rid[COFFER_WIRE_ID_BYTES], const struct coffer_key *key,
    enum coffer_key_role role, const struct coffer_key *kek);

/* keychain_sync.c */
/** kc_load(c): at open, with no server: whether the pinned head lists
 * this device (c->removed if not) and the root its kept grant holds if
 * that grant is of the head's epoch (else none: kc_refresh takes the
 * head's), checked again with grant_open against the entry it names. Returns 0 or
 * an error of the home (COFFER_ERR_AUTH: the grant does not open). */
int kc_load(struct coffer_client *c);
/** kc_join(c, server_head): after sign-in, ${server_head} the server's
 * word for its list's head: resume a genesis the journal holds; with no
 * list anywhere make the genesis (this is the account's first device),
 * unless the account has a keychain from before the list (refused,
 * COFFER_ERR_STATE); then kc_refresh. A device that is not listed stays
 * unapproved (c->root NULL): it pairs. */
int kc_join(struct coffer_client *c, uint64_t server_head);
/** kc_refresh(c): resume a genesis in the journal; refresh the device
 * list (tr_refresh); a device the head does not list is removed
 * (COFFER_ERR_STATE, the message saying by whom and when: no key of the
 * account is used); take this device's grant of the head's epoch if it
 * holds none yet; sync the keychain zone; load the account key (checked
 * against the head's) and the naming key. Returns 0 (c->root NULL while
 * not approved), or an error of the list, the keychain or the server. */
int kc_refresh(struct coffer_client *c);
/** kc_ready(c): kc_refresh once per handle: what every run that uses
 * keys does first. */
int kc_ready(struct coffer_client *c);
/** kc_approver(c, head): kc_refresh, then the pinned head (release it)
 * if this device holds the keys to change the list: its root and
 * account key of the head's epoch. Returns 0, COFFER_ERR_STATE, or as
 * kc_refresh. */
int kc_approver(struct coffer_client *c, struct devlist_entry *head);
/** kc_listed(c, e): 1 if ${e} lists this device with its own card. */
int kc_listed(struct coffer_client *c, const struct devlist_entry *e);
/** kc_zone_key(c, z, version, create, out): the key of zone ${z} of
 * ${version} (0: the current epoch's, for writes, after the device list
 * is read again and a new epoch taken if it has one; made on first use
 * if ${create}); older versions are only read. The key stays owned by the
 * handle. Returns 0, COFFER_ERR_STATE (not approved),
 * COFFER_ERR_AUTH (a version newer than this device's epoch, or a key
 * that does not open), COFFER_ERR_NOTFOUND, or a server error. */
int kc_zone_key(struct coffer_client *c, const struct zone *z,
    uint32_t version, int create, const struct coffer_key **out);
/** kc_put_grant(c, device, agree_pk, epoch, acct, grant): store the grant
 * of ${device} (X25519 key ${agree_pk}, from its card) for ${epoch} in
 * the keychain zone under its keyed id (kc_grant_id with the epoch's
 * account key ${acct}), if none is there yet. */
int kc_put_grant(struct coffer_client *c,
    const uint8_t device[COFFER_WIRE_ID_BYTES],
    const uint8_t agree_pk[COFFER_PUBLIC_BYTES], uint32_t epoch,
    const struct coffer_key *acct, const struct coffer_buf *grant);
/* A removal's roll of the epoch, as its journal holds it
 * (docs/PROTOCOL-devices.md §6.1). */
#define KC_CATS_MAX	32
struct kc_roll {
	struct coffer_key	*root;		/* R_{e+1} */
	struct coffer_key	*acct;		/* A_{e+1} */
	struct coffer_key	*cats[KC_CATS_MAX];	/* C_{cat,e+1} */
	uint8_t			 cat_ids[KC_CATS_MAX];
	size_t			 ncats;
	struct devlist_entry	 entry;		/* the remove entry, signed */
};
/** kc_roll_keys(c, j): the keys of epoch c->epoch + 1 into ${j}: a root,
 * an account key, and a new version of every category key the keychain
 * holds (its entry is the caller's to make). Returns 0 (release with
 * kc_roll_free), or a keychain or server error. */
int kc_roll_keys(struct coffer_client *c, struct kc_roll *j);
/** kc_roll_begin(c, j): the removal journal: ${j}'s keys sealed to this
 * device and its entry, kept in the home in one transaction, before
 * anything of them reaches the server. */
int kc_roll_begin(struct coffer_client *c, const struct kc_roll *j);
/** kc_roll_finish(c): finish the journal's removal, if there is one:
 * the new epoch's keychain records and grants (each stored if absent,
 * and one found must be this removal's), the remove entry appended, the
 * journal dropped, then kc_refresh in the new epoch. An entry an earlier
 * run appended is found and the journal dropped. Returns 0;
 * COFFER_ERR_CONFLICT when another entry took the seq or another
 * removal's keys are in the way (the journal is dropped, the message
 * says so: nothing was committed); or an error of the server, the home or
 * the refresh (the journal stays for the next run). */
int kc_roll_finish(struct coffer_client *c);
/** kc_roll_free(j): wipe and release what ${j} holds. */
void kc_roll_free(struct kc_roll *j);
/** kc_forget(c): wipe every key of the account the handle holds. */
void kc_forget(struct coffer_client *c);

/* record_format.c: the sealed record format, pure: no handle, no state
 * (docs/PROTOCOL-client.md, "Sealed records"). */
#define RF_CONTEXT	"coffer/record/v1"
/* Magic, version, zone id, record id, counter: the head of version 1,
 * which is still read (stores hold such records) but no longer written. */
#define RF_HEAD		45
/* Version 2 adds the payload's length (u32) after the head; the payload
 * is followed by zero bytes up to RF_PADDED(payload length). */
#define RF_HEAD_V2	(RF_HEAD + 4)
/* The smallest padded plaintext: short notes all look alike. */
#define RF_PAD_MIN	256
/* Counters run from 1 to 2^63 - 1. */
#define RF_COUNTER_MAX	((uint64_t)INT64_MAX)

/* What an opened record says of itself. */
struct rf_head {
	uint64_t	 counter;
	int		 tomb;		/* a tombstone: deleted, no payload */
	int		 version;	/* of the format: 1 (old) or 2 */
	int		 opened;	/* the envelope's tag held */
};

/** rf_seal(out, key, zone, id, counter, tomb, pt, len, nonce): append to
 * ${out} record ${id} of ${zone} sealed under the zone's ${key}: a
 * tombstone if ${tomb} (then ${len} is 0), else live with the ${len} bytes
 * of ${pt}, at ${counter} (1..RF_COUNTER_MAX); ${nonce} is the envelope's
 * 24-byte nonce, NULL for a random one (only vectors give one). The
 * record is written in version 2: padded so that its size says only the
 * Padmé bucket of its length (rf_padded). Returns
 * 0, COFFER_ERR_INVALID, COFFER_ERR_TOOBIG (a payload over
 * COFFER_RECORD_MAX, or ${out} full), or as coffer_envelope_seal; ${out}
 * is unchanged on error. */
int rf_seal(struct coffer_buf *out, const struct coffer_key *key,
    const uint8_t zone[COFFER_WIRE_ID_BYTES],
    const uint8_t id[COFFER_WIRE_ID_BYTES], uint64_t counter, int tomb,
    const uint8_t *pt, size_t len, const uint8_t *nonce)
    __attribute__((warn_unused_result));
/** rf_open(pt, key, zone, id, ct, len, h): open the sealed record ${ct}
 * asked for as record ${id} of ${zone}, under the zone's ${key}: a live
 * record's payload is appended to ${pt} (may be NULL), and *${h} says its
 * counter and kind. Returns 0; COFFER_ERR_TOOBIG (${ct} over
 * COFFER_WIRE_RECORD_MAX, a payload over COFFER_RECORD_MAX, or ${pt}
 * full); an error of coffer_envelope_open (h->opened 0); once the tag
 * held (h->opened 1): COFFER_ERR_TRUNCATED, COFFER_ERR_FORMAT (magic,
 * counter 0 or past RF_COUNTER_MAX), COFFER_ERR_VERSION,
 * COFFER_ERR_TRAILING (after a tombstone's counter in version 1; padding
 * longer than version 2's rule), COFFER_ERR_FORMAT (version 2: nonzero
 * padding, a tombstone with a length), COFFER_ERR_AUTH (sealed for another
 * zone or record id). Versions 1 and 2 are read. ${pt} is unchanged on
 * error. */
int rf_open(struct coffer_buf *pt, const struct coffer_key *key,
    const uint8_t zone[COFFER_WIRE_ID_BYTES],
    const uint8_t id[COFFER_WIRE_ID_BYTES], const uint8_t *ct, size_t len,
    struct rf_head *h) __attribute__((warn_unused_result));

/** rf_padded(len): the size of the plaintext inside the envelope of a
 * version 2 record whose payload is ${len} bytes (at most
 * COFFER_RECORD_MAX): the Padmé bucket of RF_HEAD_V2 + ${len}, at least
 * RF_PAD_MIN and at most RF_HEAD_V2 + COFFER_RECORD_MAX. */
size_t rf_padded(size_t len);

/* record_seal.c: records as the client writes and checks them. A generic
 * zone's records are sealed (record_format.c); a backup set's are the
 * engine's refs, stored as given (counter 0), and the sealed tombstones
 * that delete them (counter 1). Every record from the server is checked
 * against what the home has seen of it (the seen table) before it is
 * taken, and taking it moves seen. */

/* What a checked record is. */
struct rc_view {
	uint64_t	 counter;	/* 0: a backup set's ref */
	int		 tomb;		/* a sealed tombstone */
	uint8_t		 hash[SEEN_HASH_BYTES];	/* of the bytes as stored */
};

/** rc_verify(c, z, id, ct, len, pt, v): check record ${id} of zone ${z}
 * as the bytes ${ct}: it opens (or is a ref, in a backup set's zone), is
 * in its place, and is not older than the newest seen nor other bytes at
 * the same counter. Its payload (a ref: its bytes) is appended to ${pt}
 * (may be NULL); *${v} says what it is. Nothing is kept. Returns 0,
 * COFFER_ERR_AUTH (does not open, moved, replayed, or two different
 * records at one counter: the message says which), COFFER_ERR_FORMAT, or
 * an I/O error; ${pt} is unchanged on error. */
int rc_verify(struct coffer_client *c, const struct zone *z,
    const uint8_t id[COFFER_WIRE_ID_BYTES], const uint8_t *ct, size_t len,
    struct coffer_buf *pt, struct rc_view *v);
/** rc_accept(c, z, id, v): a record checked by rc_verify, which the
 * server accepted or served, as seen. */
int rc_accept(struct coffer_client *c, const struct zone *z,
    const uint8_t id[COFFER_WIRE_ID_BYTES], const struct rc_view *v);
/** rc_check: the zn_check_fn of generic zones and backup sets' zones
 * (${arg} unused): rc_verify, then rc_accept. */
int rc_check(void *arg, struct coffer_client *c, const struct zone *z,
    const uint8_t id[COFFER_WIRE_ID_BYTES], const uint8_t *data, size_t len);
/** rc_checker(z): the check zn_sync needs for ${z}: rc_check, or NULL for
 * the keychain's zone (its records are envelopes checked by their use). */
zn_check_fn rc_checker(const struct zone *z);
/** rc_fetch(c, z, id, rec, pt): read record ${id} from the server, check
 * it (rc_verify), and take it: as seen and as the home's copy, in one
 * transaction. A live record's payload (a ref's bytes) is appended to
 * ${pt} (may be NULL). Returns 0, COFFER_ERR_NOTFOUND (none, or a
 * tombstone of either kind), or as zn_fetch and rc_verify. */
int rc_fetch(struct coffer_client *c, const struct zone *z,
    const uint8_t id[COFFER_WIRE_ID_BYTES], struct rec *rec,
    struct coffer_buf *pt);
/** rc_known(c, z, id, version): the version of live record ${id} to write
 * over: the home's copy if it still checks, else rc_fetch's. Returns 0,
 * COFFER_ERR_NOTFOUND (deleted), or as rc_fetch. */
int rc_known(struct coffer_client *c, const struct zone *z,
    const uint8_t id[COFFER_WIRE_ID_BYTES], uint64_t *version);
/** rc_put(c, z, id, version, tomb, data, len): write record ${id} over
 * *${version} (0: create): a tombstone if ${tomb}; else the ${len} bytes
 * of ${data}, sealed at the next counter, or in a backup set's zone a ref
 * stored as given. When the server takes it, the home's copy and seen move
 * together; on COFFER_ERR_CONFLICT (*${version} is then the server's)
 * nothing moves. Returns 0, COFFER_ERR_CONFLICT, COFFER_ERR_TOOBIG,
 * COFFER_ERR_INVALID, or a server or I/O error. */
int rc_put(struct coffer_client *c, const struct zone *z,
    const uint8_t id[COFFER_WIRE_ID_BYTES], uint64_t *version, int tomb,
    const uint8_t *data, size_t len);
/** rc_delete(c, z, id): write a tombstone over live record ${id}. Returns
 * 0, COFFER_ERR_NOTFOUND (deleted already, or none), COFFER_ERR_CONFLICT
 * (it changed on the server: the home now holds the new version), or as
 * rc_put. */
int rc_delete(struct coffer_client *c, const struct zone *z,
    const uint8_t id[COFFER_WIRE_ID_BYTES]);
/* Called by rc_each for each live record: its payload (a ref's bytes). */
typedef int (*rc_each_fn)(void *arg, const uint8_t id[COFFER_WIRE_ID_BYTES],
    uint64_t version, const uint8_t *data, size_t len);
/** rc_each(c, z, fn, arg): ${fn} over the live records of the home's copy
 * of ${z}, each checked again (rc_verify), tombstones skipped. Returns 0,
 * ${fn}'s nonzero return, or as rc_verify. */
int rc_each(struct coffer_client *c, const struct zone *z, rc_each_fn fn,
    void *arg);

/* pair.c */
/** pair_end(c): wipe and forget the pairing in flight, if any. */
void pair_end(struct coffer_client *c);
/** pair_open_until(c, until): when the pairing this home opened last
 * expires (Unix seconds). Returns 0, COFFER_ERR_NOTFOUND (none), or an
 * error of the home. */
int pair_open_until(struct coffer_client *c, uint64_t *until);

/* enrol.c */
/** enrol_device(c): at sign-in, make and register this device's keys if
 * missing. */
int enrol_device(struct coffer_client *c);
/** enrol_register(c): register this device's card (PUT /v1/devices/{id},
 * idempotent on the server) and remember it. */
int enrol_register(struct coffer_client *c);

#endif

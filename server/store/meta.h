/*
 * The metadata store: one ops table every backend fills (SQLite today,
 * PostgreSQL later), in the manner of SQLite's sqlite3_io_methods. The
 * routes call only these functions, as m->ops->fn(m, ...).
 *
 * Rules common to every function:
 *  - it returns 0 or a negative COFFER_ERR_* (types.h);
 *  - it is atomic: it commits all of its effect or none of it, and an
 *    effect it has returned 0 for is durable (survives kill -9 and power
 *    loss);
 *  - it may be called from several threads at once on one handle;
 *  - outputs are caller-owned structs; after an error their contents are
 *    unspecified, except that COFFER_ERR_CONFLICT fills the current state
 *    where a function says so, and TOOBIG from a list fills its first
 *    cap entries. A struct holding heap memory (a record, a page of
 *    changes) is released with its _cleanup function below; after an
 *    error it is zeroed, so that the cleanup is always safe;
 *  - ids are fixed-size byte strings (COFFER_WIRE_ID_BYTES, COFFER_WIRE_BLOB_ID_BYTES);
 *    variable inputs above their cap give COFFER_ERR_TOOBIG and write
 *    nothing;
 *  - everything an account owns is reached only through its account id:
 *    another account's device, zone, record or blob is COFFER_ERR_NOTFOUND;
 *  - times are Unix seconds given by the caller (the store reads no clock).
 *
 * Usage (bytes counted against the quota) = the size of every blob the
 * account holds + for every record, live or tombstone, its data length +
 * STORE_RECORD_OVERHEAD.
 *
 * docs/STORAGE.md describes every function with its errors, the schema
 * and what a new backend must provide.
 */
#ifndef COFFERD_STORE_META_H
#define COFFERD_STORE_META_H

#include <stddef.h>
#include <stdint.h>

#include "store/types.h"

/* The version of struct store_meta_ops this header describes. Functions
 * are only ever appended; a caller checks ops->version >= N before using
 * one added in version N. */
#define STORE_META_OPS_VERSION	3

/* Caps on what a client may hand the store, beyond coffer/wire.h's. */
#define STORE_OPAQUE_RECORD_MAX	512	/* OPAQUE registration record (192) */
#define STORE_STATE_MAX		4096	/* account protection-state blob */
#define STORE_SESSIONS_MAX	256	/* sessions per account (oldest go) */
#define STORE_SESSIONS_RESTRICTED_MAX 16	/* of them restricted, once
						   there is a device list */
#define STORE_RECORD_OVERHEAD	128	/* usage charged per record row */
#define STORE_FEED_BYTES	((size_t)4 << 20)	/* data per page */
#define STORE_ATTEMPT_KEY_MAX	256	/* rate-limit key bytes */
#define STORE_TOKEN_HASH_BYTES	32	/* SHA-256 of a session token */
#define STORE_TICKET_HASH_BYTES	32	/* BLAKE2b of a spent sign-in ticket */
#define STORE_DEVLIST_HASH_BYTES 32	/* a device list entry's hash */
#define STORE_DEVLIST_ENTRIES_MAX 4096	/* device list entries per account */
#define STORE_DEVLIST_BYTES_MAX	((uint64_t)8 << 20)	/* and their bytes */

/* A change token: base64url text, STORE_TOKEN_LEN characters. */
#define STORE_TOKEN_LEN		55

/* record_delete's "whatever the current version". */
#define STORE_VERSION_ANY	UINT64_MAX

struct store_meta_ops;

/* Every backend's handle begins with this member (as every sqlite3_file
 * begins with its pMethods). */
struct store_meta {
	const struct store_meta_ops *ops;
};

struct store_account {
	uint8_t		id[COFFER_WIRE_ID_BYTES];	/* server-assigned, random */
	uint8_t		login[COFFER_WIRE_LOGIN_MAX];	/* the login's keyed hash
							   (server/auth.h) */
	size_t		login_len;
	uint8_t		record[STORE_OPAQUE_RECORD_MAX];
	size_t		record_len;
	int64_t		created;
};

/* The account's protection state (the signed "ADP on" record): opaque
 * bytes under optimistic concurrency, so that no write can roll it back
 * unseen. Version 0 and no bytes until the first put. */
struct store_account_state {
	uint8_t		data[STORE_STATE_MAX];
	size_t		len;
	uint64_t	version;
};

/* A session. Its device is the one named at sign-in (a claim) or the one
 * it was bound to (bound: the device proved it holds its key). What
 * session_lookup adds: the account's device list head when looked up,
 * and whether that head lists the bound device with the card the device
 * is registered with. */
struct store_session {
	uint8_t		token_hash[STORE_TOKEN_HASH_BYTES];
	uint8_t		account[COFFER_WIRE_ID_BYTES];
	uint8_t		device[COFFER_WIRE_ID_BYTES];	/* zeros if !has_device */
	int		has_device;
	int		bound;		/* has_device, proven (session_bind) */
	int64_t		created;
	int64_t		expires;	/* expired when now >= expires */
	int64_t		last_used;
	uint64_t	devlist_head;	/* lookup: the head's seq, 0: no list */
	int		listed;		/* lookup: bound and in the head */
};

enum store_attempt_kind {
	STORE_ATTEMPT_LOGIN = 1,	/* key: the login's keyed hash */
	STORE_ATTEMPT_ADDRESS = 2,	/* key: the source address */
	STORE_ATTEMPT_DEVLIST = 3,	/* a refused device list append; key:
					   the account id */
	STORE_ATTEMPT_PAIR = 4,		/* a sign-in not finished; key: the
					   login's keyed hash || the address */
	STORE_ATTEMPT_REGISTER = 5,	/* a registration start; key: the
					   source address */
};

struct store_device {
	uint8_t		id[COFFER_WIRE_ID_BYTES];	/* chosen by the client */
	uint8_t		card[COFFER_WIRE_CARD_MAX];	/* signed public keys */
	size_t		card_len;
	uint8_t		name[COFFER_WIRE_DEVICE_NAME_MAX];	/* encrypted name */
	size_t		name_len;
	int64_t		created;
};

struct store_zone {
	uint8_t		id[COFFER_WIRE_ID_BYTES];	/* chosen by the client */
	uint8_t		category;		/* 1..255 */
	uint64_t	seq;	/* the zone's last change sequence number */
	int64_t		created;
};

struct store_record {
	uint8_t		id[COFFER_WIRE_ID_BYTES];
	uint64_t	version;	/* 1 on creation, +1 per change */
	uint64_t	seq;		/* zone change number of the last change */
	int		deleted;	/* a tombstone: no data */
	uint8_t		*data;		/* heap; store_record_cleanup frees */
	size_t		len;
};

/* What record_put / record_delete leave: on success the new version and
 * sequence number; on COFFER_ERR_CONFLICT the record's current version (0
 * if there is none), its tombstone flag and sequence number. */
struct store_put_result {
	uint64_t	version;
	uint64_t	seq;
	int		deleted;
};

/* One page of a zone's change feed. */
struct store_changes {
	struct store_record	*v;	/* heap; store_changes_cleanup frees */
	size_t			 n;
	int			 more;	/* another page follows at once */
	char			 next[STORE_TOKEN_LEN + 1];	/* resume here */
};

struct store_usage {
	uint64_t	used;	/* bytes, as counted above */
	uint64_t	quota;	/* the account's, or the configured default */
};

/* An entry of an account's device list, as stored: its bytes (the
 * routes checked them before the append; the store does not parse). */
struct store_devlist_entry {
	uint64_t	 seq;
	uint8_t		 hash[STORE_DEVLIST_HASH_BYTES];
	uint8_t		*data;		/* heap; the cleanups below free */
	size_t		 len;
};

/* A page of the device list: the entries after a seq, oldest first. */
struct store_devlist_page {
	struct store_devlist_entry	*v;	/* heap */
	size_t				 n;
	uint64_t			 head;	/* the head's seq, 0: no list */
	int				 more;	/* entries follow this page */
};

/* A device of the list's head: its id and card, as the entry holds them
 * (pointers into the caller's memory). */
struct store_devlist_member {
	const uint8_t	*id;		/* COFFER_WIRE_ID_BYTES */
	const uint8_t	*card;
	size_t		 card_len;	/* 1..COFFER_WIRE_CARD_MAX */
};

/* An append: the entry, what it extends, the head's devices after it,
 * and the device it removes. */
struct store_devlist_append {
	uint64_t				 seq;	/* 1: the genesis */
	const uint8_t				*prev;	/* the hash it extends;
							   NULL at seq 1 */
	const uint8_t				*hash;	/* its own */
	const uint8_t				*data;
	size_t					 len;
	const struct store_devlist_member	*members;
	size_t					 nmembers;
	const uint8_t				*removed;	/* or NULL */
};

/* A pairing's mailbox (docs/PROTOCOL-devices.md §4.3, §7): opened by a
 * device, four messages posted in order, each once. */
struct store_pairing {
	uint8_t		id[COFFER_WIRE_ID_BYTES];
	uint8_t		device[COFFER_WIRE_ID_BYTES];	/* the opener */
	int64_t		created;
	int64_t		expires;	/* gone when now >= expires */
	unsigned	step;		/* the last step posted, 0..4 */
};

/* upgrade(ctx, a): rewrite the account ${a} in place (its login and
 * record); 0, or an error that stops account_upgrade. */
typedef int (*store_account_upgrade_fn)(void *ctx, struct store_account *a);

/* A blob the account holds (blob_ref_list). */
struct store_blob_ref {
	uint8_t		id[COFFER_WIRE_BLOB_ID_BYTES];
	uint64_t	size;
};

struct store_meta_ops {
	int		 version;	/* STORE_META_OPS_VERSION */
	const char	*name;		/* "sqlite" */

	/* Lifecycle. */
	int	(*open)(struct store_meta **mp, const char *where,
		    const struct store_config *cfg);
	void	(*close)(struct store_meta **mp);

	/* Accounts. */
	int	(*account_create)(struct store_meta *m, const uint8_t *login,
		    size_t login_len, const uint8_t *record, size_t record_len,
		    int64_t now, struct store_account *out);
	int	(*account_get)(struct store_meta *m,
		    const uint8_t id[COFFER_WIRE_ID_BYTES], struct store_account *out);
	int	(*account_get_by_login)(struct store_meta *m,
		    const uint8_t *login, size_t login_len,
		    struct store_account *out);
	int	(*account_set_record)(struct store_meta *m,
		    const uint8_t id[COFFER_WIRE_ID_BYTES], const uint8_t *record,
		    size_t record_len);
	int	(*account_delete)(struct store_meta *m,
		    const uint8_t id[COFFER_WIRE_ID_BYTES]);
	int	(*account_state_get)(struct store_meta *m,
		    const uint8_t id[COFFER_WIRE_ID_BYTES],
		    struct store_account_state *out);
	int	(*account_state_put)(struct store_meta *m,
		    const uint8_t id[COFFER_WIRE_ID_BYTES], const uint8_t *data,
		    size_t len, uint64_t expected, uint64_t *version);

	/* Sessions. */
	int	(*session_create)(struct store_meta *m,
		    const struct store_session *s);
	int	(*session_lookup)(struct store_meta *m,
		    const uint8_t hash[STORE_TOKEN_HASH_BYTES], int64_t now,
		    struct store_session *out);
	int	(*session_touch)(struct store_meta *m,
		    const uint8_t hash[STORE_TOKEN_HASH_BYTES], int64_t now,
		    int64_t expires);
	int	(*session_delete)(struct store_meta *m,
		    const uint8_t account[COFFER_WIRE_ID_BYTES],
		    const uint8_t hash[STORE_TOKEN_HASH_BYTES]);
	int	(*session_delete_all)(struct store_meta *m,
		    const uint8_t account[COFFER_WIRE_ID_BYTES],
		    const uint8_t *keep_hash, uint64_t *deleted);
	int	(*session_prune)(struct store_meta *m, int64_t now,
		    uint64_t *deleted);

	/* Failed sign-in attempts, for rate limiting. */
	int	(*attempt_add)(struct store_meta *m,
		    enum store_attempt_kind kind, const uint8_t *key,
		    size_t key_len, int64_t now);
	int	(*attempt_count)(struct store_meta *m,
		    enum store_attempt_kind kind, const uint8_t *key,
		    size_t key_len, int64_t since, uint64_t *count);
	int	(*attempt_clear)(struct store_meta *m,
		    enum store_attempt_kind kind, const uint8_t *key,
		    size_t key_len);
	int	(*attempt_prune)(struct store_meta *m, int64_t before,
		    uint64_t *deleted);

	/* Devices. */
	int	(*device_add)(struct store_meta *m,
		    const uint8_t account[COFFER_WIRE_ID_BYTES],
		    const struct store_device *d, int64_t now);
	int	(*device_get)(struct store_meta *m,
		    const uint8_t account[COFFER_WIRE_ID_BYTES],
		    const uint8_t id[COFFER_WIRE_ID_BYTES], struct store_device *out);
	int	(*device_list)(struct store_meta *m,
		    const uint8_t account[COFFER_WIRE_ID_BYTES],
		    struct store_device *out, size_t cap, size_t *n);
	int	(*device_remove)(struct store_meta *m,
		    const uint8_t account[COFFER_WIRE_ID_BYTES],
		    const uint8_t id[COFFER_WIRE_ID_BYTES]);

	/* Zones. */
	int	(*zone_ensure)(struct store_meta *m,
		    const uint8_t account[COFFER_WIRE_ID_BYTES],
		    const uint8_t id[COFFER_WIRE_ID_BYTES], uint8_t category,
		    int64_t now, struct store_zone *out, int *created);
	int	(*zone_get)(struct store_meta *m,
		    const uint8_t account[COFFER_WIRE_ID_BYTES],
		    const uint8_t id[COFFER_WIRE_ID_BYTES], struct store_zone *out);
	int	(*zone_list)(struct store_meta *m,
		    const uint8_t account[COFFER_WIRE_ID_BYTES],
		    struct store_zone *out, size_t cap, size_t *n);

	/* Records. */
	int	(*record_put)(struct store_meta *m,
		    const uint8_t account[COFFER_WIRE_ID_BYTES],
		    const uint8_t zone[COFFER_WIRE_ID_BYTES],
		    const uint8_t id[COFFER_WIRE_ID_BYTES], const uint8_t *data,
		    size_t len, uint64_t expected,
		    struct store_put_result *res);
	int	(*record_delete)(struct store_meta *m,
		    const uint8_t account[COFFER_WIRE_ID_BYTES],
		    const uint8_t zone[COFFER_WIRE_ID_BYTES],
		    const uint8_t id[COFFER_WIRE_ID_BYTES], uint64_t expected,
		    struct store_put_result *res);
	int	(*record_get)(struct store_meta *m,
		    const uint8_t account[COFFER_WIRE_ID_BYTES],
		    const uint8_t zone[COFFER_WIRE_ID_BYTES],
		    const uint8_t id[COFFER_WIRE_ID_BYTES], struct store_record *out);
	int	(*changes)(struct store_meta *m,
		    const uint8_t account[COFFER_WIRE_ID_BYTES],
		    const uint8_t zone[COFFER_WIRE_ID_BYTES], const char *token,
		    size_t limit, struct store_changes *out);

	/* Blob references and quota. */
	int	(*blob_ref_add)(struct store_meta *m,
		    const uint8_t account[COFFER_WIRE_ID_BYTES],
		    const uint8_t id[COFFER_WIRE_BLOB_ID_BYTES], uint64_t size,
		    int *added);
	int	(*blob_ref_get)(struct store_meta *m,
		    const uint8_t account[COFFER_WIRE_ID_BYTES],
		    const uint8_t id[COFFER_WIRE_BLOB_ID_BYTES], uint64_t *size);
	int	(*blob_ref_exists)(struct store_meta *m,
		    const uint8_t account[COFFER_WIRE_ID_BYTES],
		    const uint8_t (*ids)[COFFER_WIRE_BLOB_ID_BYTES], size_t n,
		    uint8_t *present);
	int	(*blob_ref_delete)(struct store_meta *m,
		    const uint8_t account[COFFER_WIRE_ID_BYTES],
		    const uint8_t id[COFFER_WIRE_BLOB_ID_BYTES]);
	int	(*blob_ref_list)(struct store_meta *m,
		    const uint8_t account[COFFER_WIRE_ID_BYTES],
		    const uint8_t *after, size_t limit,
		    struct store_blob_ref *out, size_t *n);
	int	(*usage)(struct store_meta *m,
		    const uint8_t account[COFFER_WIRE_ID_BYTES],
		    struct store_usage *out);
	int	(*quota_set)(struct store_meta *m,
		    const uint8_t account[COFFER_WIRE_ID_BYTES], uint64_t quota);

	/* Version 2: session binding, the device list, pairings. */
	int	(*session_bind)(struct store_meta *m,
		    const uint8_t account[COFFER_WIRE_ID_BYTES],
		    const uint8_t hash[STORE_TOKEN_HASH_BYTES],
		    const uint8_t device[COFFER_WIRE_ID_BYTES],
		    const uint8_t *card, size_t card_len, int64_t now);
	int	(*devlist_head)(struct store_meta *m,
		    const uint8_t account[COFFER_WIRE_ID_BYTES],
		    struct store_devlist_entry *out);
	int	(*devlist_get)(struct store_meta *m,
		    const uint8_t account[COFFER_WIRE_ID_BYTES], uint64_t since,
		    size_t limit, struct store_devlist_page *out);
	int	(*devlist_append)(struct store_meta *m,
		    const uint8_t account[COFFER_WIRE_ID_BYTES],
		    const struct store_devlist_append *a, uint64_t *head);
	int	(*pairing_open)(struct store_meta *m,
		    const uint8_t account[COFFER_WIRE_ID_BYTES],
		    const uint8_t id[COFFER_WIRE_ID_BYTES],
		    const uint8_t device[COFFER_WIRE_ID_BYTES], int64_t now,
		    int64_t expires);
	int	(*pairing_get)(struct store_meta *m,
		    const uint8_t account[COFFER_WIRE_ID_BYTES],
		    const uint8_t id[COFFER_WIRE_ID_BYTES], int64_t now,
		    struct store_pairing *out);
	int	(*pairing_list)(struct store_meta *m,
		    const uint8_t account[COFFER_WIRE_ID_BYTES], int64_t now,
		    struct store_pairing *out, size_t cap, size_t *n);
	int	(*pairing_put)(struct store_meta *m,
		    const uint8_t account[COFFER_WIRE_ID_BYTES],
		    const uint8_t id[COFFER_WIRE_ID_BYTES], unsigned step,
		    const uint8_t *data, size_t len, int64_t now);
	int	(*pairing_read)(struct store_meta *m,
		    const uint8_t account[COFFER_WIRE_ID_BYTES],
		    const uint8_t id[COFFER_WIRE_ID_BYTES], unsigned step,
		    int64_t now, uint8_t **data, size_t *len);
	int	(*pairing_delete)(struct store_meta *m,
		    const uint8_t account[COFFER_WIRE_ID_BYTES],
		    const uint8_t id[COFFER_WIRE_ID_BYTES], int64_t now);
	int	(*pairing_prune)(struct store_meta *m, int64_t now,
		    uint64_t *deleted);
	int	(*device_add_claim)(struct store_meta *m,
		    const uint8_t account[COFFER_WIRE_ID_BYTES],
		    const struct store_device *d, int64_t now,
		    const uint8_t hash[STORE_TOKEN_HASH_BYTES]);

	/* Version 3: quota reserved by uploads in flight, tombstone
	 * compaction, a liveness probe. */
	int	(*reserve)(struct store_meta *m,
		    const uint8_t account[COFFER_WIRE_ID_BYTES], uint64_t size,
		    unsigned max, int64_t now, int64_t expires, int64_t *rid);
	int	(*reserve_renew)(struct store_meta *m, int64_t rid,
		    int64_t now, int64_t expires);
	int	(*reserve_release)(struct store_meta *m, int64_t rid);
	int	(*reserve_prune)(struct store_meta *m, int64_t now,
		    uint64_t *deleted);
	int	(*tombstone_compact)(struct store_meta *m, int64_t day,
		    int64_t before, uint64_t *deleted);
	int	(*ping)(struct store_meta *m);
	/* Version 3 too: sign-in under attack (server/auth.h). */
	int	(*ticket_spend)(struct store_meta *m,
		    const uint8_t hash[STORE_TICKET_HASH_BYTES], int64_t expires,
		    int64_t now);
	int	(*ticket_prune)(struct store_meta *m, int64_t now,
		    uint64_t *deleted);
	int	(*attempt_latest)(struct store_meta *m,
		    enum store_attempt_kind kind, const uint8_t *key,
		    size_t key_len, int64_t since, uint64_t *count,
		    int64_t *latest);
	int	(*attempt_forget_one)(struct store_meta *m,
		    enum store_attempt_kind kind, const uint8_t *key,
		    size_t key_len);
	int	(*account_upgrade)(struct store_meta *m, size_t record_len,
		    store_account_upgrade_fn fn, void *ctx, uint64_t *n);
};

/*
 * The contract of each function, in the order of the table. "NOTFOUND"
 * and the like abbreviate COFFER_ERR_NOTFOUND, CONFLICT COFFER_ERR_CONFLICT
 * and so on. Every function may also return NOMEM,
 * IO (the backend failed) and BUSY (a lock stayed held past busy_ms).
 *
 * open(mp, where, cfg): open or create the store at ${where} (for SQLite
 *   a file path), migrating its schema to the current version; *${mp} is
 *   the handle. INVALID (NULL argument), VERSION (the store was written by
 *   a newer cofferd), IO.
 * close(mp): close *${mp} (NULL accepted) and set it to NULL.
 *
 * account_create(m, login, login_len, record, record_len, now, out): a new
 *   account with a random id. INVALID (empty login or record), TOOBIG
 *   (login over COFFER_WIRE_LOGIN_MAX, record over STORE_OPAQUE_RECORD_MAX),
 *   EXISTS (the login is taken).
 * account_get(m, id, out), account_get_by_login(m, login, login_len, out):
 *   NOTFOUND; TOOBIG for an oversized login.
 * account_set_record(m, id, record, record_len): replace the OPAQUE
 *   record (a password change). INVALID, TOOBIG, NOTFOUND.
 * account_delete(m, id): the account and everything it owns in this
 *   store (sessions, devices, zones, records, blob references). The blob
 *   bytes are the blob store's: call its purge_account after. NOTFOUND.
 * account_state_get(m, id, out): NOTFOUND (no account).
 * account_state_put(m, id, data, len, expected, version): store the
 *   protection state if its version is ${expected} (0 for the first put);
 *   *${version} is the new version, or the current one on CONFLICT.
 *   INVALID (empty), TOOBIG, NOTFOUND, CONFLICT.
 *
 * session_create(m, s): store ${s} (its token_hash is SHA-256 of the
 *   token: the token itself never reaches the store; its last_used, or
 *   created if 0). The account's
 *   least recently used sessions go beyond STORE_SESSIONS_MAX. Once the
 *   account has a device list, restricted sessions (not full: not bound
 *   to a device the head lists with its registered card; a new session
 *   is one) go first: the least recently used of them beyond
 *   STORE_SESSIONS_RESTRICTED_MAX, and beyond STORE_SESSIONS_MAX a full
 *   session goes only if no restricted one is left. INVALID
 *   (expires <= created), NOTFOUND (no such account, or has_device and no
 *   such device of the account), EXISTS (the hash is taken).
 * session_lookup(m, hash, now, out): NOTFOUND also when expired at ${now}.
 *   Fills ${out}'s devlist_head and listed from the same snapshot.
 * session_touch(m, hash, now, expires): last_used = ${now}; expires =
 *   ${expires} unless that is 0. INVALID (${expires} not after ${now}),
 *   NOTFOUND (or expired). A write: callers throttle it.
 * session_delete(m, account, hash): sign out one session of ${account}.
 *   NOTFOUND (no such session of that account).
 * session_delete_all(m, account, keep_hash, deleted): sign out every
 *   session of ${account} but ${keep_hash} (NULL: every one); the count in
 *   *${deleted} (NULL accepted). NOTFOUND (no account).
 * session_prune(m, now, deleted): drop the sessions expired at ${now}.
 *
 * attempt_add(m, kind, key, key_len, now): count one failed attempt of
 *   ${key}. INVALID (empty key, unknown kind), TOOBIG.
 * attempt_count(m, kind, key, key_len, since, count): failed attempts of
 *   ${key} at or after ${since}: a sliding window when the caller passes
 *   now - window.
 * attempt_clear(m, kind, key, key_len): forget ${key}'s failures (after a
 *   success; the routes clear the login's, not the address's).
 * attempt_prune(m, before, deleted): drop attempts older than ${before}.
 * attempt_latest(m, kind, key, key_len, since, count, latest): as
 *   attempt_count, and the time of the newest of them in *${latest} (0 if
 *   none).
 * attempt_forget_one(m, kind, key, key_len): forget ${key}'s newest
 *   attempt (a sign-in that then passed); none is no error.
 *
 * ticket_spend(m, hash, expires, now): record a sign-in ticket as used
 *   until ${expires}, so that it is refused after (by any process sharing
 *   the store). EXISTS (spent already). Rows expired at ${now} may go.
 * ticket_prune(m, now, deleted): drop the spent tickets expired at ${now}.
 * account_upgrade(m, record_len, fn, ctx, n): call ${fn} on every account
 *   whose record is exactly ${record_len} bytes, in one write
 *   transaction, and store what it rewrote (login and record); the count
 *   in *${n}. EXISTS (a rewritten login is taken), or ${fn}'s error.
 *
 * device_add(m, account, d, now): INVALID (empty card), TOOBIG (card,
 *   name, or COFFER_WIRE_DEVICES_MAX reached), QUOTA (the account has a
 *   device list and COFFER_WIRE_DEVICES_PENDING_MAX devices registered
 *   that it does not hold), NOTFOUND (no account), EXISTS.
 * device_get(m, account, id, out): NOTFOUND.
 * device_list(m, account, out, cap, n): the account's devices, oldest
 *   first, into ${out}[0..*${n}). TOOBIG if more than ${cap} (the first
 *   ${cap} are filled). NOTFOUND (no account).
 * device_remove(m, account, id): the device and its sessions (the one
 *   that registered it by device_add_claim among them). NOTFOUND,
 *   CONFLICT (the list's head holds it: only a remove entry takes it off).
 *
 * zone_ensure(m, account, id, category, now, out, created): the zone,
 *   created if absent (*${created} = 1, NULL accepted). INVALID (category
 *   0), EXISTS (the id is a zone of another category), TOOBIG
 *   (COFFER_WIRE_ZONES_MAX reached), NOTFOUND (no account).
 * zone_get(m, account, id, out): NOTFOUND.
 * zone_list(m, account, out, cap, n): as device_list.
 *
 * record_put(m, account, zone, id, data, len, expected, res): write the
 *   record if its current version is ${expected}; 0 means "absent or a
 *   tombstone". The new version is the old + 1 (1 for a new record), and
 *   the zone's sequence number goes up by one and is the record's. TOOBIG
 *   (len over COFFER_WIRE_RECORD_MAX), NOTFOUND (no account or zone), CONFLICT
 *   (${res} holds the current state), QUOTA (growing past the quota).
 * record_delete(m, account, zone, id, expected, res): make the record a
 *   tombstone (data dropped, version + 1, new sequence number) if its
 *   version is ${expected} or ${expected} is STORE_VERSION_ANY. NOTFOUND
 *   (no such live record), CONFLICT.
 * record_get(m, account, zone, id, out): the record, tombstones included
 *   (deleted = 1, len = 0). NOTFOUND.
 * changes(m, account, zone, token, limit, out): the records changed after
 *   ${token} (NULL or "" for the zone's beginning), in sequence order, at
 *   most ${limit} (capped to COFFER_WIRE_FEED_MAX; 0 means the cap) and about
 *   STORE_FEED_BYTES of data; each record appears once, in its latest
 *   state, tombstones included. ${out}->next resumes after the page;
 *   ${out}->more says another page is there already. NOTFOUND (no account
 *   or zone); for the token: FORMAT (not a token), VERSION (a token format
 *   this store does not know), CONTEXT (made for another zone, or for an
 *   earlier store of this zone), AUTH (forged or altered), STATE (ahead
 *   of the zone: the store went back in time; or behind the zone's
 *   compaction mark, tombstone_compact: tombstones after it are gone; the
 *   client must resync).
 *
 * blob_ref_add(m, account, id, size, added): record that ${account} holds
 *   blob ${id} of ${size} bytes. Idempotent: the same id and size again
 *   returns 0 with *${added} = 0 (NULL accepted). QUOTA (usage + size over
 *   the quota: nothing recorded), CONFLICT (held with another size),
 *   TOOBIG (size over STORE_SIZE_MAX), NOTFOUND (no account).
 * blob_ref_get(m, account, id, size): NOTFOUND.
 * blob_ref_exists(m, account, ids, n, present): ${present}[i] = 1 if the
 *   account holds ${ids}[i], else 0. TOOBIG (n over COFFER_WIRE_EXISTS_MAX),
 *   NOTFOUND (no account).
 * blob_ref_delete(m, account, id): NOTFOUND.
 * blob_ref_list(m, account, after, limit, out, n): up to ${limit} (1 to
 *   COFFER_WIRE_BLOB_LIST_MAX) blobs the account holds whose ids follow
 *   ${after} (NULL: from the first), ids increasing, into ${out}; their
 *   number into *${n}. INVALID (limit), NOTFOUND (no account).
 * usage(m, account, out): NOTFOUND.
 * quota_set(m, account, quota): the account's own quota (0: back to the
 *   configured default). TOOBIG (over STORE_SIZE_MAX), NOTFOUND. Lowering
 *   a quota below the usage refuses further growth only.
 *
 * Version 2.
 *
 * session_bind(m, account, hash, device, card, card_len, now): bind the
 *   live session ${hash} of ${account} to ${device}, whose registered card
 *   must be the ${card} the caller checked the binding's signature with
 *   (bound = 1; a device named at sign-in is replaced). NOTFOUND (no such
 *   live session of the account; no such device with that card),
 *   CONFLICT (the session is bound already), INVALID, TOOBIG (card).
 * devlist_head(m, account, out): the last entry of the account's list
 *   (seq 0, no data, when it has none). NOTFOUND (no account).
 * devlist_get(m, account, since, limit, out): the entries after seq
 *   ${since}, oldest first, at most ${limit} (0 or over
 *   COFFER_WIRE_DEVLIST_PAGE_MAX: that cap), and the head's seq, in one
 *   snapshot; more says entries follow. ${since} past the head gives an
 *   empty page (the caller compares the head). NOTFOUND (no account).
 * devlist_append(m, account, a, head): append the entry ${a} describes if
 *   the list's head is seq - 1 with hash ${a}->prev (no list and a NULL
 *   prev for seq 1), and in the same transaction: replace the head's
 *   devices with ${a}->members, and, when ${a}->removed is set, delete
 *   that device's registration with its sessions and pairings (as
 *   device_remove; absent is fine). *${head} is the new head's seq, or on
 *   CONFLICT the current one. The store checks the chain's position and
 *   sizes, not the entry: the route verified it against the head it read.
 *   INVALID, TOOBIG (the entry over COFFER_WIRE_DEVLIST_ENTRY_MAX, a card,
 *   more than COFFER_WIRE_DEVICES_MAX members, STORE_DEVLIST_ENTRIES_MAX
 *   entries reached), QUOTA (the list's bytes would pass
 *   STORE_DEVLIST_BYTES_MAX), NOTFOUND (no account), CONFLICT.
 * pairing_open(m, account, id, device, now, expires): open pairing ${id}
 *   for the registered ${device} until ${expires}, after dropping the
 *   account's pairings expired at ${now}. INVALID (expires <= now),
 *   NOTFOUND (no account, no such device), EXISTS (the id is open),
 *   CONFLICT (the device has an open pairing), TOOBIG
 *   (COFFER_WIRE_PAIRINGS_MAX open for the account).
 * pairing_get(m, account, id, now, out): NOTFOUND (none, or expired).
 * pairing_list(m, account, now, out, cap, n): the open pairings, oldest
 *   first, as device_list.
 * pairing_put(m, account, id, step, data, len, now): post message ${step}
 *   (1..4) once, after step - 1. INVALID (step, empty), TOOBIG (over
 *   COFFER_WIRE_PAIRING_MSG_MAX, for step 4 COFFER_WIRE_PAIRING_FINAL_MAX),
 *   NOTFOUND (no open pairing), EXISTS (posted already), CONFLICT (step -
 *   1 is not posted).
 * pairing_read(m, account, id, step, now, data, len): message ${step} in
 *   a new heap buffer *${data} (free it). NOTFOUND (no open pairing, or
 *   the step is not posted), INVALID.
 * pairing_delete(m, account, id, now): end it with its messages.
 *   NOTFOUND (none, or expired: dropped all the same).
 * pairing_prune(m, now, deleted): drop every pairing expired at ${now}.
 * device_add_claim(m, account, d, now, hash): device_add for the live
 *   session ${hash} of ${account}, which must name no device (neither
 *   claimed at sign-in nor bound); in the same transaction the session
 *   names the new device, unbound (as a claim at sign-in), so that
 *   removing the registration ends the session that made it. A
 *   restricted session registers this way: one device, its own. As
 *   device_add, and CONFLICT (the session names a device), NOTFOUND
 *   also for no such live session (nothing is registered then).
 *
 * Version 3.
 *
 * reserve(m, account, size, max, now, expires, rid): hold ${size} bytes
 *   of ${account}'s quota for an upload in flight until ${expires}; the
 *   reservation's id in *${rid}. Reservations live in the store, so
 *   every process on it sees them; those expired at ${now} count for
 *   nothing. BUSY (${max} live reservations held already), QUOTA (usage
 *   + the live reservations + ${size} over the quota), INVALID (expires
 *   <= now), TOOBIG, NOTFOUND (no account).
 * reserve_renew(m, rid, now, expires): move the expiry of ${rid}, if it
 *   has not passed at ${now}. NOTFOUND (released, pruned, or expired: a
 *   lapsed reservation is not revived, the upload must end).
 * reserve_release(m, rid): drop ${rid}; 0 also if it was gone.
 * reserve_prune(m, now, deleted): drop every reservation expired at
 *   ${now}; the count in *${deleted} (NULL accepted).
 * tombstone_compact(m, day, before, deleted): stamp tombstones not yet
 *   stamped with ${day} (when the sweep first saw them: the caller passes
 *   a time coarsened to the day), then drop tombstones stamped before
 *   ${before}, releasing their quota and raising their zone's compaction
 *   mark to the highest seq dropped: changes() then answers STATE to a
 *   token below the mark, so that no client misses a deletion silently.
 *   The count in *${deleted} (NULL accepted).
 * ping(m): a cheap query: 0 when the store answers.
 */

/** store_record_cleanup(r): free ${r}'s data and zero ${r}. */
void store_record_cleanup(struct store_record *r);

/** store_changes_cleanup(c): free every record of ${c} and zero ${c}. */
void store_changes_cleanup(struct store_changes *c);

/** store_devlist_entry_cleanup(e): free ${e}'s data and zero ${e}. */
void store_devlist_entry_cleanup(struct store_devlist_entry *e);

/** store_devlist_page_cleanup(p): free every entry of ${p}, zero ${p}. */
void store_devlist_page_cleanup(struct store_devlist_page *p);

/* The length of a day, the grain of the times a store keeps when it needs
 * no finer one (docs/METADATA.md). */
#define STORE_DAY	86400

/** store_day(now): ${now} (seconds since the epoch) rounded down to the
 * start of its UTC day: the creation times of devices and zones are kept
 * at this grain, so the database holds no activity timeline finer than a
 * day. Negative times round down too. */
int64_t store_day(int64_t now);

/** store_token_hash(out, token, len): SHA-256 of a session token, the
 * only form of it the store keeps. */
void store_token_hash(uint8_t out[STORE_TOKEN_HASH_BYTES],
    const uint8_t *token, size_t len);

/* The SQLite backend (meta_sqlite*.c). */
extern const struct store_meta_ops store_meta_sqlite_ops;

#endif

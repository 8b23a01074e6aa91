/*
 * The SQLite metadata backend, internal to meta_sqlite*.c: the handle, its
 * connection pool, the transaction helpers and every SQL statement.
 *
 * Threads: each call borrows one connection from the pool (opened on
 * demand, up to cfg->connections) and returns it; writes also hold the
 * handle's write mutex, so that writers of this process queue on a mutex
 * rather than on SQLite's sleeping busy handler, which then only waits
 * for other processes (a backup, the sqlite3 shell).
 */
#ifndef COFFERD_STORE_META_SQLITE_H
#define COFFERD_STORE_META_SQLITE_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "store/meta.h"
#include "store/token.h"

/* Whether the session s of an account that has a device list is full
 * (docs/PROTOCOL-devices.md §5): bound to a device the head lists with
 * the card the device is registered with. 1 or 0. */
#define MSQ_SESSION_FULL \
	"(s.bound = 1 AND EXISTS (SELECT 1 FROM devices d" \
	" JOIN devlist_members m ON m.aid = d.aid AND m.id = d.id" \
	" AND m.card = d.card WHERE d.did = s.did))"

/* Every statement the backend runs, prepared once per connection. */
#define MSQ_STATEMENTS \
	X(ACCOUNT_AID, "SELECT aid FROM accounts WHERE id = ?1") \
	X(ACCOUNT_BY_ID, "SELECT id, login, record, created FROM accounts" \
	    " WHERE id = ?1") \
	X(ACCOUNT_BY_LOGIN, "SELECT id, login, record, created FROM accounts" \
	    " WHERE login = ?1") \
	X(ACCOUNT_INSERT, "INSERT INTO accounts (id, login, record, created)" \
	    " VALUES (?1, ?2, ?3, ?4)") \
	X(ACCOUNT_SET_RECORD, "UPDATE accounts SET record = ?2 WHERE id = ?1") \
	X(ACCOUNT_DELETE, "DELETE FROM accounts WHERE id = ?1") \
	X(STATE_GET, "SELECT state, state_version FROM accounts" \
	    " WHERE id = ?1") \
	X(STATE_PUT, "UPDATE accounts SET state = ?2," \
	    " state_version = state_version + 1" \
	    " WHERE id = ?1 AND state_version = ?3") \
	X(USAGE_GET, "SELECT used, quota FROM accounts WHERE aid = ?1") \
	X(USAGE_ADD, "UPDATE accounts SET used = max(used + ?2, 0)" \
	    " WHERE aid = ?1") \
	X(QUOTA_SET, "UPDATE accounts SET quota = ?2 WHERE id = ?1") \
	X(SESSION_INSERT, "INSERT INTO sessions" \
	    " (hash, aid, did, created, expires, last_used)" \
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6)") \
	X(SESSION_COUNT, "SELECT count(*) FROM sessions WHERE aid = ?1") \
	X(SESSION_EVICT, "DELETE FROM sessions WHERE hash IN (SELECT hash" \
	    " FROM sessions WHERE aid = ?1 ORDER BY last_used, created" \
	    " LIMIT ?2)") \
	X(SESSION_COUNT_RESTRICTED, "SELECT count(*) FROM sessions s" \
	    " WHERE s.aid = ?1 AND NOT " MSQ_SESSION_FULL) \
	X(SESSION_EVICT_RESTRICTED, "DELETE FROM sessions WHERE hash IN" \
	    " (SELECT hash FROM sessions s WHERE s.aid = ?1 AND NOT " \
	    MSQ_SESSION_FULL " ORDER BY s.last_used, s.created LIMIT ?2)") \
	X(SESSION_EVICT_LISTED, "DELETE FROM sessions WHERE hash IN" \
	    " (SELECT hash FROM sessions s WHERE s.aid = ?1 ORDER BY " \
	    MSQ_SESSION_FULL ", s.last_used, s.created LIMIT ?2)") \
	X(DEVLIST_ANY, "SELECT EXISTS (SELECT 1 FROM devlist WHERE aid = ?1)") \
	X(SESSION_GET, "SELECT a.id, d.id, s.created, s.expires, s.last_used," \
	    " s.bound, coalesce((SELECT max(l.seq) FROM devlist l" \
	    " WHERE l.aid = s.aid), 0), EXISTS (SELECT 1 FROM" \
	    " devlist_members m WHERE m.aid = s.aid AND m.id = d.id" \
	    " AND m.card = d.card)" \
	    " FROM sessions s JOIN accounts a ON a.aid = s.aid" \
	    " LEFT JOIN devices d ON d.did = s.did" \
	    " WHERE s.hash = ?1 AND s.expires > ?2") \
	X(SESSION_BOUND, "SELECT bound FROM sessions WHERE hash = ?1" \
	    " AND aid = ?2 AND expires > ?3") \
	X(SESSION_BIND, "UPDATE sessions SET did = ?2, bound = 1" \
	    " WHERE hash = ?1") \
	X(SESSION_DID, "SELECT did FROM sessions WHERE hash = ?1" \
	    " AND aid = ?2 AND expires > ?3") \
	X(SESSION_CLAIM, "UPDATE sessions SET did = ?2 WHERE hash = ?1") \
	X(SESSION_TOUCH, "UPDATE sessions SET last_used = ?2, expires =" \
	    " CASE WHEN ?3 > 0 THEN ?3 ELSE expires END" \
	    " WHERE hash = ?1 AND expires > ?2") \
	X(SESSION_DELETE, "DELETE FROM sessions WHERE hash = ?1 AND aid = ?2") \
	X(SESSION_DELETE_ALL, "DELETE FROM sessions WHERE aid = ?1" \
	    " AND hash IS NOT ?2") \
	X(SESSION_PRUNE, "DELETE FROM sessions WHERE expires <= ?1") \
	X(ATTEMPT_ADD, "INSERT INTO attempts (kind, key, at)" \
	    " VALUES (?1, ?2, ?3)") \
	X(ATTEMPT_COUNT, "SELECT count(*) FROM attempts WHERE kind = ?1" \
	    " AND key = ?2 AND at >= ?3") \
	X(ATTEMPT_CLEAR, "DELETE FROM attempts WHERE kind = ?1 AND key = ?2") \
	X(ATTEMPT_PRUNE, "DELETE FROM attempts WHERE at < ?1") \
	X(ATTEMPT_LATEST, "SELECT count(*), coalesce(max(at), 0) FROM" \
	    " attempts WHERE kind = ?1 AND key = ?2 AND at >= ?3") \
	X(ATTEMPT_FORGET_ONE, "DELETE FROM attempts WHERE rowid = (SELECT" \
	    " rowid FROM attempts WHERE kind = ?1 AND key = ?2" \
	    " ORDER BY at DESC LIMIT 1)") \
	X(TICKET_SPEND, "INSERT INTO tickets_used (hash, expires)" \
	    " VALUES (?1, ?2)") \
	X(TICKET_PRUNE, "DELETE FROM tickets_used WHERE expires <= ?1") \
	X(ACCOUNT_LEGACY, "SELECT id, login, record, created FROM accounts" \
	    " WHERE length(record) = ?1") \
	X(ACCOUNT_REWRITE, "UPDATE accounts SET login = ?2, record = ?3" \
	    " WHERE id = ?1") \
	X(DEVICE_DID, "SELECT did FROM devices WHERE aid = ?1 AND id = ?2") \
	X(DEVICE_COUNT, "SELECT count(*), coalesce(sum(NOT EXISTS" \
	    " (SELECT 1 FROM devlist_members m WHERE m.aid = d.aid" \
	    " AND m.id = d.id)), 0), EXISTS (SELECT 1 FROM devlist_members" \
	    " WHERE aid = ?1) FROM devices d WHERE d.aid = ?1") \
	X(DEVICE_LISTED, "SELECT 1 FROM devlist_members WHERE aid = ?1" \
	    " AND id = ?2") \
	X(DEVICE_INSERT, "INSERT INTO devices (aid, id, card, name, created)" \
	    " VALUES (?1, ?2, ?3, ?4, ?5)") \
	X(DEVICE_GET, "SELECT id, card, name, created FROM devices" \
	    " WHERE aid = ?1 AND id = ?2") \
	X(DEVICE_LIST, "SELECT id, card, name, created FROM devices" \
	    " WHERE aid = ?1 ORDER BY did") \
	X(DEVICE_DELETE, "DELETE FROM devices WHERE aid = ?1 AND id = ?2") \
	X(DEVICE_CARD, "SELECT did, card FROM devices WHERE aid = ?1" \
	    " AND id = ?2") \
	X(DEVLIST_HEAD, "SELECT seq, hash, entry FROM devlist WHERE aid = ?1" \
	    " ORDER BY seq DESC LIMIT 1") \
	X(DEVLIST_PAGE, "SELECT seq, hash, entry FROM devlist WHERE aid = ?1" \
	    " AND seq > ?2 ORDER BY seq LIMIT ?3") \
	X(DEVLIST_BYTES, "SELECT coalesce(sum(length(entry)), 0) FROM devlist" \
	    " WHERE aid = ?1") \
	X(DEVLIST_INSERT, "INSERT INTO devlist (aid, seq, hash, entry)" \
	    " VALUES (?1, ?2, ?3, ?4)") \
	X(MEMBERS_CLEAR, "DELETE FROM devlist_members WHERE aid = ?1") \
	X(MEMBER_INSERT, "INSERT INTO devlist_members (aid, id, card)" \
	    " VALUES (?1, ?2, ?3)") \
	X(PAIRING_EXPIRE, "DELETE FROM pairings WHERE aid = ?1" \
	    " AND expires <= ?2") \
	X(PAIRING_ID, "SELECT pid FROM pairings WHERE aid = ?1 AND id = ?2") \
	X(PAIRING_COUNT_DEVICE, "SELECT count(*) FROM pairings WHERE did = ?1") \
	X(PAIRING_COUNT, "SELECT count(*) FROM pairings WHERE aid = ?1") \
	X(PAIRING_INSERT, "INSERT INTO pairings (aid, id, did, created," \
	    " expires) VALUES (?1, ?2, ?3, ?4, ?5)") \
	X(PAIRING_GET, "SELECT p.pid, p.id, d.id, p.created, p.expires," \
	    " coalesce((SELECT max(step) FROM pairing_msgs m" \
	    " WHERE m.pid = p.pid), 0)" \
	    " FROM pairings p JOIN devices d ON d.did = p.did" \
	    " WHERE p.aid = ?1 AND p.id = ?2 AND p.expires > ?3") \
	X(PAIRING_LIST, "SELECT p.pid, p.id, d.id, p.created, p.expires," \
	    " coalesce((SELECT max(step) FROM pairing_msgs m" \
	    " WHERE m.pid = p.pid), 0)" \
	    " FROM pairings p JOIN devices d ON d.did = p.did" \
	    " WHERE p.aid = ?1 AND p.expires > ?2 ORDER BY p.pid") \
	X(PAIRING_MSG_INSERT, "INSERT INTO pairing_msgs (pid, step, data)" \
	    " VALUES (?1, ?2, ?3)") \
	X(PAIRING_MSG_GET, "SELECT data FROM pairing_msgs WHERE pid = ?1" \
	    " AND step = ?2") \
	X(PAIRING_DELETE, "DELETE FROM pairings WHERE aid = ?1 AND id = ?2" \
	    " RETURNING expires") \
	X(PAIRING_PRUNE, "DELETE FROM pairings WHERE expires <= ?1") \
	X(ZONE_GET, "SELECT zid, id, category, seq, created, nonce FROM zones" \
	    " WHERE aid = ?1 AND id = ?2") \
	X(ZONE_COUNT, "SELECT count(*) FROM zones WHERE aid = ?1") \
	X(ZONE_INSERT, "INSERT INTO zones (aid, id, category, seq, nonce," \
	    " created) VALUES (?1, ?2, ?3, 0, ?4, ?5)") \
	X(ZONE_LIST, "SELECT zid, id, category, seq, created, nonce" \
	    " FROM zones WHERE aid = ?1 ORDER BY zid") \
	X(ZONE_BUMP, "UPDATE zones SET seq = seq + 1 WHERE zid = ?1" \
	    " RETURNING seq") \
	X(RECORD_HEAD, "SELECT version, seq, deleted, length(data)" \
	    " FROM records WHERE zid = ?1 AND id = ?2") \
	X(RECORD_GET, "SELECT id, version, seq, deleted, data FROM records" \
	    " WHERE zid = ?1 AND id = ?2") \
	X(RECORD_UPSERT, "INSERT INTO records (zid, id, version, seq," \
	    " deleted, data) VALUES (?1, ?2, ?3, ?4, ?5, ?6)" \
	    " ON CONFLICT (zid, id) DO UPDATE SET version = excluded.version," \
	    " seq = excluded.seq, deleted = excluded.deleted," \
	    " data = excluded.data, deleted_at = NULL") \
	X(RECORD_FEED, "SELECT id, version, seq, deleted, data FROM records" \
	    " WHERE zid = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3") \
	X(BLOB_GET, "SELECT size FROM blobs WHERE aid = ?1 AND id = ?2") \
	X(BLOB_INSERT, "INSERT INTO blobs (aid, id, size) VALUES (?1, ?2, ?3)") \
	X(BLOB_LIST, "SELECT id, size FROM blobs WHERE aid = ?1 AND id > ?2" \
	    " ORDER BY id LIMIT ?3") \
	X(BLOB_DELETE, "DELETE FROM blobs WHERE aid = ?1 AND id = ?2" \
	    " RETURNING size") \
	X(RESERVE_STATS, "SELECT count(*), coalesce(sum(size), 0)" \
	    " FROM reservations WHERE aid = ?1 AND expires > ?2") \
	X(RESERVE_INSERT, "INSERT INTO reservations (aid, size, expires)" \
	    " VALUES (?1, ?2, ?3) RETURNING rid") \
	X(RESERVE_RENEW, "UPDATE reservations SET expires = ?2 WHERE rid = ?1 AND expires > ?3") \
	X(RESERVE_DELETE, "DELETE FROM reservations WHERE rid = ?1") \
	X(RESERVE_PRUNE, "DELETE FROM reservations WHERE expires <= ?1") \
	X(TOMB_STAMP, "UPDATE records SET deleted_at = ?1 WHERE deleted = 1" \
	    " AND deleted_at IS NULL") \
	X(TOMB_ZONE, "SELECT zid FROM records WHERE deleted = 1" \
	    " AND deleted_at < ?1 LIMIT 1") \
	X(TOMB_DROP, "DELETE FROM records WHERE zid = ?1 AND deleted = 1" \
	    " AND deleted_at < ?2 RETURNING seq") \
	X(ZONE_COMPACTED, "SELECT compacted FROM zones WHERE zid = ?1") \
	X(ZONE_COMPACT, "UPDATE zones SET compacted = max(compacted, ?2)" \
	    " WHERE zid = ?1 RETURNING aid") \
	X(PING, "SELECT count(*) FROM schema_version")

enum msq_sql {
#define X(name, text) MSQ_##name,
	MSQ_STATEMENTS
#undef X
	MSQ_NSQL
};

struct msq_conn {
	sqlite3			*db;
	sqlite3_stmt		*st[MSQ_NSQL];
	struct msq_conn		*next;
};

struct msq {
	struct store_meta	 base;		/* first: the ops table */
	char			*path;
	pthread_mutex_t		 mu;		/* the pool below */
	pthread_cond_t		 cv;		/* a connection came back */
	struct msq_conn		*idle;
	unsigned		 nconn, maxconn;
	pthread_mutex_t		 wmu;		/* one writer at a time */
	uint8_t			*token_key;	/* sodium_malloc'd */
	uint64_t		 quota_default;
	unsigned		 busy_ms;
};

/* A connection of ${ms}, ready (WAL, synchronous=FULL, foreign keys,
 * defensive), for the pool or for opening: msq_conn_open gives 0 with
 * *cp or an error; msq_conn_close finalizes its statements and closes
 * it. */
int msq_conn_open(struct msq *ms, struct msq_conn **cp);
void msq_conn_close(struct msq_conn *c);

/* msq_pool_put(ms, c): give the idle connection ${c} to ${ms}'s pool. */
void msq_pool_put(struct msq *ms, struct msq_conn *c);

/* A transaction on a borrowed connection. msq_begin: BEGIN (a snapshot
 * for reads) or, with write, the write mutex and BEGIN IMMEDIATE.
 * msq_end: COMMIT if r is 0, else ROLLBACK; gives the connection back and
 * returns r, or the commit's error. */
int msq_begin(struct msq *ms, struct msq_conn **cp, int write);
int msq_end(struct msq *ms, struct msq_conn *c, int write, int r);

/* Statement id of the connection into *st, prepared on first use,
 * reset and unbound: 0 or an error. msq_end resets every statement, so a
 * caller never does. */
int msq_prep(struct msq_conn *c, enum msq_sql id, sqlite3_stmt **st);
/* The error for an SQLite result code. */
int msq_err(int rc);

/* Bind helpers: 0 or an error. A zero-length blob binds as X'' (never
 * NULL). */
int msq_bind_blob(sqlite3_stmt *st, int i, const void *p, size_t n);
int msq_bind_i64(sqlite3_stmt *st, int i, int64_t v);

/* Column helpers. msq_col_copy: the blob of column col into out (at most
 * cap bytes: a longer value is COFFER_ERR_INTERNAL, the store is damaged);
 * msq_col_id: exactly COFFER_WIRE_ID_BYTES bytes; msq_col_dup: a malloc'd copy
 * (never NULL on success). */
int msq_col_copy(sqlite3_stmt *st, int col, uint8_t *out, size_t cap,
    size_t *len);
int msq_col_id(sqlite3_stmt *st, int col, uint8_t out[COFFER_WIRE_ID_BYTES]);
int msq_col_dup(sqlite3_stmt *st, int col, uint8_t **out, size_t *len);

/* Step a statement that must yield one row: 0 (a row), NOTFOUND (none),
 * or an error. msq_exec: run to completion (0 or an error). */
int msq_row(sqlite3_stmt *st);
int msq_exec(sqlite3_stmt *st);

/* The internal key of an account: 0, NOTFOUND or an error. */
int msq_aid(struct msq_conn *c, const uint8_t id[COFFER_WIRE_ID_BYTES],
    int64_t *aid);
/* Add delta bytes to an account's usage; COFFER_ERR_QUOTA (nothing
 * changed) when that grows it past its quota. */
int msq_charge(struct msq *ms, struct msq_conn *c, int64_t aid,
    int64_t delta);

/* msq_list(ms, account, q, now, out, size, cap, n, row): an account's
 * list in one read transaction: the query ${q} with ?1 the account's
 * internal key (and ?2 *${now} when ${now} is not NULL), each row made
 * into out[i] (items of ${size} bytes) by ${row}; *${n} rows. 0, TOOBIG
 * after ${cap} rows (those filled, *${n} = ${cap}), INVALID, NOTFOUND (no
 * account) or an error. */
typedef int (*msq_row_fn)(sqlite3_stmt *st, void *item);
int msq_list(struct msq *ms, const uint8_t *account, enum msq_sql q,
    const int64_t *now, void *out, size_t size, size_t cap, size_t *n,
    msq_row_fn row);

/* msq_prune(ms, q, v, deleted): run the one-statement write ${q} with
 * the integer ${v} in a transaction; the rows it changed in *${deleted}
 * (NULL accepted). 0 or an error. */
int msq_prune(struct msq *ms, enum msq_sql q, int64_t v, uint64_t *deleted);

/* msq_checkpoint(ms): copy the write-ahead log into the database and
 * empty it, so that rows rewritten for privacy leave no old copy there.
 * 0 or an error. */
int msq_checkpoint(struct msq *ms);

/* The functions of the ops table, one file per group. */
int msq_account_create(struct store_meta *, const uint8_t *, size_t,
    const uint8_t *, size_t, int64_t, struct store_account *);
int msq_account_get(struct store_meta *, const uint8_t *,
    struct store_account *);
int msq_account_get_by_login(struct store_meta *, const uint8_t *, size_t,
    struct store_account *);
int msq_account_set_record(struct store_meta *, const uint8_t *,
    const uint8_t *, size_t);
int msq_account_delete(struct store_meta *, const uint8_t *);
int msq_account_state_get(struct store_meta *, const uint8_t *,
    struct store_account_state *);
int msq_account_state_put(struct store_meta *, const uint8_t *,
    const uint8_t *, size_t, uint64_t, uint64_t *);
int msq_session_create(struct store_meta *, const struct store_session *);
int msq_session_lookup(struct store_meta *, const uint8_t *, int64_t,
    struct store_session *);
int msq_session_touch(struct store_meta *, const uint8_t *, int64_t, int64_t);
int msq_session_delete(struct store_meta *, const uint8_t *, const uint8_t *);
int msq_session_delete_all(struct store_meta *, const uint8_t *,
    const uint8_t *, uint64_t *);
int msq_session_prune(struct store_meta *, int64_t, uint64_t *);
int msq_attempt_add(struct store_meta *, enum store_attempt_kind,
    const uint8_t *, size_t, int64_t);
int msq_attempt_count(struct store_meta *, enum store_attempt_kind,
    const uint8_t *, size_t, int64_t, uint64_t *);
int msq_attempt_clear(struct store_meta *, enum store_attempt_kind,
    const uint8_t *, size_t);
int msq_attempt_prune(struct store_meta *, int64_t, uint64_t *);
int msq_attempt_latest(struct store_meta *, enum store_attempt_kind,
    const uint8_t *, size_t, int64_t, uint64_t *, int64_t *);
int msq_attempt_forget_one(struct store_meta *, enum store_attempt_kind,
    const uint8_t *, size_t);
int msq_ticket_spend(struct store_meta *, const uint8_t *, int64_t, int64_t);
int msq_ticket_prune(struct store_meta *, int64_t, uint64_t *);
int msq_account_upgrade(struct store_meta *, size_t,
    store_account_upgrade_fn, void *, uint64_t *);
int msq_device_add(struct store_meta *, const uint8_t *,
    const struct store_device *, int64_t);
int msq_device_add_claim(struct store_meta *, const uint8_t *,
    const struct store_device *, int64_t, const uint8_t *);
int msq_device_get(struct store_meta *, const uint8_t *, const uint8_t *,
    struct store_device *);
int msq_device_list(struct store_meta *, const uint8_t *,
    struct store_device *, size_t, size_t *);
int msq_device_remove(struct store_meta *, const uint8_t *, const uint8_t *);
int msq_zone_ensure(struct store_meta *, const uint8_t *, const uint8_t *,
    uint8_t, int64_t, struct store_zone *, int *);
int msq_zone_get(struct store_meta *, const uint8_t *, const uint8_t *,
    struct store_zone *);
int msq_zone_list(struct store_meta *, const uint8_t *, struct store_zone *,
    size_t, size_t *);
int msq_record_put(struct store_meta *, const uint8_t *, const uint8_t *,
    const uint8_t *, const uint8_t *, size_t, uint64_t,
    struct store_put_result *);
int msq_record_delete(struct store_meta *, const uint8_t *, const uint8_t *,
    const uint8_t *, uint64_t, struct store_put_result *);
int msq_record_get(struct store_meta *, const uint8_t *, const uint8_t *,
    const uint8_t *, struct store_record *);
int msq_changes(struct store_meta *, const uint8_t *, const uint8_t *,
    const char *, size_t, struct store_changes *);
int msq_blob_ref_add(struct store_meta *, const uint8_t *, const uint8_t *,
    uint64_t, int *);
int msq_blob_ref_get(struct store_meta *, const uint8_t *, const uint8_t *,
    uint64_t *);
int msq_blob_ref_exists(struct store_meta *, const uint8_t *,
    const uint8_t (*)[COFFER_WIRE_BLOB_ID_BYTES], size_t, uint8_t *);
int msq_blob_ref_list(struct store_meta *, const uint8_t *, const uint8_t *,
    size_t, struct store_blob_ref *, size_t *);
int msq_blob_ref_delete(struct store_meta *, const uint8_t *,
    const uint8_t *);
int msq_usage(struct store_meta *, const uint8_t *, struct store_usage *);
int msq_quota_set(struct store_meta *, const uint8_t *, uint64_t);
int msq_session_bind(struct store_meta *, const uint8_t *, const uint8_t *,
    const uint8_t *, const uint8_t *, size_t, int64_t);
int msq_devlist_head(struct store_meta *, const uint8_t *,
    struct store_devlist_entry *);
int msq_devlist_get(struct store_meta *, const uint8_t *, uint64_t, size_t,
    struct store_devlist_page *);
int msq_devlist_append(struct store_meta *, const uint8_t *,
    const struct store_devlist_append *, uint64_t *);
int msq_pairing_open(struct store_meta *, const uint8_t *, const uint8_t *,
    const uint8_t *, int64_t, int64_t);
int msq_pairing_get(struct store_meta *, const uint8_t *, const uint8_t *,
    int64_t, struct store_pairing *);
int msq_pairing_list(struct store_meta *, const uint8_t *, int64_t,
    struct store_pairing *, size_t, size_t *);
int msq_pairing_put(struct store_meta *, const uint8_t *, const uint8_t *,
    unsigned, const uint8_t *, size_t, int64_t);
int msq_pairing_read(struct store_meta *, const uint8_t *, const uint8_t *,
    unsigned, int64_t, uint8_t **, size_t *);
int msq_pairing_delete(struct store_meta *, const uint8_t *, const uint8_t *,
    int64_t);
int msq_pairing_prune(struct store_meta *, int64_t, uint64_t *);
int msq_reserve(struct store_meta *, const uint8_t *, uint64_t, unsigned,
    int64_t, int64_t, int64_t *);
int msq_reserve_renew(struct store_meta *, int64_t, int64_t, int64_t);
int msq_reserve_release(struct store_meta *, int64_t);
int msq_reserve_prune(struct store_meta *, int64_t, uint64_t *);
int msq_tombstone_compact(struct store_meta *, int64_t, int64_t, uint64_t *);
int msq_ping(struct store_meta *);

#endif

/*
 * The SQLite metadata backend's top: opening a store (the file, the
 * schema migrations, the change-token key), closing it, and the ops table
 * (store_meta_sqlite_ops) over the verb files (meta_sqlite_*.c) and the
 * base (meta_sqlite.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>
#include <sqlite3.h>

#include <coffer/err.h>

#include "core/file.h"
#include "store/meta_sqlite.h"

/*
 * The schema, one migration per version: migrations[i] takes a store from
 * version i to i + 1. Never edit one that has shipped; append.
 */
static const char *const migrations[] = {
	/* 1: the first schema (docs/STORAGE.md, "SQLite schema"). */
	"CREATE TABLE settings ("
	"  name TEXT PRIMARY KEY,"
	"  value BLOB NOT NULL"
	") WITHOUT ROWID;"
	"CREATE TABLE accounts ("
	"  aid INTEGER PRIMARY KEY,"
	"  id BLOB NOT NULL UNIQUE CHECK (length(id) = 16),"
	"  login BLOB NOT NULL UNIQUE,"
	"  record BLOB NOT NULL,"
	"  state BLOB,"
	"  state_version INTEGER NOT NULL DEFAULT 0,"
	"  quota INTEGER,"
	"  used INTEGER NOT NULL DEFAULT 0,"
	"  created INTEGER NOT NULL"
	");"
	"CREATE TABLE devices ("
	"  did INTEGER PRIMARY KEY,"
	"  aid INTEGER NOT NULL REFERENCES accounts (aid) ON DELETE CASCADE,"
	"  id BLOB NOT NULL CHECK (length(id) = 16),"
	"  card BLOB NOT NULL,"
	"  name BLOB NOT NULL,"
	"  created INTEGER NOT NULL,"
	"  UNIQUE (aid, id)"
	");"
	"CREATE TABLE sessions ("
	"  hash BLOB PRIMARY KEY CHECK (length(hash) = 32),"
	"  aid INTEGER NOT NULL REFERENCES accounts (aid) ON DELETE CASCADE,"
	"  did INTEGER REFERENCES devices (did) ON DELETE CASCADE,"
	"  created INTEGER NOT NULL,"
	"  expires INTEGER NOT NULL,"
	"  last_used INTEGER NOT NULL"
	") WITHOUT ROWID;"
	"CREATE INDEX sessions_aid ON sessions (aid, last_used);"
	"CREATE INDEX sessions_did ON sessions (did);"
	"CREATE INDEX sessions_expires ON sessions (expires);"
	"CREATE TABLE attempts ("
	"  kind INTEGER NOT NULL,"
	"  key BLOB NOT NULL,"
	"  at INTEGER NOT NULL"
	");"
	"CREATE INDEX attempts_key ON attempts (kind, key, at);"
	"CREATE INDEX attempts_at ON attempts (at);"
	"CREATE TABLE zones ("
	"  zid INTEGER PRIMARY KEY,"
	"  aid INTEGER NOT NULL REFERENCES accounts (aid) ON DELETE CASCADE,"
	"  id BLOB NOT NULL CHECK (length(id) = 16),"
	"  category INTEGER NOT NULL CHECK (category BETWEEN 1 AND 255),"
	"  seq INTEGER NOT NULL DEFAULT 0,"
	"  nonce BLOB NOT NULL CHECK (length(nonce) = 16),"
	"  created INTEGER NOT NULL,"
	"  UNIQUE (aid, id)"
	");"
	"CREATE TABLE records ("
	"  zid INTEGER NOT NULL REFERENCES zones (zid) ON DELETE CASCADE,"
	"  id BLOB NOT NULL CHECK (length(id) = 16),"
	"  version INTEGER NOT NULL,"
	"  seq INTEGER NOT NULL,"
	"  deleted INTEGER NOT NULL DEFAULT 0,"
	"  data BLOB NOT NULL,"
	"  PRIMARY KEY (zid, id)"
	");"
	"CREATE INDEX records_seq ON records (zid, seq);"
	"CREATE TABLE blobs ("
	"  aid INTEGER NOT NULL REFERENCES accounts (aid) ON DELETE CASCADE,"
	"  id BLOB NOT NULL CHECK (length(id) = 32),"
	"  size INTEGER NOT NULL,"
	"  PRIMARY KEY (aid, id)"
	") WITHOUT ROWID;",
	/* 2: device trust (docs/PROTOCOL-devices.md): sessions bound to a
	 * device, the signed device list and its head's devices, pairing
	 * mailboxes. */
	"ALTER TABLE sessions ADD COLUMN bound INTEGER NOT NULL DEFAULT 0;"
	"CREATE TABLE devlist ("
	"  aid INTEGER NOT NULL REFERENCES accounts (aid) ON DELETE CASCADE,"
	"  seq INTEGER NOT NULL CHECK (seq >= 1),"
	"  hash BLOB NOT NULL CHECK (length(hash) = 32),"
	"  entry BLOB NOT NULL,"
	"  PRIMARY KEY (aid, seq)"
	");"
	"CREATE TABLE devlist_members ("
	"  aid INTEGER NOT NULL REFERENCES accounts (aid) ON DELETE CASCADE,"
	"  id BLOB NOT NULL CHECK (length(id) = 16),"
	"  card BLOB NOT NULL,"
	"  PRIMARY KEY (aid, id)"
	") WITHOUT ROWID;"
	"CREATE TABLE pairings ("
	"  pid INTEGER PRIMARY KEY,"
	"  aid INTEGER NOT NULL REFERENCES accounts (aid) ON DELETE CASCADE,"
	"  id BLOB NOT NULL CHECK (length(id) = 16),"
	"  did INTEGER NOT NULL REFERENCES devices (did) ON DELETE CASCADE,"
	"  created INTEGER NOT NULL,"
	"  expires INTEGER NOT NULL,"
	"  UNIQUE (aid, id)"
	");"
	"CREATE INDEX pairings_did ON pairings (did);"
	"CREATE INDEX pairings_expires ON pairings (expires);"
	"CREATE TABLE pairing_msgs ("
	"  pid INTEGER NOT NULL REFERENCES pairings (pid) ON DELETE CASCADE,"
	"  step INTEGER NOT NULL CHECK (step BETWEEN 1 AND 4),"
	"  data BLOB NOT NULL,"
	"  PRIMARY KEY (pid, step)"
	");",
	/* 3 (issue 10): quota reserved by uploads in flight, visible to every
	 * process on the store, each with an expiry so that a crash leaks
	 * nothing for long; the day a tombstone was first seen by the
	 * maintenance sweep, and per zone the last change whose tombstone
	 * the sweep dropped (docs/STORAGE.md, "Maintenance"); devices and
	 * zones keep the day they were made, not the second (store_day(),
	 * docs/METADATA.md), as do accounts and sessions, rows from before
	 * coarsened the same way; the sign-in tickets spent (server/auth.h),
	 * so that each finishes once across every process sharing the store,
	 * rows living until the ticket's expiry. */
	"CREATE TABLE reservations ("
	"  rid INTEGER PRIMARY KEY,"
	"  aid INTEGER NOT NULL REFERENCES accounts (aid) ON DELETE CASCADE,"
	"  size INTEGER NOT NULL CHECK (size >= 0),"
	"  expires INTEGER NOT NULL"
	");"
	"CREATE INDEX reservations_aid ON reservations (aid, expires);"
	"CREATE INDEX reservations_expires ON reservations (expires);"
	"ALTER TABLE records ADD COLUMN deleted_at INTEGER;"
	"CREATE INDEX records_tombstones ON records (deleted_at, zid)"
	"  WHERE deleted = 1;"
	"ALTER TABLE zones ADD COLUMN compacted INTEGER NOT NULL DEFAULT 0;"
	"UPDATE devices SET created = created - (created % 86400 + 86400)"
	" % 86400;"
	"UPDATE zones SET created = created - (created % 86400 + 86400)"
	" % 86400;"
	"UPDATE accounts SET created = created - (created % 86400 + 86400)"
	" % 86400;"
	"UPDATE sessions SET created = created - (created % 86400 + 86400)"
	" % 86400;"
	"CREATE TABLE tickets_used ("
	"  hash BLOB PRIMARY KEY CHECK (length(hash) = 32),"
	"  expires INTEGER NOT NULL"
	") WITHOUT ROWID;"
	"CREATE INDEX tickets_used_expires ON tickets_used (expires);",
};

#define SCHEMA_VERSION	((int)(sizeof(migrations) / sizeof(migrations[0])))

/* Run one statement with the given blob parameters; 0 or an error. */
static int
exec_blob(sqlite3 *db, const char *sql, const void *p, size_t n)
{
	sqlite3_stmt *st = NULL;
	int r;

	if ((r = msq_err(sqlite3_prepare_v2(db, sql, -1, &st, NULL))) == 0 &&
	    (p == NULL || (r = msq_bind_blob(st, 1, p, n)) == 0))
		r = msq_exec(st);
	sqlite3_finalize(st);
	return r;
}

/* Bring the schema to SCHEMA_VERSION and load the token key, in one write
 * transaction. */
static int
setup(struct msq *ms, struct msq_conn *c)
{
	uint8_t key[STORE_TOKEN_KEY_BYTES];
	sqlite3_stmt *st = NULL;
	size_t n;
	int rc, v, version, r;

	if ((rc = sqlite3_exec(c->db, "BEGIN IMMEDIATE", NULL, NULL, NULL)) !=
	    SQLITE_OK)
		return msq_err(rc);
	if ((r = exec_blob(c->db, "CREATE TABLE IF NOT EXISTS schema_version"
	    " (version INTEGER PRIMARY KEY, applied INTEGER NOT NULL)", NULL,
	    0)) != 0)
		goto out;
	if ((r = msq_err(sqlite3_prepare_v2(c->db, "SELECT coalesce(max("
	    "version), 0) FROM schema_version", -1, &st, NULL))) != 0 ||
	    (r = msq_row(st)) != 0)
		goto out;
	version = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	st = NULL;
	if (version > SCHEMA_VERSION || version < 0) {
		r = COFFER_ERR_VERSION;
		goto out;
	}
	for (v = version; v < SCHEMA_VERSION; v++) {
		if ((rc = sqlite3_exec(c->db, migrations[v], NULL, NULL,
		    NULL)) != SQLITE_OK) {
			r = msq_err(rc);
			goto out;
		}
		if ((r = msq_err(sqlite3_prepare_v2(c->db, "INSERT INTO"
		    " schema_version (version, applied) VALUES (?1,"
		    " CAST(strftime('%s', 'now') AS INTEGER))", -1, &st,
		    NULL))) != 0 || (r = msq_bind_i64(st, 1, v + 1)) != 0 ||
		    (r = msq_exec(st)) != 0)
			goto out;
		sqlite3_finalize(st);
		st = NULL;
	}
	/* The change-token key: made once, with the store. */
	randombytes_buf(key, sizeof(key));
	if ((r = exec_blob(c->db, "INSERT OR IGNORE INTO settings (name, value)"
	    " VALUES ('change_token_key', ?1)", key, sizeof(key))) != 0)
		goto out;
	if ((r = msq_err(sqlite3_prepare_v2(c->db, "SELECT value FROM settings"
	    " WHERE name = 'change_token_key'", -1, &st, NULL))) != 0 ||
	    (r = msq_row(st)) != 0 ||
	    (r = msq_col_copy(st, 0, ms->token_key, STORE_TOKEN_KEY_BYTES,
	    &n)) != 0)
		goto out;
	if (n != STORE_TOKEN_KEY_BYTES) {
		r = COFFER_ERR_INTERNAL;
		goto out;
	}
	sqlite3_finalize(st);
	st = NULL;
	if ((rc = sqlite3_exec(c->db, "COMMIT", NULL, NULL, NULL)) != SQLITE_OK)
		r = msq_err(rc);
out:
	sqlite3_finalize(st);
	if (!sqlite3_get_autocommit(c->db))
		sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
	sodium_memzero(key, sizeof(key));
	return r;
}

/* Create the file 0600 before SQLite does (it would use 0644 less the
 * umask; the -wal and -shm files copy the database's mode), and refuse a
 * symbolic link in its place. */
static int
precreate(const char *path)
{
	int fd;

	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
	    0600)) == -1)
		return errno == ENOENT ? COFFER_ERR_NOTFOUND : COFFER_ERR_IO;
	close(fd);
	return 0;
}

static void
msq_destroy(struct msq *ms)
{
	struct msq_conn *c;

	while ((c = ms->idle) != NULL) {
		ms->idle = c->next;
		msq_conn_close(c);
	}
	if (ms->token_key != NULL)
		sodium_free(ms->token_key);
	free(ms->path);
	pthread_mutex_destroy(&ms->mu);
	pthread_mutex_destroy(&ms->wmu);
	pthread_cond_destroy(&ms->cv);
	free(ms);
}

static int
msq_open(struct store_meta **mp, const char *where,
    const struct store_config *cfg)
{
	struct msq *ms = NULL;
	struct msq_conn *c = NULL;
	int r = COFFER_ERR_INVALID;

	if (mp == NULL || where == NULL || cfg == NULL || *where == '\0')
		goto out;
	*mp = NULL;
	if (sodium_init() < 0) {
		r = COFFER_ERR_CRYPTO;
		goto out;
	}
	if (sqlite3_threadsafe() == 0) {
		r = COFFER_ERR_INTERNAL;
		goto out;
	}
	if ((ms = calloc(1, sizeof(*ms))) == NULL) {
		r = COFFER_ERR_NOMEM;
		goto out;
	}
	if (pthread_mutex_init(&ms->mu, NULL) != 0) {
		free(ms);
		ms = NULL;
		r = COFFER_ERR_NOMEM;
		goto out;
	}
	pthread_mutex_init(&ms->wmu, NULL);
	pthread_cond_init(&ms->cv, NULL);
	ms->base.ops = &store_meta_sqlite_ops;
	ms->maxconn = cfg->connections ? cfg->connections :
	    STORE_CONNECTIONS_DEFAULT;
	ms->busy_ms = cfg->busy_ms ? cfg->busy_ms : STORE_BUSY_MS_DEFAULT;
	ms->quota_default = cfg->quota_default ? cfg->quota_default :
	    STORE_QUOTA_DEFAULT;
	if ((ms->path = strdup(where)) == NULL ||
	    (ms->token_key = sodium_malloc(STORE_TOKEN_KEY_BYTES)) == NULL) {
		r = COFFER_ERR_NOMEM;
		goto out;
	}
	if ((r = precreate(ms->path)) != 0)
		goto out;
	if ((r = msq_conn_open(ms, &c)) != 0)
		goto out;
	ms->nconn = 1;
	if ((r = setup(ms, c)) != 0 || (r = file_sync_parent(ms->path)) != 0)
		goto out;
	msq_pool_put(ms, c);
	c = NULL;
	*mp = &ms->base;
	ms = NULL;
out:
	if (c != NULL)
		msq_conn_close(c);
	if (ms != NULL)
		msq_destroy(ms);
	return r;
}

/* Every call has returned: the connections are all idle. */
static void
msq_close(struct store_meta **mp)
{
	if (mp == NULL || *mp == NULL)
		return;
	msq_destroy((struct msq *)(void *)*mp);
	*mp = NULL;
}

const struct store_meta_ops store_meta_sqlite_ops = {
	.version = STORE_META_OPS_VERSION,
	.name = "sqlite",
	.open = msq_open,
	.close = msq_close,
	.account_create = msq_account_create,
	.account_get = msq_account_get,
	.account_get_by_login = msq_account_get_by_login,
	.account_set_record = msq_account_set_record,
	.account_delete = msq_account_delete,
	.account_state_get = msq_account_state_get,
	.account_state_put = msq_account_state_put,
	.session_create = msq_session_create,
	.session_lookup = msq_session_lookup,
	.session_touch = msq_session_touch,
	.session_delete = msq_session_delete,
	.session_delete_all = msq_session_delete_all,
	.session_prune = msq_session_prune,
	.attempt_add = msq_attempt_add,
	.attempt_count = msq_attempt_count,
	.attempt_clear = msq_attempt_clear,
	.attempt_prune = msq_attempt_prune,
	.device_add = msq_device_add,
	.device_get = msq_device_get,
	.device_list = msq_device_list,
	.device_remove = msq_device_remove,
	.zone_ensure = msq_zone_ensure,
	.zone_get = msq_zone_get,
	.zone_list = msq_zone_list,
	.record_put = msq_record_put,
	.record_delete = msq_record_delete,
	.record_get = msq_record_get,
	.changes = msq_changes,
	.blob_ref_add = msq_blob_ref_add,
	.blob_ref_get = msq_blob_ref_get,
	.blob_ref_exists = msq_blob_ref_exists,
	.blob_ref_delete = msq_blob_ref_delete,
	.blob_ref_list = msq_blob_ref_list,
	.usage = msq_usage,
	.quota_set = msq_quota_set,
	.session_bind = msq_session_bind,
	.devlist_head = msq_devlist_head,
	.devlist_get = msq_devlist_get,
	.devlist_append = msq_devlist_append,
	.pairing_open = msq_pairing_open,
	.pairing_get = msq_pairing_get,
	.pairing_list = msq_pairing_list,
	.pairing_put = msq_pairing_put,
	.pairing_read = msq_pairing_read,
	.pairing_delete = msq_pairing_delete,
	.pairing_prune = msq_pairing_prune,
	.device_add_claim = msq_device_add_claim,
	.reserve = msq_reserve,
	.reserve_renew = msq_reserve_renew,
	.reserve_release = msq_reserve_release,
	.reserve_prune = msq_reserve_prune,
	.tombstone_compact = msq_tombstone_compact,
	.ping = msq_ping,
	.ticket_spend = msq_ticket_spend,
	.ticket_prune = msq_ticket_prune,
	.attempt_latest = msq_attempt_latest,
	.attempt_forget_one = msq_attempt_forget_one,
	.account_upgrade = msq_account_upgrade,
};

/*
 * The SQLite metadata backend: accounts (with their OPAQUE record and
 * protection state), sessions and failed sign-in attempts.
 */
#include <string.h>

#include <sodium.h>

#include <coffer/err.h>

#include "store/meta_sqlite.h"

#define MS(m)	((struct msq *)(void *)(m))

static int
row_account(sqlite3_stmt *st, struct store_account *out)
{
	int r;

	if ((r = msq_col_id(st, 0, out->id)) != 0 ||
	    (r = msq_col_copy(st, 1, out->login, sizeof(out->login),
	    &out->login_len)) != 0 ||
	    (r = msq_col_copy(st, 2, out->record, sizeof(out->record),
	    &out->record_len)) != 0)
		return r;
	out->created = sqlite3_column_int64(st, 3);
	return 0;
}

int
msq_account_create(struct store_meta *m, const uint8_t *login,
    size_t login_len, const uint8_t *record, size_t record_len, int64_t now,
    struct store_account *out)
{
	struct msq_conn *c = NULL;
	struct store_account a;
	sqlite3_stmt *st;
	int r = COFFER_ERR_INVALID;

	if (login == NULL || login_len == 0 || record == NULL ||
	    record_len == 0 || out == NULL)
		goto out;
	if (login_len > COFFER_WIRE_LOGIN_MAX ||
	    record_len > STORE_OPAQUE_RECORD_MAX) {
		r = COFFER_ERR_TOOBIG;
		goto out;
	}
	memset(&a, 0, sizeof(a));
	randombytes_buf(a.id, sizeof(a.id));
	memcpy(a.login, login, login_len);
	a.login_len = login_len;
	memcpy(a.record, record, record_len);
	a.record_len = record_len;
	a.created = now;
	if ((r = msq_begin(MS(m), &c, 1)) != 0)
		goto out;
	/* The login's UNIQUE constraint answers EXISTS; a collision of 128
	 * random bits would too, and will not happen. */
	if ((r = msq_prep(c, MSQ_ACCOUNT_INSERT, &st)) != 0 ||
	    (r = msq_bind_blob(st, 1, a.id, sizeof(a.id))) != 0 ||
	    (r = msq_bind_blob(st, 2, login, login_len)) != 0 ||
	    (r = msq_bind_blob(st, 3, record, record_len)) != 0 ||
	    (r = msq_bind_i64(st, 4, now)) != 0 || (r = msq_exec(st)) != 0)
		goto out;
out:
	if (c != NULL && (r = msq_end(MS(m), c, 1, r)) == 0)
		*out = a;
	return r;
}

static int
account_get(struct store_meta *m, enum msq_sql q, const uint8_t *key,
    size_t key_len, struct store_account *out)
{
	struct msq_conn *c = NULL;
	struct store_account a;
	sqlite3_stmt *st;
	int r;

	if ((r = msq_begin(MS(m), &c, 0)) != 0)
		goto out;
	if ((r = msq_prep(c, q, &st)) != 0 ||
	    (r = msq_bind_blob(st, 1, key, key_len)) != 0 ||
	    (r = msq_row(st)) != 0 || (r = row_account(st, &a)) != 0)
		goto out;
out:
	if (c != NULL && (r = msq_end(MS(m), c, 0, r)) == 0)
		*out = a;
	return r;
}

int
msq_account_get(struct store_meta *m, const uint8_t *id,
    struct store_account *out)
{
	if (id == NULL || out == NULL)
		return COFFER_ERR_INVALID;
	return account_get(m, MSQ_ACCOUNT_BY_ID, id, COFFER_WIRE_ID_BYTES, out);
}

int
msq_account_get_by_login(struct store_meta *m, const uint8_t *login,
    size_t login_len, struct store_account *out)
{
	if (login == NULL || login_len == 0 || out == NULL)
		return COFFER_ERR_INVALID;
	if (login_len > COFFER_WIRE_LOGIN_MAX)
		return COFFER_ERR_TOOBIG;
	return account_get(m, MSQ_ACCOUNT_BY_LOGIN, login, login_len, out);
}

/* Run a one-statement write keyed by an account id (and maybe a blob);
 * NOTFOUND if it changed no row. */
static int
account_write(struct store_meta *m, enum msq_sql q, const uint8_t *id,
    const uint8_t *p, size_t n, int64_t v, int with_v)
{
	struct msq_conn *c = NULL;
	sqlite3_stmt *st;
	int r;

	if ((r = msq_begin(MS(m), &c, 1)) != 0)
		goto out;
	if ((r = msq_prep(c, q, &st)) != 0 ||
	    (r = msq_bind_blob(st, 1, id, COFFER_WIRE_ID_BYTES)) != 0 ||
	    (p != NULL && (r = msq_bind_blob(st, 2, p, n)) != 0) ||
	    (with_v && (r = msq_bind_i64(st, 2, v)) != 0) ||
	    (r = msq_exec(st)) != 0)
		goto out;
	if (sqlite3_changes(c->db) == 0)
		r = COFFER_ERR_NOTFOUND;
out:
	if (c != NULL)
		r = msq_end(MS(m), c, 1, r);
	return r;
}

int
msq_account_set_record(struct store_meta *m, const uint8_t *id,
    const uint8_t *record, size_t record_len)
{
	if (id == NULL || record == NULL || record_len == 0)
		return COFFER_ERR_INVALID;
	if (record_len > STORE_OPAQUE_RECORD_MAX)
		return COFFER_ERR_TOOBIG;
	return account_write(m, MSQ_ACCOUNT_SET_RECORD, id, record,
	    record_len, 0, 0);
}

int
msq_account_delete(struct store_meta *m, const uint8_t *id)
{
	if (id == NULL)
		return COFFER_ERR_INVALID;
	return account_write(m, MSQ_ACCOUNT_DELETE, id, NULL, 0, 0, 0);
}

int
msq_quota_set(struct store_meta *m, const uint8_t *id, uint64_t quota)
{
	struct msq_conn *c = NULL;
	sqlite3_stmt *st;
	int r = COFFER_ERR_INVALID;

	if (id == NULL)
		goto out;
	if (quota > STORE_SIZE_MAX) {
		r = COFFER_ERR_TOOBIG;
		goto out;
	}
	if ((r = msq_begin(MS(m), &c, 1)) != 0)
		goto out;
	if ((r = msq_prep(c, MSQ_QUOTA_SET, &st)) != 0 ||
	    (r = msq_bind_blob(st, 1, id, COFFER_WIRE_ID_BYTES)) != 0 ||
	    (quota != 0 && (r = msq_bind_i64(st, 2, (int64_t)quota)) != 0) ||
	    (r = msq_exec(st)) != 0)
		goto out;
	if (sqlite3_changes(c->db) == 0)
		r = COFFER_ERR_NOTFOUND;
out:
	if (c != NULL)
		r = msq_end(MS(m), c, 1, r);
	return r;
}

int
msq_account_state_get(struct store_meta *m, const uint8_t *id,
    struct store_account_state *out)
{
	struct msq_conn *c = NULL;
	struct store_account_state s;
	sqlite3_stmt *st;
	int r = COFFER_ERR_INVALID;

	if (id == NULL || out == NULL)
		goto out;
	s.len = 0;
	if ((r = msq_begin(MS(m), &c, 0)) != 0)
		goto out;
	if ((r = msq_prep(c, MSQ_STATE_GET, &st)) != 0 ||
	    (r = msq_bind_blob(st, 1, id, COFFER_WIRE_ID_BYTES)) != 0 ||
	    (r = msq_row(st)) != 0)
		goto out;
	if (sqlite3_column_type(st, 0) != SQLITE_NULL &&
	    (r = msq_col_copy(st, 0, s.data, sizeof(s.data), &s.len)) != 0)
		goto out;
	s.version = (uint64_t)sqlite3_column_int64(st, 1);
out:
	if (c != NULL && (r = msq_end(MS(m), c, 0, r)) == 0) {
		memcpy(out->data, s.data, s.len);
		out->len = s.len;
		out->version = s.version;
	}
	return r;
}

int
msq_account_state_put(struct store_meta *m, const uint8_t *id,
    const uint8_t *data, size_t len, uint64_t expected, uint64_t *version)
{
	struct msq_conn *c = NULL;
	sqlite3_stmt *st;
	uint64_t now_version = 0;
	int r = COFFER_ERR_INVALID;

	if (id == NULL || data == NULL || len == 0 || version == NULL ||
	    expected > (uint64_t)INT64_MAX)
		goto out;
	if (len > STORE_STATE_MAX) {
		r = COFFER_ERR_TOOBIG;
		goto out;
	}
	if ((r = msq_begin(MS(m), &c, 1)) != 0)
		goto out;
	if ((r = msq_prep(c, MSQ_STATE_PUT, &st)) != 0 ||
	    (r = msq_bind_blob(st, 1, id, COFFER_WIRE_ID_BYTES)) != 0 ||
	    (r = msq_bind_blob(st, 2, data, len)) != 0 ||
	    (r = msq_bind_i64(st, 3, (int64_t)expected)) != 0 ||
	    (r = msq_exec(st)) != 0)
		goto out;
	if (sqlite3_changes(c->db) == 1) {
		now_version = expected + 1;
		goto out;
	}
	/* No row changed: no account, or another version. */
	if ((r = msq_prep(c, MSQ_STATE_GET, &st)) != 0 ||
	    (r = msq_bind_blob(st, 1, id, COFFER_WIRE_ID_BYTES)) != 0 ||
	    (r = msq_row(st)) != 0)
		goto out;
	now_version = (uint64_t)sqlite3_column_int64(st, 1);
	r = COFFER_ERR_CONFLICT;
out:
	if (c != NULL) {
		r = msq_end(MS(m), c, 1, r);
		if (r == 0 || r == COFFER_ERR_CONFLICT)
			*version = now_version;
	}
	return r;
}

/* Run the count ${q} of account ${aid}'s sessions into *${n}. */
static int
session_count(struct msq_conn *c, enum msq_sql q, int64_t aid, int64_t *n)
{
	sqlite3_stmt *st;
	int r;

	if ((r = msq_prep(c, q, &st)) != 0 ||
	    (r = msq_bind_i64(st, 1, aid)) != 0 || (r = msq_row(st)) != 0)
		return r;
	*n = sqlite3_column_int64(st, 0);
	return 0;
}

/* Evict ${n} > 0 sessions of account ${aid} in the order of ${q}. */
static int
session_evict(struct msq_conn *c, enum msq_sql q, int64_t aid, int64_t n)
{
	sqlite3_stmt *st;
	int r;

	if ((r = msq_prep(c, q, &st)) != 0 ||
	    (r = msq_bind_i64(st, 1, aid)) != 0 ||
	    (r = msq_bind_i64(st, 2, n)) != 0)
		return r;
	return msq_exec(st);
}

/* Make room for one more session of account ${aid}, which is never bound
 * yet. With no device list every session is full: the least recently
 * used go beyond STORE_SESSIONS_MAX. With a list the new session is
 * restricted, and a password alone must not sign the trusted devices
 * out: restricted sessions have their own cap,
 * STORE_SESSIONS_RESTRICTED_MAX, and go first beyond
 * STORE_SESSIONS_MAX; a full session goes only when none is left. */
static int
make_room(struct msq_conn *c, int64_t aid)
{
	sqlite3_stmt *st;
	int64_t n, listed;
	int r;

	if ((r = msq_prep(c, MSQ_DEVLIST_ANY, &st)) != 0 ||
	    (r = msq_bind_i64(st, 1, aid)) != 0 || (r = msq_row(st)) != 0)
		return r;
	listed = sqlite3_column_int64(st, 0);
	if (listed && ((r = session_count(c, MSQ_SESSION_COUNT_RESTRICTED, aid,
	    &n)) != 0 || (n >= STORE_SESSIONS_RESTRICTED_MAX &&
	    (r = session_evict(c, MSQ_SESSION_EVICT_RESTRICTED, aid,
	    n - STORE_SESSIONS_RESTRICTED_MAX + 1)) != 0)))
		return r;
	if ((r = session_count(c, MSQ_SESSION_COUNT, aid, &n)) != 0)
		return r;
	if (n >= STORE_SESSIONS_MAX)
		r = session_evict(c, listed ? MSQ_SESSION_EVICT_LISTED :
		    MSQ_SESSION_EVICT, aid, n - STORE_SESSIONS_MAX + 1);
	return r;
}

int
msq_session_create(struct store_meta *m, const struct store_session *s)
{
	struct msq_conn *c = NULL;
	sqlite3_stmt *st;
	int64_t aid, did = 0;
	int r = COFFER_ERR_INVALID;

	if (s == NULL || s->expires <= s->created)
		goto out;
	if ((r = msq_begin(MS(m), &c, 1)) != 0)
		goto out;
	if ((r = msq_aid(c, s->account, &aid)) != 0)
		goto out;
	if (s->has_device && ((r = msq_prep(c, MSQ_DEVICE_DID, &st)) != 0 ||
	    (r = msq_bind_i64(st, 1, aid)) != 0 ||
	    (r = msq_bind_blob(st, 2, s->device, COFFER_WIRE_ID_BYTES)) != 0 ||
	    (r = msq_row(st)) != 0))
		goto out;
	if (s->has_device)
		did = sqlite3_column_int64(st, 0);
	if ((r = make_room(c, aid)) != 0)
		goto out;
	if ((r = msq_prep(c, MSQ_SESSION_INSERT, &st)) != 0 ||
	    (r = msq_bind_blob(st, 1, s->token_hash,
	    STORE_TOKEN_HASH_BYTES)) != 0 ||
	    (r = msq_bind_i64(st, 2, aid)) != 0 ||
	    (did != 0 && (r = msq_bind_i64(st, 3, did)) != 0) ||
	    (r = msq_bind_i64(st, 4, s->created)) != 0 ||
	    (r = msq_bind_i64(st, 5, s->expires)) != 0 ||
	    (r = msq_bind_i64(st, 6, s->last_used != 0 ? s->last_used :
	    s->created)) != 0 ||
	    (r = msq_exec(st)) != 0)
		goto out;
out:
	if (c != NULL)
		r = msq_end(MS(m), c, 1, r);
	return r;
}

int
msq_session_lookup(struct store_meta *m, const uint8_t *hash, int64_t now,
    struct store_session *out)
{
	struct msq_conn *c = NULL;
	struct store_session s;
	sqlite3_stmt *st;
	int r = COFFER_ERR_INVALID;

	if (hash == NULL || out == NULL)
		goto out;
	memset(&s, 0, sizeof(s));
	if ((r = msq_begin(MS(m), &c, 0)) != 0)
		goto out;
	if ((r = msq_prep(c, MSQ_SESSION_GET, &st)) != 0 ||
	    (r = msq_bind_blob(st, 1, hash, STORE_TOKEN_HASH_BYTES)) != 0 ||
	    (r = msq_bind_i64(st, 2, now)) != 0 || (r = msq_row(st)) != 0 ||
	    (r = msq_col_id(st, 0, s.account)) != 0)
		goto out;
	if (sqlite3_column_type(st, 1) != SQLITE_NULL) {
		if ((r = msq_col_id(st, 1, s.device)) != 0)
			goto out;
		s.has_device = 1;
	}
	memcpy(s.token_hash, hash, STORE_TOKEN_HASH_BYTES);
	s.created = sqlite3_column_int64(st, 2);
	s.expires = sqlite3_column_int64(st, 3);
	s.last_used = sqlite3_column_int64(st, 4);
	s.bound = s.has_device && sqlite3_column_int(st, 5) != 0;
	s.devlist_head = (uint64_t)sqlite3_column_int64(st, 6);
	s.listed = s.bound && sqlite3_column_int(st, 7) != 0;
out:
	if (c != NULL && (r = msq_end(MS(m), c, 0, r)) == 0)
		*out = s;
	return r;
}

int
msq_session_bind(struct store_meta *m, const uint8_t *account,
    const uint8_t *hash, const uint8_t *device, const uint8_t *card,
    size_t card_len, int64_t now)
{
	struct msq_conn *c = NULL;
	sqlite3_stmt *st;
	const void *reg;
	int64_t aid, did;
	int r = COFFER_ERR_INVALID;

	if (account == NULL || hash == NULL || device == NULL ||
	    card == NULL || card_len == 0)
		goto out;
	if (card_len > COFFER_WIRE_CARD_MAX) {
		r = COFFER_ERR_TOOBIG;
		goto out;
	}
	if ((r = msq_begin(MS(m), &c, 1)) != 0)
		goto out;
	if ((r = msq_aid(c, account, &aid)) != 0 ||
	    (r = msq_prep(c, MSQ_SESSION_BOUND, &st)) != 0 ||
	    (r = msq_bind_blob(st, 1, hash, STORE_TOKEN_HASH_BYTES)) != 0 ||
	    (r = msq_bind_i64(st, 2, aid)) != 0 ||
	    (r = msq_bind_i64(st, 3, now)) != 0 || (r = msq_row(st)) != 0)
		goto out;
	if (sqlite3_column_int(st, 0) != 0) {
		r = COFFER_ERR_CONFLICT;
		goto out;
	}
	/* The card the caller checked the signature with must still be
	 * the registered one. */
	if ((r = msq_prep(c, MSQ_DEVICE_CARD, &st)) != 0 ||
	    (r = msq_bind_i64(st, 1, aid)) != 0 ||
	    (r = msq_bind_blob(st, 2, device, COFFER_WIRE_ID_BYTES)) != 0 ||
	    (r = msq_row(st)) != 0)
		goto out;
	did = sqlite3_column_int64(st, 0);
	reg = sqlite3_column_blob(st, 1);
	if (reg == NULL || (size_t)sqlite3_column_bytes(st, 1) != card_len ||
	    sodium_memcmp(reg, card, card_len) != 0) {
		r = COFFER_ERR_NOTFOUND;
		goto out;
	}
	if ((r = msq_prep(c, MSQ_SESSION_BIND, &st)) != 0 ||
	    (r = msq_bind_blob(st, 1, hash, STORE_TOKEN_HASH_BYTES)) != 0 ||
	    (r = msq_bind_i64(st, 2, did)) != 0 || (r = msq_exec(st)) != 0)
		goto out;
out:
	if (c != NULL)
		r = msq_end(MS(m), c, 1, r);
	return r;
}

int
msq_session_touch(struct store_meta *m, const uint8_t *hash, int64_t now,
    int64_t expires)
{
	struct msq_conn *c = NULL;
	sqlite3_stmt *st;
	int r = COFFER_ERR_INVALID;

	if (hash == NULL || expires < 0 || (expires != 0 && expires <= now))
		goto out;
	if ((r = msq_begin(MS(m), &c, 1)) != 0)
		goto out;
	if ((r = msq_prep(c, MSQ_SESSION_TOUCH, &st)) != 0 ||
	    (r = msq_bind_blob(st, 1, hash, STORE_TOKEN_HASH_BYTES)) != 0 ||
	    (r = msq_bind_i64(st, 2, now)) != 0 ||
	    (r = msq_bind_i64(st, 3, expires)) != 0 || (r = msq_exec(st)) != 0)
		goto out;
	if (sqlite3_changes(c->db) == 0)
		r = COFFER_ERR_NOTFOUND;
out:
	if (c != NULL)
		r = msq_end(MS(m), c, 1, r);
	return r;
}

int
msq_session_delete(struct store_meta *m, const uint8_t *account,
    const uint8_t *hash)
{
	struct msq_conn *c = NULL;
	sqlite3_stmt *st;
	int64_t aid;
	int r = COFFER_ERR_INVALID;

	if (account == NULL || hash == NULL)
		goto out;
	if ((r = msq_begin(MS(m), &c, 1)) != 0)
		goto out;
	if ((r = msq_aid(c, account, &aid)) != 0 ||
	    (r = msq_prep(c, MSQ_SESSION_DELETE, &st)) != 0 ||
	    (r = msq_bind_blob(st, 1, hash, STORE_TOKEN_HASH_BYTES)) != 0 ||
	    (r = msq_bind_i64(st, 2, aid)) != 0 || (r = msq_exec(st)) != 0)
		goto out;
	if (sqlite3_changes(c->db) == 0)
		r = COFFER_ERR_NOTFOUND;
out:
	if (c != NULL)
		r = msq_end(MS(m), c, 1, r);
	return r;
}

int
msq_session_delete_all(struct store_meta *m, const uint8_t *account,
    const uint8_t *keep_hash, uint64_t *deleted)
{
	struct msq_conn *c = NULL;
	sqlite3_stmt *st;
	int64_t aid;
	uint64_t n = 0;
	int r = COFFER_ERR_INVALID;

	if (account == NULL)
		goto out;
	if ((r = msq_begin(MS(m), &c, 1)) != 0)
		goto out;
	if ((r = msq_aid(c, account, &aid)) != 0 ||
	    (r = msq_prep(c, MSQ_SESSION_DELETE_ALL, &st)) != 0 ||
	    (r = msq_bind_i64(st, 1, aid)) != 0 ||
	    (keep_hash != NULL && (r = msq_bind_blob(st, 2, keep_hash,
	    STORE_TOKEN_HASH_BYTES)) != 0) || (r = msq_exec(st)) != 0)
		goto out;
	n = (uint64_t)sqlite3_changes(c->db);
out:
	if (c != NULL && (r = msq_end(MS(m), c, 1, r)) == 0 && deleted != NULL)
		*deleted = n;
	return r;
}

int
msq_session_prune(struct store_meta *m, int64_t now, uint64_t *deleted)
{
	return msq_prune(MS(m), MSQ_SESSION_PRUNE, now, deleted);
}

int
msq_attempt_prune(struct store_meta *m, int64_t before, uint64_t *deleted)
{
	return msq_prune(MS(m), MSQ_ATTEMPT_PRUNE, before, deleted);
}

static int
attempt_check(enum store_attempt_kind kind, const uint8_t *key,
    size_t key_len)
{
	if (kind < STORE_ATTEMPT_LOGIN || kind > STORE_ATTEMPT_REGISTER ||
	    key == NULL || key_len == 0)
		return COFFER_ERR_INVALID;
	return key_len > STORE_ATTEMPT_KEY_MAX ? COFFER_ERR_TOOBIG : 0;
}

/* One attempts statement: (kind, key[, time]); count it or its rows
 * (and the newest time, if ${latest}). */
static int
attempt_run(struct store_meta *m, enum msq_sql q, int write,
    enum store_attempt_kind kind, const uint8_t *key, size_t key_len,
    const int64_t *t, uint64_t *count, int64_t *latest)
{
	struct msq_conn *c = NULL;
	sqlite3_stmt *st;
	uint64_t n = 0;
	int64_t at = 0;
	int r;

	if ((r = attempt_check(kind, key, key_len)) != 0)
		goto out;
	if ((r = msq_begin(MS(m), &c, write)) != 0)
		goto out;
	if ((r = msq_prep(c, q, &st)) != 0 ||
	    (r = msq_bind_i64(st, 1, (int64_t)kind)) != 0 ||
	    (r = msq_bind_blob(st, 2, key, key_len)) != 0 ||
	    (t != NULL && (r = msq_bind_i64(st, 3, *t)) != 0))
		goto out;
	if (write) {
		r = msq_exec(st);
	} else if ((r = msq_row(st)) == 0) {
		n = (uint64_t)sqlite3_column_int64(st, 0);
		if (latest != NULL)
			at = sqlite3_column_int64(st, 1);
	}
out:
	if (c != NULL && (r = msq_end(MS(m), c, write, r)) == 0) {
		if (count != NULL)
			*count = n;
		if (latest != NULL)
			*latest = at;
	}
	return r;
}

int
msq_attempt_add(struct store_meta *m, enum store_attempt_kind kind,
    const uint8_t *key, size_t key_len, int64_t now)
{
	return attempt_run(m, MSQ_ATTEMPT_ADD, 1, kind, key, key_len, &now,
	    NULL, NULL);
}

int
msq_attempt_count(struct store_meta *m, enum store_attempt_kind kind,
    const uint8_t *key, size_t key_len, int64_t since, uint64_t *count)
{
	if (count == NULL)
		return COFFER_ERR_INVALID;
	return attempt_run(m, MSQ_ATTEMPT_COUNT, 0, kind, key, key_len,
	    &since, count, NULL);
}

int
msq_attempt_clear(struct store_meta *m, enum store_attempt_kind kind,
    const uint8_t *key, size_t key_len)
{
	return attempt_run(m, MSQ_ATTEMPT_CLEAR, 1, kind, key, key_len, NULL,
	    NULL, NULL);
}

int
msq_attempt_latest(struct store_meta *m, enum store_attempt_kind kind,
    const uint8_t *key, size_t key_len, int64_t since, uint64_t *count,
    int64_t *latest)
{
	if (count == NULL || latest == NULL)
		return COFFER_ERR_INVALID;
	return attempt_run(m, MSQ_ATTEMPT_LATEST, 0, kind, key, key_len,
	    &since, count, latest);
}

int
msq_attempt_forget_one(struct store_meta *m, enum store_attempt_kind kind,
    const uint8_t *key, size_t key_len)
{
	return attempt_run(m, MSQ_ATTEMPT_FORGET_ONE, 1, kind, key, key_len,
	    NULL, NULL, NULL);
}

int
msq_ticket_spend(struct store_meta *m, const uint8_t *hash, int64_t expires,
    int64_t now)
{
	struct msq_conn *c = NULL;
	sqlite3_stmt *st;
	int r;

	if (hash == NULL || expires <= now)
		return COFFER_ERR_INVALID;
	if ((r = msq_begin(MS(m), &c, 1)) != 0)
		goto out;
	/* The primary key answers EXISTS for a second spend. */
	if ((r = msq_prep(c, MSQ_TICKET_SPEND, &st)) != 0 ||
	    (r = msq_bind_blob(st, 1, hash, STORE_TICKET_HASH_BYTES)) != 0 ||
	    (r = msq_bind_i64(st, 2, expires)) != 0)
		goto out;
	r = msq_exec(st);
out:
	if (c != NULL)
		r = msq_end(MS(m), c, 1, r);
	return r;
}

int
msq_ticket_prune(struct store_meta *m, int64_t now, uint64_t *deleted)
{
	return msq_prune(MS(m), MSQ_TICKET_PRUNE, now, deleted);
}

int
msq_account_upgrade(struct store_meta *m, size_t record_len,
    store_account_upgrade_fn fn, void *ctx, uint64_t *n)
{
	struct msq_conn *c = NULL;
	struct store_account *a = NULL;
	sqlite3_stmt *st, *up;
	uint64_t done = 0;
	int r = COFFER_ERR_INVALID;

	if (fn == NULL || record_len == 0)
		goto out;
	if ((a = sodium_malloc(sizeof(*a))) == NULL) {
		r = COFFER_ERR_NOMEM;
		goto out;
	}
	/* What the rewrite frees is overwritten, not left in free pages
	 * (for this connection while it rewrites: it costs every delete). */
	if ((r = msq_begin(MS(m), &c, 1)) != 0 ||
	    (r = msq_err(sqlite3_exec(c->db, "PRAGMA secure_delete = ON",
	    NULL, NULL, NULL))) != 0 ||
	    (r = msq_prep(c, MSQ_ACCOUNT_LEGACY, &st)) != 0 ||
	    (r = msq_bind_i64(st, 1, (int64_t)record_len)) != 0)
		goto out;
	/* SQLite reads on while the rows it has passed change. */
	while ((r = msq_row(st)) == 0) {
		memset(a, 0, sizeof(*a));
		if ((r = row_account(st, a)) != 0 || (r = fn(ctx, a)) != 0)
			goto out;
		if (a->login_len == 0 || a->login_len > COFFER_WIRE_LOGIN_MAX ||
		    a->record_len == 0 ||
		    a->record_len > STORE_OPAQUE_RECORD_MAX) {
			r = COFFER_ERR_INVALID;
			goto out;
		}
		if ((r = msq_prep(c, MSQ_ACCOUNT_REWRITE, &up)) != 0 ||
		    (r = msq_bind_blob(up, 1, a->id, sizeof(a->id))) != 0 ||
		    (r = msq_bind_blob(up, 2, a->login, a->login_len)) != 0 ||
		    (r = msq_bind_blob(up, 3, a->record, a->record_len)) != 0 ||
		    (r = msq_exec(up)) != 0)
			goto out;
		done++;
	}
	if (r == COFFER_ERR_NOTFOUND)
		r = 0;
out:
	if (c != NULL) {
		(void)sqlite3_exec(c->db, "PRAGMA secure_delete = OFF", NULL,
		    NULL, NULL);
		r = msq_end(MS(m), c, 1, r);
	}
	/* The logins as typed must not live on in the log. */
	if (r == 0 && done > 0)
		r = msq_checkpoint(MS(m));
	if (a != NULL)
		sodium_free(a);
	if (r == 0 && n != NULL)
		*n = done;
	return r;
}

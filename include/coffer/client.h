/* The coffer client: a handle bound to a server URL and a device's home
 * folder (docs/PROTOCOL-client.md). It creates accounts and signs in with
 * OPAQUE, binds each session to the device, keeps the account's signed
 * device list (docs/PROTOCOL-devices.md) and its keys by epoch (keychain
 * root, account key, naming key, category and zone keys, all kept on the
 * server wrapped), pairs a new device with a trusted one over a one-time
 * code, and keeps end-to-end encrypted records in zones, synced by change
 * token. It also gives the backup engine its storage
 * (coffer/backup_store.h) and key.
 *
 * Functions return 0 or a negative coffer error; after an error,
 * coffer_client_errmsg() says what failed (the server's status and
 * message, the field of an answer that was refused, the record). A handle
 * is for one thread at a time, except the backup store it hands out.
 * Passwords are passed as (pointer, length) and never kept. */
#ifndef COFFER_CLIENT_H
#define COFFER_CLIENT_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include <coffer/backup.h>
#include <coffer/backup_store.h>
#include <coffer/buf.h>
#include <coffer/export.h>
#include <coffer/key.h>
#include <coffer/wire.h>

#define COFFER_RECORD_ID_BYTES		COFFER_WIRE_ID_BYTES
#define COFFER_CLIENT_DEVICE_ID_BYTES	COFFER_WIRE_ID_BYTES
/* The largest record payload (the server's cap less the sealing). */
#define COFFER_RECORD_MAX		(COFFER_WIRE_RECORD_MAX - 1024)
/* A pairing code: "12345-67890" and its NUL. */
#define COFFER_CLIENT_PAIR_CODE_LEN	12
/* A device's name in the device list, in bytes. */
#define COFFER_CLIENT_NAME_MAX		64
/* The sentences of coffer_client_status. */
#define COFFER_CLIENT_NOTE_MAX		256
#define COFFER_CLIENT_LOGIN_MAX		COFFER_WIRE_LOGIN_MAX
/* The longest server URL. */
#define COFFER_CLIENT_URL_MAX		2048

struct coffer_client;

struct coffer_client_opts {
	const char	*ca_file;	/* PEM file of CAs to trust, or NULL */
	const uint8_t	*passcode;	/* the device keystore's, or NULL */
	size_t		 passcode_len;
	unsigned	 retries;	/* extra attempts; 0: the default (4) */
	unsigned	 backoff_ms;	/* first back-off; 0: 250 ms */
	/* Each attempt of a request must end within timeout_s plus the time
	 * its bytes (the body, and the answer's announced length) take at
	 * min_rate, and a transfer larger than what min_rate
	 * moves in timeout_s must move min_rate bytes/s in every window of
	 * timeout_s: a blob of 256 MiB is held to the rate, a small
	 * request to the deadline. Past either, the request fails with
	 * COFFER_ERR_NETWORK, not retried, and coffer_client_errmsg names
	 * the server. 0: 30 s and 1024 bytes/s. */
	unsigned	 timeout_s;
	unsigned	 min_rate;
	/* The least key stretching (Argon2id) this client accepts from a
	 * server, passes and KiB; 0: the production profile
	 * (COFFER_OPAQUE_T_COST, COFFER_OPAQUE_M_COST). Lower it only for a
	 * server you run for tests: a server that names less is refused
	 * (COFFER_ERR_SERVER), whatever it says, as is one that names more
	 * than COFFER_CLIENT_KSF_T_MAX or COFFER_CLIENT_KSF_M_MAX. */
	unsigned	 ksf_min_t;
	unsigned	 ksf_min_m;
};

/* The most key stretching a server may ask of this client. */
#define COFFER_CLIENT_KSF_T_MAX		10
#define COFFER_CLIENT_KSF_M_MAX		1048576		/* KiB, 1 GiB */

struct coffer_client_status {
	int		signed_in;	/* a session token of this server is held */
	int		has_account;	/* the home belongs to an account */
	int		has_device;	/* device keys exist and are registered */
	int		trusted;	/* listed, and holds its epoch's root */
	int		listed;		/* the pinned device list head lists
					   this device */
	int		waiting;	/* not listed, and a pairing it opened
					   is still open: it waits for approval */
	int		removed;	/* the pinned head no longer lists it */
	uint64_t	devlist_seq;	/* the pinned head's seq (0: none) */
	char		login[COFFER_CLIENT_LOGIN_MAX + 1];
	uint8_t		account[COFFER_WIRE_ID_BYTES];
	uint8_t		device[COFFER_CLIENT_DEVICE_ID_BYTES];
	/* When removed: "this device was removed from the account by
	 * DEVICE at TIME". */
	char		removal[COFFER_CLIENT_NOTE_MAX];
	/* A device list the server showed and this device refused (a
	 * rollback, a fork, an entry not signed by the account key), kept
	 * until a valid extension arrives; "" if none. */
	char		refusal[COFFER_CLIENT_NOTE_MAX];
};

/** coffer_client_open(out, server_url, home_dir, opts): a client for the
 * server at ${server_url} ("https://host:port", at most
 * COFFER_CLIENT_URL_MAX bytes) keeping its state in ${home_dir}, made
 * (mode 0700) if missing; ${opts} may be NULL. With ${server_url} NULL,
 * the server the home last signed in to (account create or login
 * remember it; a successful one with another URL replaces it). The home
 * must be the user's own and closed to others, else COFFER_ERR_PERM.
 * Returns 0, COFFER_ERR_INVALID, COFFER_ERR_STATE (${server_url} is NULL
 * and the home remembers no server), COFFER_ERR_PERM, COFFER_ERR_IO,
 * COFFER_ERR_PASSCODE (the keystore's passcode is wrong),
 * COFFER_ERR_NOMEM or COFFER_ERR_NETWORK. */
COFFER_API int coffer_client_open(struct coffer_client **out,
    const char *server_url, const char *home_dir,
    const struct coffer_client_opts *opts) COFFER_WUR;

/** coffer_client_free(p): close the client *${p}, wipe its keys, set *${p}
 * to NULL; accepts NULL. */
COFFER_API void coffer_client_free(struct coffer_client **p);

/** coffer_client_errmsg(c): a sentence about the last error of ${c} ("" if
 * none), valid until the next call on ${c}. */
COFFER_API const char *coffer_client_errmsg(const struct coffer_client *c);

/** coffer_client_server_url(c): the URL of the server ${c} talks to (the
 * one given to coffer_client_open or remembered by the home), valid while
 * ${c} lives; "" for NULL. */
COFFER_API const char *coffer_client_server_url(const struct coffer_client *c);

/** coffer_client_http_status(c): the HTTP status of the last failed
 * request of ${c}, or 0. */
COFFER_API long coffer_client_http_status(const struct coffer_client *c);

/** coffer_client_account_create(c, login, password, password_len): create
 * an account named ${login} (1 to COFFER_CLIENT_LOGIN_MAX bytes) with the
 * password, sign in and make this device the account's first: the first
 * epoch's keys, the keychain zone and the device list's genesis entry
 * (through a journal in the home, so that a run cut short resumes at the
 * next sign-in or sync). Should another device of the account have made
 * the list first (two first devices racing), this one is left not
 * approved, as any new device: coffer_client_status says listed 0 and it
 * pairs. Returns 0, COFFER_ERR_STATE (the home has an account),
 * COFFER_ERR_CONFLICT (the login is taken), or an error of
 * coffer_client_login. */
COFFER_API int coffer_client_account_create(struct coffer_client *c,
    const char *login, const uint8_t *password, size_t password_len)
    COFFER_WUR;

/** coffer_client_login(c, login, password, password_len): sign in with
 * OPAQUE and keep the session token in the home, and the server's URL
 * for later opens without one. A home that has no device yet makes its
 * device keys and registers its card; the session is then bound to this
 * device (a signature by its key over the account and the session). If
 * the account has no device list, this device makes it (its first); a
 * device the list holds refreshes it and its keys; any other device
 * stays unapproved (coffer_client_status: listed 0) until it pairs
 * (coffer_client_pair_start). Returns 0, COFFER_ERR_UNAUTHORIZED (a wrong
 * password or unknown login), COFFER_ERR_BUSY (too many attempts),
 * COFFER_ERR_STATE (the home belongs to another login; an account from
 * before the signed device list, which is refused; a device that was
 * removed), COFFER_ERR_AUTH (the device list or a key does not hold),
 * COFFER_ERR_NETWORK, COFFER_ERR_SERVER, COFFER_ERR_IO, COFFER_ERR_NOMEM. */
COFFER_API int coffer_client_login(struct coffer_client *c, const char *login,
    const uint8_t *password, size_t password_len) COFFER_WUR;

/** coffer_client_logout(c): end the session on the server (best effort)
 * and forget the token. The device keys and the state stay. Returns 0 or
 * COFFER_ERR_IO. */
COFFER_API int coffer_client_logout(struct coffer_client *c) COFFER_WUR;

/** coffer_client_status(c, st): what the home holds, into ${st} (no
 * server call): the account, this device, whether the device list it
 * pinned lists it (trusted, listed), whether it waits on a pairing, or
 * was removed, and a refused device list. Returns 0, COFFER_ERR_INVALID,
 * or an error of the home. */
COFFER_API int coffer_client_status(struct coffer_client *c,
    struct coffer_client_status *st) COFFER_WUR;

/** coffer_client_pair_start(c, code): on a new device, signed in and not
 * yet listed: open a pairing on the server and send its first message
 * (docs/PROTOCOL-devices.md §4), and put the one-time code the user must
 * type on a trusted device in ${code} ("12345-67890"; it never leaves this
 * device but through the user). A pairing an earlier run left open is
 * ended first. Then call coffer_client_pair_wait. Returns 0,
 * COFFER_ERR_INVALID, COFFER_ERR_STATE (no account or device; listed
 * already; removed), COFFER_ERR_CONFLICT (this device has a pairing open
 * that this home does not know of: it expires within 10 minutes), or a
 * server error. */
COFFER_API int coffer_client_pair_start(struct coffer_client *c,
    char code[COFFER_CLIENT_PAIR_CODE_LEN]) COFFER_WUR;

/** coffer_client_pair_wait(c, timeout_s, cancel): after
 * coffer_client_pair_start, wait (polling the server about once a second)
 * for the trusted device to answer with the code, for at most ${timeout_s}
 * seconds (0, or more than 600: 600, the pairing's life) or until
 * *${cancel} (may be NULL) becomes nonzero; check its answer, confirm,
 * and take the device list head it sends through the channel, which must
 * list this device; then take this device's grant of the root. On
 * success this device is trusted. Any failure ends the pairing (the code
 * is spent) and wipes its secrets. Returns 0, COFFER_ERR_AUTH ("pairing
 * failed: the code did not match; start again on the new device", or an
 * answer that does not hold), COFFER_ERR_CANCELLED, COFFER_ERR_STATE (no
 * pairing started; the time ran out; listed but the grant has not
 * arrived: sync later), or a server error. */
COFFER_API int coffer_client_pair_wait(struct coffer_client *c,
    unsigned timeout_s, const volatile sig_atomic_t *cancel) COFFER_WUR;

/** coffer_client_device_approve(c, device_id, code): on a trusted device,
 * answer the pairing of the new device ${device_id} (NULL: the one device
 * waiting) with the ${code} it shows (ten digits, with or without the
 * dash): CPace over the server with that code, the new device's card
 * checked not listed, its confirmation checked; then append the device
 * list entry that adds it (signed by the account key), store its grant of
 * the root, and send it the new head sealed under the channel key. Waits
 * for the new device's answer up to the pairing's life (10 minutes).
 * Any failure ends the pairing. Returns 0, COFFER_ERR_INVALID (a
 * malformed code; several devices wait and none is named),
 * COFFER_ERR_NOTFOUND (no such device waits), COFFER_ERR_STATE (this
 * device is not approved; the new one is listed already),
 * COFFER_ERR_AUTH ("pairing failed: the code did not match; ..."), or a
 * server or list error. */
COFFER_API int coffer_client_device_approve(struct coffer_client *c,
    const uint8_t *device_id, const char *code) COFFER_WUR;

/* A device of the account, as coffer_client_device_list reports it. */
struct coffer_client_device {
	uint8_t		id[COFFER_CLIENT_DEVICE_ID_BYTES];
	int		listed;		/* in the device list head; else
					   registered and waiting */
	int		self;		/* this device */
	char		name[COFFER_CLIENT_NAME_MAX + 1];	/* "" if none */
	uint64_t	added_seq;	/* listed: the entry that added it */
	uint64_t	added_time;	/* listed: when (Unix seconds, the
					   approver's clock) */
	uint8_t		approver[COFFER_CLIENT_DEVICE_ID_BYTES];
};

/** Called by coffer_client_device_list for each device; nonzero stops. */
typedef int (*coffer_client_device_fn)(void *arg,
    const struct coffer_client_device *d);

/** coffer_client_device_list(c, fn, arg): refresh the device list, then
 * call ${fn} for each device its head lists (with its name, if any) and
 * for each device registered with the server that it does not list
 * (waiting for approval). Only a trusted device can. Returns 0, what
 * ${fn} returned, COFFER_ERR_STATE (not approved), COFFER_ERR_AUTH (a
 * refused list, or names that do not open), or a server error. */
COFFER_API int coffer_client_device_list(struct coffer_client *c,
    coffer_client_device_fn fn, void *arg) COFFER_WUR;

/* What coffer_client_device_remove did. */
struct coffer_client_removal {
	int		listed;		/* 1: removed from the device list, the
					   keys rolled; 0: a device that was
					   registered but not listed, whose
					   registration was deleted */
	uint32_t	epoch;		/* listed: the epoch the keys rolled to */
	char		name[COFFER_CLIENT_NAME_MAX + 1]; /* its name, "" if
					   none */
};

/** coffer_client_device_remove(c, device_id, out): on a trusted device,
 * remove the device ${device_id} (docs/PROTOCOL-devices.md §6): new keys
 * for the account (root, account key, a new version of every category
 * key) kept in a journal in the home, stored in the keychain wrapped
 * under the new root with every older category key, a grant of the new
 * root for every remaining device, then the remove entry appended (the
 * server then ends the removed device's sessions). A run cut short
 * resumes at the next run that uses keys. The removed device can read
 * nothing written after. A device registered with the server but not in
 * the list has its registration deleted instead. ${out} (may be NULL):
 * what was done. Returns 0, COFFER_ERR_INVALID, COFFER_ERR_STATE (this
 * device itself: "to leave, remove this device from another trusted
 * device"; not approved), COFFER_ERR_NOTFOUND (neither listed nor
 * registered), COFFER_ERR_CONFLICT (another change to the list came
 * first: nothing was committed, try again), or a server, list or
 * keychain error. */
COFFER_API int coffer_client_device_remove(struct coffer_client *c,
    const uint8_t device_id[COFFER_CLIENT_DEVICE_ID_BYTES],
    struct coffer_client_removal *out) COFFER_WUR;

/** coffer_client_device_rename(c, device_id, name): on a trusted device,
 * name the listed device ${device_id} (NULL: this one) ${name}: a rename
 * entry whose only change is the names table, sealed so that the server
 * never reads it. ${name} is 1 to COFFER_CLIENT_NAME_MAX bytes of UTF-8
 * with no control, line separator or bidirectional formatting character
 * (it is taken as given: the caller normalises it, to NFC, if it wants).
 * Returns 0, COFFER_ERR_INVALID (a name that is refused), COFFER_ERR_STATE
 * (not approved), COFFER_ERR_NOTFOUND (not listed), COFFER_ERR_CONFLICT,
 * or a server or list error. */
COFFER_API int coffer_client_device_rename(struct coffer_client *c,
    const uint8_t *device_id, const char *name) COFFER_WUR;

/* Kinds of coffer_client_change. */
#define COFFER_CLIENT_CHANGE_ADDED	1
#define COFFER_CLIENT_CHANGE_REMOVED	2
#define COFFER_CLIENT_CHANGE_RENAMED	3

/* A change to the account's devices: one device list entry. Names are
 * "" where this device cannot open them (an older epoch's). */
struct coffer_client_change {
	uint64_t	seq;		/* the entry's */
	int		kind;		/* COFFER_CLIENT_CHANGE_* */
	uint64_t	time;		/* Unix seconds, the actor's clock */
	uint32_t	epoch;		/* after the entry */
	uint8_t		actor[COFFER_CLIENT_DEVICE_ID_BYTES];
	char		actor_name[COFFER_CLIENT_NAME_MAX + 1];
	uint8_t		subject[COFFER_CLIENT_DEVICE_ID_BYTES];
	char		subject_name[COFFER_CLIENT_NAME_MAX + 1];
};

/** Called by coffer_client_device_changes for each change; nonzero
 * stops. */
typedef int (*coffer_client_change_fn)(void *arg,
    const struct coffer_client_change *ch);

/** coffer_client_device_changes(c, fn, arg, head): refresh the device
 * list, then call ${fn} for every device added, removed or renamed
 * after the head this home last showed the user, oldest first
 * (docs/PROTOCOL-devices.md §8; changes this device made count as
 * shown). *${head} (may be NULL): the pinned head's seq, to pass to
 * coffer_client_device_changes_shown once they are shown. Nothing is
 * remembered. Returns 0, what ${fn} returned, COFFER_ERR_STATE (not
 * approved, or removed), COFFER_ERR_AUTH (a refused list: see
 * coffer_client_status's refusal), or a server error. */
COFFER_API int coffer_client_device_changes(struct coffer_client *c,
    coffer_client_change_fn fn, void *arg, uint64_t *head) COFFER_WUR;

/** coffer_client_device_changes_shown(c, head): remember the head of seq
 * ${head} (from coffer_client_device_changes) as shown: its changes are
 * not reported again. A seq past the pinned head is refused. Returns 0,
 * COFFER_ERR_INVALID, or an error of the home. */
COFFER_API int coffer_client_device_changes_shown(struct coffer_client *c,
    uint64_t head) COFFER_WUR;

/** coffer_client_sync(c): refresh the device list, then bring the
 * keychain and every zone this home knows up to date. Returns 0,
 * COFFER_ERR_AUTH (the server showed a device list this device refuses:
 * a rollback, a fork, an entry not signed by the account key; or a record
 * that does not open, an older one than seen (a deleted record or backup
 * ref put back among them), other bytes at a counter seen, or one moved
 * from elsewhere), COFFER_ERR_STATE (this device was removed), or a
 * server error. */
COFFER_API int coffer_client_sync(struct coffer_client *c) COFFER_WUR;

/** coffer_client_sync_count(c, changed, zones): coffer_client_sync, and
 * how many records of the synced zones (the keychain aside) were new,
 * changed or deleted since the home last saw them, into *${changed}, and
 * in how many zones, into *${zones} (either may be NULL; both are set,
 * to what was counted so far, also on an error). A zone whose change
 * token the server refused is read again from the start, and all its
 * records count. Returns as coffer_client_sync. */
COFFER_API int coffer_client_sync_count(struct coffer_client *c,
    uint64_t *changed, uint64_t *zones) COFFER_WUR;

/** Merge callback of coffer_client_record_update: given the server's
 * current payload and the caller's, append the merged payload to ${out}.
 * Return 0, or an error that the update then returns. */
typedef int (*coffer_record_merge_fn)(void *arg, const uint8_t *theirs,
    size_t theirs_len, const uint8_t *mine, size_t mine_len,
    struct coffer_buf *out);

/** Called by coffer_client_record_list for each live record; nonzero
 * stops the listing and is returned. */
typedef int (*coffer_record_fn)(void *arg,
    const uint8_t id[COFFER_RECORD_ID_BYTES], uint64_t version,
    const uint8_t *data, size_t len);

/* Records live in zones named by a category (coffer/category.h: one that
 * holds generic records, coffer_category_is_generic: "notes",
 * "reminders", "bookmarks"...; not "keychain" or "backup") and a zone name
 * (NULL: "default"), made on first use. */

/** coffer_client_record_create(c, category, zone, data, len, id): seal
 * ${len} bytes (at most COFFER_RECORD_MAX) as a new record with a random id,
 * returned in ${id}. Returns 0, COFFER_ERR_INVALID, COFFER_ERR_STATE (this
 * device is not approved yet), COFFER_ERR_QUOTA, or a server error. */
COFFER_API int coffer_client_record_create(struct coffer_client *c,
    const char *category, const char *zone, const uint8_t *data, size_t len,
    uint8_t id[COFFER_RECORD_ID_BYTES]) COFFER_WUR;

/** coffer_client_record_get(c, category, zone, id, out, version): read the
 * record from the server, check it, append its payload to ${out} and set
 * *${version} (may be NULL). Returns 0, COFFER_ERR_NOTFOUND (none, or
 * deleted), COFFER_ERR_AUTH (it does not open, is older than a version seen
 * before (also: deleted before and put back), is other bytes at a counter
 * seen before, or belongs elsewhere; ${out} is unchanged), or as
 * create. */
COFFER_API int coffer_client_record_get(struct coffer_client *c,
    const char *category, const char *zone,
    const uint8_t id[COFFER_RECORD_ID_BYTES], struct coffer_buf *out,
    uint64_t *version) COFFER_WUR;

/** coffer_client_record_update(c, category, zone, id, data, len, merge,
 * arg): replace the record's payload, if it is still at the version this
 * home last saw. If another device changed it meanwhile: with ${merge}
 * NULL, COFFER_ERR_CONFLICT (the home now holds the new version: read it
 * and try again); else ${merge} is called with both payloads and its
 * result written. Returns 0, COFFER_ERR_CONFLICT, COFFER_ERR_NOTFOUND, or
 * as get. */
COFFER_API int coffer_client_record_update(struct coffer_client *c,
    const char *category, const char *zone,
    const uint8_t id[COFFER_RECORD_ID_BYTES], const uint8_t *data, size_t len,
    coffer_record_merge_fn merge, void *arg) COFFER_WUR;

/** coffer_client_record_delete(c, category, zone, id): delete the record:
 * a sealed tombstone written over it, which every device that syncs takes
 * as the record's newest counter, so the old record put back is a replay.
 * Returns 0, COFFER_ERR_NOTFOUND (none, or deleted already),
 * COFFER_ERR_CONFLICT (changed since last seen: the home now holds the
 * new version), or as get. */
COFFER_API int coffer_client_record_delete(struct coffer_client *c,
    const char *category, const char *zone,
    const uint8_t id[COFFER_RECORD_ID_BYTES]) COFFER_WUR;

/** coffer_client_record_list(c, category, zone, fn, arg): sync the zone,
 * then call ${fn} for each live record of the home's copy. Returns 0, what
 * ${fn} returned, or as coffer_client_sync. */
COFFER_API int coffer_client_record_list(struct coffer_client *c,
    const char *category, const char *zone, coffer_record_fn fn, void *arg)
    COFFER_WUR;

/** coffer_client_backup_store(c, set_name, store): the storage of the
 * backup set ${set_name} (NULL: "default") on the server, in *${store}:
 * blobs (/v1/blobs, four transfers in flight) and refs (the records of
 * the set's zone, category "backup"; a deleted ref is a sealed tombstone,
 * and a ref put back after it is refused, COFFER_ERR_AUTH, by a listing
 * on any device that saw the tombstone). It may be used from several threads
 * while ${c} lives; release it with coffer_client_backup_store_close.
 * Returns 0, COFFER_ERR_STATE (not approved yet), COFFER_ERR_NOMEM, or a
 * server error. */
COFFER_API int coffer_client_backup_store(struct coffer_client *c,
    const char *set_name, struct coffer_bstore *store) COFFER_WUR;

/** coffer_client_backup_store_close(store): release what
 * coffer_client_backup_store made; accepts a zeroed or closed store. */
COFFER_API void coffer_client_backup_store_close(struct coffer_bstore *store);

/** coffer_client_backup_keys(c, set_name, keys, max, n): copies of every
 * version of the zone key of the backup set ${set_name} (symmetric), the
 * key ring the backup engine opens the set with (coffer_backup_open):
 * the version of this device's epoch (made on the set's first use in it)
 * and each older one the set was written under, so that what was backed
 * up before a device's removal stays readable while new objects use the
 * version the removed device never held. Into ${keys}[0..*${n}), oldest
 * first, at most ${max}; free each with coffer_key_free. Returns 0,
 * COFFER_ERR_INVALID, COFFER_ERR_TOOBIG (more than ${max} versions;
 * nothing is returned) or as coffer_client_backup_store. */
COFFER_API int coffer_client_backup_keys(struct coffer_client *c,
    const char *set_name, struct coffer_key **keys, size_t max, size_t *n)
    COFFER_WUR;

/** coffer_client_backup_signer(c, set_name, out): the signer of the
 * backup set ${set_name} (NULL: "default") for coffer_backup_set_signer:
 * forgets are signed with the account key this device holds and bound
 * to the set's zone id; a FORGET counts when its key is the account key
 * of an entry of the device list this device verified (any epoch it
 * saw). ${out} uses ${c}, which must outlive the repository handle.
 * Returns 0, COFFER_ERR_INVALID, COFFER_ERR_STATE (not approved yet),
 * COFFER_ERR_NOMEM or a server error. */
COFFER_API int coffer_client_backup_signer(struct coffer_client *c,
    const char *set_name, struct coffer_backup_signer *out) COFFER_WUR;

#endif

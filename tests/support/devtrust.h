/* What the device-trust route tests share (test_devicelist.c,
 * test_pairings.c): devices with their cards, more sessions of an
 * account, registering a card, binding a session (the signature of
 * docs/PROTOCOL-devices.md §5), and an account's device list made with
 * lib/keys/devlist.h (account keys from coffer_keychain_key_generate), so
 * that tests append real, signed entries. Every function asserts
 * (cmocka) rather than returning errors. */
#ifndef COFFER_TEST_DEVTRUST_H
#define COFFER_TEST_DEVTRUST_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include <coffer/buf.h>
#include <coffer/device.h>
#include <coffer/key.h>

#include "account.h"
#include "keys/devlist.h"
#include "server_harness.h"

/* A device: its keys, its card's bytes, its id (bytes and hex). */
struct dt_device {
	struct coffer_device	*d;
	uint8_t			 card[COFFER_DEVICE_CARD_BYTES];
	uint8_t			 id[COFFER_WIRE_ID_BYTES];
	char			 hex[COFFER_WIRE_ID_HEX + 1];
};

/** dt_device_new(v), dt_device_free(v): a fresh device; its release. */
void dt_device_new(struct dt_device *v);
void dt_device_free(struct dt_device *v);

/** dt_session(s, account, claim, out): another session of the account
 * whose hex id is ${account} (cofferd-test's POST /v1/_test/session/
 * {account}), naming the device ${claim} as sign-in would (NULL: none);
 * in ${out}, as test_account_new gives one. */
void dt_session(struct srv *s, const char *account,
    const struct dt_device *claim, struct test_account *out);

/** dt_register(s, a, v): register ${v}'s card with ${a}'s session (201,
 * or 200 when it was). */
void dt_register(struct srv *s, const struct test_account *a,
    const struct dt_device *v);

/** dt_bind_body(a, v, context, out, size): the body of PUT
 * /v1/sessions/current/device that binds ${a}'s session to ${v}, signed
 * for ${context} (the right one is "coffer/session-device/v1"). */
void dt_bind_body(const struct test_account *a, const struct dt_device *v,
    const char *context, char *out, size_t size);

/** dt_bind(s, a, v): bind ${a}'s session to ${v}: must answer 200.
 * Returns its "restricted". */
int dt_bind(struct srv *s, const struct test_account *a,
    const struct dt_device *v);

/** dt_restricted(s, a): GET /v1/account's "restricted" for ${a}. */
int dt_restricted(struct srv *s, const struct test_account *a);

/* An account's device list as its devices keep it: the head, its
 * devices, the account key in force. */
struct dt_chain {
	uint8_t			 account[COFFER_WIRE_ID_BYTES];
	struct coffer_key	*acct;		/* the head's account key */
	struct coffer_key	*old;		/* the one a removal ended (what
						   the removed device holds) */
	uint8_t			 pk[COFFER_PUBLIC_BYTES];
	uint8_t			 commit[32];	/* the head's root commit */
	uint32_t		 epoch;
	struct devlist_device	 devs[DEVLIST_DEVICES_MAX];
	size_t			 n;
	uint64_t		 seq;		/* 0: no list */
	uint8_t			 hash[DEVLIST_HASH_BYTES];
};

/* What an entry may be made to get wrong (zero: nothing). */
struct dt_tweak {
	const struct coffer_key	*signer;	/* another signer */
	const uint8_t		*prev;		/* another prev */
	uint64_t		 seq;		/* another seq */
	const uint8_t		*account;	/* another account */
};

/** dt_chain_init(c, account), dt_chain_free(c): no list yet, of the
 * account whose hex id is ${account}; its release. */
void dt_chain_init(struct dt_chain *c, const char *account);
void dt_chain_free(struct dt_chain *c);

/** dt_entry(c, kind, actor, subject, t, keep): the next entry of ${c}:
 * a genesis by ${actor}, an add or remove of ${subject} by ${actor} (a
 * remove with a new account key and root: a new epoch), a rename by
 * ${actor}; made as ${t} says (NULL: right). With ${keep}, ${c} takes it
 * as its head. Returns its bytes (coffer_buf_free them). */
struct coffer_buf *dt_entry(struct dt_chain *c, enum devlist_kind kind,
    const struct dt_device *actor, const struct dt_device *subject,
    const struct dt_tweak *t, int keep);

/** dt_put_body(entry, seq, path): the JSON body of PUT
 * /v1/devicelist/{seq} of ${entry} (free it), and that path in ${path}. */
char *dt_put_body(const struct coffer_buf *entry, uint64_t seq,
    char path[64]);

/** dt_put(s, a, seq, entry, status): PUT /v1/devicelist/{seq} of
 * ${entry} with ${a}'s session; the answer (json_decref it), its status
 * in *${status}. */
json_t *dt_put(struct srv *s, const struct test_account *a, uint64_t seq,
    const struct coffer_buf *entry, long *status);

/** dt_head(s, a): the stored head's seq, as GET /v1/devicelist says. */
uint64_t dt_head(struct srv *s, const struct test_account *a);

#endif

/* The fixture of the client tests (test_client_*.c): one real cofferd on
 * loopback with cheap OPAQUE key stretching, and client homes in a
 * temporary folder.
 *
 *	int main(void) {
 *		...
 *		return cmocka_run_group_tests(tests, client_fx_setup,
 *		    client_fx_teardown);
 *	}
 *	... c = client_fx_open(home) after client_fx_home(home, size) ... */
#ifndef COFFER_TEST_CLIENT_FIXTURE_H
#define COFFER_TEST_CLIENT_FIXTURE_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <coffer/client.h>
#include <coffer/err.h>

#include "server_harness.h"

/* A password literal as (pointer, length). */
#define PW(s)	(const uint8_t *)(s), strlen(s)

/** client_fx_setup(state): a cmocka group setup: a temporary folder and
 * a cofferd in it (opaque_t_cost 1, opaque_m_cost 1024,
 * login_failures_account 50). Returns 0 or -1. */
int client_fx_setup(void **state);

/** client_fx_teardown(state): the matching group teardown: stop the
 * server, remove the folder. Returns 0, or -1 if the server did not stop
 * cleanly. */
int client_fx_teardown(void **state);

/** client_fx_server(): the server clients are opened on. */
struct srv *client_fx_server(void);

/** client_fx_use_server(s): open clients on ${s} from now on (a test's
 * own server). Returns the one used until now, to be put back. */
struct srv *client_fx_use_server(struct srv *s);

/** client_fx_tmp(): the temporary folder. */
const char *client_fx_tmp(void);

/** client_fx_home(out, cap): a new home folder path (not made yet) under
 * the temporary folder. */
void client_fx_home(char *out, size_t cap);

/** client_fx_open(home): a client of the server on the home ${home}
 * (first back-off 20 ms), or NULL. */
struct coffer_client *client_fx_open(const char *home);

/** client_fx_login(out, cap, tag): a login name nobody used yet on this
 * server: ${tag}, a counter and the process id. */
void client_fx_login(char *out, size_t cap, const char *tag);

/** client_fx_pair_with(n, e, mangle, approve_r, wait_r): pair the
 * signed-in new device ${n} with the trusted device ${e}: ${n} starts and
 * waits in a thread of its own while ${e} approves with the code, changed
 * first by ${mangle} (may be NULL). The approval's result into
 * *${approve_r}, the wait's into *${wait_r} (either may be NULL). Returns
 * 0, or the first error of the two. */
int client_fx_pair_with(struct coffer_client *n, struct coffer_client *e,
    void (*mangle)(char *code), int *approve_r, int *wait_r);

/** client_fx_pair(n, e): client_fx_pair_with, the code unchanged. */
int client_fx_pair(struct coffer_client *n, struct coffer_client *e);

/** client_fx_device(home, cap, login, approver): another device of the
 * account ${login} (password "pw") on a new home, its path into ${home}:
 * signed in, paired with the trusted device ${approver}, synced. Returns
 * the client, or NULL. */
struct coffer_client *client_fx_device(char *home, size_t cap,
    const char *login, struct coffer_client *approver);

/* The payloads a record listing gave (the first 8, each under 64 bytes),
 * and how many there were. */
struct client_fx_seen {
	unsigned	n;
	char		text[8][64];
};

/** client_fx_collect(arg, id, version, data, len): a coffer_client_record_list
 * callback that keeps the payload in the client_fx_seen ${arg}. */
int client_fx_collect(void *arg, const uint8_t id[COFFER_RECORD_ID_BYTES],
    uint64_t version, const uint8_t *data, size_t len);

/** client_fx_has(s, text): 1 if ${s} holds the payload ${text}. */
int client_fx_has(const struct client_fx_seen *s, const char *text);

/** client_fx_three(tag, h1, h2, h3, login, laptop, phone, tablet, ph, tb):
 * an account of three devices (login from ${tag}, 64 bytes), the laptop
 * first, the phone and the tablet paired with it (homes of 4096 bytes),
 * and the status of the phone and the tablet. Aborts on failure. */
void client_fx_three(const char *tag, char *h1, char *h2, char *h3,
    char *login, struct coffer_client **laptop, struct coffer_client **phone,
    struct coffer_client **tablet, struct coffer_client_status *ph,
    struct coffer_client_status *tb);

#endif

/* Device trust against a hostile server: the client through a proxy that
 * plays the operator (evil_proxy.h, EVIL_HOOK), with the real cofferd
 * behind it. Each attack of docs/THREATS.md DEV-* is refused with a clear
 * message, and nothing is granted or decrypted:
 *   - the card swap: the operator puts a card of its own, under the new
 *     device's id, into step 1 of a pairing;
 *   - the forged approval: a grant of a root the operator made, sealed to
 *     the new device, signed by a key of its own;
 *   - grinding: the relay answers with CPace messages for a guessed code,
 *     to the new device and to the approving one; and the code never
 *     crosses the server;
 *   - a replayed older device list, a fork at a seq the device verified,
 *     an entry not signed by the account key: refused and remembered until
 *     a valid extension arrives;
 *   - an account with a keychain but no list: refused; and the first
 *     device's genesis, cut short, resumes from its journal;
 * and two approvals racing to append: the second makes its entry again;
 * two first devices racing to make the list: the loser pairs. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>
#include <sodium.h>

#include <coffer/encoding.h>
#include <coffer/keychain.h>
#include <coffer/sign.h>

#include "auth/cpace.h"
#include "client/client_internal.h"
#include "client_fixture.h"
#include "evil_proxy.h"
#include "keys/devlist.h"
#include "keys/grant.h"
#include "keys/pairmsg.h"

#define CARD		COFFER_DEVICE_CARD_BYTES
#define LOG_CAP		((size_t)8 << 20)
#define PAIR_CI		"coffer/pair/v1"
#define GUESS		"0000000000"

static struct evil *E;

/* What the operator does (the hook's mode), and what it saw. */
enum mode {
	M_LOG,		/* pass, and keep every body */
	M_CARD_SWAP,	/* step 1: its own card under the new device's id */
	M_FORGE_GRANT,	/* the grant E stores: the operator's root and key */
	M_GRIND_N,	/* step 2 for N: its own CPace run with a guess */
	M_GRIND_E,	/* step 1 for E: its own Ya; step 3: its own Ta */
	M_LIST,		/* GET /v1/devicelist: the answer in list_answer */
	M_RACE,		/* before E appends: another device is added */
	M_FIRST_RACE,	/* before A makes its keychain zone: B signs in */
};

static struct {
	pthread_mutex_t		 mu;
	enum mode		 mode;
	struct coffer_device	*op;		/* the operator's device */
	uint8_t			 opcard[CARD];	/* its card */
	uint8_t			 account[COFFER_WIRE_ID_BYTES];
	/* Step 1 as N sent it, and the operator's CPace run. */
	int			 have1;
	uint8_t			 id[PAIRMSG_ID_BYTES];
	uint8_t			 ya[CPACE_ELEMENT_BYTES];
	uint8_t			 ncard[CARD];
	struct cpace		*cp;
	uint8_t			 opy[CPACE_ELEMENT_BYTES];
	/* Step 2 as E sent it. */
	int			 have2;
	uint8_t			 yb[CPACE_ELEMENT_BYTES];
	uint8_t			 ecard[CARD];
	unsigned		 forged;	/* messages the operator made */
	char			*list_answer;
	/* M_RACE: the pairing run while E waits for Ta, once. */
	struct coffer_client	*race_n, *race_e;
	int			 raced, race_r;
	const char		*race_login;
	char			*log;		/* every body, both ways */
	size_t			 loglen;
} Op = { .mu = PTHREAD_MUTEX_INITIALIZER };

static void
log_body(const struct evil_body *b)
{
	if (b->p == NULL || Op.loglen + b->len + 1 > LOG_CAP)
		return;
	memcpy(Op.log + Op.loglen, b->p, b->len);
	Op.loglen += b->len;
	Op.log[Op.loglen++] = '\n';
}

/* The pairing message in a body {"data": base64url}, into ${raw}. */
static int
body_msg(const struct evil_body *b, uint8_t *raw, size_t cap, size_t *len)
{
	json_error_t e;
	json_t *j = json_loadb((const char *)b->p, b->len, 0, &e);
	const char *s;
	int r = -1;

	if (j != NULL && (s = json_string_value(json_object_get(j,
	    "data"))) != NULL)
		r = coffer_b64url_decode(raw, cap, len, s, strlen(s));
	json_decref(j);
	return r;
}

/* Replace the body with {"data": base64url of ${raw}} (and ${extra}'s
 * other fields, if any). */
static void
set_msg(struct evil_body *b, const uint8_t *raw, size_t len, json_t *extra)
{
	char b64[COFFER_B64URL_LEN(PAIRMSG_HEAD_MAX)];
	json_t *j = extra != NULL ? json_deep_copy(extra) : json_object();
	char *s;

	assert_int_equal(coffer_b64url_encode(b64, sizeof(b64), raw, len), 0);
	json_object_set_new(j, "data", json_string(b64));
	assert_non_null(s = json_dumps(j, JSON_COMPACT));
	json_decref(j);
	free(b->p);
	b->p = (uint8_t *)s;
	b->len = strlen(s);
}

static void
set_text(struct evil_body *b, const char *text)
{
	free(b->p);
	assert_non_null(b->p = (uint8_t *)strdup(text));
	b->len = strlen(text);
}

/* The step of a pairing path "/v1/pairings/ID/STEP", 0 if none. */
static unsigned
step_of(const char *path)
{
	const char *p;

	if (strncmp(path, "/v1/pairings/", 13) != 0 ||
	    (p = strchr(path + 13, '/')) == NULL)
		return 0;
	return (unsigned)atoi(p + 1);
}

static void
pair_ci(uint8_t *ci, const uint8_t *id)
{
	memcpy(ci, PAIR_CI, sizeof(PAIR_CI) - 1);
	memcpy(ci + sizeof(PAIR_CI) - 1, Op.account, COFFER_WIRE_ID_BYTES);
	memcpy(ci + sizeof(PAIR_CI) - 1 + COFFER_WIRE_ID_BYTES, id,
	    PAIRMSG_ID_BYTES);
}

/* Encode pairing message ${m} into the body. */
static void
put_msg(struct evil_body *b, const struct pairmsg *m)
{
	struct coffer_buf *out = coffer_buf_new(PAIRMSG_MAX);

	assert_non_null(out);
	assert_int_equal(pairmsg_encode(out, m), 0);
	set_msg(b, coffer_buf_data(out), coffer_buf_len(out), NULL);
	coffer_buf_free(&out);
	Op.forged++;
}

/* N's step 1 on its way: kept; in M_CARD_SWAP its card replaced, in
 * M_GRIND_E its share replaced by the operator's for the guess. */
static void
on_step1(struct evil_body *b)
{
	uint8_t raw[PAIRMSG_MAX], ci[sizeof(PAIR_CI) - 1 + 32];
	struct pairmsg m;
	size_t len;

	if (body_msg(b, raw, sizeof(raw), &len) != 0 ||
	    pairmsg_parse(&m, raw, len) != 0)
		return;
	Op.have1 = 1;
	memcpy(Op.id, m.pairing, sizeof(Op.id));
	memcpy(Op.ya, m.point, sizeof(Op.ya));
	memcpy(Op.ncard, m.card_raw, CARD);
	if (Op.mode == M_CARD_SWAP) {
		/* The operator's keys under N's id, self-signed: a card
		 * that parses and names the device the pairing is for. */
		memcpy(m.card_raw, Op.opcard, CARD);
		memcpy(m.card_raw + 5, Op.ncard + 5, COFFER_WIRE_ID_BYTES);
		assert_int_equal(coffer_sign(m.card_raw + 93,
		    coffer_device_sign_key(Op.op), "coffer/device-card/v1",
		    m.card_raw, 93), 0);
		put_msg(b, &m);
	} else if (Op.mode == M_GRIND_E) {
		pair_ci(ci, m.pairing);
		cpace_free(&Op.cp);
		assert_int_equal(cpace_start(&Op.cp, Op.opy, CPACE_INITIATOR,
		    (const uint8_t *)GUESS, 10, ci, sizeof(ci), m.pairing,
		    PAIRMSG_ID_BYTES), 0);
		memcpy(m.point, Op.opy, sizeof(m.point));
		put_msg(b, &m);
	}
}

/* E's step 2 on its way: kept. */
static void
on_step2(struct evil_body *b)
{
	uint8_t raw[PAIRMSG_MAX];
	struct pairmsg m;
	size_t len;

	if (body_msg(b, raw, sizeof(raw), &len) != 0 ||
	    pairmsg_parse(&m, raw, len) != 0)
		return;
	Op.have2 = 1;
	memcpy(Op.yb, m.point, sizeof(Op.yb));
	memcpy(Op.ecard, m.card_raw, CARD);
}

/* What N reads as step 2 in M_GRIND_N: the operator's answer for a
 * guessed code, with its own card. */
static void
grind_n(struct evil_body *b, long *status)
{
	uint8_t ci[sizeof(PAIR_CI) - 1 + 32], isk[CPACE_ISK_BYTES];
	struct pairmsg m;

	if (!Op.have1)
		return;
	memset(&m, 0, sizeof(m));
	pair_ci(ci, Op.id);
	cpace_free(&Op.cp);
	assert_int_equal(cpace_start(&Op.cp, m.point, CPACE_RESPONDER,
	    (const uint8_t *)GUESS, 10, ci, sizeof(ci), Op.id,
	    PAIRMSG_ID_BYTES), 0);
	assert_int_equal(cpace_finish(Op.cp, isk, Op.ya, sizeof(Op.ya),
	    Op.ncard, CARD, Op.opcard, CARD), 0);
	m.step = PAIRMSG_STEP_E_HELLO;
	memcpy(m.pairing, Op.id, sizeof(m.pairing));
	memcpy(m.card_raw, Op.opcard, CARD);
	assert_int_equal(cpace_tag(m.tag, isk, Op.id, PAIRMSG_ID_BYTES,
	    m.point, Op.opcard, CARD), 0);
	put_msg(b, &m);
	*status = 200;
}

/* What E reads as step 3 in M_GRIND_E: Ta of the operator's run. */
static void
grind_e(struct evil_body *b, long *status)
{
	uint8_t isk[CPACE_ISK_BYTES];
	struct pairmsg m;

	if (!Op.have2 || Op.cp == NULL)
		return;
	memset(&m, 0, sizeof(m));
	assert_int_equal(cpace_finish(Op.cp, isk, Op.yb, sizeof(Op.yb),
	    Op.ncard, CARD, Op.ecard, CARD), 0);
	m.step = PAIRMSG_STEP_N_CONFIRM;
	memcpy(m.pairing, Op.id, sizeof(m.pairing));
	assert_int_equal(cpace_tag(m.tag, isk, Op.id, PAIRMSG_ID_BYTES,
	    Op.opy, Op.ncard, CARD), 0);
	put_msg(b, &m);
	*status = 200;
}

/* A keychain record E writes that is a grant: replaced by one of a root
 * the operator made, sealed to the same device, signed by its own key. */
static void
forge_grant(struct evil_body *b)
{
	uint8_t raw[4096], nonce[24], eph[32];
	struct coffer_key *root = NULL, *signer = NULL;
	struct coffer_buf *out = coffer_buf_new(GRANT_BYTES);
	json_error_t e;
	json_t *j;
	struct grant g;
	size_t len;

	assert_non_null(out);
	if (body_msg(b, raw, sizeof(raw), &len) != 0 ||
	    grant_parse(&g, raw, len) != 0)
		goto out;
	assert_int_equal(coffer_keychain_key_generate(&root, COFFER_ROLE_ROOT,
	    0, g.epoch), 0);
	assert_int_equal(coffer_keychain_key_generate(&signer,
	    COFFER_ROLE_ACCOUNT, 0, 1), 0);
	randombytes_buf(nonce, sizeof(nonce));
	randombytes_buf(eph, sizeof(eph));
	assert_int_equal(grant_make_det(out, &g, root, signer, nonce, eph), 0);
	assert_non_null(j = json_loadb((const char *)b->p, b->len, 0, &e));
	set_msg(b, coffer_buf_data(out), coffer_buf_len(out), j);
	json_decref(j);
	Op.forged++;
out:
	coffer_key_free(&root);
	coffer_key_free(&signer);
	coffer_buf_free(&out);
}

static void
hook(void *arg, const char *method, const char *path, const char *query,
    int answer, struct evil_body *b, long *status)
{
	unsigned step = step_of(path);
	int put = strcmp(method, "PUT") == 0, get = strcmp(method, "GET") == 0;

	(void)arg;
	(void)query;
	pthread_mutex_lock(&Op.mu);
	log_body(b);
	if (!answer && put && step == 1)
		on_step1(b);
	else if (!answer && put && step == 2)
		on_step2(b);
	else if (answer && get && step == 2 && Op.mode == M_GRIND_N)
		grind_n(b, status);
	else if (answer && get && step == 2 && Op.mode == M_GRIND_E) {
		/* N never sees E's answer: it waits until E ends it. */
		set_text(b, "{\"error\":\"no_such_object\",\"message\":\"x\"}");
		*status = 404;
	} else if (answer && get && step == 3 && Op.mode == M_GRIND_E)
		grind_e(b, status);
	else if (!answer && put && Op.mode == M_FORGE_GRANT &&
	    strncmp(path, "/v1/zones/", 10) == 0)
		forge_grant(b);
	else if (answer && get && step == 3 && Op.mode == M_RACE &&
	    *status == 200 && !Op.raced) {
		/* E has Ta and is about to append: another trusted device
		 * appends first (its requests come through here too). */
		Op.raced = 1;
		pthread_mutex_unlock(&Op.mu);
		Op.race_r = client_fx_pair(Op.race_n, Op.race_e);
		return;
	} else if (!answer && put && Op.mode == M_FIRST_RACE && !Op.raced &&
	    strncmp(path, "/v1/zones/", 10) == 0 &&
	    strchr(path + 10, '/') == NULL) {
		/* The first device is about to make its keychain zone:
		 * another signs in now, finds no list and no keychain, and
		 * makes the genesis first. */
		Op.raced = 1;
		pthread_mutex_unlock(&Op.mu);
		Op.race_r = coffer_client_login(Op.race_n, Op.race_login,
		    PW("pw"));
		return;
	} else if (answer && get && Op.mode == M_LIST &&
	    strcmp(path, "/v1/devicelist") == 0 && Op.list_answer != NULL) {
		set_text(b, Op.list_answer);
		*status = 200;
	}
	pthread_mutex_unlock(&Op.mu);
}

static void
operator_does(enum mode m)
{
	struct evil_rule rule;

	pthread_mutex_lock(&Op.mu);
	Op.mode = m;
	/* Back to passing, what the attack did stays to be looked at. */
	if (m != M_LOG) {
		Op.have1 = Op.have2 = 0;
		Op.forged = 0;
		cpace_free(&Op.cp);
	}
	pthread_mutex_unlock(&Op.mu);
	memset(&rule, 0, sizeof(rule));
	rule.action = EVIL_HOOK;
	rule.times = -1;
	rule.hook = hook;
	evil_set(E, &rule);
}

static int
setup(void **state)
{
	struct coffer_buf *b;

	if (client_fx_setup(state) != 0 ||
	    evil_start(&E, srv_url(client_fx_server(), "")) != 0 ||
	    coffer_device_generate(&Op.op) != 0 ||
	    (b = coffer_buf_new(CARD)) == NULL)
		return -1;
	if (coffer_device_card_encode(b, Op.op) != 0)
		return -1;
	memcpy(Op.opcard, coffer_buf_data(b), CARD);
	coffer_buf_free(&b);
	if ((Op.log = malloc(LOG_CAP)) == NULL)
		return -1;
	operator_does(M_LOG);
	return 0;
}

static int
teardown(void **state)
{
	evil_stop(&E);
	cpace_free(&Op.cp);
	coffer_device_free(&Op.op);
	free(Op.log);
	free(Op.list_answer);
	return client_fx_teardown(state);
}

/* A client of ${home} that talks to the proxy. */
static struct coffer_client *
open_via(const char *home)
{
	struct coffer_client_opts o = { 0 };
	struct coffer_client *c = NULL;

	/* The test server's cheap key stretching. */
	o.ksf_min_t = 1;
	o.ksf_min_m = 1024;
	o.backoff_ms = 20;
	if (coffer_client_open(&c, evil_url(E), home, &o) != 0)
		return NULL;
	return c;
}

/* A new account: its first device *${a} and a second, signed in and not
 * approved, *${n} (homes into ${ha}, ${hn}). */
static void
account_pair(const char *tag, struct coffer_client **a, char *ha,
    struct coffer_client **n, char *hn, char *login)
{
	struct coffer_client_status st;

	client_fx_home(ha, 4096);
	client_fx_home(hn, 4096);
	client_fx_login(login, 64, tag);
	assert_non_null(*a = open_via(ha));
	assert_int_equal(coffer_client_account_create(*a, login, PW("pw")), 0);
	assert_non_null(*n = open_via(hn));
	assert_int_equal(coffer_client_login(*n, login, PW("pw")), 0);
	assert_int_equal(coffer_client_status(*n, &st), 0);
	assert_false(st.listed || st.trusted);
	memcpy(Op.account, st.account, sizeof(Op.account));
}

static struct coffer_client_status
status_of(struct coffer_client *c)
{
	struct coffer_client_status st;

	assert_int_equal(coffer_client_status(c, &st), 0);
	return st;
}

static int
count_one(void *arg, const uint8_t id[COFFER_RECORD_ID_BYTES],
    uint64_t version, const uint8_t *data, size_t len)
{
	(void)id;
	(void)version;
	(void)data;
	(void)len;
	++*(unsigned *)arg;
	return 0;
}

static void
says(struct coffer_client *c, const char *what)
{
	if (strstr(coffer_client_errmsg(c), what) == NULL)
		fail_msg("\"%s\" does not say \"%s\"", coffer_client_errmsg(c),
		    what);
}

/* N reads nothing of the account: it holds no key. */
static void
reads_nothing(struct coffer_client *n)
{
	unsigned k = 0;

	assert_int_equal(coffer_client_record_list(n, "notes", NULL,
	    count_one, &k), COFFER_ERR_STATE);
	assert_int_equal(k, 0);
	assert_null(n->root);
	assert_null(n->naming);
}

/* The operator's card under the new device's id in step 1: the ISK binds
 * both cards, so the two devices' sessions differ; the first tag checked
 * (N's of Tb) fails, the pairing ends, nothing is appended or granted. */
static void
test_card_swap(void **state)
{
	struct coffer_client *a, *n;
	char ha[4096], hn[4096], login[64];
	int ar = 0, wr = 0;

	(void)state;
	account_pair("swap", &a, ha, &n, hn, login);
	operator_does(M_CARD_SWAP);
	assert_int_equal(client_fx_pair_with(n, a, NULL, &ar, &wr),
	    COFFER_ERR_AUTH);
	operator_does(M_LOG);
	assert_true(Op.forged >= 1);
	assert_int_equal(ar, COFFER_ERR_AUTH);
	assert_int_equal(wr, COFFER_ERR_AUTH);
	says(n, "the code did not match; start again on the new device");
	says(a, "pairing failed");
	assert_int_equal(coffer_client_sync(a), 0);
	assert_int_equal(status_of(a).devlist_seq, 1);
	assert_false(status_of(n).listed);
	reads_nothing(n);
	coffer_client_free(&a);
	coffer_client_free(&n);
}

/* The operator replaces the grant E stores for N with one of its own
 * root, sealed to N, signed by its own key: N pins the head E sent (it
 * lists N) but refuses the grant, and holds no key. */
static void
test_forged_grant(void **state)
{
	struct coffer_client *a, *n;
	char ha[4096], hn[4096], login[64];
	int ar = 0, wr = 0;

	(void)state;
	account_pair("grant", &a, ha, &n, hn, login);
	operator_does(M_FORGE_GRANT);
	assert_int_equal(client_fx_pair_with(n, a, NULL, &ar, &wr),
	    COFFER_ERR_AUTH);
	operator_does(M_LOG);
	assert_int_equal(Op.forged, 1);
	assert_int_equal(ar, 0);
	assert_int_equal(wr, COFFER_ERR_AUTH);
	says(n, "this device's grant is refused");
	assert_true(status_of(n).listed);
	assert_false(status_of(n).trusted);
	assert_null(n->root);
	/* Again at the next sync: the forged grant is all there is. */
	assert_int_equal(coffer_client_sync(n), COFFER_ERR_AUTH);
	says(n, "grant is refused");
	assert_null(n->root);
	coffer_client_free(&a);
	coffer_client_free(&n);
}

/* The relay answers N's step 1 itself, with a CPace run for a guessed
 * code: N's check of Tb fails, the pairing is burned on the server (E
 * finds nothing to approve), and N holds nothing. */
static void
test_grind_new_device(void **state)
{
	struct coffer_client *a, *n;
	char ha[4096], hn[4096], login[64], code[COFFER_CLIENT_PAIR_CODE_LEN];

	(void)state;
	account_pair("grind-n", &a, ha, &n, hn, login);
	operator_does(M_GRIND_N);
	assert_int_equal(coffer_client_pair_start(n, code), 0);
	assert_int_equal(coffer_client_pair_wait(n, 30, NULL),
	    COFFER_ERR_AUTH);
	operator_does(M_LOG);
	assert_true(Op.forged >= 1);
	says(n, "the code did not match; start again on the new device");
	assert_false(status_of(n).waiting);
	assert_int_equal(coffer_client_device_approve(a, NULL, code),
	    COFFER_ERR_NOTFOUND);
	reads_nothing(n);
	assert_int_equal(status_of(a).devlist_seq, 1);
	coffer_client_free(&a);
	coffer_client_free(&n);
}

/* The relay plays N toward E: its own share for a guessed code in step
 * 1, then its own Ta. E's check of Ta fails, E ends the pairing and adds
 * nothing; N, which never saw E's answer, sees the pairing ended. */
static void
test_grind_approver(void **state)
{
	struct coffer_client *a, *n;
	char ha[4096], hn[4096], login[64];
	int ar = 0, wr = 0;

	(void)state;
	account_pair("grind-e", &a, ha, &n, hn, login);
	operator_does(M_GRIND_E);
	assert_int_equal(client_fx_pair_with(n, a, NULL, &ar, &wr),
	    COFFER_ERR_AUTH);
	operator_does(M_LOG);
	assert_true(Op.forged >= 2);
	assert_int_equal(ar, COFFER_ERR_AUTH);
	says(a, "pairing failed: the code did not match");
	assert_int_equal(wr, COFFER_ERR_AUTH);
	says(n, "start again on the new device");
	assert_int_equal(status_of(a).devlist_seq, 1);
	assert_false(status_of(n).listed);
	reads_nothing(n);
	coffer_client_free(&a);
	coffer_client_free(&n);
}

static char kept_code[COFFER_CLIENT_PAIR_CODE_LEN];

static void
keep_code(char *code)
{
	memcpy(kept_code, code, sizeof(kept_code));
}

static int
logged(const char *needle)
{
	size_t n = strlen(needle), i;

	for (i = 0; i + n <= Op.loglen; i++)
		if (memcmp(Op.log + i, needle, n) == 0)
			return 1;
	return 0;
}

/* The code is the new device's alone: drawn on it, typed on the other,
 * never sent. Nothing that crossed the server in a whole pairing holds
 * it, with or without its dash; and the pairing works through the same
 * proxy (the control: the log holds the pairing's messages). */
static void
test_code_never_sent(void **state)
{
	struct coffer_client *a, *n;
	char ha[4096], hn[4096], login[64], digits[11], hex[33];
	unsigned k = 0;
	size_t i;

	(void)state;
	account_pair("code", &a, ha, &n, hn, login);
	pthread_mutex_lock(&Op.mu);
	Op.loglen = 0;
	pthread_mutex_unlock(&Op.mu);
	assert_int_equal(client_fx_pair_with(n, a, keep_code, NULL, NULL), 0);
	assert_int_equal(coffer_client_record_list(n, "notes", NULL,
	    count_one, &k), 0);
	pthread_mutex_lock(&Op.mu);
	memcpy(digits, kept_code, 5);
	memcpy(digits + 5, kept_code + 6, 5);
	digits[10] = '\0';
	assert_int_equal(strlen(kept_code), 11);
	assert_false(logged(kept_code));
	assert_false(logged(digits));
	for (i = 0; i < sizeof(Op.id); i++)
		(void)snprintf(hex + 2 * i, 3, "%02x", Op.id[i]);
	assert_true(Op.have1 && Op.have2 && logged(hex));
	pthread_mutex_unlock(&Op.mu);
	coffer_client_free(&a);
	coffer_client_free(&n);
}

/* An entry after ${prev} that adds the operator's device, signed by the
 * operator's own key (the server holds no account key), as the body of
 * a list answer's entry (base64url, malloc'd). */
static char *
op_entry(const struct devlist_entry *prev, uint64_t seq)
{
	struct devlist_device devs[DEVLIST_DEVICES_MAX];
	struct coffer_key *signer = NULL;
	struct coffer_buf *b = coffer_buf_new(DEVLIST_ENTRY_MAX);
	struct devlist_draft d;
	char *b64;
	size_t n = COFFER_B64URL_LEN(DEVLIST_ENTRY_MAX);

	assert_non_null(b);
	assert_true(prev->ndevices < DEVLIST_DEVICES_MAX);
	memcpy(devs, prev->devices, prev->ndevices * sizeof(devs[0]));
	memset(&devs[prev->ndevices], 0, sizeof(devs[0]));
	assert_int_equal(coffer_device_card_parse(&devs[prev->ndevices].card,
	    Op.opcard, CARD), 0);
	memcpy(devs[prev->ndevices].raw, Op.opcard, CARD);
	devs[prev->ndevices].added_seq = seq;
	memcpy(devs[prev->ndevices].approver, prev->actor,
	    COFFER_WIRE_ID_BYTES);
	devs[prev->ndevices].added_time = prev->time + 1;
	assert_int_equal(coffer_keychain_key_generate(&signer,
	    COFFER_ROLE_ACCOUNT, 0, 1), 0);
	memset(&d, 0, sizeof(d));
	d.kind = DEVLIST_ADD;
	d.seq = seq;
	d.account = prev->account;
	d.prev = prev->hash;
	d.time = prev->time + 1;
	d.epoch = prev->epoch;
	d.account_pk = prev->account_pk;
	d.root_commit = prev->root_commit;
	d.actor = prev->actor;
	d.subject = coffer_device_id(Op.op);
	d.devices = devs;
	d.ndevices = prev->ndevices + 1;
	d.names = prev->names;
	d.names_len = prev->names_len;
	assert_int_equal(devlist_make(b, &d, signer), 0);
	assert_non_null(b64 = malloc(n));
	assert_int_equal(coffer_b64url_encode(b64, n, coffer_buf_data(b),
	    coffer_buf_len(b)), 0);
	coffer_key_free(&signer);
	coffer_buf_free(&b);
	return b64;
}

static char *
b64_of(const struct devlist_entry *e)
{
	size_t n = COFFER_B64URL_LEN(e->raw_len);
	char *b64 = malloc(n);

	assert_non_null(b64);
	assert_int_equal(coffer_b64url_encode(b64, n, e->raw, e->raw_len), 0);
	return b64;
}

/* The operator answers every GET /v1/devicelist with ${head} and the
 * entries (NULL-terminated base64url strings). */
static void
serve_list(uint64_t head, const char *const *entries)
{
	json_t *j = json_pack("{s:I,s:b,s:[]}", "head", (json_int_t)head,
	    "more", 0, "entries");
	size_t i;

	for (i = 0; entries[i] != NULL; i++)
		json_array_append_new(json_object_get(j, "entries"),
		    json_string(entries[i]));
	pthread_mutex_lock(&Op.mu);
	free(Op.list_answer);
	assert_non_null(Op.list_answer = json_dumps(j, JSON_COMPACT));
	pthread_mutex_unlock(&Op.mu);
	json_decref(j);
	operator_does(M_LIST);
}

/* ${c} refuses the list the operator serves: sync, a read and the device
 * list stop with COFFER_ERR_AUTH and ${why}; the refusal is remembered;
 * the pinned head stays at ${seq}. */
static void
refuses(struct coffer_client *c, const char *why, uint64_t seq)
{
	struct coffer_client_status st;
	unsigned k = 0;

	assert_int_equal(coffer_client_sync(c), COFFER_ERR_AUTH);
	says(c, why);
	assert_int_equal(coffer_client_record_list(c, "notes", NULL,
	    count_one, &k), COFFER_ERR_AUTH);
	says(c, "device list refused");
	assert_int_equal(k, 0);
	st = status_of(c);
	assert_int_equal(st.devlist_seq, seq);
	if (strstr(st.refusal, why) == NULL)
		fail_msg("the remembered refusal \"%s\" does not say \"%s\"",
		    st.refusal, why);
}

/* A device that pinned seq 3 is shown an older list (a rollback), another
 * entry at seq 3 (a fork), and a seq 4 not signed by the account key:
 * each refused and remembered, through a sync of the honest list too,
 * until a valid extension arrives. */
static void
test_list_rollback_fork_forgery(void **state)
{
	struct coffer_client *a, *n, *m, *k;
	struct devlist_entry e2, e3;
	char ha[4096], hn[4096], hm[4096], hk[4096], login[64];
	char *fork3, *bad4, *real3;

	(void)state;
	account_pair("list", &a, ha, &n, hn, login);
	assert_int_equal(client_fx_pair(n, a), 0);
	client_fx_home(hm, sizeof(hm));
	assert_non_null(m = open_via(hm));
	assert_int_equal(coffer_client_login(m, login, PW("pw")), 0);
	assert_int_equal(client_fx_pair(m, n), 0);
	assert_int_equal(coffer_client_sync(a), 0);
	assert_int_equal(status_of(a).devlist_seq, 3);
	assert_int_equal(tr_entry(a, 2, &e2), 0);
	assert_int_equal(tr_entry(a, 3, &e3), 0);
	fork3 = op_entry(&e2, 3);
	bad4 = op_entry(&e3, 4);
	real3 = b64_of(&e3);

	/* The list as it was at seq 2. */
	serve_list(2, (const char *const[]){ NULL });
	refuses(a, "a rollback", 3);
	/* Another entry at seq 3. */
	serve_list(3, (const char *const[]){ fork3, NULL });
	refuses(a, "(a fork)", 3);
	/* Seq 3 as verified, then a seq 4 the account key did not sign. */
	serve_list(4, (const char *const[]){ real3, bad4, NULL });
	refuses(a, "device list refused", 3);

	/* Honest again: nothing new, so the refusal stays shown. */
	operator_does(M_LOG);
	assert_int_equal(coffer_client_sync(a), 0);
	assert_true(status_of(a).refusal[0] != '\0');
	/* A valid extension (another device added) ends it. */
	client_fx_home(hk, sizeof(hk));
	assert_non_null(k = open_via(hk));
	assert_int_equal(coffer_client_login(k, login, PW("pw")), 0);
	assert_int_equal(client_fx_pair(k, n), 0);
	assert_int_equal(coffer_client_sync(a), 0);
	assert_int_equal(status_of(a).devlist_seq, 4);
	assert_string_equal(status_of(a).refusal, "");

	free(fork3);
	free(bad4);
	free(real3);
	devlist_entry_cleanup(&e2);
	devlist_entry_cleanup(&e3);
	coffer_client_free(&a);
	coffer_client_free(&n);
	coffer_client_free(&m);
	coffer_client_free(&k);
}

/* The first device's genesis cut short after its keychain is on the
 * server and before its list is: to another device, an account with a
 * keychain and no list, refused (PROTOCOL-devices.md §1.1); the first
 * device resumes from its journal at its next sync, and then the other
 * may pair. */
static void
test_keychain_without_list(void **state)
{
	const struct evil_rule no_list = { "PUT", "/v1/devicelist/",
	    EVIL_ERROR_500, 0, -1, NULL, NULL, NULL };
	struct coffer_client *a, *b;
	char ha[4096], hb[4096], login[64];
	struct coffer_client_status st;

	(void)state;
	client_fx_home(ha, sizeof(ha));
	client_fx_home(hb, sizeof(hb));
	client_fx_login(login, sizeof(login), "prelist");
	assert_non_null(a = open_via(ha));
	evil_set(E, &no_list);
	assert_int_not_equal(coffer_client_account_create(a, login, PW("pw")),
	    0);
	assert_true(evil_hits(E) > 0);
	operator_does(M_LOG);
	st = status_of(a);
	assert_false(st.listed || st.trusted);
	coffer_client_free(&a);

	assert_non_null(b = open_via(hb));
	assert_int_equal(coffer_client_login(b, login, PW("pw")),
	    COFFER_ERR_STATE);
	says(b, "this account predates the signed device list: make a new "
	    "account and copy the data across");
	assert_null(b->root);
	coffer_client_free(&b);

	/* The first device resumes: same keys, its genesis appended. */
	assert_non_null(a = open_via(ha));
	assert_int_equal(coffer_client_sync(a), 0);
	st = status_of(a);
	assert_true(st.listed && st.trusted);
	assert_int_equal(st.devlist_seq, 1);
	assert_non_null(b = open_via(hb));
	assert_int_equal(coffer_client_login(b, login, PW("pw")), 0);
	assert_int_equal(client_fx_pair(b, a), 0);
	assert_true(status_of(b).trusted);
	coffer_client_free(&a);
	coffer_client_free(&b);
}

/* Arm the race of ${m}: ${n} is the device the side job signs in or
 * pairs, ${e} its approver, ${login} its login. */
static void
race_arm(enum mode m, struct coffer_client *n, struct coffer_client *e,
    const char *login)
{
	pthread_mutex_lock(&Op.mu);
	Op.race_n = n;
	Op.race_e = e;
	Op.race_login = login;
	Op.raced = 0;
	Op.race_r = -1;
	pthread_mutex_unlock(&Op.mu);
	operator_does(m);
}

/* Two trusted devices add a device each at once: the append that comes
 * second gets 409, refreshes, makes its entry again over the new head
 * and appends it; both new devices end listed and holding keys. */
static void
test_append_race(void **state)
{
	struct coffer_client *a, *n, *e2, *x;
	char ha[4096], hn[4096], he[4096], hx[4096], login[64];

	(void)state;
	account_pair("race", &a, ha, &n, hn, login);
	client_fx_home(he, sizeof(he));
	assert_non_null(e2 = open_via(he));
	assert_int_equal(coffer_client_login(e2, login, PW("pw")), 0);
	assert_int_equal(client_fx_pair(e2, a), 0);
	client_fx_home(hx, sizeof(hx));
	assert_non_null(x = open_via(hx));
	assert_int_equal(coffer_client_login(x, login, PW("pw")), 0);
	race_arm(M_RACE, x, e2, NULL);
	assert_int_equal(client_fx_pair(n, a), 0);
	operator_does(M_LOG);
	assert_int_equal(Op.raced, 1);
	assert_int_equal(Op.race_r, 0);
	assert_int_equal(status_of(x).devlist_seq, 3);
	assert_int_equal(status_of(n).devlist_seq, 4);
	assert_true(status_of(n).trusted && status_of(x).trusted);
	assert_int_equal(coffer_client_sync(e2), 0);
	assert_int_equal(status_of(e2).devlist_seq, 4);
	coffer_client_free(&a);
	coffer_client_free(&n);
	coffer_client_free(&e2);
	coffer_client_free(&x);
}

/* Two first devices: B signs in after A's account exists and before A
 * makes its keychain zone, so both start a genesis. B's entry 1 is stored
 * first; A's append gets 409, A sees entry 1 is not its journal's, drops
 * the journal and stays unapproved, then pairs with B like any device. */
static void
test_first_device_race(void **state)
{
	struct coffer_client *a, *b;
	char ha[4096], hb[4096], login[64];
	struct coffer_client_status st;
	unsigned k = 0;

	(void)state;
	client_fx_home(ha, sizeof(ha));
	client_fx_home(hb, sizeof(hb));
	client_fx_login(login, sizeof(login), "first");
	assert_non_null(a = open_via(ha));
	assert_non_null(b = open_via(hb));
	race_arm(M_FIRST_RACE, b, NULL, login);
	assert_int_equal(coffer_client_account_create(a, login, PW("pw")), 0);
	operator_does(M_LOG);
	assert_int_equal(Op.raced, 1);
	assert_int_equal(Op.race_r, 0);
	st = status_of(b);
	assert_true(st.listed && st.trusted);
	assert_int_equal(st.devlist_seq, 1);
	st = status_of(a);
	assert_false(st.listed || st.trusted);
	assert_int_equal(st.devlist_seq, 0);
	/* Its journal is gone: it makes no second genesis. */
	assert_int_equal(coffer_client_sync(a), 0);
	assert_int_equal(status_of(a).devlist_seq, 0);
	assert_int_equal(client_fx_pair(a, b), 0);
	st = status_of(a);
	assert_true(st.listed && st.trusted);
	assert_int_equal(st.devlist_seq, 2);
	assert_int_equal(coffer_client_record_list(a, "notes", NULL,
	    count_one, &k), 0);
	coffer_client_free(&a);
	coffer_client_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_card_swap),
		cmocka_unit_test(test_forged_grant),
		cmocka_unit_test(test_grind_new_device),
		cmocka_unit_test(test_grind_approver),
		cmocka_unit_test(test_code_never_sent),
		cmocka_unit_test(test_list_rollback_fork_forgery),
		cmocka_unit_test(test_keychain_without_list),
		cmocka_unit_test(test_append_race),
		cmocka_unit_test(test_first_device_race),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

/* Pairing a new device (docs/PROTOCOL-devices.md §4): the new device N
 * draws a one-time code and shows it; the user types it on a trusted
 * device E; both run CPace (lib/auth/cpace.h) over the server's mailbox
 * with that code, each checks the other's confirmation tag, and E adds N
 * to the signed device list, grants it the root and sends it the new head
 * sealed under the channel key. The code never leaves N and E: the
 * server relays Ya, Yb, the cards, the tags and step 4's ciphertext, and
 * gets one guess per pairing and side. Any failure ends the pairing: a
 * code is used once. */
#include <coffer/client.h>
#include <coffer/encoding.h>
#include <coffer/err.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "auth/cpace.h"
#include "client/client_internal.h"
#include "keys/grant.h"
#include "keys/pairmsg.h"

#define PAIR_CI		"coffer/pair/v1"
#define CI_BYTES	(sizeof(PAIR_CI) - 1 + 2 * COFFER_WIRE_ID_BYTES)
#define CODE_DIGITS	10
#define CARD		COFFER_DEVICE_CARD_BYTES
#define POLL_MIN_MS	100
#define POLL_MAX_MS	1000
#define PAIRING_KEY	"pairing"	/* meta: id (16), expires (u64) */

_Static_assert(PAIRMSG_TAG_BYTES == CPACE_TAG_BYTES,
    "the pairing messages carry CPace's tags");
_Static_assert(PAIRMSG_POINT_BYTES == CPACE_ELEMENT_BYTES,
    "the pairing messages carry CPace's shares");
_Static_assert(PAIRMSG_ID_BYTES == COFFER_WIRE_ID_BYTES,
    "a pairing id is an id of the API");

static const char no_match_n[] = "pairing failed: the code did not match; "
    "start again on the new device";
static const char no_match_e[] = "pairing failed: the code did not match; "
    "check the code the new device shows, and start again on it";
static const char restart_n[] = "start again on the new device";
static const char gone_n[] = "pairing failed: the trusted device ended "
    "the pairing (the code did not match, or it gave up); start again on "
    "the new device";
static const char gone_e[] = "pairing failed: the new device ended the "
    "pairing (the code did not match, or it gave up); start again on the "
    "new device";

/* N's side between coffer_client_pair_start and coffer_client_pair_wait
 * (sodium_malloc memory: the code and the CPace session are secret). */
struct pairing {
	struct cpace	*cp;
	uint8_t		 id[PAIRMSG_ID_BYTES];
	uint8_t		 account[COFFER_WIRE_ID_BYTES];
	uint8_t		 ya[CPACE_ELEMENT_BYTES];
	uint8_t		 card[CARD];
};

void
pair_end(struct coffer_client *c)
{
	if (c->pair == NULL)
		return;
	cpace_free(&c->pair->cp);
	sodium_free(c->pair);		/* wipes */
	c->pair = NULL;
}

int
pair_open_until(struct coffer_client *c, uint64_t *until)
{
	struct coffer_buf *b = NULL;
	const uint8_t *p;
	int r, i;

	*until = 0;
	if ((b = coffer_buf_new(64)) == NULL)
		return COFFER_ERR_NOMEM;
	if ((r = st_get(c, PAIRING_KEY, b)) == 0 &&
	    coffer_buf_len(b) == PAIRMSG_ID_BYTES + 8) {
		p = coffer_buf_data(b) + PAIRMSG_ID_BYTES;
		for (i = 0; i < 8; i++)
			*until = *until << 8 | p[i];
	} else if (r == 0)
		r = COFFER_ERR_FORMAT;
	coffer_buf_free(&b);
	return r;
}

/* The code's ten digits, typed with or without the dash after the fifth:
 * 0 or COFFER_ERR_INVALID. */
static int
code_digits(const char *code, uint8_t prs[CODE_DIGITS])
{
	size_t i, n = 0, len = strlen(code);

	if (len != CODE_DIGITS && (len != CODE_DIGITS + 1 || code[5] != '-'))
		return COFFER_ERR_INVALID;
	for (i = 0; i < len; i++) {
		if (i == 5 && len == CODE_DIGITS + 1)
			continue;
		if (code[i] < '0' || code[i] > '9')
			return COFFER_ERR_INVALID;
		prs[n++] = (uint8_t)code[i];
	}
	return 0;
}

/* CI = "coffer/pair/v1" || account id || pairing id (§4.2). */
static void
pair_ci(uint8_t ci[CI_BYTES], const uint8_t account[COFFER_WIRE_ID_BYTES],
    const uint8_t id[PAIRMSG_ID_BYTES])
{
	memcpy(ci, PAIR_CI, sizeof(PAIR_CI) - 1);
	memcpy(ci + sizeof(PAIR_CI) - 1, account, COFFER_WIRE_ID_BYTES);
	memcpy(ci + sizeof(PAIR_CI) - 1 + COFFER_WIRE_ID_BYTES, id,
	    PAIRMSG_ID_BYTES);
}

/* The account this home belongs to, and this device's card. */
static int
who_am_i(struct coffer_client *c, uint8_t account[COFFER_WIRE_ID_BYTES],
    uint8_t card[CARD])
{
	struct coffer_buf *b = NULL;
	int r;

	if (c->device == NULL)
		return cl_fail(c, COFFER_ERR_STATE, "this home has no device "
		    "yet: sign in first");
	if ((b = coffer_buf_new(CARD)) == NULL)
		return COFFER_ERR_NOMEM;
	if ((r = st_get(c, "account", b)) != 0 ||
	    coffer_buf_len(b) != COFFER_WIRE_ID_BYTES)
		r = cl_fail(c, COFFER_ERR_STATE, "this home has not signed in "
		    "to an account");
	else {
		memcpy(account, coffer_buf_data(b), COFFER_WIRE_ID_BYTES);
		coffer_buf_reset(b);
		if ((r = coffer_device_card_encode(b, c->device)) == 0)
			memcpy(card, coffer_buf_data(b), CARD);
	}
	coffer_buf_free(&b);
	return r;
}

static int
box_path(char *out, size_t cap, const uint8_t id[PAIRMSG_ID_BYTES],
    unsigned step)
{
	char hex[ID_HEX];
	int r;

	if ((r = cl_hex(hex, id)) != 0)
		return r;
	if (step == 0)
		(void)snprintf(out, cap, "/v1/pairings/%s", hex);
	else
		(void)snprintf(out, cap, "/v1/pairings/%s/%u", hex, step);
	return 0;
}

/* End the pairing on the server (best effort: it expires anyway). */
static void
box_delete(struct coffer_client *c, const uint8_t id[PAIRMSG_ID_BYTES])
{
	char path[96], keep[NET_DETAIL];
	long status = c->status;

	if (box_path(path, sizeof(path), id, 0) != 0)
		return;
	memcpy(keep, c->errmsg, sizeof(keep));
	(void)cl_json(c, "DELETE", path, NULL, CL_IDEMPOTENT, NULL, NULL);
	memcpy(c->errmsg, keep, sizeof(keep));
	c->status = status;
}

/* A failed pairing: ended on the server, ${msg} for the user. */
static int
burn(struct coffer_client *c, const uint8_t id[PAIRMSG_ID_BYTES], int r,
    const char *msg)
{
	box_delete(c, id);
	return cl_fail(c, r, "%s", msg);
}

/* PUT message ${m} (of ${len} bytes) as step ${step}. */
static int
box_put(struct coffer_client *c, const uint8_t id[PAIRMSG_ID_BYTES],
    unsigned step, const struct coffer_buf *m)
{
	char path[96], *b64 = NULL, *body = NULL;
	size_t n = COFFER_B64URL_LEN(coffer_buf_len(m));
	int r;

	if ((r = box_path(path, sizeof(path), id, step)) != 0)
		return r;
	if ((b64 = malloc(n)) == NULL)
		return COFFER_ERR_NOMEM;
	if ((r = coffer_b64url_encode(b64, n, coffer_buf_data(m),
	    coffer_buf_len(m))) == 0 &&
	    (r = net_json_body(&body, "{s:s}", "data", b64)) == 0)
		r = cl_json(c, "PUT", path, body, CL_IDEMPOTENT, NULL, NULL);
	free(b64);
	free(body);
	return r;
}

static uint64_t
now_ms(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void
nap(unsigned ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* GET step ${step} of the pairing into ${out} (at most ${max} bytes). */
static int
box_get(struct coffer_client *c, const char *path, struct coffer_buf *out,
    size_t max)
{
	static const char *const keys[] = { "data", NULL };
	json_t *j = NULL;
	int r;

	if ((r = cl_json(c, "GET", path, NULL, CL_IDEMPOTENT, &j, NULL)) != 0)
		return r;
	coffer_buf_reset(out);
	if ((r = net_json_only(j, keys, c->errmsg)) == 0)
		r = cl_b64(c, json_object_get(j, "data"), out, max,
		    "a pairing message");
	json_decref(j);
	return r;
}

/* Wait for step ${step} of the pairing, polling (every 100 ms at first,
 * then about once a second) until ${deadline} (now_ms) or *${cancel}:
 * the message into ${out} (at most ${max} bytes). Step 1 is there as long
 * as the pairing is: once it is gone, the other side ended the pairing
 * (${gone} says so). Returns 0, COFFER_ERR_CANCELLED, COFFER_ERR_STATE
 * (the time ran out), COFFER_ERR_AUTH (ended), or a server error. */
static int
box_wait(struct coffer_client *c, const uint8_t id[PAIRMSG_ID_BYTES],
    unsigned step, uint64_t deadline, const volatile sig_atomic_t *cancel,
    struct coffer_buf *out, size_t max, const char *gone)
{
	unsigned every = POLL_MIN_MS, slept;
	char path[96], first[96];
	int r;

	if ((r = box_path(path, sizeof(path), id, step)) != 0 ||
	    (r = box_path(first, sizeof(first), id, 1)) != 0)
		return r;
	for (;;) {
		if ((r = box_get(c, path, out, max)) != COFFER_ERR_NOTFOUND)
			return r;
		if (step > 1 && (r = box_get(c, first, out,
		    PAIRMSG_MAX)) != 0) {
			coffer_buf_reset(out);
			return r == COFFER_ERR_NOTFOUND ? cl_fail(c,
			    COFFER_ERR_AUTH, "%s", gone) : r;
		}
		/* Sleep in slices, so that a cancel is seen quickly. */
		for (slept = 0; slept < every; slept += POLL_MIN_MS) {
			if (cancel != NULL && *cancel)
				return cl_fail(c, COFFER_ERR_CANCELLED,
				    "pairing cancelled");
			if (now_ms() >= deadline)
				return cl_fail(c, COFFER_ERR_STATE, "pairing "
				    "timed out: the other device did not "
				    "answer in time");
			nap(POLL_MIN_MS);
		}
		every = every * 2 > POLL_MAX_MS ? POLL_MAX_MS : every * 2;
	}
}

/* The pairing message of ${step} in ${b}, parsed, of pairing ${id}. */
static int
parse_step(const struct coffer_buf *b, unsigned step,
    const uint8_t id[PAIRMSG_ID_BYTES], struct pairmsg *m)
{
	if (pairmsg_parse(m, coffer_buf_data(b), coffer_buf_len(b)) != 0 ||
	    m->step != (enum pairmsg_step)step ||
	    sodium_memcmp(m->pairing, id, PAIRMSG_ID_BYTES) != 0)
		return COFFER_ERR_AUTH;
	return 0;
}

static int
encode_step(struct coffer_buf *out, unsigned step,
    const uint8_t id[PAIRMSG_ID_BYTES], const uint8_t *point,
    const uint8_t *card, const uint8_t *tag)
{
	struct pairmsg m;

	memset(&m, 0, sizeof(m));
	m.step = (enum pairmsg_step)step;
	memcpy(m.pairing, id, PAIRMSG_ID_BYTES);
	if (point != NULL)
		memcpy(m.point, point, sizeof(m.point));
	if (card != NULL)
		memcpy(m.card_raw, card, sizeof(m.card_raw));
	if (tag != NULL)
		memcpy(m.tag, tag, sizeof(m.tag));
	return pairmsg_encode(out, &m);
}

/* Remember the open pairing (for coffer_client_status), or forget it. */
static int
remember(struct coffer_client *c, const uint8_t id[PAIRMSG_ID_BYTES])
{
	uint8_t v[PAIRMSG_ID_BYTES + 8];
	uint64_t until;
	int i;

	if (id == NULL)
		return st_del(c, PAIRING_KEY);
	until = (uint64_t)time(NULL) + COFFER_WIRE_PAIRING_TTL;
	memcpy(v, id, PAIRMSG_ID_BYTES);
	for (i = 7; i >= 0; i--, until >>= 8)
		v[PAIRMSG_ID_BYTES + i] = (uint8_t)until;
	return st_set(c, PAIRING_KEY, v, sizeof(v));
}

/* A pairing an earlier run of this home left open: ended, so that this
 * device may open another (one per device). */
static void
end_stale(struct coffer_client *c)
{
	struct coffer_buf *b = coffer_buf_new(64);

	if (b != NULL && st_get(c, PAIRING_KEY, b) == 0 &&
	    coffer_buf_len(b) == PAIRMSG_ID_BYTES + 8)
		box_delete(c, coffer_buf_data(b));
	coffer_buf_free(&b);
	(void)remember(c, NULL);
}

/* Whether this device may pair: signed in, not listed, not removed. */
static int
may_pair(struct coffer_client *c)
{
	struct devlist_entry head;
	int r;

	if ((r = tr_head(c, &head)) == COFFER_ERR_NOTFOUND)
		return 0;
	if (r != 0)
		return r;
	r = kc_listed(c, &head) ? cl_fail(c, COFFER_ERR_STATE, "this device "
	    "is approved already") : cl_fail(c, COFFER_ERR_STATE, "this "
	    "device was removed from the account: add it again from a new "
	    "home folder");
	devlist_entry_cleanup(&head);
	return r;
}

int
coffer_client_pair_start(struct coffer_client *c,
    char code[COFFER_CLIENT_PAIR_CODE_LEN])
{
	struct pairing *p = NULL;
	struct coffer_buf *m = NULL;
	uint8_t ci[CI_BYTES], prs[CODE_DIGITS];
	char path[96], hex[ID_HEX], dev[ID_HEX], *body = NULL;
	uint32_t a, b;
	int r;

	if (c == NULL || code == NULL)
		return COFFER_ERR_INVALID;
	c->errmsg[0] = '\0';
	c->status = 0;
	pair_end(c);
	if ((r = may_pair(c)) != 0)
		return r;
	r = COFFER_ERR_NOMEM;
	if ((p = sodium_malloc(sizeof(*p))) == NULL)
		goto out;
	memset(p, 0, sizeof(*p));
	if ((r = who_am_i(c, p->account, p->card)) != 0)
		goto out;
	end_stale(c);
	/* The code is N's alone: drawn here, shown to the user, typed on E;
	 * nothing the server sends goes into it. */
	a = randombytes_uniform(100000);
	b = randombytes_uniform(100000);
	(void)snprintf(code, COFFER_CLIENT_PAIR_CODE_LEN, "%05u-%05u",
	    (unsigned)a, (unsigned)b);
	memcpy(prs, code, 5);
	memcpy(prs + 5, code + 6, 5);
	randombytes_buf(p->id, sizeof(p->id));
	pair_ci(ci, p->account, p->id);
	if ((r = cpace_start(&p->cp, p->ya, CPACE_INITIATOR, prs, sizeof(prs),
	    ci, sizeof(ci), p->id, sizeof(p->id))) != 0)
		goto out;
	if ((r = cl_hex(hex, p->id)) != 0 ||
	    (r = cl_hex(dev, coffer_device_id(c->device))) != 0 ||
	    (r = net_json_body(&body, "{s:s,s:s}", "pairing", hex, "device",
	    dev)) != 0 || (r = remember(c, p->id)) != 0)
		goto out;
	(void)snprintf(path, sizeof(path), "/v1/pairings");
	if ((r = cl_json(c, "POST", path, body, 0, NULL, NULL)) != 0) {
		(void)remember(c, NULL);
		goto out;
	}
	r = COFFER_ERR_NOMEM;
	if ((m = coffer_buf_new(PAIRMSG_MAX)) == NULL)
		goto out;
	if ((r = encode_step(m, PAIRMSG_STEP_N_HELLO, p->id, p->ya, p->card,
	    NULL)) != 0 ||
	    (r = box_put(c, p->id, PAIRMSG_STEP_N_HELLO, m)) != 0) {
		box_delete(c, p->id);
		(void)remember(c, NULL);
		goto out;
	}
	c->pair = p;
	p = NULL;
out:
	if (r != 0)
		sodium_memzero(code, COFFER_CLIENT_PAIR_CODE_LEN);
	if (p != NULL) {
		cpace_free(&p->cp);
		sodium_free(p);
	}
	sodium_memzero(prs, sizeof(prs));
	sodium_memzero(ci, sizeof(ci));
	coffer_buf_free(&m);
	free(body);
	return r;
}

/* N's checks of the head step 4 brought (§4.3, flow 5): of its account,
 * an add of this device by E, whose card is the one E sent in step 2. */
static int
head_ok(struct coffer_client *c, const struct pairing *p,
    const struct pairmsg_head *h, const struct pairmsg *m2)
{
	const struct devlist_entry *e = &h->entry;
	const struct devlist_device *d;

	if (sodium_memcmp(h->account, p->account, COFFER_WIRE_ID_BYTES) != 0 ||
	    e->kind != DEVLIST_ADD ||
	    sodium_memcmp(e->subject, coffer_device_id(c->device),
	    COFFER_WIRE_ID_BYTES) != 0 || !kc_listed(c, e) ||
	    sodium_memcmp(e->actor, m2->card.device_id,
	    COFFER_WIRE_ID_BYTES) != 0 ||
	    (d = devlist_find(e, e->actor)) == NULL ||
	    sodium_memcmp(d->raw, m2->card_raw, CARD) != 0)
		return COFFER_ERR_AUTH;
	return 0;
}

int
coffer_client_pair_wait(struct coffer_client *c, unsigned timeout_s,
    const volatile sig_atomic_t *cancel)
{
	struct pairing *p;
	struct pairmsg m2;
	struct pairmsg_head h;
	struct coffer_key *k = NULL;
	struct coffer_buf *b = NULL, *m = NULL;
	uint8_t isk[CPACE_ISK_BYTES], ta[CPACE_TAG_BYTES];
	char why[NET_DETAIL];
	uint64_t deadline;
	int r;

	memset(&h, 0, sizeof(h));
	if (c == NULL)
		return COFFER_ERR_INVALID;
	c->errmsg[0] = '\0';
	if ((p = c->pair) == NULL)
		return cl_fail(c, COFFER_ERR_STATE, "no pairing was started "
		    "(coffer_client_pair_start)");
	if (timeout_s == 0 || timeout_s > COFFER_WIRE_PAIRING_TTL)
		timeout_s = COFFER_WIRE_PAIRING_TTL;
	deadline = now_ms() + (uint64_t)timeout_s * 1000;
	r = COFFER_ERR_NOMEM;
	if ((b = coffer_buf_new(PAIRMSG_HEAD_MAX)) == NULL ||
	    (m = coffer_buf_new(PAIRMSG_MAX)) == NULL)
		goto fail;
	/* Step 2: E's share, card and Tb. */
	if ((r = box_wait(c, p->id, PAIRMSG_STEP_E_HELLO, deadline, cancel, b,
	    PAIRMSG_MAX, gone_n)) != 0)
		goto fail;
	if (parse_step(b, PAIRMSG_STEP_E_HELLO, p->id, &m2) != 0 ||
	    sodium_memcmp(m2.card.device_id, coffer_device_id(c->device),
	    COFFER_WIRE_ID_BYTES) == 0) {
		r = burn(c, p->id, COFFER_ERR_AUTH, "pairing failed: the "
		    "answer is not a pairing message of a trusted device; "
		    "start again on the new device");
		goto out;
	}
	/* The ISK binds both cards (ADa, ADb): a card swapped on either
	 * side fails E's tag here, or N's at E. */
	if (cpace_finish(p->cp, isk, m2.point, sizeof(m2.point), p->card,
	    CARD, m2.card_raw, CARD) != 0 ||
	    cpace_tag_verify(m2.tag, sizeof(m2.tag), isk, p->id,
	    sizeof(p->id), m2.point, m2.card_raw, CARD) != 0) {
		r = burn(c, p->id, COFFER_ERR_AUTH, no_match_n);
		goto out;
	}
	/* Step 3: Ta, only now that E proved it knows the code. */
	if ((r = cpace_tag(ta, isk, p->id, sizeof(p->id), p->ya, p->card,
	    CARD)) != 0 ||
	    (r = encode_step(m, PAIRMSG_STEP_N_CONFIRM, p->id, NULL, NULL,
	    ta)) != 0 ||
	    (r = box_put(c, p->id, PAIRMSG_STEP_N_CONFIRM, m)) != 0 ||
	    (r = pairmsg_channel_key(&k, isk, sizeof(isk), p->id)) != 0)
		goto fail;
	/* Step 4: the head that lists this device, sealed under k. */
	if ((r = box_wait(c, p->id, PAIRMSG_STEP_E_HEAD, deadline, cancel, b,
	    PAIRMSG_HEAD_MAX, gone_n)) != 0)
		goto fail;
	if (pairmsg_open_head(&h, coffer_buf_data(b), coffer_buf_len(b),
	    p->id, k) != 0 || head_ok(c, p, &h, &m2) != 0) {
		r = burn(c, p->id, COFFER_ERR_AUTH, "pairing failed: the "
		    "approving device's answer does not hold; start again on "
		    "the new device");
		goto out;
	}
	/* The one head pinned without a chain check: it came through the
	 * channel, from the device that proved the code. */
	if ((r = may_pair(c)) != 0 || (r = tr_pin(c, &h.entry)) != 0)
		goto fail;
	box_delete(c, p->id);
	(void)remember(c, NULL);
	c->refreshed = 0;
	if ((r = kc_refresh(c)) == 0 && c->root == NULL)
		r = cl_fail(c, COFFER_ERR_STATE, "this device is in the device "
		    "list, but its grant has not arrived yet: run a sync");
	goto out;
fail:
	if (r != COFFER_ERR_CANCELLED && r != COFFER_ERR_STATE &&
	    r != COFFER_ERR_AUTH) {
		memcpy(why, c->errmsg, sizeof(why));
		(void)cl_fail(c, r, "pairing failed: %s; %s", why[0] ? why :
		    coffer_strerror(r), restart_n);
	}
	box_delete(c, p->id);
out:
	if (c->pair != NULL)
		(void)remember(c, NULL);
	pair_end(c);
	devlist_entry_cleanup(&h.entry);
	coffer_key_free(&k);
	sodium_memzero(isk, sizeof(isk));
	sodium_memzero(ta, sizeof(ta));
	coffer_buf_free(&b);
	coffer_buf_free(&m);
	return r;
}

/* The pairing E answers: that of ${device} (NULL: the one pending), its
 * id and device into ${id}, ${dev}. */
static int
pick(struct coffer_client *c, const struct devlist_entry *head,
    const uint8_t *device, uint8_t id[PAIRMSG_ID_BYTES],
    uint8_t dev[COFFER_WIRE_ID_BYTES])
{
	static const char *const keys[] = { "pairing", "device", "created",
		"expires", "step", NULL };
	uint8_t pid[PAIRMSG_ID_BYTES], pdev[COFFER_WIRE_ID_BYTES];
	uint64_t created, expires, step, got_step = 0;
	json_t *j = NULL, *a, *e;
	char hex[ID_HEX];
	size_t i, n = 0;
	int r;

	if ((r = cl_list(c, "/v1/pairings", "pairings", &j, &a)) != 0)
		return r;
	json_array_foreach(a, i, e) {
		if (!json_is_object(e) ||
		    net_json_only(e, keys, c->errmsg) != 0 ||
		    net_json_hex(e, "pairing", pid, sizeof(pid),
		    c->errmsg) != 0 ||
		    net_json_hex(e, "device", pdev, sizeof(pdev),
		    c->errmsg) != 0 ||
		    net_json_int(e, "created", &created, c->errmsg) != 0 ||
		    net_json_int(e, "expires", &expires, c->errmsg) != 0 ||
		    net_json_int(e, "step", &step, c->errmsg) != 0) {
			r = COFFER_ERR_SERVER;
			goto out;
		}
		if (device != NULL ? sodium_memcmp(pdev, device,
		    sizeof(pdev)) != 0 : devlist_find(head, pdev) != NULL)
			continue;
		memcpy(id, pid, PAIRMSG_ID_BYTES);
		memcpy(dev, pdev, COFFER_WIRE_ID_BYTES);
		got_step = step;
		n++;
	}
	if (device != NULL)
		(void)cl_hex(hex, device);
	if (n == 0)
		r = device != NULL ? cl_fail(c, COFFER_ERR_NOTFOUND, "device "
		    "%s is not waiting for approval: run coffer account login "
		    "on it first", hex) : cl_fail(c, COFFER_ERR_NOTFOUND,
		    "no new device is waiting for approval: run coffer "
		    "account login on it first");
	else if (n > 1)
		r = cl_fail(c, COFFER_ERR_INVALID, "%zu devices are waiting "
		    "for approval: name the one to approve (coffer device "
		    "list)", n);
	else if (got_step < PAIRMSG_STEP_N_HELLO)
		r = cl_fail(c, COFFER_ERR_STATE, "the new device has not sent "
		    "its first message yet: try again");
out:
	json_decref(j);
	return r;
}

/* E's add entry for N over the pinned head, appended (made anew over the
 * new head once, after a race), into ${e}. */
static int
add_device(struct coffer_client *c, const struct pairmsg *m1,
    struct devlist_entry *e)
{
	struct devlist_device *devs = NULL, *n;
	struct devlist_entry h;
	struct devlist_draft d;
	int r = 0, tries;

	memset(&h, 0, sizeof(h));
	for (tries = 0; tries < 2; tries++) {
		devlist_entry_cleanup(&h);
		free(devs);
		devs = NULL;
		if ((r = tr_head(c, &h)) != 0)
			break;
		if (h.epoch != c->epoch || !kc_listed(c, &h)) {
			r = cl_fail(c, COFFER_ERR_STATE, "the device list "
			    "changed: this device cannot approve now");
			break;
		}
		if (devlist_find(&h, m1->card.device_id) != NULL) {
			r = cl_fail(c, COFFER_ERR_STATE, "the new device is in "
			    "the device list already");
			break;
		}
		if ((devs = calloc(h.ndevices + 1, sizeof(*devs))) == NULL) {
			r = COFFER_ERR_NOMEM;
			break;
		}
		memcpy(devs, h.devices, h.ndevices * sizeof(*devs));
		n = &devs[h.ndevices];
		memcpy(n->raw, m1->card_raw, CARD);
		n->card = m1->card;
		n->added_seq = h.seq + 1;
		memcpy(n->approver, coffer_device_id(c->device),
		    COFFER_WIRE_ID_BYTES);
		n->added_time = (uint64_t)time(NULL);
		memset(&d, 0, sizeof(d));
		d.kind = DEVLIST_ADD;
		d.seq = h.seq + 1;
		d.account = h.account;
		d.prev = h.hash;
		d.time = n->added_time;
		d.epoch = h.epoch;
		d.account_pk = h.account_pk;
		d.root_commit = h.root_commit;
		d.actor = coffer_device_id(c->device);
		d.subject = m1->card.device_id;
		d.devices = devs;
		d.ndevices = h.ndevices + 1;
		/* Names are carried over unchanged. */
		d.names = h.names;
		d.names_len = h.names_len;
		if ((r = tr_append(c, &d, c->acct, e)) != COFFER_ERR_CONFLICT)
			break;
	}
	devlist_entry_cleanup(&h);
	free(devs);
	return r;
}

int
coffer_client_device_approve(struct coffer_client *c,
    const uint8_t *device_id, const char *code)
{
	struct devlist_entry head, e;
	struct pairmsg m1, m3;
	struct cpace *cp = NULL;
	struct coffer_key *k = NULL;
	struct coffer_buf *b = NULL, *m = NULL;
	uint8_t prs[CODE_DIGITS], ci[CI_BYTES], isk[CPACE_ISK_BYTES];
	uint8_t yb[CPACE_ELEMENT_BYTES], tb[CPACE_TAG_BYTES], card[CARD];
	uint8_t account[COFFER_WIRE_ID_BYTES], id[PAIRMSG_ID_BYTES];
	uint8_t dev[COFFER_WIRE_ID_BYTES];
	uint64_t deadline = now_ms() + (uint64_t)COFFER_WIRE_PAIRING_TTL * 1000;
	int r, picked = 0;

	memset(&head, 0, sizeof(head));
	memset(&e, 0, sizeof(e));
	if (c == NULL || code == NULL)
		return COFFER_ERR_INVALID;
	c->errmsg[0] = '\0';
	c->status = 0;
	if (code_digits(code, prs) != 0)
		return cl_fail(c, COFFER_ERR_INVALID, "a pairing code is ten "
		    "digits, as the new device shows it (12345-67890)");
	if ((r = kc_approver(c, &head)) != 0 ||
	    (r = who_am_i(c, account, card)) != 0 ||
	    (r = pick(c, &head, device_id, id, dev)) != 0)
		goto out;
	picked = 1;
	r = COFFER_ERR_NOMEM;
	if ((b = coffer_buf_new(PAIRMSG_MAX)) == NULL ||
	    (m = coffer_buf_new(PAIRMSG_HEAD_MAX)) == NULL)
		goto out;
	/* Step 1: N's share and card, which must be the device the
	 * pairing is for, and not one the list holds already. */
	if ((r = box_wait(c, id, PAIRMSG_STEP_N_HELLO, deadline, NULL, b,
	    PAIRMSG_MAX, gone_e)) != 0)
		goto out;
	if (parse_step(b, PAIRMSG_STEP_N_HELLO, id, &m1) != 0 ||
	    sodium_memcmp(m1.card.device_id, dev, sizeof(dev)) != 0) {
		r = burn(c, id, COFFER_ERR_AUTH, "pairing failed: the new "
		    "device's first message is not one of this pairing; start "
		    "again on the new device");
		goto out;
	}
	if (devlist_find(&head, m1.card.device_id) != NULL) {
		r = burn(c, id, COFFER_ERR_STATE, "pairing failed: that device "
		    "is in the device list already");
		goto out;
	}
	pair_ci(ci, account, id);
	if ((r = cpace_start(&cp, yb, CPACE_RESPONDER, prs, sizeof(prs), ci,
	    sizeof(ci), id, sizeof(id))) != 0)
		goto out;
	if (cpace_finish(cp, isk, m1.point, sizeof(m1.point), m1.card_raw,
	    CARD, card, CARD) != 0) {
		r = burn(c, id, COFFER_ERR_AUTH, "pairing failed: the new "
		    "device's share is malformed; start again on the new "
		    "device");
		goto out;
	}
	/* Step 2: Yb, this card, Tb. */
	if ((r = cpace_tag(tb, isk, id, sizeof(id), yb, card, CARD)) != 0 ||
	    (r = encode_step(m, PAIRMSG_STEP_E_HELLO, id, yb, card, tb)) != 0 ||
	    (r = box_put(c, id, PAIRMSG_STEP_E_HELLO, m)) != 0)
		goto out;
	/* Step 3: Ta. Only a device that holds the code has it: from here on
	 * the card of step 1 is the device showing the code. */
	if ((r = box_wait(c, id, PAIRMSG_STEP_N_CONFIRM, deadline, NULL, b,
	    PAIRMSG_MAX, gone_e)) != 0)
		goto out;
	if (parse_step(b, PAIRMSG_STEP_N_CONFIRM, id, &m3) != 0 ||
	    cpace_tag_verify(m3.tag, sizeof(m3.tag), isk, id, sizeof(id),
	    m1.point, m1.card_raw, CARD) != 0) {
		r = burn(c, id, COFFER_ERR_AUTH, no_match_e);
		goto out;
	}
	if ((r = pairmsg_channel_key(&k, isk, sizeof(isk), id)) != 0)
		goto out;
	/* The add entry, N's grant of its root, then step 4: the head. */
	if ((r = add_device(c, &m1, &e)) != 0)
		goto out;
	coffer_buf_reset(m);
	if ((r = grant_make(m, &e, m1.card.device_id, c->root, c->acct)) != 0 ||
	    (r = kc_put_grant(c, m1.card.device_id, m1.card.agree_pk,
	    e.epoch, c->acct, m)) != 0)
		goto out;
	coffer_buf_reset(m);
	if ((r = pairmsg_seal_head(m, id, k, &e)) != 0 ||
	    (r = box_put(c, id, PAIRMSG_STEP_E_HEAD, m)) != 0)
		goto out;
out:
	/* Every failure ends the pairing: the code is spent. */
	if (r != 0 && picked)
		box_delete(c, id);
	cpace_free(&cp);
	coffer_key_free(&k);
	sodium_memzero(prs, sizeof(prs));
	sodium_memzero(isk, sizeof(isk));
	sodium_memzero(ci, sizeof(ci));
	devlist_entry_cleanup(&head);
	devlist_entry_cleanup(&e);
	coffer_buf_free(&b);
	coffer_buf_free(&m);
	return r;
}

/* CPace (lib/auth/cpace.h): the draft's ristretto255 vectors
 * (tests/vectors/cpace-ristretto255.txt), coffer's own vectors with the
 * key confirmation, the edges of the length-value framing and the aborts
 * (tests/vectors/cpace.txt, written by --write-vectors), and the
 * protocol's promises: both sides agree with random scalars, and a wrong
 * PRS, CI or AD, or a tampered message, gives other keys and a failed
 * confirmation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include <coffer/err.h>

#include "auth/cpace.h"
#include "vecfile.h"

#define NE	CPACE_ELEMENT_BYTES
#define NS	CPACE_SCALAR_BYTES
#define NK	CPACE_ISK_BYTES

/* The group order L, little-endian. */
static const uint8_t order[NS] = {
	0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58,
	0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
};

/* A party's inputs, as a vector gives them (an AD one byte over its cap
 * fits, for the peer's oversized AD). */
struct inputs {
	uint8_t	prs[CPACE_PRS_MAX], ci[CPACE_CI_MAX], sid[CPACE_SID_MAX];
	uint8_t	ada[CPACE_AD_MAX + 1], adb[CPACE_AD_MAX + 1];
	size_t	prslen, cilen, sidlen, adalen, adblen;
};

/* Field of at most max bytes into buf; 0 or -1. */
static int
get(const struct vec *v, const char *field, uint8_t *buf, size_t max,
    size_t *len)
{
	uint8_t *p = NULL;
	size_t n;

	if (vec_hex(v, field, &p, &n) != 0)
		return -1;
	if (n > max) {
		free(p);
		return -1;
	}
	if (n > 0)
		memcpy(buf, p, n);
	*len = n;
	free(p);
	return 0;
}

static int
get_inputs(const struct vec *v, struct inputs *in, const char *prs)
{
	memset(in, 0, sizeof(*in));
	return get(v, prs, in->prs, sizeof(in->prs), &in->prslen) ||
	    get(v, "CI", in->ci, sizeof(in->ci), &in->cilen) ||
	    get(v, "sid", in->sid, sizeof(in->sid), &in->sidlen) ||
	    get(v, "ADa", in->ada, sizeof(in->ada), &in->adalen) ||
	    get(v, "ADb", in->adb, sizeof(in->adb), &in->adblen) ? -1 : 0;
}

static int
start(struct cpace **st, uint8_t y_out[NE], enum cpace_role role,
    const struct inputs *in, const uint8_t y[NS])
{
	return cpace_start_det(st, y_out, role, in->prs, in->prslen, in->ci,
	    in->cilen, in->sid, in->sidlen, y);
}

static int
finish(struct cpace *st, uint8_t isk[NK], const uint8_t *peer, size_t n,
    const struct inputs *in)
{
	return cpace_finish(st, isk, peer, n, in->ada, in->adalen, in->adb,
	    in->adblen);
}

/* kind = exchange: A and B from their scalars; every output the vector
 * has (the draft's, and coffer's key confirmation when present) is
 * reproduced, and each side accepts the other's tag. */
static int
check_exchange(const struct vec *v)
{
	struct inputs in;
	struct cpace *a = NULL, *b = NULL;
	uint8_t ya[NS], yb[NS], g[NE], Ya[NE], Yb[NE], K[NE], isk[NK];
	uint8_t sido[64], mk[64], ta[64], tb[64];
	uint8_t got[NE], gya[NE], gyb[NE], iska[NK], iskb[NK], o[64];
	int conf, bad = 1;

	if (get_inputs(v, &in, "PRS") || vec_hexn(v, "g", g, NE) ||
	    vec_hexn(v, "ya", ya, NS) || vec_hexn(v, "Ya", Ya, NE) ||
	    vec_hexn(v, "yb", yb, NS) || vec_hexn(v, "Yb", Yb, NE) ||
	    vec_hexn(v, "K", K, NE) || vec_hexn(v, "ISK_IR", isk, NK) ||
	    vec_hexn(v, "sid_output_ir", sido, 64))
		goto out;
	conf = vec_get(v, "mac_key") != NULL;
	if (conf && (vec_hexn(v, "mac_key", mk, 64) ||
	    vec_hexn(v, "Ta", ta, 64) || vec_hexn(v, "Tb", tb, 64)))
		goto out;

	if (cpace_generator(got, in.prs, in.prslen, in.ci, in.cilen, in.sid,
	    in.sidlen) != 0 || memcmp(got, g, NE) != 0)
		goto out;
	if (start(&a, gya, CPACE_INITIATOR, &in, ya) != 0 ||
	    memcmp(gya, Ya, NE) != 0 ||
	    start(&b, gyb, CPACE_RESPONDER, &in, yb) != 0 ||
	    memcmp(gyb, Yb, NE) != 0)
		goto out;
	if (cpace_scalar_mult_vfy(got, ya, Yb) != 0 || memcmp(got, K, NE) ||
	    cpace_scalar_mult_vfy(got, yb, Ya) != 0 || memcmp(got, K, NE))
		goto out;
	if (finish(a, iska, Yb, NE, &in) != 0 || memcmp(iska, isk, NK) ||
	    finish(b, iskb, Ya, NE, &in) != 0 || memcmp(iskb, isk, NK))
		goto out;
	if (cpace_sid_output(o, Ya, in.ada, in.adalen, Yb, in.adb,
	    in.adblen) != 0 || memcmp(o, sido, 64) != 0)
		goto out;
	if (conf && (cpace_mac_key(o, isk, in.sid, in.sidlen) != 0 ||
	    memcmp(o, mk, 64) != 0 ||
	    cpace_tag(o, isk, in.sid, in.sidlen, Ya, in.ada, in.adalen) ||
	    memcmp(o, ta, 64) != 0 ||
	    cpace_tag(o, isk, in.sid, in.sidlen, Yb, in.adb, in.adblen) ||
	    memcmp(o, tb, 64) != 0 ||
	    cpace_tag_verify(ta, 64, iskb, in.sid, in.sidlen, Ya, in.ada,
	    in.adalen) != 0 ||
	    cpace_tag_verify(tb, 64, iska, in.sid, in.sidlen, Yb, in.adb,
	    in.adblen) != 0))
		goto out;
	bad = 0;
out:
	cpace_free(&a);
	cpace_free(&b);
	sodium_memzero(&in, sizeof(in));
	sodium_memzero(iska, sizeof(iska));
	sodium_memzero(iskb, sizeof(iskb));
	sodium_memzero(o, sizeof(o));
	return bad;
}

/* A session that must abort on this peer Y: the exact error, the ISK
 * left as it was, and the session spent. */
static int
session_aborts(enum cpace_role role, const struct inputs *in,
    const uint8_t y[NS], const uint8_t *peer, size_t n, int want)
{
	struct cpace *st = NULL;
	uint8_t own[NE], isk[NK];
	int bad = 1;

	memset(isk, 0xee, sizeof(isk));
	if (start(&st, own, role, in, y) != 0 ||
	    finish(st, isk, peer, n, in) != want ||
	    isk[0] != 0xee || isk[NK - 1] != 0xee ||
	    finish(st, isk, own, NE, in) != COFFER_ERR_STATE)
		goto out;
	bad = 0;
out:
	cpace_free(&st);
	return bad;
}

/* kind = scalar-mult: the draft's scalar_mult_vfy cases. A good one
 * gives out; a bad X gives the draft's G.I, which is an error here,
 * with out untouched, and aborts a session on either side. */
static int
check_scalar_mult(const struct vec *v)
{
	struct inputs in;
	uint8_t s[NS], x[NE], want[NE], got[NE];
	int err;

	memset(&in, 0, sizeof(in));
	if (vec_hexn(v, "s", s, NS) || vec_hexn(v, "X", x, NE) ||
	    vec_err(v, "expect", &err))
		return 1;
	memset(got, 0xee, sizeof(got));
	if (err == 0)
		return vec_hexn(v, "out", want, NE) ||
		    cpace_scalar_mult_vfy(got, s, x) != 0 ||
		    memcmp(got, want, NE) != 0;
	return cpace_scalar_mult_vfy(got, s, x) != err || got[0] != 0xee ||
	    session_aborts(CPACE_INITIATOR, &in, s, x, NE, err) ||
	    session_aborts(CPACE_RESPONDER, &in, s, x, NE, err);
}

/* kind = peer: a session of role with scalar y is handed a bad peer Y (or
 * an oversized peer AD) and must fail exactly as expect says. */
static int
check_peer(const struct vec *v)
{
	struct inputs in;
	const char *role = vec_get(v, "role");
	uint8_t y[NS], *peer = NULL;
	size_t n;
	int err, bad = 1;

	if (role == NULL || get_inputs(v, &in, "PRS") ||
	    vec_hexn(v, "y", y, NS) || vec_hex(v, "peer", &peer, &n) ||
	    vec_err(v, "expect", &err) || err == 0)
		goto out;
	if (strcmp(role, "initiator") == 0)
		bad = session_aborts(CPACE_INITIATOR, &in, y, peer, n, err);
	else if (strcmp(role, "responder") == 0)
		bad = session_aborts(CPACE_RESPONDER, &in, y, peer, n, err);
out:
	free(peer);
	return bad;
}

/* kind = tag: a received tag that must not verify. */
static int
check_tag(const struct vec *v)
{
	uint8_t isk[NK], sid[CPACE_SID_MAX], y[NE], ad[CPACE_AD_MAX];
	uint8_t *tag = NULL;
	size_t sidlen, adlen, taglen;
	int err, bad = 1;

	if (vec_hexn(v, "ISK", isk, NK) ||
	    get(v, "sid", sid, sizeof(sid), &sidlen) ||
	    vec_hexn(v, "Y", y, NE) || get(v, "AD", ad, sizeof(ad), &adlen) ||
	    vec_hex(v, "tag", &tag, &taglen) || vec_err(v, "expect", &err) ||
	    err == 0)
		goto out;
	bad = cpace_tag_verify(tag != NULL ? tag : y, taglen, isk, sid,
	    sidlen, y, ad, adlen) != err;
out:
	free(tag);
	return bad;
}

/* kind = mismatch: A holds PRS_A, B holds PRS_B; all else is shared.
 * Their keys differ, so A refuses B's tag and B refuses A's. */
static int
check_mismatch(const struct vec *v)
{
	struct inputs ia, ib;
	struct cpace *a = NULL, *b = NULL;
	uint8_t ya[NS], yb[NS], Ya[NE], Yb[NE], iska[NK], iskb[NK];
	uint8_t ta[64], tb[64];
	int err, bad = 1;

	if (get_inputs(v, &ia, "PRS_A") || get_inputs(v, &ib, "PRS_B") ||
	    vec_hexn(v, "ya", ya, NS) || vec_hexn(v, "yb", yb, NS) ||
	    vec_err(v, "expect", &err) || err != COFFER_ERR_AUTH)
		goto out;
	if (start(&a, Ya, CPACE_INITIATOR, &ia, ya) != 0 ||
	    start(&b, Yb, CPACE_RESPONDER, &ib, yb) != 0 ||
	    finish(a, iska, Yb, NE, &ia) != 0 ||
	    finish(b, iskb, Ya, NE, &ib) != 0 ||
	    sodium_memcmp(iska, iskb, NK) == 0)
		goto out;
	if (cpace_tag(ta, iska, ia.sid, ia.sidlen, Ya, ia.ada, ia.adalen) ||
	    cpace_tag(tb, iskb, ib.sid, ib.sidlen, Yb, ib.adb, ib.adblen) ||
	    cpace_tag_verify(tb, 64, iska, ia.sid, ia.sidlen, Yb, ia.adb,
	    ia.adblen) != err ||
	    cpace_tag_verify(ta, 64, iskb, ib.sid, ib.sidlen, Ya, ib.ada,
	    ib.adalen) != err)
		goto out;
	bad = 0;
out:
	cpace_free(&a);
	cpace_free(&b);
	sodium_memzero(&ia, sizeof(ia));
	sodium_memzero(&ib, sizeof(ib));
	sodium_memzero(iska, sizeof(iska));
	sodium_memzero(iskb, sizeof(iskb));
	return bad;
}

static int
check_vector(const struct vec *v)
{
	static const struct {
		const char	*kind;
		vec_check_fn	 check;
	} kinds[] = {
		{ "exchange", check_exchange },
		{ "scalar-mult", check_scalar_mult },
		{ "peer", check_peer },
		{ "tag", check_tag },
		{ "mismatch", check_mismatch },
	};
	const char *kind = vec_get(v, "kind");
	size_t i;

	for (i = 0; kind != NULL && i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strcmp(kind, kinds[i].kind) == 0)
			return kinds[i].check(v);
	return 1;
}

static void
test_draft_vectors(void **state)
{
	(void)state;
	vecfile_assert("cpace-ristretto255.txt", check_vector, 4);
}

static void
test_own_vectors(void **state)
{
	(void)state;
	vecfile_assert("cpace.txt", check_vector, 20);
}

/* One side of a run with random scalars. */
struct party {
	struct cpace	*st;
	uint8_t		 Y[NE], isk[NK], tag[64];
	const char	*prs, *ci;
	uint8_t		 ad[16];
};

/* A (initiator) and B (responder) run the whole protocol: messages,
 * keys, the two tags, with the ADs each side receives given apart (for
 * a relay that changes them). Returns how many tags verified (0..2). */
static int
run(struct party *a, struct party *b, const uint8_t *sid, size_t sidlen,
    const uint8_t *ada_at_b, const uint8_t *adb_at_a)
{
	int ok = 0;

	assert_int_equal(cpace_start(&a->st, a->Y, CPACE_INITIATOR,
	    (const uint8_t *)a->prs, strlen(a->prs), (const uint8_t *)a->ci,
	    strlen(a->ci), sid, sidlen), 0);
	assert_int_equal(cpace_start(&b->st, b->Y, CPACE_RESPONDER,
	    (const uint8_t *)b->prs, strlen(b->prs), (const uint8_t *)b->ci,
	    strlen(b->ci), sid, sidlen), 0);
	/* B gets M1 = (Ya, ADa), answers M2 = (Yb, ADb, Tb). */
	assert_int_equal(cpace_finish(b->st, b->isk, a->Y, NE, ada_at_b, 16,
	    b->ad, 16), 0);
	assert_int_equal(cpace_tag(b->tag, b->isk, sid, sidlen, b->Y, b->ad,
	    16), 0);
	/* A finishes, checks Tb, sends Ta; B checks Ta. */
	assert_int_equal(cpace_finish(a->st, a->isk, b->Y, NE, a->ad, 16,
	    adb_at_a, 16), 0);
	ok += cpace_tag_verify(b->tag, 64, a->isk, sid, sidlen, b->Y,
	    adb_at_a, 16) == 0;
	assert_int_equal(cpace_tag(a->tag, a->isk, sid, sidlen, a->Y, a->ad,
	    16), 0);
	ok += cpace_tag_verify(a->tag, 64, b->isk, sid, sidlen, a->Y,
	    ada_at_b, 16) == 0;
	cpace_free(&a->st);
	cpace_free(&b->st);
	assert_null(a->st);
	return ok;
}

static void
party_init(struct party *p, const char *prs, const char *ci, char name)
{
	memset(p, 0, sizeof(*p));
	p->prs = prs;
	p->ci = ci;
	memset(p->ad, name, sizeof(p->ad));
}

static void
party_wipe(struct party *p)
{
	sodium_memzero(p, sizeof(*p));
}

static void
test_exchange(void **state)
{
	static const char ci[] = "\x0b" "A_initiator\x0b" "B_responder";
	struct party a, b, a2, b2;
	uint8_t sid[16], so_a[64], so_b[64];

	(void)state;
	randombytes_buf(sid, sizeof(sid));
	party_init(&a, "correct horse", ci, 'a');
	party_init(&b, "correct horse", ci, 'b');
	assert_int_equal(run(&a, &b, sid, sizeof(sid), a.ad, b.ad), 2);
	assert_memory_equal(a.isk, b.isk, NK);

	/* Again, with fresh scalars: other shares, another key. */
	party_init(&a2, "correct horse", ci, 'a');
	party_init(&b2, "correct horse", ci, 'b');
	assert_int_equal(run(&a2, &b2, sid, sizeof(sid), a2.ad, b2.ad), 2);
	assert_memory_equal(a2.isk, b2.isk, NK);
	assert_memory_not_equal(a.Y, a2.Y, NE);
	assert_memory_not_equal(a.isk, a2.isk, NK);

	/* No sid: both sides derive the same sid_output. */
	party_wipe(&a);
	party_wipe(&b);
	party_init(&a, "correct horse", ci, 'a');
	party_init(&b, "correct horse", ci, 'b');
	assert_int_equal(run(&a, &b, NULL, 0, a.ad, b.ad), 2);
	assert_memory_equal(a.isk, b.isk, NK);
	assert_int_equal(cpace_sid_output(so_a, a.Y, a.ad, 16, b.Y, b.ad,
	    16), 0);
	assert_int_equal(cpace_sid_output(so_b, a.Y, a.ad, 16, b.Y, b.ad,
	    16), 0);
	assert_memory_equal(so_a, so_b, 64);
	/* Roles in the transcript are not interchangeable. */
	assert_int_equal(cpace_sid_output(so_b, b.Y, b.ad, 16, a.Y, a.ad,
	    16), 0);
	assert_memory_not_equal(so_a, so_b, 64);

	party_wipe(&a);
	party_wipe(&b);
	party_wipe(&a2);
	party_wipe(&b2);
}

/* A wrong PRS or CI on one side, or an AD changed in transit, gives
 * different keys, and neither confirmation verifies. */
static void
test_mismatch(void **state)
{
	static const char ci[] = "coffer/pair/test";
	struct party a, b;
	uint8_t sid[16], forged[16];

	(void)state;
	randombytes_buf(sid, sizeof(sid));
	party_init(&a, "correct horse", ci, 'a');
	party_init(&b, "correct horsf", ci, 'b');
	assert_int_equal(run(&a, &b, sid, sizeof(sid), a.ad, b.ad), 0);
	assert_memory_not_equal(a.isk, b.isk, NK);
	party_wipe(&a);
	party_wipe(&b);

	party_init(&a, "correct horse", ci, 'a');
	party_init(&b, "correct horse", "coffer/pair/tesu", 'b');
	assert_int_equal(run(&a, &b, sid, sizeof(sid), a.ad, b.ad), 0);
	assert_memory_not_equal(a.isk, b.isk, NK);
	party_wipe(&a);
	party_wipe(&b);

	/* The relay changes ADa on its way to B. */
	party_init(&a, "correct horse", ci, 'a');
	party_init(&b, "correct horse", ci, 'b');
	memset(forged, 'a', sizeof(forged));
	forged[15] = 'A';
	assert_int_equal(run(&a, &b, sid, sizeof(sid), forged, b.ad), 0);
	assert_memory_not_equal(a.isk, b.isk, NK);
	party_wipe(&a);
	party_wipe(&b);
}

static uint8_t big[CPACE_CI_MAX + 2];
static const uint8_t pw[] = "pw";

/* A fresh initiator and responder over the same inputs. */
static void
start_pair(struct cpace **a, uint8_t Ya[NE], struct cpace **b,
    uint8_t Yb[NE])
{
	assert_int_equal(cpace_start(a, Ya, CPACE_INITIATOR, pw, 2, NULL, 0,
	    NULL, 0), 0);
	assert_int_equal(cpace_start(b, Yb, CPACE_RESPONDER, pw, 2, NULL, 0,
	    NULL, 0), 0);
}

static void
free_pair(struct cpace **a, struct cpace **b)
{
	cpace_free(a);
	cpace_free(b);
	assert_null(*a);
	assert_null(*b);
}

/* Every argument of the generator and of a start is checked. */
static void
test_start_args(void **state)
{
	struct cpace *st = NULL;
	uint8_t Y[NE], Y2[NE], g[NE], s[NS];

	(void)state;
	cpace_free(NULL);
	cpace_free(&st);
	assert_int_equal(cpace_generator(g, NULL, 1, NULL, 0, NULL, 0),
	    COFFER_ERR_INVALID);
	assert_int_equal(cpace_generator(NULL, pw, 2, NULL, 0, NULL, 0),
	    COFFER_ERR_INVALID);
	assert_int_equal(cpace_generator(g, big, CPACE_PRS_MAX + 1, NULL, 0,
	    NULL, 0), COFFER_ERR_INVALID);
	assert_int_equal(cpace_generator(g, big, CPACE_PRS_MAX, big,
	    CPACE_CI_MAX + 1, NULL, 0), COFFER_ERR_INVALID);
	assert_int_equal(cpace_generator(g, big, CPACE_PRS_MAX, big,
	    CPACE_CI_MAX, big, CPACE_SID_MAX + 1), COFFER_ERR_INVALID);
	assert_int_equal(cpace_generator(g, big, CPACE_PRS_MAX, big,
	    CPACE_CI_MAX, big, CPACE_SID_MAX), 0);
	assert_int_equal(cpace_generator(g, NULL, 0, NULL, 0, NULL, 0), 0);

	assert_int_equal(cpace_start(NULL, Y, CPACE_INITIATOR, pw, 2, NULL,
	    0, NULL, 0), COFFER_ERR_INVALID);
	assert_int_equal(cpace_start(&st, NULL, CPACE_INITIATOR, pw, 2, NULL,
	    0, NULL, 0), COFFER_ERR_INVALID);
	assert_int_equal(cpace_start(&st, Y, (enum cpace_role)2, pw, 2, NULL,
	    0, NULL, 0), COFFER_ERR_INVALID);
	assert_int_equal(cpace_start(&st, Y, CPACE_INITIATOR, pw, 2, NULL, 0,
	    big, CPACE_SID_MAX + 1), COFFER_ERR_INVALID);
	assert_null(st);

	/* Scalars for _det: canonical and not zero. */
	memset(s, 0, sizeof(s));
	assert_int_equal(cpace_start_det(&st, Y, CPACE_INITIATOR, pw, 2, NULL,
	    0, NULL, 0, s), COFFER_ERR_INVALID);
	assert_int_equal(cpace_start_det(&st, Y, CPACE_INITIATOR, pw, 2, NULL,
	    0, NULL, 0, order), COFFER_ERR_INVALID);
	assert_int_equal(cpace_start_det(&st, Y, CPACE_INITIATOR, pw, 2, NULL,
	    0, NULL, 0, NULL), COFFER_ERR_INVALID);
	memcpy(s, order, NS);
	s[0]--;					/* L - 1 */
	assert_int_equal(cpace_start_det(&st, Y, CPACE_INITIATOR, pw, 2, NULL,
	    0, NULL, 0, s), 0);
	cpace_free(&st);
	assert_int_equal(cpace_scalar_mult_vfy(Y2, order, Y),
	    COFFER_ERR_INVALID);
	assert_int_equal(cpace_scalar_mult_vfy(NULL, s, Y), COFFER_ERR_INVALID);
	assert_int_equal(cpace_scalar_mult_vfy(Y2, s, NULL),
	    COFFER_ERR_INVALID);
	assert_int_equal(cpace_scalar_mult_vfy(Y2, s, Y), 0);

	/* Two fresh sessions never share a share. */
	assert_int_equal(cpace_start(&st, Y, CPACE_INITIATOR, pw, 2, NULL, 0,
	    NULL, 0), 0);
	cpace_free(&st);
	assert_int_equal(cpace_start(&st, Y2, CPACE_INITIATOR, pw, 2, NULL, 0,
	    NULL, 0), 0);
	cpace_free(&st);
	assert_memory_not_equal(Y, Y2, NE);
}

/* A session is one use, and finish checks its arguments: the peer's AD
 * over its cap is the peer's fault, the own one the caller's; both
 * spend the session. */
static void
test_finish_args(void **state)
{
	struct cpace *a = NULL, *b = NULL;
	uint8_t Ya[NE], Yb[NE], isk[NK];

	(void)state;
	start_pair(&a, Ya, &b, Yb);
	assert_int_equal(cpace_finish(a, isk, Yb, NE, big, CPACE_AD_MAX + 1,
	    NULL, 0), COFFER_ERR_INVALID);
	assert_int_equal(cpace_finish(a, isk, Yb, NE, NULL, 0, NULL, 0),
	    COFFER_ERR_STATE);
	assert_int_equal(cpace_finish(b, isk, Ya, NE, big, CPACE_AD_MAX + 1,
	    NULL, 0), COFFER_ERR_TOOBIG);
	assert_int_equal(cpace_finish(b, isk, Ya, NE, NULL, 0, NULL, 0),
	    COFFER_ERR_STATE);
	free_pair(&a, &b);

	start_pair(&a, Ya, &b, Yb);
	assert_int_equal(cpace_finish(a, NULL, Yb, NE, NULL, 0, NULL, 0),
	    COFFER_ERR_INVALID);
	assert_int_equal(cpace_finish(b, isk, Ya, NE, NULL, 1, NULL, 0),
	    COFFER_ERR_INVALID);
	assert_int_equal(cpace_finish(b, isk, Ya, NE, NULL, 0, NULL, 0),
	    COFFER_ERR_STATE);
	free_pair(&a, &b);

	/* ADs at their cap are fine, once. */
	start_pair(&a, Ya, &b, Yb);
	assert_int_equal(cpace_finish(a, isk, Yb, NE, big, CPACE_AD_MAX, big,
	    CPACE_AD_MAX), 0);
	assert_int_equal(cpace_finish(a, isk, Yb, NE, big, CPACE_AD_MAX, big,
	    CPACE_AD_MAX), COFFER_ERR_STATE);
	assert_int_equal(cpace_finish(NULL, isk, Yb, NE, NULL, 0, NULL, 0),
	    COFFER_ERR_INVALID);
	free_pair(&a, &b);
	sodium_memzero(isk, sizeof(isk));
}

/* sid_output's and the key confirmation's arguments. */
static void
test_confirm_args(void **state)
{
	uint8_t Y[NE], isk[NK], tag[64];

	(void)state;
	memset(isk, 1, sizeof(isk));
	memset(Y, 2, sizeof(Y));
	assert_int_equal(cpace_sid_output(tag, Y, big, CPACE_AD_MAX + 1, Y,
	    NULL, 0), COFFER_ERR_INVALID);
	assert_int_equal(cpace_sid_output(tag, NULL, NULL, 0, Y, NULL, 0),
	    COFFER_ERR_INVALID);
	assert_int_equal(cpace_mac_key(tag, isk, big, CPACE_SID_MAX + 1),
	    COFFER_ERR_INVALID);
	assert_int_equal(cpace_mac_key(tag, NULL, NULL, 0),
	    COFFER_ERR_INVALID);
	assert_int_equal(cpace_tag(tag, isk, NULL, 0, Y, big,
	    CPACE_AD_MAX + 1), COFFER_ERR_INVALID);
	assert_int_equal(cpace_tag(tag, isk, NULL, 0, NULL, NULL, 0),
	    COFFER_ERR_INVALID);
	assert_int_equal(cpace_tag(tag, isk, NULL, 0, Y, NULL, 0), 0);
	assert_int_equal(cpace_tag_verify(tag, 64, isk, NULL, 0, Y, NULL, 0),
	    0);
	assert_int_equal(cpace_tag_verify(tag, 63, isk, NULL, 0, Y, NULL, 0),
	    COFFER_ERR_AUTH);
	assert_int_equal(cpace_tag_verify(NULL, 64, isk, NULL, 0, Y, NULL,
	    0), COFFER_ERR_INVALID);
	sodium_memzero(isk, sizeof(isk));
}

/* --write-vectors: coffer's vectors (cpace.txt). Inputs are expanded
 * from labels with randombytes_buf_deterministic; scalars are the
 * draft's sample_scalar of such bytes (bits 252 and up cleared). */
static void
label(uint8_t *out, size_t n, const char *name)
{
	uint8_t seed[randombytes_SEEDBYTES];

	crypto_generichash(seed, sizeof(seed), (const uint8_t *)name,
	    strlen(name), NULL, 0);
	randombytes_buf_deterministic(out, n, seed);
}

static void
label_scalar(uint8_t y[NS], const char *name)
{
	label(y, NS, name);
	y[NS - 1] &= 0x0f;
}

/* The draft's appendix B.3 inputs. */
static void
draft_inputs(struct inputs *in, uint8_t ya[NS], uint8_t yb[NS])
{
	static const uint8_t ci[] = "\x0b" "A_initiator\x0b" "B_responder";
	static const uint8_t sid[] = {
		0x7e, 0x4b, 0x47, 0x91, 0xd6, 0xa8, 0xef, 0x01,
		0x9b, 0x93, 0x6c, 0x79, 0xfb, 0x7f, 0x2c, 0x57,
	};
	static const uint8_t a[NS] = {
		0xda, 0x3d, 0x23, 0x70, 0x0a, 0x9e, 0x56, 0x99,
		0x25, 0x8a, 0xef, 0x94, 0xdc, 0x06, 0x0d, 0xfd,
		0xa5, 0xeb, 0xb6, 0x1f, 0x02, 0xa5, 0xea, 0x77,
		0xfa, 0xd5, 0x3f, 0x4f, 0xf0, 0x97, 0x6d, 0x08,
	};
	static const uint8_t b[NS] = {
		0xd2, 0x31, 0x6b, 0x45, 0x47, 0x18, 0xc3, 0x53,
		0x62, 0xd8, 0x3d, 0x69, 0xdf, 0x63, 0x20, 0xf3,
		0x85, 0x78, 0xed, 0x59, 0x84, 0x65, 0x14, 0x35,
		0xe2, 0x94, 0x97, 0x62, 0xd9, 0x00, 0xb8, 0x0d,
	};

	memset(in, 0, sizeof(*in));
	memcpy(in->prs, "Password", in->prslen = 8);
	memcpy(in->ci, ci, in->cilen = sizeof(ci) - 1);
	memcpy(in->sid, sid, in->sidlen = sizeof(sid));
	memcpy(in->ada, "ADa", in->adalen = 3);
	memcpy(in->adb, "ADb", in->adblen = 3);
	memcpy(ya, a, NS);
	memcpy(yb, b, NS);
}

/* Inputs of the given sizes, from labels under name. */
static void
sized_inputs(struct inputs *in, uint8_t ya[NS], uint8_t yb[NS],
    const char *name, size_t prs, size_t ci, size_t sid, size_t ada,
    size_t adb)
{
	char l[64];

	memset(in, 0, sizeof(*in));
	snprintf(l, sizeof(l), "%s/PRS", name);
	label(in->prs, in->prslen = prs, l);
	snprintf(l, sizeof(l), "%s/CI", name);
	label(in->ci, in->cilen = ci, l);
	snprintf(l, sizeof(l), "%s/sid", name);
	label(in->sid, in->sidlen = sid, l);
	snprintf(l, sizeof(l), "%s/ADa", name);
	label(in->ada, in->adalen = ada, l);
	snprintf(l, sizeof(l), "%s/ADb", name);
	label(in->adb, in->adblen = adb, l);
	snprintf(l, sizeof(l), "%s/ya", name);
	label_scalar(ya, l);
	snprintf(l, sizeof(l), "%s/yb", name);
	label_scalar(yb, l);
}

static void
w_inputs(FILE *f, const struct inputs *in, const char *prs)
{
	vec_w_hex(f, prs, in->prs, in->prslen);
	vec_w_hex(f, "CI", in->ci, in->cilen);
	vec_w_hex(f, "sid", in->sid, in->sidlen);
	vec_w_hex(f, "ADa", in->ada, in->adalen);
	vec_w_hex(f, "ADb", in->adb, in->adblen);
}

/* A good exchange with every output; its ISK and shares for the bad
 * vectors that follow. */
static void
w_exchange(FILE *f, const char *name, const struct inputs *in,
    const uint8_t ya[NS], const uint8_t yb[NS], uint8_t isk[NK],
    uint8_t Ya[NE], uint8_t Yb[NE])
{
	struct cpace *a = NULL, *b = NULL;
	uint8_t g[NE], K[NE], iskb[NK], o[64];

	assert_int_equal(cpace_generator(g, in->prs, in->prslen, in->ci,
	    in->cilen, in->sid, in->sidlen), 0);
	assert_int_equal(start(&a, Ya, CPACE_INITIATOR, in, ya), 0);
	assert_int_equal(start(&b, Yb, CPACE_RESPONDER, in, yb), 0);
	assert_int_equal(cpace_scalar_mult_vfy(K, ya, Yb), 0);
	assert_int_equal(finish(a, isk, Yb, NE, in), 0);
	assert_int_equal(finish(b, iskb, Ya, NE, in), 0);
	assert_memory_equal(isk, iskb, NK);
	vec_w_begin(f, name);
	vec_w_word(f, "kind", "exchange");
	vec_w_hex(f, "PRS", in->prs, in->prslen);
	vec_w_hex(f, "CI", in->ci, in->cilen);
	vec_w_hex(f, "sid", in->sid, in->sidlen);
	vec_w_hex(f, "g", g, NE);
	vec_w_hex(f, "ya", ya, NS);
	vec_w_hex(f, "ADa", in->ada, in->adalen);
	vec_w_hex(f, "Ya", Ya, NE);
	vec_w_hex(f, "yb", yb, NS);
	vec_w_hex(f, "ADb", in->adb, in->adblen);
	vec_w_hex(f, "Yb", Yb, NE);
	vec_w_hex(f, "K", K, NE);
	vec_w_hex(f, "ISK_IR", isk, NK);
	assert_int_equal(cpace_sid_output(o, Ya, in->ada, in->adalen, Yb,
	    in->adb, in->adblen), 0);
	vec_w_hex(f, "sid_output_ir", o, 64);
	assert_int_equal(cpace_mac_key(o, isk, in->sid, in->sidlen), 0);
	vec_w_hex(f, "mac_key", o, 64);
	assert_int_equal(cpace_tag(o, isk, in->sid, in->sidlen, Ya, in->ada,
	    in->adalen), 0);
	vec_w_hex(f, "Ta", o, 64);
	assert_int_equal(cpace_tag(o, isk, in->sid, in->sidlen, Yb, in->adb,
	    in->adblen), 0);
	vec_w_hex(f, "Tb", o, 64);
	vec_w_end(f);
	cpace_free(&a);
	cpace_free(&b);
}

static void
w_peer(FILE *f, const char *name, const char *role, const struct inputs *in,
    const uint8_t y[NS], const uint8_t *peer, size_t n, int err)
{
	vec_w_begin(f, name);
	vec_w_word(f, "kind", "peer");
	vec_w_word(f, "role", role);
	w_inputs(f, in, "PRS");
	vec_w_hex(f, "y", y, NS);
	vec_w_hex(f, "peer", peer, n);
	vec_w_word(f, "expect", vec_errword(err));
	vec_w_end(f);
}

static void
w_tag(FILE *f, const char *name, const uint8_t isk[NK],
    const uint8_t *sid, size_t sidlen, const uint8_t Y[NE],
    const uint8_t *ad, size_t adlen, const uint8_t *tag, size_t taglen)
{
	vec_w_begin(f, name);
	vec_w_word(f, "kind", "tag");
	vec_w_hex(f, "ISK", isk, NK);
	vec_w_hex(f, "sid", sid, sidlen);
	vec_w_hex(f, "Y", Y, NE);
	vec_w_hex(f, "AD", ad, adlen);
	vec_w_hex(f, "tag", tag, taglen);
	vec_w_word(f, "expect", "AUTH");
	vec_w_end(f);
}

/* Peer shares a session must refuse, against the draft's session. */
static void
w_bad_peers(FILE *f, const struct inputs *in, const uint8_t ya[NS],
    const uint8_t yb[NS], const uint8_t Ya[NE], const uint8_t Yb[NE])
{
	struct inputs over = *in;
	uint8_t p[NE + 1], k[NE];
	size_t i;

	w_peer(f, "peer-empty", "initiator", in, ya, NULL, 0,
	    COFFER_ERR_TRUNCATED);
	w_peer(f, "peer-short", "initiator", in, ya, Yb, NE - 1,
	    COFFER_ERR_TRUNCATED);
	memcpy(p, Yb, NE);
	p[NE] = 0;
	w_peer(f, "peer-trailing", "initiator", in, ya, p, NE + 1,
	    COFFER_ERR_TRAILING);
	memset(p, 0, NE);
	w_peer(f, "peer-identity", "responder", in, yb, p, NE,
	    COFFER_ERR_FORMAT);
	/* Bit 255 set on a valid share: libsodium 1.0.18 alone would take
	 * it as the share without that bit. */
	memcpy(p, Ya, NE);
	p[NE - 1] |= 0x80;
	w_peer(f, "peer-bit255", "responder", in, yb, p, NE,
	    COFFER_ERR_FORMAT);
	/* s = p, the field prime: not reduced. */
	memset(p, 0xff, NE);
	p[0] = 0xed;
	p[NE - 1] = 0x7f;
	w_peer(f, "peer-field-prime", "initiator", in, ya, p, NE,
	    COFFER_ERR_FORMAT);
	/* s = 1: odd, so negative. */
	memset(p, 0, NE);
	p[0] = 1;
	w_peer(f, "peer-negative", "initiator", in, ya, p, NE,
	    COFFER_ERR_FORMAT);
	/* Yb with one bit flipped that keeps s even and below p, but is no
	 * element's encoding: the first such bit from bit 1 up. */
	for (i = 1; i < 8 * NE - 2; i++) {
		memcpy(p, Yb, NE);
		p[i / 8] ^= (uint8_t)(1u << (i % 8));
		if (cpace_scalar_mult_vfy(k, ya, p) == COFFER_ERR_FORMAT)
			break;
	}
	w_peer(f, "peer-off-group", "initiator", in, ya, p, NE,
	    COFFER_ERR_FORMAT);
	/* A valid share, but the peer's AD is one byte over the cap. */
	label(over.adb, over.adblen = CPACE_AD_MAX + 1, "peer-ad-toobig");
	w_peer(f, "peer-ad-toobig", "initiator", &over, ya, Yb, NE,
	    COFFER_ERR_TOOBIG);
}

/* Received tags that must be refused, against the draft's session. */
static void
w_bad_tags(FILE *f, const struct inputs *in, const uint8_t isk[NK],
    const uint8_t Ya[NE], const uint8_t Yb[NE])
{
	uint8_t ta[64], tb[64], t[64], other[NK];

	assert_int_equal(cpace_tag(ta, isk, in->sid, in->sidlen, Ya, in->ada,
	    in->adalen), 0);
	assert_int_equal(cpace_tag(tb, isk, in->sid, in->sidlen, Yb, in->adb,
	    in->adblen), 0);
	memcpy(t, tb, 64);
	t[63] ^= 0x80;
	w_tag(f, "tag-flipped", isk, in->sid, in->sidlen, Yb, in->adb,
	    in->adblen, t, 64);
	w_tag(f, "tag-truncated", isk, in->sid, in->sidlen, Yb, in->adb,
	    in->adblen, tb, 32);
	/* A's own tag reflected back as B's. */
	w_tag(f, "tag-reflected", isk, in->sid, in->sidlen, Yb, in->adb,
	    in->adblen, ta, 64);
	/* Tb of the same ISK under no sid. */
	assert_int_equal(cpace_tag(t, isk, NULL, 0, Yb, in->adb, in->adblen),
	    0);
	w_tag(f, "tag-other-sid", isk, in->sid, in->sidlen, Yb, in->adb,
	    in->adblen, t, 64);
	/* Tb made with another ISK. */
	memcpy(other, isk, NK);
	other[0] ^= 1;
	assert_int_equal(cpace_tag(t, other, in->sid, in->sidlen, Yb, in->adb,
	    in->adblen), 0);
	w_tag(f, "tag-other-isk", isk, in->sid, in->sidlen, Yb, in->adb,
	    in->adblen, t, 64);
	/* Tb over another ADb. */
	assert_int_equal(cpace_tag(t, isk, in->sid, in->sidlen, Yb,
	    (const uint8_t *)"ADc", 3), 0);
	w_tag(f, "tag-other-ad", isk, in->sid, in->sidlen, Yb, in->adb,
	    in->adblen, t, 64);
}

static void
w_mismatch(FILE *f)
{
	struct inputs a, b;
	uint8_t ya[NS], yb[NS];

	sized_inputs(&a, ya, yb, "mismatch", 4, 16, 0, 8, 8);
	b = a;
	b.prs[3] ^= 1;
	vec_w_begin(f, "mismatch-prs");
	vec_w_word(f, "kind", "mismatch");
	vec_w_hex(f, "PRS_A", a.prs, a.prslen);
	w_inputs(f, &b, "PRS_B");
	vec_w_hex(f, "ya", ya, NS);
	vec_w_hex(f, "yb", yb, NS);
	vec_w_word(f, "expect", "AUTH");
	vec_w_end(f);
}

static int
write_vectors(const char *dir)
{
	static const struct {
		const char	*name;
		size_t		 prs, ci, sid, ada, adb;
	} sizes[] = {
		{ "empty", 0, 0, 0, 0, 0 },
		{ "no-sid", 8, 24, 0, 3, 3 },
		{ "prs-107-pad-1", 107, 24, 16, 3, 3 },
		{ "prs-108-pad-0", 108, 24, 16, 3, 3 },
		{ "prs-127-len-1", 127, 24, 16, 3, 3 },
		{ "prs-128-len-2", 128, 24, 16, 3, 3 },
		{ "long", 300, 200, CPACE_SID_MAX, 129, 128 },
	};
	struct inputs in;
	uint8_t ya[NS], yb[NS], isk[NK], Ya[NE], Yb[NE];
	char path[4096];
	FILE *f;
	size_t i;

	if (sodium_init() < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/cpace.txt", dir);
	if ((f = fopen(path, "w")) == NULL)
		return -1;
	fprintf(f, "# coffer's CPace vectors (docs/PROTOCOL-cpace.md):\n"
	    "# CPACE-RISTR255-SHA512 of draft-irtf-cfrg-cpace-21 in\n"
	    "# initiator-responder mode, with the key confirmation coffer\n"
	    "# pins (mac_key, Ta, Tb: HMAC-SHA-512 under mac_key). The\n"
	    "# draft's own vectors are cpace-ristretto255.txt. Written by\n"
	    "# test_cpace --write-vectors; inputs are expanded from labels.\n"
	    "#\n"
	    "# kind = exchange: the draft's inputs and coffer's confirmation\n"
	    "# tags, then the edges of the framing: everything empty, no\n"
	    "# sid, PRS lengths that make the zero pad 1 and 0 bytes and its\n"
	    "# LEB128 length 1 and 2 bytes, and two-byte lengths of PRS, CI\n"
	    "# and both ADs.\n"
	    "# kind = peer: a share (or AD) the session of role with scalar\n"
	    "# y must refuse with expect. kind = tag: a received tag that\n"
	    "# must not verify for ISK, sid, Y, AD. kind = mismatch: A and\n"
	    "# B differ in PRS only; each refuses the other's tag.\n");
	draft_inputs(&in, ya, yb);
	w_exchange(f, "draft21-b3-confirm", &in, ya, yb, isk, Ya, Yb);
	w_bad_peers(f, &in, ya, yb, Ya, Yb);
	w_bad_tags(f, &in, isk, Ya, Yb);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		sized_inputs(&in, ya, yb, sizes[i].name, sizes[i].prs,
		    sizes[i].ci, sizes[i].sid, sizes[i].ada, sizes[i].adb);
		w_exchange(f, sizes[i].name, &in, ya, yb, isk, Ya, Yb);
	}
	w_mismatch(f);
	return fclose(f);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_draft_vectors),
		cmocka_unit_test(test_own_vectors),
		cmocka_unit_test(test_exchange),
		cmocka_unit_test(test_mismatch),
		cmocka_unit_test(test_start_args),
		cmocka_unit_test(test_finish_args),
		cmocka_unit_test(test_confirm_args),
	};
	int rc;

	if (vec_write_mode(argc, argv, write_vectors, &rc))
		return rc;
	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests_name("cpace", tests, NULL, NULL);
}

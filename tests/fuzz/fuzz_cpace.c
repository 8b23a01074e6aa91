/* Fuzz CPace's finish step and tag check (lib/auth/cpace.h) with what a
 * peer sends. The first byte picks: bit 0 the role of the session that
 * receives (0 initiator, fed B's share; 1 responder, fed A's); bit 1
 * whether the rest is the share alone (the peer's AD is the genuine one)
 * or the share, its first 32 bytes, then the peer's AD; bit 2 that the
 * rest is instead a key confirmation tag from the peer.
 *
 * Everything else is a fixed session. Invariants: a share is accepted
 * only if it is exactly 32 bytes and the canonical encoding of an element
 * other than the identity (checked apart from the module: libsodium's
 * re-encoding gives back the same bytes); a refused share leaves the ISK
 * untouched; the session is spent either way; the genuine message gives
 * the genuine ISK and any other an other ISK; a tag verifies only if it
 * is the genuine one. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include <coffer/err.h>

#include "auth/cpace.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NE	CPACE_ELEMENT_BYTES
#define NK	CPACE_ISK_BYTES

static const uint8_t prs[] = "fuzz password";
static const uint8_t ci[] = "fuzz channel";
static const uint8_t ada[] = "A";
static const uint8_t adb[] = "B";

/* The fixed world: both scalars, both shares, the key, both tags. */
static struct {
	int	ready;
	uint8_t	sid[16], y[2][32], Y[2][NE], isk[NK], tag[2][64];
} w;

static void
start(struct cpace **st, uint8_t Y[NE], int role)
{
	if (cpace_start_det(st, Y, role ? CPACE_RESPONDER : CPACE_INITIATOR,
	    prs, sizeof(prs) - 1, ci, sizeof(ci) - 1, w.sid, sizeof(w.sid),
	    w.y[role]) != 0)
		abort();
}

static void
setup(void)
{
	struct cpace *a = NULL, *b = NULL;
	uint8_t k2[NK];
	int i;

	if (sodium_init() < 0)
		abort();
	memset(w.sid, 0x5a, sizeof(w.sid));
	for (i = 0; i < 2; i++) {
		memset(w.y[i], 0x11 * (i + 1), 32);
		w.y[i][31] &= 0x0f;
	}
	start(&a, w.Y[0], 0);
	start(&b, w.Y[1], 1);
	if (cpace_finish(a, w.isk, w.Y[1], NE, ada, 1, adb, 1) != 0 ||
	    cpace_finish(b, k2, w.Y[0], NE, ada, 1, adb, 1) != 0 ||
	    memcmp(w.isk, k2, NK) != 0 ||
	    cpace_tag(w.tag[0], w.isk, w.sid, sizeof(w.sid), w.Y[0], ada,
	    1) != 0 ||
	    cpace_tag(w.tag[1], w.isk, w.sid, sizeof(w.sid), w.Y[1], adb,
	    1) != 0)
		abort();
	cpace_free(&a);
	cpace_free(&b);
	w.ready = 1;
}

/* The module's verdict on a share, made another way: a 32-byte string
 * that libsodium decodes (ignoring bit 255, as 1.0.18 does) and encodes
 * back to itself, and that is not the identity. */
static int
canonical(const uint8_t *p, size_t n)
{
	static const uint8_t identity[NE];
	uint8_t re[NE];

	return n == NE && crypto_core_ristretto255_add(re, p, identity) == 0 &&
	    memcmp(re, p, NE) == 0 && !sodium_is_zero(p, NE);
}

static void
feed_share(int role, const uint8_t *p, size_t n, int with_ad)
{
	struct cpace *st = NULL;
	const uint8_t *peer_ad = role ? ada : adb;
	size_t ylen = n, adlen = 1;
	uint8_t own[NE], isk[NK];
	int r, genuine;

	if (with_ad) {
		ylen = n < NE ? n : NE;
		peer_ad = p + ylen;
		adlen = n - ylen;
	}
	start(&st, own, role);
	memset(isk, 0xee, sizeof(isk));
	r = cpace_finish(st, isk, n > 0 ? p : NULL, ylen,
	    role ? peer_ad : ada, role ? adlen : 1,
	    role ? adb : peer_ad, role ? 1 : adlen);
	genuine = ylen == NE && memcmp(p, w.Y[!role], NE) == 0 &&
	    adlen == 1 && peer_ad[0] == (role ? 'A' : 'B');
	if (r == 0) {
		if (!canonical(p, ylen) || adlen > CPACE_AD_MAX)
			abort();
		if ((memcmp(isk, w.isk, NK) == 0) != genuine)
			abort();
	} else {
		if (genuine || isk[0] != 0xee || isk[NK - 1] != 0xee)
			abort();
		if (r != COFFER_ERR_TRUNCATED && r != COFFER_ERR_TRAILING &&
		    r != COFFER_ERR_TOOBIG && r != COFFER_ERR_FORMAT)
			abort();
		if (r == COFFER_ERR_FORMAT && canonical(p, ylen))
			abort();
	}
	if (cpace_finish(st, isk, own, NE, ada, 1, adb, 1) !=
	    COFFER_ERR_STATE)
		abort();
	cpace_free(&st);
}

static void
feed_tag(int role, const uint8_t *p, size_t n)
{
	int r, genuine = n == 64 && memcmp(p, w.tag[!role], 64) == 0;

	r = cpace_tag_verify(n > 0 ? p : w.tag[role], n, w.isk, w.sid,
	    sizeof(w.sid), w.Y[!role], role ? ada : adb, 1);
	if ((r == 0) != genuine || (r != 0 && r != COFFER_ERR_AUTH))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int role;

	if (!w.ready)
		setup();
	if (size < 1)
		return 0;
	role = data[0] & 1;
	if (data[0] & 4)
		feed_tag(role, data + 1, size - 1);
	else
		feed_share(role, data + 1, size - 1, (data[0] & 2) != 0);
	return 0;
}

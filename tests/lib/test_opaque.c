/* OPAQUE-3DH (include/coffer/opaque.h): the RFC 9807 vectors
 * (tests/vectors/opaque-rfc9807.txt), coffer's own vectors with the
 * production KSF at a small cost (tests/vectors/opaque.txt, written by
 * --write-vectors), and the protocol's promises through the public API:
 * round trips, wrong passwords, tampering, unknown users, the state
 * machine, and that the server's data alone logs nobody in. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include <coffer/buf.h>
#include <coffer/err.h>
#include <coffer/opaque.h>

#include "auth/opaque_internal.h"
#include "auth/oprf.h"
#include "vecfile.h"

/* The cheap Argon2id profile of the tests and of opaque.txt. */
#define TEST_T	1
#define TEST_M	64

/* One registration and one login, with every input given: the shape of
 * a "real" RFC vector and of a "flow" vector of opaque.txt. t == 0 means
 * KSF Identity with the context in ctx (the RFC's configuration). */
struct flow {
	uint64_t	t, m;
	uint8_t		ctx[OPQ_CONTEXT_MAX];
	size_t		ctxlen;
	uint8_t		pw[64], cid[32], sid[32], cred[32], seed[64];
	size_t		pwlen, cidlen, sidlen, credlen, seedlen;
	uint8_t		sk[32], blind_r[32], env_nonce[32], blind_l[32];
	uint8_t		cnonce[32], cseed[32], mnonce[32], snonce[32];
	uint8_t		sseed[32];
	uint8_t		rec[192], ke1[96], msg[400];	/* steps */
	size_t		msglen;
	/* outputs */
	uint8_t		pk[32], req[32], resp[64], rec_out[192];
	uint8_t		export_r[64];
	uint8_t		ke1_out[96], ke2[320], ke3[64], session_c[64];
	uint8_t		session_s[64], export_l[64];
	struct opq_trace tr_reg, tr_srv, tr_cli;
};

/* The vector fields an input of struct flow is read from. len == 0: a
 * fixed-size field of max bytes; else the offset of its length. */
#define F(name, m, lenm) { name, offsetof(struct flow, m), \
	sizeof(((struct flow *)0)->m), lenm }
#define NOLEN	((size_t)-1)
static const struct {
	const char	*name;
	size_t		 off, max, lenoff;
} fields[] = {
	F("password", pw, offsetof(struct flow, pwlen)),
	F("client_identity", cid, offsetof(struct flow, cidlen)),
	F("server_identity", sid, offsetof(struct flow, sidlen)),
	F("credential_identifier", cred, offsetof(struct flow, credlen)),
	F("oprf_seed", seed, offsetof(struct flow, seedlen)),
	F("server_private_key", sk, NOLEN),
	F("blind_registration", blind_r, NOLEN),
	F("envelope_nonce", env_nonce, NOLEN),
	F("blind_login", blind_l, NOLEN),
	F("client_nonce", cnonce, NOLEN),
	F("client_keyshare_seed", cseed, NOLEN),
	F("masking_nonce", mnonce, NOLEN),
	F("server_nonce", snonce, NOLEN),
	F("server_keyshare_seed", sseed, NOLEN),
	F("record", rec, NOLEN),
	F("ke1_in", ke1, NOLEN),
	F("message", msg, offsetof(struct flow, msglen)),
};
#define NFIELDS	(sizeof(fields) / sizeof(fields[0]))

/* Read the inputs named in want (space-separated) from v; each must be
 * there. Returns 0 or -1. */
static int
flow_read(const struct vec *v, struct flow *fl, const char *want)
{
	uint8_t *p;
	size_t i, n, wl;
	const char *w;

	memset(fl, 0, sizeof(*fl));
	for (w = want; *w != '\0'; w += wl + (w[wl] == ' ')) {
		wl = strcspn(w, " ");
		if (wl == 6 && strncmp(w, "params", 6) == 0) {
			if (vec_u64(v, "t_cost", &fl->t) ||
			    vec_u64(v, "m_cost", &fl->m))
				return -1;
			continue;
		}
		for (i = 0; i < NFIELDS; i++)
			if (strlen(fields[i].name) == wl &&
			    strncmp(fields[i].name, w, wl) == 0)
				break;
		if (i == NFIELDS || vec_hex(v, fields[i].name, &p, &n) != 0)
			return -1;
		if (n > fields[i].max || (fields[i].lenoff == NOLEN &&
		    n != fields[i].max)) {
			free(p);
			return -1;
		}
		if (n > 0)
			memcpy((uint8_t *)fl + fields[i].off, p, n);
		if (fields[i].lenoff != NOLEN)
			*(size_t *)(void *)((uint8_t *)fl +
			    fields[i].lenoff) = n;
		free(p);
	}
	return 0;
}

static void
flow_write(FILE *f, const struct flow *fl, const char *want)
{
	size_t i, n, wl;
	const char *w;

	for (w = want; *w != '\0'; w += wl + (w[wl] == ' ')) {
		wl = strcspn(w, " ");
		if (wl == 6 && strncmp(w, "params", 6) == 0) {
			vec_w_u64(f, "t_cost", fl->t);
			vec_w_u64(f, "m_cost", fl->m);
			continue;
		}
		for (i = 0; i < NFIELDS; i++)
			if (strlen(fields[i].name) == wl &&
			    strncmp(fields[i].name, w, wl) == 0)
				break;
		if (i == NFIELDS)
			abort();
		n = fields[i].lenoff == NOLEN ? fields[i].max :
		    *(const size_t *)(const void *)((const uint8_t *)fl +
		    fields[i].lenoff);
		vec_w_hex(f, fields[i].name, (const uint8_t *)fl +
		    fields[i].off, n);
	}
}

static int
flow_cfg(const struct flow *fl, struct opq_cfg *cfg)
{
	struct coffer_opaque_params p;

	if (fl->t == 0)
		return opaque_cfg_raw(cfg, OPQ_KSF_IDENTITY, 0, 0,
		    fl->ctx, fl->ctxlen);
	if (fl->t > UINT32_MAX || fl->m > UINT32_MAX)
		return COFFER_ERR_INVALID;
	p.t_cost = (uint32_t)fl->t;
	p.m_cost = (uint32_t)fl->m;
	return opaque_cfg(cfg, &p);
}

static struct coffer_opaque_ids
flow_ids(const struct flow *fl)
{
	struct coffer_opaque_ids ids = { fl->cid, fl->cidlen, fl->sid,
	    fl->sidlen };

	return ids;
}

static int
flow_setup(const struct flow *fl, struct coffer_opaque_server_setup **s)
{
	return coffer_opaque_server_setup_import(s, fl->seed, fl->seedlen,
	    fl->sk);
}

/* Registration: request, response, record, export key. */
static int
flow_register(struct flow *fl)
{
	struct coffer_opaque_server_setup *s = NULL;
	struct coffer_opaque_client *c = NULL;
	struct coffer_opaque_ids ids = flow_ids(fl);
	struct opq_cfg cfg;
	int r;

	if ((r = flow_cfg(fl, &cfg)) != 0 || (r = flow_setup(fl, &s)) != 0 ||
	    (r = coffer_opaque_server_setup_public_key(s, fl->pk)) != 0 ||
	    (r = opaque_oprf_key(fl->tr_srv.oprf_key, s, fl->cred,
	    fl->credlen)) != 0 ||
	    (r = opaque_client_register_start_det(&c, fl->req, fl->pw,
	    fl->pwlen, fl->blind_r)) != 0 ||
	    (r = coffer_opaque_server_register(s, fl->resp, fl->req, 32,
	    fl->cred, fl->credlen)) != 0 ||
	    (r = opaque_client_register_finish_det(c, fl->rec_out,
	    fl->export_r, fl->resp, 64, &cfg, &ids, fl->env_nonce,
	    &fl->tr_reg)) != 0)
		goto out;
	r = coffer_opaque_server_record_check(fl->rec_out, 192);
out:
	coffer_opaque_client_free(&c);
	coffer_opaque_server_setup_free(&s);
	return r;
}

/* What the server of a login may see differently from the client: its
 * configuration, setup and identities (NULL: the flow's own). */
struct server_view {
	const struct opq_cfg			*cfg;
	const struct coffer_opaque_server_setup	*setup;
	const struct coffer_opaque_ids		*ids;
};

/* Login against record (NULL: unknown user, with fake if not NULL):
 * KE1, KE2, then the client's finish; the server's finish only if the
 * client's passed. Returns the first error. */
static int
flow_login_as(struct flow *fl, const uint8_t *record, const uint8_t *fake,
    const struct server_view *sv_view)
{
	struct coffer_opaque_server_setup *s = NULL;
	struct coffer_opaque_client *c = NULL;
	struct coffer_opaque_server *sv = NULL;
	struct coffer_opaque_ids ids = flow_ids(fl);
	struct opq_cfg cfg;
	const struct opq_cfg *scfg = &cfg;
	const struct coffer_opaque_server_setup *ss;
	const struct coffer_opaque_ids *sids = &ids;
	int r;

	if ((r = flow_cfg(fl, &cfg)) != 0 || (r = flow_setup(fl, &s)) != 0)
		goto out;
	ss = s;
	if (sv_view != NULL && sv_view->cfg != NULL)
		scfg = sv_view->cfg;
	if (sv_view != NULL && sv_view->setup != NULL)
		ss = sv_view->setup;
	if (sv_view != NULL && sv_view->ids != NULL)
		sids = sv_view->ids;
	if ((r = opaque_client_login_start_det(&c, fl->ke1_out, fl->pw,
	    fl->pwlen, fl->blind_l, fl->cnonce, fl->cseed)) != 0 ||
	    (r = opaque_server_login_start_det(&sv, fl->ke2, ss, record,
	    record == NULL ? 0 : 192, fl->cred, fl->credlen, fl->ke1_out, 96,
	    scfg, sids, fl->mnonce, fl->snonce, fl->sseed, fake,
	    &fl->tr_srv)) != 0 ||
	    (r = opaque_client_login_finish_det(c, fl->ke3,
	    fl->session_c, fl->export_l, fl->ke2, 320, &cfg, &ids,
	    &fl->tr_cli)) != 0)
		goto out;
	r = coffer_opaque_server_login_finish(sv, fl->session_s, fl->ke3, 64);
out:
	coffer_opaque_server_free(&sv);
	coffer_opaque_client_free(&c);
	coffer_opaque_server_setup_free(&s);
	return r;
}

static int
flow_login(struct flow *fl, const uint8_t *record, const uint8_t *fake)
{
	return flow_login_as(fl, record, fake, NULL);
}

/* Compare field f of v with n bytes at p: 0 if equal. */
static int
same(const struct vec *v, const char *f, const uint8_t *p, size_t n)
{
	uint8_t *want;
	size_t wl;
	int r;

	if (vec_hex(v, f, &want, &wl) != 0)
		return -1;
	r = (wl != n || (n > 0 && memcmp(want, p, n) != 0)) ? -1 : 0;
	free(want);
	return r;
}

/* The same, only if v has the field (the RFC's intermediate values). */
static int
same_opt(const struct vec *v, const char *f, const uint8_t *p, size_t n)
{
	return vec_get(v, f) == NULL ? 0 : same(v, f, p, n);
}

static const char flow_inputs[] = "password client_identity server_identity "
    "credential_identifier oprf_seed server_private_key blind_registration "
    "envelope_nonce blind_login client_nonce client_keyshare_seed "
    "masking_nonce server_nonce server_keyshare_seed";

/* A whole registration and login reproduced byte for byte. */
static int
check_flow(const struct vec *v, int rfc)
{
	struct flow fl;
	struct opq_cfg cfg;
	uint8_t *ctx = NULL;
	char *ctxs = NULL;
	size_t ctxl;
	int bad = 1;

	if (flow_read(v, &fl, flow_inputs) != 0)
		goto out;
	if (rfc) {
		if (vec_hex(v, "context", &ctx, &ctxl) != 0 ||
		    ctxl > sizeof(fl.ctx))
			goto out;
		memcpy(fl.ctx, ctx, ctxl);
		fl.ctxlen = ctxl;
	} else if (vec_u64(v, "t_cost", &fl.t) || vec_u64(v, "m_cost", &fl.m) ||
	    (ctxs = vec_str(v, "context")) == NULL || fl.t == 0 ||
	    flow_cfg(&fl, &cfg) != 0 || strlen(ctxs) != cfg.contextlen ||
	    memcmp(ctxs, cfg.context, cfg.contextlen) != 0)
		goto out;
	if (flow_register(&fl) != 0 ||
	    same_opt(v, "server_public_key", fl.pk, 32) != 0 ||
	    same_opt(v, "oprf_key", fl.tr_srv.oprf_key, 32) != 0 ||
	    same(v, "registration_request", fl.req, 32) != 0 ||
	    same(v, "registration_response", fl.resp, 64) != 0 ||
	    same_opt(v, "randomized_password",
	    fl.tr_reg.randomized_password, 64) != 0 ||
	    same_opt(v, "auth_key", fl.tr_reg.auth_key, 64) != 0 ||
	    same_opt(v, "envelope", fl.tr_reg.envelope, 96) != 0 ||
	    same_opt(v, "client_public_key", fl.tr_reg.client_public_key,
	    32) != 0 ||
	    same(v, "registration_upload", fl.rec_out, 192) != 0)
		goto out;
	if (flow_login(&fl, fl.rec_out, NULL) != 0 ||
	    same(v, "ke1", fl.ke1_out, 96) != 0 ||
	    same(v, "ke2", fl.ke2, 320) != 0 ||
	    same_opt(v, "handshake_secret", fl.tr_srv.handshake_secret,
	    64) != 0 ||
	    same_opt(v, "server_mac_key", fl.tr_srv.server_mac_key, 64) != 0 ||
	    same_opt(v, "client_mac_key", fl.tr_srv.client_mac_key, 64) != 0 ||
	    same(v, "ke3", fl.ke3, 64) != 0 ||
	    same(v, "session_key", fl.session_c, 64) != 0 ||
	    same(v, "export_key", fl.export_l, 64) != 0)
		goto out;
	/* The client's view of the login agrees with the server's and with
	 * the registration. */
	if (memcmp(fl.session_c, fl.session_s, 64) != 0 ||
	    memcmp(fl.export_r, fl.export_l, 64) != 0 ||
	    sodium_memcmp(fl.tr_cli.handshake_secret, fl.tr_srv.handshake_secret,
	    64) != 0 ||
	    memcmp(fl.tr_cli.randomized_password,
	    fl.tr_reg.randomized_password, 64) != 0)
		goto out;
	if (!rfc && vec_get(v, "expect") != NULL &&
	    strcmp(vec_get(v, "expect"), "OK") != 0)
		goto out;
	bad = 0;
out:
	free(ctx);
	free(ctxs);
	return bad;
}

/* RFC 9807 C.2: a KE2 for an unknown user from a given fake record. */
static int
check_rfc_fake(const struct vec *v)
{
	struct flow fl;
	struct opq_cfg cfg;
	struct coffer_opaque_server_setup *s = NULL;
	struct coffer_opaque_server *sv = NULL;
	struct coffer_opaque_ids ids;
	uint8_t *ctx = NULL, fake[96], csk[32], cpk[32], ke1[96], share[32];
	uint8_t ke2[320], key[64], zero[64] = { 0 };
	size_t ctxl;
	int bad = 1;

	if (flow_read(v, &fl, "client_identity server_identity "
	    "credential_identifier oprf_seed server_private_key "
	    "client_keyshare_seed masking_nonce server_nonce "
	    "server_keyshare_seed") != 0 ||
	    vec_hex(v, "context", &ctx, &ctxl) != 0 || ctxl > sizeof(fl.ctx) ||
	    vec_hexn(v, "client_private_key", csk, 32) != 0 ||
	    vec_hexn(v, "client_public_key", cpk, 32) != 0 ||
	    vec_hexn(v, "masking_key", fake + 32, 64) != 0 ||
	    vec_hexn(v, "ke1", ke1, 96) != 0)
		goto out;
	memcpy(fl.ctx, ctx, ctxl);
	fl.ctxlen = ctxl;
	ids = flow_ids(&fl);
	/* The fake key pair and the KE1 key share hold together. */
	if (crypto_scalarmult_ristretto255_base(fake, csk) != 0 ||
	    memcmp(fake, cpk, 32) != 0 ||
	    opaque_dh_keypair(NULL, share, fl.cseed) != 0 ||
	    memcmp(share, ke1 + 64, 32) != 0)
		goto out;
	if (flow_cfg(&fl, &cfg) != 0 || flow_setup(&fl, &s) != 0 ||
	    coffer_opaque_server_setup_public_key(s, fl.pk) != 0 ||
	    same(v, "server_public_key", fl.pk, 32) != 0)
		goto out;
	if (opaque_server_login_start_det(&sv, ke2, s, NULL, 0, fl.cred,
	    fl.credlen, ke1, 96, &cfg, &ids, fl.mnonce, fl.snonce, fl.sseed,
	    fake, NULL) != 0 || same(v, "ke2", ke2, 320) != 0)
		goto out;
	if (coffer_opaque_server_login_finish(sv, key, zero, 64) !=
	    COFFER_ERR_AUTH)
		goto out;
	bad = 0;
out:
	free(ctx);
	coffer_opaque_server_free(&sv);
	coffer_opaque_server_setup_free(&s);
	return bad;
}

static int
check_rfc(const struct vec *v)
{
	const char *kind = vec_get(v, "kind");

	if (kind != NULL && strcmp(kind, "real") == 0)
		return check_flow(v, 1);
	if (kind != NULL && strcmp(kind, "fake") == 0)
		return check_rfc_fake(v);
	return 1;
}

static void
test_rfc_vectors(void **state)
{
	(void)state;
	vecfile_assert("opaque-rfc9807.txt", check_rfc, 3);
}


/* opaque.txt: coffer's profile (Argon2id at TEST_T, TEST_M). */

static const char login_inputs[] = "params password client_identity "
    "server_identity credential_identifier oprf_seed server_private_key "
    "blind_login client_nonce client_keyshare_seed masking_nonce "
    "server_nonce server_keyshare_seed";

/* An unknown user: KE1 and the fake KE2 (production derivation) are
 * reproduced; the client's finish and any KE3 fail. */
static int
check_unknown(const struct vec *v)
{
	struct coffer_opaque_server_setup *s = NULL;
	struct coffer_opaque_server *sv = NULL;
	struct coffer_opaque_ids ids;
	struct opq_cfg cfg;
	struct flow fl;
	uint8_t ke2[320], key[64], zero[64] = { 0 };
	int err, bad = 1;

	if (flow_read(v, &fl, login_inputs) != 0 ||
	    vec_err(v, "expect", &err) != 0 || err != 0 ||
	    flow_login(&fl, NULL, NULL) != COFFER_ERR_AUTH ||
	    same(v, "ke1", fl.ke1_out, 96) != 0 ||
	    same(v, "ke2", fl.ke2, 320) != 0)
		goto out;
	ids = flow_ids(&fl);
	if (flow_cfg(&fl, &cfg) != 0 || flow_setup(&fl, &s) != 0 ||
	    opaque_server_login_start_det(&sv, ke2, s, NULL, 0, fl.cred,
	    fl.credlen, fl.ke1_out, 96, &cfg, &ids, fl.mnonce, fl.snonce,
	    fl.sseed, NULL, NULL) != 0 ||
	    coffer_opaque_server_login_finish(sv, key, zero, 64) !=
	    COFFER_ERR_AUTH)
		goto out;
	bad = 0;
out:
	coffer_opaque_server_free(&sv);
	coffer_opaque_server_setup_free(&s);
	return bad;
}

/* The inputs of each step that receives a message. */
static const struct {
	const char	*kind, *inputs;
} steps[] = {
	{ "registration-request", "oprf_seed server_private_key "
	    "credential_identifier message" },
	{ "registration-response", "params password blind_registration "
	    "envelope_nonce client_identity server_identity message" },
	{ "record", "message" },
	{ "ke1", "params oprf_seed server_private_key credential_identifier "
	    "record client_identity server_identity masking_nonce "
	    "server_nonce server_keyshare_seed message" },
	{ "ke2", "params password blind_login client_nonce "
	    "client_keyshare_seed client_identity server_identity message" },
	{ "ke3", "params oprf_seed server_private_key credential_identifier "
	    "record ke1_in client_identity server_identity masking_nonce "
	    "server_nonce server_keyshare_seed message" },
	{ "setup", "oprf_seed server_private_key message" },
	{ "state", "message" },
	{ "state-made", "params oprf_seed server_private_key "
	    "credential_identifier record ke1_in client_identity "
	    "server_identity masking_nonce server_nonce server_keyshare_seed "
	    "message" },
};
#define NSTEPS	(sizeof(steps) / sizeof(steps[0]))

/* Feed the message of v to its step; the result must be expect, outputs
 * untouched on error. */
static int
check_step(const struct vec *v, size_t step)
{
	struct coffer_opaque_server_setup *s = NULL, *ls = NULL;
	struct coffer_opaque_client *c = NULL;
	struct coffer_opaque_server *sv = NULL;
	struct coffer_opaque_ids ids;
	struct coffer_buf *b = NULL;
	struct opq_cfg cfg;
	struct flow fl;
	uint8_t o1[400], o2[64], o3[64], sent[400], req[32], ke2[320];
	uint8_t made[COFFER_OPAQUE_SERVER_STATE_BYTES];
	int err, r = COFFER_ERR_INTERNAL, bad = 1;

	if (flow_read(v, &fl, steps[step].inputs) != 0 ||
	    vec_err(v, "expect", &err) != 0)
		goto out;
	ids = flow_ids(&fl);
	memset(sent, 0xee, sizeof(sent));
	memcpy(o1, sent, sizeof(o1));
	memcpy(o2, sent, sizeof(o2));
	memcpy(o3, sent, sizeof(o3));
	if (fl.t != 0 && flow_cfg(&fl, &cfg) != 0)
		goto out;
	if (fl.seedlen != 0 && flow_setup(&fl, &s) != 0)
		goto out;
	switch (step) {
	case 0:
		r = coffer_opaque_server_register(s, o1, fl.msg, fl.msglen,
		    fl.cred, fl.credlen);
		break;
	case 1:
		if (opaque_client_register_start_det(&c, req, fl.pw,
		    fl.pwlen, fl.blind_r) != 0)
			goto out;
		r = opaque_client_register_finish_det(c, o1, o2, fl.msg,
		    fl.msglen, &cfg, &ids, fl.env_nonce, NULL);
		break;
	case 2:
		r = coffer_opaque_server_record_check(fl.msg, fl.msglen);
		break;
	case 3:
		r = opaque_server_login_start_det(&sv, o1, s, fl.rec,
		    192, fl.cred, fl.credlen, fl.msg, fl.msglen, &cfg, &ids,
		    fl.mnonce, fl.snonce, fl.sseed, NULL, NULL);
		if ((r == 0) != (sv != NULL))
			goto out;
		break;
	case 4:
		if (opaque_client_login_start_det(&c, o1, fl.pw,
		    fl.pwlen, fl.blind_l, fl.cnonce, fl.cseed) != 0)
			goto out;
		memcpy(o1, sent, sizeof(o1));
		r = opaque_client_login_finish_det(c, o1, o2, o3,
		    fl.msg, fl.msglen, &cfg, &ids, NULL);
		break;
	case 5:
		if (opaque_server_login_start_det(&sv, ke2, s, fl.rec,
		    192, fl.cred, fl.credlen, fl.ke1, 96, &cfg, &ids,
		    fl.mnonce, fl.snonce, fl.sseed, NULL, NULL) != 0)
			goto out;
		r = coffer_opaque_server_login_finish(sv, o2, fl.msg,
		    fl.msglen);
		break;
	case 6:
		/* A good one is the setup of the given seed and key, saved;
		 * it loads back to the same. */
		r = coffer_opaque_server_setup_load(&ls, fl.msg, fl.msglen);
		if (r == 0 && (coffer_opaque_server_setup_public_key(ls,
		    o1) != 0 || same(v, "public_key", o1, 32) != 0 ||
		    (b = coffer_buf_new_secret(256)) == NULL ||
		    coffer_opaque_server_setup_save(s, b) != 0 ||
		    coffer_buf_len(b) != fl.msglen ||
		    memcmp(coffer_buf_data(b), fl.msg, fl.msglen) != 0))
			goto out;
		break;
	case 7:
	case 8:
		/* state-made: the state of the given server login, saved;
		 * both kinds: it loads back to the same. */
		if (step == 8 && (opaque_server_login_start_det(&sv,
		    ke2, s, fl.rec, 192, fl.cred, fl.credlen, fl.ke1, 96, &cfg,
		    &ids, fl.mnonce, fl.snonce, fl.sseed, NULL, NULL) != 0 ||
		    coffer_opaque_server_state_save(sv, made) != 0 ||
		    fl.msglen != sizeof(made) ||
		    memcmp(made, fl.msg, sizeof(made)) != 0))
			goto out;
		coffer_opaque_server_free(&sv);
		r = coffer_opaque_server_state_load(&sv, fl.msg, fl.msglen);
		if (r == 0 && (coffer_opaque_server_state_save(sv, o1) != 0 ||
		    fl.msglen != COFFER_OPAQUE_SERVER_STATE_BYTES ||
		    memcmp(o1, fl.msg, fl.msglen) != 0))
			goto out;
		break;
	}
	if (r != err)
		goto out;
	if (r != 0 && (memcmp(o1, sent, sizeof(o1)) != 0 ||
	    memcmp(o2, sent, sizeof(o2)) != 0 ||
	    memcmp(o3, sent, sizeof(o3)) != 0))
		goto out;
	bad = 0;
out:
	coffer_buf_free(&b);
	coffer_opaque_server_setup_free(&ls);
	coffer_opaque_server_setup_free(&s);
	coffer_opaque_server_free(&sv);
	coffer_opaque_client_free(&c);
	return bad;
}

static int
check_own(const struct vec *v)
{
	const char *kind = vec_get(v, "kind");
	size_t i;

	if (kind == NULL)
		return 1;
	if (strcmp(kind, "flow") == 0)
		return check_flow(v, 0);
	if (strcmp(kind, "unknown-user") == 0)
		return check_unknown(v);
	for (i = 0; i < NSTEPS; i++)
		if (strcmp(kind, steps[i].kind) == 0)
			return check_step(v, i);
	return 1;
}

static void
test_own_vectors(void **state)
{
	(void)state;
	vecfile_assert("opaque.txt", check_own, 40);
}

/* --write-vectors: deterministic inputs, BLAKE2b of a label. */
static void
gen(uint8_t *out, size_t n, const char *label, const char *what)
{
	static const char key[] = "coffer opaque.txt";
	crypto_generichash_state st;

	crypto_generichash_init(&st, (const uint8_t *)key, sizeof(key) - 1, n);
	crypto_generichash_update(&st, (const uint8_t *)label, strlen(label));
	crypto_generichash_update(&st, (const uint8_t *)"/", 1);
	crypto_generichash_update(&st, (const uint8_t *)what, strlen(what));
	crypto_generichash_final(&st, out, n);
}

static void
gen_scalar(uint8_t s[32], const char *label, const char *what)
{
	uint8_t w[64];

	gen(w, sizeof(w), label, what);
	crypto_core_ristretto255_scalar_reduce(s, w);
}

static void
base_flow(struct flow *fl, const char *label, int with_ids)
{
	static const char pw[] = "correct horse battery staple";

	memset(fl, 0, sizeof(*fl));
	fl->t = TEST_T;
	fl->m = TEST_M;
	memcpy(fl->pw, pw, sizeof(pw) - 1);
	fl->pwlen = sizeof(pw) - 1;
	if (with_ids) {
		memcpy(fl->cid, "alice@example.org", 17);
		fl->cidlen = 17;
		memcpy(fl->sid, "coffer.example.org", 18);
		fl->sidlen = 18;
	}
	gen(fl->cred, 16, label, "credential_identifier");
	fl->credlen = 16;
	gen(fl->seed, 64, label, "oprf_seed");
	fl->seedlen = 64;
	gen_scalar(fl->sk, label, "server_private_key");
	gen_scalar(fl->blind_r, label, "blind_registration");
	gen(fl->env_nonce, 32, label, "envelope_nonce");
	gen_scalar(fl->blind_l, label, "blind_login");
	gen(fl->cnonce, 32, label, "client_nonce");
	gen(fl->cseed, 32, label, "client_keyshare_seed");
	gen(fl->mnonce, 32, label, "masking_nonce");
	gen(fl->snonce, 32, label, "server_nonce");
	gen(fl->sseed, 32, label, "server_keyshare_seed");
}

static void
w_params_context(FILE *f, const struct flow *fl)
{
	struct opq_cfg cfg;
	char ctx[OPQ_CONTEXT_MAX + 1];

	if (flow_cfg(fl, &cfg) != 0)
		abort();
	memcpy(ctx, cfg.context, cfg.contextlen);
	ctx[cfg.contextlen] = '\0';
	flow_write(f, fl, "params");
	vec_w_str(f, "context", ctx);
}

static void
w_flow(FILE *f, const char *name, int with_ids)
{
	struct flow fl;

	base_flow(&fl, name, with_ids);
	if (flow_register(&fl) != 0 || flow_login(&fl, fl.rec_out, NULL) != 0)
		abort();
	vec_w_begin(f, name);
	vec_w_word(f, "kind", "flow");
	w_params_context(f, &fl);
	flow_write(f, &fl, flow_inputs);
	vec_w_word(f, "expect", "OK");
	vec_w_hex(f, "registration_request", fl.req, 32);
	vec_w_hex(f, "registration_response", fl.resp, 64);
	vec_w_hex(f, "registration_upload", fl.rec_out, 192);
	vec_w_hex(f, "ke1", fl.ke1_out, 96);
	vec_w_hex(f, "ke2", fl.ke2, 320);
	vec_w_hex(f, "ke3", fl.ke3, 64);
	vec_w_hex(f, "session_key", fl.session_c, 64);
	vec_w_hex(f, "export_key", fl.export_l, 64);
	vec_w_end(f);
}

static void
w_unknown(FILE *f, const char *name)
{
	struct flow fl;

	base_flow(&fl, name, 1);
	if (flow_login(&fl, NULL, NULL) != COFFER_ERR_AUTH)
		abort();
	vec_w_begin(f, name);
	vec_w_word(f, "kind", "unknown-user");
	flow_write(f, &fl, login_inputs);
	vec_w_word(f, "expect", "OK");
	vec_w_hex(f, "ke1", fl.ke1_out, 96);
	vec_w_hex(f, "ke2", fl.ke2, 320);
	vec_w_end(f);
}

/* A step vector: the message in fl, and the error it must give. */
static void
w_step(FILE *f, const char *name, size_t step, struct flow *fl,
    const uint8_t *msg, size_t len, int err)
{
	if (len > sizeof(fl->msg))
		abort();
	memmove(fl->msg, msg, len);
	fl->msglen = len;
	vec_w_begin(f, name);
	vec_w_word(f, "kind", steps[step].kind);
	flow_write(f, fl, steps[step].inputs);
	vec_w_word(f, "expect", vec_errword(err));
	vec_w_end(f);
}

/* The usual damage to a message of n bytes at p: one vector each for a
 * cut, an extra byte; the caller adds the field-specific ones. */
static void
w_lengths(FILE *f, const char *prefix, size_t step, struct flow *fl,
    const uint8_t *p, size_t n)
{
	uint8_t m[400];
	char name[80];

	memcpy(m, p, n);
	m[n] = 0;
	snprintf(name, sizeof(name), "%s-truncated", prefix);
	w_step(f, name, step, fl, m, n - 1, COFFER_ERR_TRUNCATED);
	snprintf(name, sizeof(name), "%s-trailing", prefix);
	w_step(f, name, step, fl, m, n + 1, COFFER_ERR_TRAILING);
}

/* Set the 32 bytes at p to an invalid element: 0 the identity, 1 a valid
 * element with bit 255 set, 2 a non-canonical encoding. */
static void
spoil(uint8_t *p, int how)
{
	if (how == 0)
		memset(p, 0, 32);
	else if (how == 1)
		p[31] |= 0x80;
	else
		memset(p, 0xff, 32);
}

/* The damage done to a message by w_messages: spoil() with how 0..2, a
 * flipped bit, or another valid element. */
enum { FLIP = 3, REPLACE = 4 };
static const struct {
	const char	*name;
	size_t		 step, at;
	int		 how, err;
} damage[] = {
	{ "registration-request-identity", 0, 0, 0, COFFER_ERR_FORMAT },
	{ "registration-request-bit255", 0, 0, 1, COFFER_ERR_FORMAT },
	{ "registration-request-noncanonical", 0, 0, 2, COFFER_ERR_FORMAT },
	{ "registration-response-evaluated-identity", 1, 0, 0,
	    COFFER_ERR_FORMAT },
	{ "registration-response-server-key-bit255", 1, 32, 1,
	    COFFER_ERR_FORMAT },
	{ "record-client-key-identity", 2, 0, 0, COFFER_ERR_FORMAT },
	{ "record-client-key-noncanonical", 2, 0, 2, COFFER_ERR_FORMAT },
	{ "ke1-blinded-identity", 3, 0, 0, COFFER_ERR_FORMAT },
	{ "ke1-keyshare-bit255", 3, 64, 1, COFFER_ERR_FORMAT },
	{ "ke2-evaluated-identity", 4, 0, 0, COFFER_ERR_FORMAT },
	{ "ke2-keyshare-bit255", 4, 224, 1, COFFER_ERR_FORMAT },
	{ "ke2-masking-nonce-tampered", 4, 32, FLIP, COFFER_ERR_AUTH },
	{ "ke2-masked-server-key-tampered", 4, 64, FLIP, COFFER_ERR_AUTH },
	{ "ke2-masked-envelope-tampered", 4, 150, FLIP, COFFER_ERR_AUTH },
	{ "ke2-server-nonce-tampered", 4, 192, FLIP, COFFER_ERR_AUTH },
	{ "ke2-server-mac-tampered", 4, 319, FLIP, COFFER_ERR_AUTH },
	{ "ke2-evaluated-replaced", 4, 0, REPLACE, COFFER_ERR_AUTH },
};

static void
w_messages(FILE *f)
{
	static const size_t lens[5] = { 32, 64, 192, 96, 320 };
	const uint8_t *msgs[5];
	size_t k;
	struct coffer_opaque_server_setup *s = NULL, *other = NULL;
	struct coffer_opaque_server *sv = NULL;
	struct coffer_opaque_ids ids;
	struct coffer_buf *b = NULL;
	struct opq_cfg cfg, cfg2;
	struct server_view view;
	struct flow fl, x;
	uint8_t m[400], sk2[32];
	size_t n;

	base_flow(&fl, "messages", 1);
	if (flow_register(&fl) != 0 || flow_login(&fl, fl.rec_out, NULL) != 0 ||
	    flow_cfg(&fl, &cfg) != 0 || flow_setup(&fl, &s) != 0)
		abort();
	memcpy(fl.rec, fl.rec_out, 192);
	memcpy(fl.ke1, fl.ke1_out, 96);
	ids = flow_ids(&fl);

	/* Damage to each message a step receives. */
	msgs[0] = fl.req;
	msgs[1] = fl.resp;
	msgs[2] = fl.rec;
	msgs[3] = fl.ke1;
	msgs[4] = fl.ke2;
	for (k = 0; k < sizeof(damage) / sizeof(damage[0]); k++) {
		n = lens[damage[k].step];
		memcpy(m, msgs[damage[k].step], n);
		if (damage[k].how == FLIP)
			m[damage[k].at] ^= 0x01;
		else if (damage[k].how == REPLACE)
			memcpy(m + damage[k].at, fl.ke1, 32);
		else
			spoil(m + damage[k].at, damage[k].how);
		w_step(f, damage[k].name, damage[k].step, &fl, m, n,
		    damage[k].err);
	}
	for (k = 0; k < 5; k++)
		w_lengths(f, steps[k].kind, k, &fl, msgs[k], lens[k]);
	x = fl;
	spoil(x.rec, 0);
	w_step(f, "ke1-stored-record-bad", 3, &x, fl.ke1, 96,
	    COFFER_ERR_FORMAT);
	/* A wrong password: the genuine server's KE2 to that KE1. */
	x = fl;
	memcpy(x.pw, "correct horse battery stapler", 29);
	x.pwlen = 29;
	if (flow_login(&x, fl.rec, NULL) != COFFER_ERR_AUTH)
		abort();
	w_step(f, "ke2-wrong-password", 4, &x, x.ke2, 320, COFFER_ERR_AUTH);
	/* A server with another context (KSF parameters). */
	x = fl;
	x.t = TEST_T + 1;
	if (flow_cfg(&x, &cfg2) != 0)
		abort();
	x = fl;
	view.cfg = &cfg2;
	view.setup = NULL;
	view.ids = NULL;
	if (flow_login_as(&x, fl.rec, NULL, &view) != COFFER_ERR_AUTH)
		abort();
	w_step(f, "ke2-wrong-context", 4, &x, x.ke2, 320, COFFER_ERR_AUTH);
	/* A server with the OPRF seed and the record but another AKE key. */
	gen_scalar(sk2, "messages", "impostor_private_key");
	if (coffer_opaque_server_setup_import(&other, fl.seed, fl.seedlen,
	    sk2) != 0)
		abort();
	x = fl;
	view.cfg = NULL;
	view.setup = other;
	if (flow_login_as(&x, fl.rec, NULL, &view) != COFFER_ERR_AUTH)
		abort();
	w_step(f, "ke2-wrong-key", 4, &x, x.ke2, 320, COFFER_ERR_AUTH);
	/* A client that expects another server identity. */
	x = fl;
	memcpy(x.sid, "coffer.example.net", 18);
	view.setup = NULL;
	view.ids = &ids;
	if (flow_login_as(&x, fl.rec, NULL, &view) != COFFER_ERR_AUTH)
		abort();
	w_step(f, "ke2-wrong-server-identity", 4, &x, x.ke2, 320,
	    COFFER_ERR_AUTH);

	/* KE3, to the server. */
	memcpy(m, fl.ke3, 64);
	m[17] ^= 0x80;
	w_step(f, "ke3-tampered", 5, &fl, m, 64, COFFER_ERR_AUTH);
	x = fl;
	x.snonce[0] ^= 1;		/* the KE3 of another session */
	w_step(f, "ke3-other-session", 5, &x, fl.ke3, 64, COFFER_ERR_AUTH);
	w_lengths(f, "ke3", 5, &fl, fl.ke3, 64);

	/* The saved server setup. */
	if ((b = coffer_buf_new_secret(256)) == NULL ||
	    coffer_opaque_server_setup_save(s, b) != 0)
		abort();
	n = coffer_buf_len(b);
	memcpy(m, coffer_buf_data(b), n);
	x = fl;
	memcpy(x.msg, m, n);
	x.msglen = n;
	vec_w_begin(f, "setup-good");
	vec_w_word(f, "kind", "setup");
	flow_write(f, &x, steps[6].inputs);
	vec_w_word(f, "expect", "OK");
	vec_w_hex(f, "public_key", fl.pk, 32);
	vec_w_end(f);
	m[3] = 'X';
	w_step(f, "setup-magic", 6, &fl, m, n, COFFER_ERR_FORMAT);
	m[3] = 'S';
	m[4] = 2;
	w_step(f, "setup-version", 6, &fl, m, n, COFFER_ERR_VERSION);
	m[4] = 1;
	m[5] = 31;
	w_step(f, "setup-seed-short", 6, &fl, m, n - 33, COFFER_ERR_FORMAT);
	m[5] = 65;
	memmove(m + 6 + 65, m + 6 + 64, 32);
	w_step(f, "setup-seed-long", 6, &fl, m, n + 1, COFFER_ERR_FORMAT);
	memcpy(m, coffer_buf_data(b), n);
	memset(m + n - 32, 0, 32);
	w_step(f, "setup-key-zero", 6, &fl, m, n, COFFER_ERR_FORMAT);
	memset(m + n - 32, 0xff, 31);
	m[n - 1] = 0x1f;		/* above the group order */
	w_step(f, "setup-key-noncanonical", 6, &fl, m, n, COFFER_ERR_FORMAT);
	w_lengths(f, "setup", 6, &fl, coffer_buf_data(b), n);
	w_step(f, "setup-empty", 6, &fl, m, 0, COFFER_ERR_TRUNCATED);

	/* The saved server login state. */
	if (opaque_server_login_start_det(&sv, m, s, fl.rec, 192,
	    fl.cred, fl.credlen, fl.ke1, 96, &cfg, &ids, fl.mnonce, fl.snonce,
	    fl.sseed, NULL, NULL) != 0 ||
	    coffer_opaque_server_state_save(sv, m) != 0)
		abort();
	n = COFFER_OPAQUE_SERVER_STATE_BYTES;
	w_step(f, "state-good", 8, &fl, m, n, 0);
	m[0] = 'X';
	w_step(f, "state-magic", 7, &fl, m, n, COFFER_ERR_FORMAT);
	m[0] = 'C';
	m[4] = 2;
	w_step(f, "state-version", 7, &fl, m, n, COFFER_ERR_VERSION);
	m[4] = 1;
	m[5] = 2;
	w_step(f, "state-flag", 7, &fl, m, n, COFFER_ERR_FORMAT);
	m[5] = 0;
	w_lengths(f, "state", 7, &fl, m, n);

	coffer_buf_free(&b);
	coffer_opaque_server_free(&sv);
	coffer_opaque_server_setup_free(&other);
	coffer_opaque_server_setup_free(&s);
}

static int
write_vectors(const char *dir)
{
	char path[4096];
	FILE *f;

	if (sodium_init() < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/opaque.txt", dir);
	if ((f = fopen(path, "w")) == NULL)
		return -1;
	fprintf(f, "# coffer's OPAQUE-3DH profile (docs/PROTOCOL-opaque.md): RFC 9807\n"
	    "# ristretto255-SHA512 with KSF Argon2id (libsodium, one lane, zero\n"
	    "# 16-byte salt, 64-byte output) at the small test cost t_cost = %d,\n"
	    "# m_cost = %d KiB (production: t = %d, m = %d KiB), and the context\n"
	    "# that names those parameters. Written by test_opaque\n"
	    "# --write-vectors; inputs are BLAKE2b of labels.\n"
	    "#\n"
	    "# kind = flow: a registration and a login, every byte reproduced.\n"
	    "# kind = unknown-user: KE1 and the fake KE2 for a credential\n"
	    "# identifier without a record; the client's finish and any KE3\n"
	    "# fail. Other kinds feed message to one step with the other\n"
	    "# fields as that step's inputs, and expect names its result:\n"
	    "# registration-request (server), registration-response (client),\n"
	    "# record (server's check), ke1 (server), ke2 (client), ke3\n"
	    "# (server), setup (the saved server setup \"CFOS\", made from\n"
	    "# oprf_seed and server_private_key when good), state (a saved\n"
	    "# server login \"CFOL\") and state-made (the saved state of the\n"
	    "# server login the other fields describe).\n",
	    TEST_T, TEST_M, COFFER_OPAQUE_T_COST, COFFER_OPAQUE_M_COST);
	w_flow(f, "flow", 0);
	w_flow(f, "flow-identities", 1);
	w_unknown(f, "unknown-user");
	w_messages(f);
	return fclose(f);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc_vectors),
		cmocka_unit_test(test_own_vectors),
	};
	int rc;

	if (vec_write_mode(argc, argv, write_vectors, &rc))
		return rc;
	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests_name("opaque", tests, NULL, NULL);
}

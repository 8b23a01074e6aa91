/* bench-load: the legitimate clients (load.h). Each thread owns one
 * libcoffer handle with its own home and account, and loops until the
 * phase ends: pick an operation, time it, think, again. */
#include <sys/stat.h>

#include <errno.h>
#include <math.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <coffer/buf.h>
#include <coffer/err.h>

#include "load.h"

/* Operation weights, out of 100: reads and writes of small records most,
 * blobs often, a sign-in now and then. */
static const struct {
	int		op;
	unsigned	weight;
} mix[] = {
	{ LD_SIGNIN, 4 },
	{ LD_REC_PUT, 28 },
	{ LD_REC_GET, 30 },
	{ LD_BLOB_PUT, 18 },
	{ LD_BLOB_GET, 20 },
};

/* Random bytes that every client uploads slices of (ids are random, so
 * nothing deduplicates). */
static uint8_t payload[2 * LD_BLOB_MAX];
static double deadline;
/* Sign-ins stretch the password (Argon2id) on this machine: at the
 * production costs each needs 256 MiB, so only a few run at once. The
 * wait for a slot is not part of the measured time. */
static sem_t slots;

void
ld_signin_slots_init(unsigned n)
{
	uint64_t s;
	size_t i;

	(void)sem_init(&slots, 0, n ? n : 1);
	ld_seed(&s);
	for (i = 0; i + 8 <= sizeof(payload); i += 8) {
		uint64_t v = ld_rand(&s);

		memcpy(payload + i, &v, 8);
	}
}

/* The HTTP status a message names ("HTTP 503 ..."), else ${dflt}. */
static long
status_of(const char *msg, long dflt)
{
	const char *p = msg ? strstr(msg, "HTTP ") : NULL;
	long v;

	if (p == NULL)
		return dflt;
	v = strtol(p + 5, NULL, 10);
	return v >= 100 && v <= 599 ? v : dflt;
}

static void
fail(struct ld_client *cl, int op, int r, const char *msg)
{
	/* A client call's status is the handle's; a store call's is in
	 * its message only. */
	long st = msg == NULL ? coffer_client_http_status(cl->c) : 0;

	if (msg == NULL)
		msg = coffer_client_errmsg(cl->c);
	ld_record_err(&cl->st, op, r, status_of(msg, st), msg);
}

static const char *
store_msg(struct ld_client *cl)
{
	const char *m = NULL;

	if (cl->has_store && cl->store.ops->message != NULL)
		m = cl->store.ops->message(cl->store.ctx);
	return m != NULL && m[0] ? m : coffer_client_errmsg(cl->c);
}

int
ld_client_setup(struct ld_client *cl)
{
	struct coffer_client_opts co;
	char home[4096], tag[9];
	uint64_t v;
	size_t i;
	int r;

	ld_seed(&cl->rng);
	(void)snprintf(home, sizeof(home), "%s/client-%04u", cl->o->workdir,
	    cl->idx);
	if (mkdir(home, 0700) != 0 && errno != EEXIST) {
		fprintf(stderr, "bench-load: %s: %s\n", home, strerror(errno));
		return COFFER_ERR_IO;
	}
	v = ld_rand(&cl->rng);
	for (i = 0; i < 8; i++)
		tag[i] = "0123456789abcdef"[(v >> (4 * i)) & 15];
	tag[8] = '\0';
	(void)snprintf(cl->login, sizeof(cl->login), "bench-%04u-%s", cl->idx,
	    tag);
	for (i = 0; i < sizeof(cl->password); i++)
		cl->password[i] = (uint8_t)('a' + ld_rand(&cl->rng) % 26);
	if ((cl->getbuf = coffer_buf_new(2 * LD_BLOB_MAX)) == NULL)
		return COFFER_ERR_NOMEM;
	memset(&co, 0, sizeof(co));
	co.ksf_min_t = cl->o->ksf_min_t;
	co.ksf_min_m = cl->o->ksf_min_m;
	if ((r = coffer_client_open(&cl->c, cl->o->url, home, &co)) != 0) {
		fprintf(stderr, "bench-load: client %u: open: %s\n", cl->idx,
		    coffer_strerror(r));
		return r;
	}
	(void)sem_wait(&slots);
	r = coffer_client_account_create(cl->c, cl->login, cl->password,
	    sizeof(cl->password));
	(void)sem_post(&slots);
	if (r != 0)
		fprintf(stderr, "bench-load: client %u: account create: %s\n",
		    cl->idx, coffer_client_errmsg(cl->c));
	cl->signed_in = r == 0;
	return r;
}

void
ld_client_free(struct ld_client *cl)
{
	if (cl->has_store)
		coffer_client_backup_store_close(&cl->store);
	cl->has_store = 0;
	coffer_client_free(&cl->c);
	coffer_buf_free(&cl->getbuf);
	ld_stats_free(&cl->st);
}

/* Sign out (if ${signed_in}), then in again; 0 once signed in. */
static int
do_signin(struct ld_client *cl, int signed_in)
{
	double t;
	int r;

	if (cl->has_store)
		coffer_client_backup_store_close(&cl->store);
	cl->has_store = 0;
	t = ld_now();
	if (!signed_in)
		;
	else if ((r = coffer_client_logout(cl->c)) != 0)
		fail(cl, LD_SIGNOUT, r, NULL);
	else
		ld_record(&cl->st, LD_SIGNOUT, (ld_now() - t) * 1e3);
	(void)sem_wait(&slots);
	t = ld_now();
	r = coffer_client_login(cl->c, cl->login, cl->password,
	    sizeof(cl->password));
	t = ld_now() - t;
	(void)sem_post(&slots);
	if (r != 0)
		fail(cl, LD_SIGNIN, r, NULL);
	else
		ld_record(&cl->st, LD_SIGNIN, t * 1e3);
	return r;
}

static void
do_record_put(struct ld_client *cl)
{
	size_t len = 64 + ld_rand(&cl->rng) % (2048 - 64 + 1);
	size_t off = ld_rand(&cl->rng) % LD_BLOB_MAX;
	uint8_t id[COFFER_RECORD_ID_BYTES];
	double t = ld_now();
	int r;

	r = coffer_client_record_create(cl->c, "notes", NULL, payload + off,
	    len, id);
	t = ld_now() - t;
	if (r != 0) {
		fail(cl, LD_REC_PUT, r, NULL);
		return;
	}
	ld_record(&cl->st, LD_REC_PUT, t * 1e3);
	memcpy(cl->recs[cl->nrec % LD_RECS_KEPT], id, sizeof(id));
	cl->nrec++;
}

static void
do_record_get(struct ld_client *cl)
{
	size_t n = cl->nrec < LD_RECS_KEPT ? cl->nrec : LD_RECS_KEPT;
	uint64_t version;
	double t;
	int r;

	if (n == 0) {
		do_record_put(cl);
		return;
	}
	coffer_buf_reset(cl->getbuf);
	t = ld_now();
	r = coffer_client_record_get(cl->c, "notes", NULL,
	    cl->recs[ld_rand(&cl->rng) % n], cl->getbuf, &version);
	t = ld_now() - t;
	if (r != 0)
		fail(cl, LD_REC_GET, r, NULL);
	else
		ld_record(&cl->st, LD_REC_GET, t * 1e3);
}

/* Open the backup store of the session, if not open. */
static int
store_open(struct ld_client *cl, int op)
{
	int r;

	if (cl->has_store)
		return 0;
	if ((r = coffer_client_backup_store(cl->c, NULL, &cl->store)) != 0) {
		fail(cl, op, r, NULL);
		return r;
	}
	cl->has_store = 1;
	return 0;
}

static void
do_blob_delete(struct ld_client *cl)
{
	double t = ld_now();
	int r;

	r = cl->store.ops->del(cl->store.ctx, cl->blobs[cl->bhead]);
	t = ld_now() - t;
	if (r != 0 && r != COFFER_ERR_NOTFOUND) {
		fail(cl, LD_BLOB_DEL, r, store_msg(cl));
		return;
	}
	if (r == 0)
		ld_record(&cl->st, LD_BLOB_DEL, t * 1e3);
	cl->bhead = (cl->bhead + 1) % LD_BLOBS_KEPT;
	cl->nblob--;
}

static void
do_blob_put(struct ld_client *cl)
{
	struct coffer_bstore_xfer x;
	double u, t;
	size_t i, slot;
	int r;

	memset(&x, 0, sizeof(x));
	/* Sizes log-uniform from 4 KiB to 1 MiB: most blobs small. */
	u = (double)(ld_rand(&cl->rng) >> 11) / 9007199254740992.0;
	x.len = (size_t)((double)LD_BLOB_MIN * pow(256.0, u));
	if (x.len > LD_BLOB_MAX)
		x.len = LD_BLOB_MAX;
	x.data = payload + ld_rand(&cl->rng) % LD_BLOB_MAX;
	for (i = 0; i < sizeof(x.id); i += 8) {
		uint64_t v = ld_rand(&cl->rng);

		memcpy(x.id + i, &v, 8);
	}
	t = ld_now();
	if (store_open(cl, LD_BLOB_PUT) != 0)
		return;
	if (cl->nblob == LD_BLOBS_KEPT) {
		do_blob_delete(cl);
		t = ld_now();
	}
	r = cl->store.ops->put_many(cl->store.ctx, &x, 1);
	t = ld_now() - t;
	if (r != 0) {
		fail(cl, LD_BLOB_PUT, r, store_msg(cl));
		return;
	}
	ld_record(&cl->st, LD_BLOB_PUT, t * 1e3);
	slot = (cl->bhead + cl->nblob) % LD_BLOBS_KEPT;
	memcpy(cl->blobs[slot], x.id, sizeof(x.id));
	cl->bsize[slot] = x.len;
	cl->nblob++;
}

static void
do_blob_get(struct ld_client *cl)
{
	struct coffer_bstore_xfer x;
	size_t slot;
	double t;
	int r;

	if (cl->nblob == 0) {
		do_blob_put(cl);
		return;
	}
	slot = (cl->bhead + ld_rand(&cl->rng) % cl->nblob) % LD_BLOBS_KEPT;
	memset(&x, 0, sizeof(x));
	memcpy(x.id, cl->blobs[slot], sizeof(x.id));
	x.out = cl->getbuf;
	coffer_buf_reset(cl->getbuf);
	t = ld_now();
	if (store_open(cl, LD_BLOB_GET) != 0)
		return;
	r = cl->store.ops->get_many(cl->store.ctx, &x, 1);
	t = ld_now() - t;
	if (r == 0 && coffer_buf_len(cl->getbuf) != cl->bsize[slot])
		ld_record_err(&cl->st, LD_BLOB_GET, COFFER_ERR_TRUNCATED, 0,
		    "the blob came back with another length");
	else if (r != 0)
		fail(cl, LD_BLOB_GET, r, store_msg(cl));
	else
		ld_record(&cl->st, LD_BLOB_GET, t * 1e3);
}

static int
pick(struct ld_client *cl)
{
	unsigned w = (unsigned)(ld_rand(&cl->rng) % 100);
	size_t i;

	for (i = 0; i < sizeof(mix) / sizeof(mix[0]); i++) {
		if (w < mix[i].weight)
			return mix[i].op;
		w -= mix[i].weight;
	}
	return LD_REC_GET;
}

/* Wait a think time, or ${at_least} ms if longer, not past the end. */
static void
think(struct ld_client *cl, unsigned at_least)
{
	const struct ld_opts *o = cl->o;
	unsigned ms = o->think_min_ms;
	double left;

	if (o->think_max_ms > o->think_min_ms)
		ms += (unsigned)(ld_rand(&cl->rng) %
		    (o->think_max_ms - o->think_min_ms + 1));
	if (ms < at_least)
		ms = at_least;
	left = (deadline - ld_now()) * 1e3;
	if (left <= 0)
		return;
	ld_sleep_ms(ms < left ? ms : (unsigned)left);
}

static void *
client_main(void *arg)
{
	struct ld_client *cl = arg;

	think(cl, 0);		/* staggered start */
	while (ld_now() < deadline) {
		/* A failed sign-in is tried again, as a person would: after
		 * a second, then two, up to half a minute. */
		switch (cl->signed_in ? pick(cl) : LD_SIGNIN) {
		case LD_SIGNIN:
			cl->signed_in = do_signin(cl, cl->signed_in) == 0;
			cl->backoff = cl->signed_in ? 0 : cl->backoff == 0 ?
			    1000 : cl->backoff < 16000 ? cl->backoff * 2 : 30000;
			break;
		case LD_REC_PUT:
			do_record_put(cl);
			break;
		case LD_REC_GET:
			do_record_get(cl);
			break;
		case LD_BLOB_PUT:
			do_blob_put(cl);
			break;
		default:
			do_blob_get(cl);
			break;
		}
		think(cl, cl->backoff);
	}
	return NULL;
}

void
ld_clients_run(struct ld_client *cls, size_t n, unsigned seconds)
{
	size_t i;

	deadline = ld_now() + seconds;
	for (i = 0; i < n; i++)
		if (pthread_create(&cls[i].th, NULL, client_main, &cls[i]) != 0) {
			fprintf(stderr, "bench-load: cannot start client %zu\n",
			    i);
			cls[i].setup_rc = -1;
		}
	for (i = 0; i < n; i++)
		if (cls[i].setup_rc == 0)
			pthread_join(cls[i].th, NULL);
}

/* coffer_backup_forget (docs/PROTOCOL-backup.md, "Maintenance"): which
 * snapshots a keep policy keeps, restic's way: walking the snapshots
 * newest first, each rule with a count left keeps a snapshot whose period
 * (hour, day, ISO week, month, year in local time; "last" makes every
 * snapshot its own period) differs from the last period that rule kept,
 * and spends one of its count. Only snapshot refs are removed. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include <coffer/err.h>

#include "backup/lock.h"
#include "backup/repo.h"

#define NRULES	6

/* A considered snapshot, copied out of the listing. */
struct fsnap {
	struct coffer_backup_snapshot	 s;
	unsigned			 reasons;
};

struct fg {
	struct coffer_backup_repo		*r;
	const struct coffer_backup_policy	*pol;
	struct fsnap				*v;
	size_t					 n, cap;
};

static int
paths_equal(const struct coffer_backup_policy *pol,
    const struct coffer_backup_snapshot *s)
{
	size_t i;

	if (pol->npaths == 0)
		return 1;
	if (pol->npaths != s->npaths)
		return 0;
	for (i = 0; i < s->npaths; i++)
		if (strcmp(pol->paths[i], s->paths[i]) != 0)
			return 0;
	return 1;
}

static void
fsnap_clear(struct fsnap *f)
{
	size_t i;

	free((char *)(uintptr_t)f->s.host);
	for (i = 0; i < f->s.npaths && f->s.paths != NULL; i++)
		free((char *)(uintptr_t)f->s.paths[i]);
	free((void *)(uintptr_t)f->s.paths);
}

/* A copy of s that owns its strings. */
static int
fsnap_copy(struct fsnap *f, const struct coffer_backup_snapshot *s)
{
	char **paths;
	size_t i;

	memset(f, 0, sizeof(*f));
	f->s = *s;
	f->s.host = NULL;
	f->s.paths = NULL;
	f->s.npaths = 0;
	if ((f->s.host = strdup(s->host)) == NULL ||
	    (paths = calloc(s->npaths + 1, sizeof(*paths))) == NULL)
		return COFFER_ERR_NOMEM;
	f->s.paths = (const char *const *)paths;
	for (i = 0; i < s->npaths; i++, f->s.npaths++)
		if ((paths[i] = strdup(s->paths[i])) == NULL)
			return COFFER_ERR_NOMEM;
	return 0;
}

static int
fg_collect(void *arg, const struct coffer_backup_snapshot *s)
{
	struct fg *g = arg;
	struct fsnap *nv;

	if ((g->pol->host != NULL && strcmp(g->pol->host, s->host) != 0) ||
	    !paths_equal(g->pol, s))
		return 0;
	if (g->n == g->cap) {
		g->cap = g->cap ? 2 * g->cap : 32;
		if ((nv = realloc(g->v, g->cap * sizeof(*nv))) == NULL)
			return COFFER_ERR_NOMEM;
		g->v = nv;
	}
	return fsnap_copy(&g->v[g->n++], s);
}

/* The period of rule i holding time t: equal keys, same period. */
static int64_t
period(int i, int64_t t_ns, int64_t seq)
{
	time_t t = (time_t)(t_ns / 1000000000 - (t_ns % 1000000000 < 0));
	struct tm tm;
	char w[16];
	int64_t ymd;

	if (i == 0)
		return seq;		/* last: each snapshot its own */
	if (localtime_r(&t, &tm) == NULL)
		return seq;
	ymd = ((int64_t)tm.tm_year + 1900) * 10000 + (tm.tm_mon + 1) * 100 +
	    tm.tm_mday;
	switch (i) {
	case 1:
		return ymd * 100 + tm.tm_hour;
	case 2:
		return ymd;
	case 3:
		if (strftime(w, sizeof(w), "%G%V", &tm) == 0)
			return seq;
		return strtoll(w, NULL, 10);
	case 4:
		return ymd / 100;
	default:
		return ymd / 10000;
	}
}

/* Decide: v is sorted oldest first; walk it newest first. */
static void
fg_apply(struct fg *g)
{
	const struct coffer_backup_policy *p = g->pol;
	unsigned left[NRULES] = { p->keep_last, p->keep_hourly, p->keep_daily,
	    p->keep_weekly, p->keep_monthly, p->keep_yearly };
	int64_t last[NRULES], k;
	int have[NRULES] = { 0 };
	size_t j;
	int i;

	for (j = g->n; j-- > 0;)
		for (i = 0; i < NRULES; i++) {
			if (left[i] == 0)
				continue;
			k = period(i, g->v[j].s.time_ns, (int64_t)j);
			if (have[i] && k == last[i])
				continue;
			have[i] = 1;
			last[i] = k;
			left[i]--;
			g->v[j].reasons |= 1u << i;
		}
}

static int
name_cmp(const void *a, const void *b)
{
	return memcmp(a, b, BK_NAME);
}

/* Store one FORGET ref naming the n names (sorted), signed by the
 * account key through the handle's signer, and remember it. */
static int
fg_put(struct coffer_backup_repo *r, uint8_t (*names)[BK_NAME], size_t n)
{
	struct coffer_buf *m = NULL, *b = NULL;
	struct bk_forget f;
	uint8_t name[BK_NAME];
	int rc;

	memset(&f, 0, sizeof(f));
	f.counter = r->seen.highest + 1;
	f.names = names;
	f.n = n;
	randombytes_buf(name, sizeof(name));
	if ((m = coffer_buf_new(COFFER_BSTORE_REF_MAX)) == NULL ||
	    (b = coffer_buf_new(COFFER_BSTORE_REF_MAX)) == NULL) {
		rc = COFFER_ERR_NOMEM;
		goto out;
	}
	if ((rc = bk_forget_message(r->signer.set, name, &f, m)) != 0)
		goto out;
	if ((rc = r->signer.sign(r->signer.arg, BK_FORGET_CONTEXT,
	    coffer_buf_data(m), coffer_buf_len(m), f.sig, f.pk)) != 0)
		goto fail;
	if ((rc = bk_forget_encode(r->kr, name, &f, b)) != 0)
		goto out;
	if ((rc = r->store.ops->ref_put(r->store.ctx, name, coffer_buf_data(b),
	    coffer_buf_len(b))) != 0) {
		rc = repo_store_fail(r, rc, "storing FORGET ref", name,
		    BK_NAME);
		goto out;
	}
	rc = repo_note(r, NULL, f.counter, (const uint8_t (*)[BK_NAME])names,
	    n, 0);
	goto out;
fail:
	rc = repo_fail(r, rc, "signing the forget with the account key: %s",
	    coffer_strerror(rc));
out:
	coffer_buf_free(&m);
	coffer_buf_free(&b);
	return rc;
}

/* Before any snapshot ref is deleted: the signed FORGET refs naming
 * them, so that every device tells this forget from a server that hides
 * snapshots. */
static int
fg_sign(struct fg *g)
{
	uint8_t (*names)[BK_NAME] = NULL;
	size_t j, n = 0, k;
	int rc = 0;

	for (j = 0; j < g->n; j++)
		n += g->v[j].reasons == 0;
	if (n == 0)
		return 0;
	if (!g->r->has_signer || g->r->signer.sign == NULL)
		return repo_fail(g->r, COFFER_ERR_STATE, "forget needs the "
		    "account key to sign what it removes, and this handle has "
		    "no signer: removing snapshots unsigned would look, to "
		    "every other device, like the server hiding them");
	if ((names = malloc(n * BK_NAME)) == NULL)
		return COFFER_ERR_NOMEM;
	for (j = n = 0; j < g->n; j++)
		if (g->v[j].reasons == 0)
			memcpy(names[n++], g->v[j].s.id, BK_NAME);
	qsort(names, n, BK_NAME, name_cmp);
	for (j = 0; j < n && rc == 0; j += k) {
		k = n - j < BK_FORGET_MAX ? n - j : BK_FORGET_MAX;
		rc = fg_put(g->r, names + j, k);
	}
	free(names);
	return rc;
}

int
coffer_backup_forget(struct coffer_backup_repo *r,
    const struct coffer_backup_policy *policy,
    const struct coffer_backup_forget_options *opt)
{
	struct fg g;
	struct lock *lk = NULL;
	size_t j;
	int rc;

	if (r == NULL || policy == NULL ||
	    (policy->npaths > 0 && policy->paths == NULL))
		return COFFER_ERR_INVALID;
	repo_clear(r);
	if (policy->keep_last == 0 && policy->keep_hourly == 0 &&
	    policy->keep_daily == 0 && policy->keep_weekly == 0 &&
	    policy->keep_monthly == 0 && policy->keep_yearly == 0 &&
	    !policy->remove_all)
		return repo_fail(r, COFFER_ERR_INVALID,
		    "the policy keeps no snapshot (set remove_all to remove "
		    "them all)");
	memset(&g, 0, sizeof(g));
	g.r = r;
	g.pol = policy;
	/* Exclusive: a backup's parent or a prune's plan must not see a
	 * snapshot vanish under it. A dry run only reads. */
	if ((opt == NULL || !opt->dry_run) &&
	    (rc = lock_take(r, BK_LOCK_EXCLUSIVE, &lk)) != 0)
		goto out;
	/* The listing is oldest first (time, then id): v is sorted. */
	if ((rc = coffer_backup_list(r, fg_collect, &g)) != 0)
		goto out;
	fg_apply(&g);
	for (j = 0; j < g.n && opt != NULL && opt->fn != NULL; j++)
		if ((rc = opt->fn(opt->arg, &g.v[j].s, g.v[j].reasons != 0,
		    g.v[j].reasons)) != 0)
			goto out;
	if (opt != NULL && opt->dry_run)
		goto out;
	if ((rc = lock_check(r, lk)) != 0 ||
	    (rc = fg_sign(&g)) != 0)
		goto out;
	for (j = 0; j < g.n; j++) {
		if (g.v[j].reasons != 0)
			continue;
		rc = r->store.ops->ref_del(r->store.ctx, g.v[j].s.id);
		if (rc == COFFER_ERR_NOTFOUND)	/* removed meanwhile */
			rc = 0;
		if (rc != 0) {
			rc = repo_store_fail(r, rc, "removing snapshot",
			    g.v[j].s.id, BK_NAME);
			goto out;
		}
	}
out:
	lock_drop(&lk);
	for (j = 0; j < g.n; j++)
		fsnap_clear(&g.v[j]);
	free(g.v);
	return rc;
}

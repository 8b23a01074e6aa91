/* The repository lock (lock.h; docs/PROTOCOL-backup.md, "Locks").
 *
 * Taking one: list the locks; write ours (a LOCK ref of a fresh random
 * name); list again; if a live lock of another holder conflicts (either
 * is exclusive), delete ours and back off, until the retry time is spent.
 * Two writers racing both see each other and both back off: no store
 * compare-and-swap is needed, only that a ref is listed once its put has
 * returned. A lock's times are its writer's clock (the server's is not
 * trusted); a reader judges expiry by its own clock. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include <coffer/err.h>

#include "backup/lock.h"
#include "backup/machine.h"

#define LOCKS_MAX	4096	/* more locks than this: refuse */

struct lock {
	struct coffer_backup_repo	*r;
	uint8_t				 name[BK_NAME];
	struct bk_lock			 l;
	pthread_mutex_t			 mu;
	pthread_cond_t			 cv;
	pthread_t			 th;
	int				 th_on, stop;
	int64_t				 ok_mono;	/* last write */
	int				 err;		/* last refresh */
	struct lock			*next;		/* held_list */
};

/* The locks this process holds: a lock naming our host and pid that is
 * not among them was left by a handle of ours that failed to delete it
 * (its run is over), so it is stale like one of a process that is gone. */
static pthread_mutex_t held_mu = PTHREAD_MUTEX_INITIALIZER;
static struct lock *held_list;

static int
held(const uint8_t nonce[BK_LOCK_NONCE])
{
	struct lock *k;
	int found = 0;

	(void)pthread_mutex_lock(&held_mu);
	for (k = held_list; k != NULL && !found; k = k->next)
		found = memcmp(k->l.nonce, nonce, BK_LOCK_NONCE) == 0;
	(void)pthread_mutex_unlock(&held_mu);
	return found;
}

static void
held_set(struct lock *k, int on)
{
	struct lock **p;

	(void)pthread_mutex_lock(&held_mu);
	if (on) {
		k->next = held_list;
		held_list = k;
	} else {
		for (p = &held_list; *p != NULL; p = &(*p)->next)
			if (*p == k) {
				*p = k->next;
				break;
			}
	}
	(void)pthread_mutex_unlock(&held_mu);
}

struct lock_seen {
	uint8_t		name[BK_NAME];
	struct bk_lock	l;
};

struct lock_list {
	const struct bk_keyring	*kr;
	struct coffer_buf	*body;
	struct lock_seen	*v;
	size_t			 n, cap;
};

static int64_t
clock_ns(clockid_t id)
{
	struct timespec t;

	(void)clock_gettime(id, &t);
	return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static void
my_host(const struct coffer_backup_repo *r, char out[BK_LOCK_STR_MAX + 1])
{
	if (r->lk.host[0] != '\0') {
		memcpy(out, r->lk.host, sizeof(r->lk.host));
		return;
	}
	if (gethostname(out, BK_LOCK_STR_MAX) != 0)
		out[0] = '\0';
	out[BK_LOCK_STR_MAX] = '\0';
}

int
lock_stale(const struct bk_lock *l, const uint8_t machine[BK_LOCK_MACHINE],
    int64_t now_ns)
{
	int64_t age, ttl = (int64_t)l->ttl_s * 1000000000;

	/* Past its expiry, or dated more than its ttl ahead of this clock
	 * (a writer whose clock read 2099 would hold it for ever); a time
	 * so far off that the difference overflows is either. */
	if (__builtin_sub_overflow(now_ns, l->time_ns, &age) || age > ttl ||
	    age < -ttl)
		return 1;
	/* A pid means something on the installation that wrote it only: a
	 * host name is shared by cloned VMs, containers and laptops called
	 * "ubuntu". */
	if (sodium_memcmp(l->machine, machine, BK_LOCK_MACHINE) != 0 ||
	    l->pid == 0)
		return 0;
	/* Same installation: the process must still be there, and if it is
	 * this one, still hold the lock. */
	if ((pid_t)l->pid == getpid())
		return !held(l->nonce);
	return kill((pid_t)l->pid, 0) != 0 && errno == ESRCH;
}

/* Every LOCK ref; refs that do not open are other operations' business
 * (they report them). */
static int
list_one(void *arg, const uint8_t name[BK_NAME], const uint8_t *data,
    size_t len)
{
	struct lock_list *ll = arg;
	uint8_t kind = BK_KIND_LOCK;
	int rc;

	if ((rc = bk_box_open(ll->kr, &kind, name, BK_NAME, data, len,
	    ll->body)) != 0)
		return rc == COFFER_ERR_NOMEM ? rc : 0;
	if (ll->n == LOCKS_MAX)
		return COFFER_ERR_TOOBIG;
	if (ll->n == ll->cap) {
		struct lock_seen *nv;
		size_t nc = ll->cap ? 2 * ll->cap : 8;

		if ((nv = realloc(ll->v, nc * sizeof(*nv))) == NULL)
			return COFFER_ERR_NOMEM;
		ll->v = nv;
		ll->cap = nc;
	}
	if (bk_lock_parse(coffer_buf_data(ll->body), coffer_buf_len(ll->body),
	    &ll->v[ll->n].l) != 0)
		return 0;
	memcpy(ll->v[ll->n++].name, name, BK_NAME);
	return 0;
}

static int
list_locks(struct coffer_backup_repo *r, struct lock_list *ll)
{
	int rc;

	ll->n = 0;
	ll->kr = r->kr;
	if (ll->body == NULL &&
	    (ll->body = coffer_buf_new_secret(COFFER_BSTORE_REF_MAX)) == NULL)
		return COFFER_ERR_NOMEM;
	if ((rc = r->store.ops->ref_list(r->store.ctx, list_one, ll)) != 0)
		return repo_list_fail(r, rc);
	return 0;
}

static void
list_free(struct lock_list *ll)
{
	coffer_buf_free(&ll->body);
	free(ll->v);
	memset(ll, 0, sizeof(*ll));
}

/* A live lock of another holder that conflicts with ${kind}, or NULL. */
static const struct lock_seen *
conflict(const struct lock_list *ll, const uint8_t *mine, uint8_t kind,
    const uint8_t machine[BK_LOCK_MACHINE])
{
	int64_t now = clock_ns(CLOCK_REALTIME);
	size_t i;

	for (i = 0; i < ll->n; i++) {
		if (mine != NULL && memcmp(ll->v[i].name, mine, BK_NAME) == 0)
			continue;
		if (kind != BK_LOCK_EXCLUSIVE &&
		    ll->v[i].l.kind != BK_LOCK_EXCLUSIVE)
			continue;
		if (!lock_stale(&ll->v[i].l, machine, now))
			return &ll->v[i];
	}
	return NULL;
}

/* Write a lock ref of a fresh name (the time is now). */
static int
put_lock(struct coffer_backup_repo *r, struct bk_lock *l,
    uint8_t name[BK_NAME])
{
	struct coffer_buf *b;
	int rc;

	randombytes_buf(name, BK_NAME);
	l->time_ns = clock_ns(CLOCK_REALTIME);
	if ((b = coffer_buf_new(COFFER_BSTORE_REF_MAX)) == NULL)
		return COFFER_ERR_NOMEM;
	if ((rc = bk_lock_encode(r->kr, name, l, b)) == 0)
		rc = r->store.ops->ref_put(r->store.ctx, name,
		    coffer_buf_data(b), coffer_buf_len(b));
	coffer_buf_free(&b);
	return rc;
}

/* The refresher: a new lock ref, then the old one deleted, every sixth
 * of the expiry. */
static void *
refresh_main(void *arg)
{
	struct lock *k = arg;
	struct timespec until;
	uint8_t name[BK_NAME];
	struct bk_lock l;
	int64_t every = (int64_t)k->l.ttl_s * 1000000000 / 6, t;
	int rc;

	(void)pthread_mutex_lock(&k->mu);
	while (!k->stop) {
		t = clock_ns(CLOCK_MONOTONIC) + every;
		until.tv_sec = (time_t)(t / 1000000000);
		until.tv_nsec = (long)(t % 1000000000);
		if (pthread_cond_timedwait(&k->cv, &k->mu, &until) == 0 ||
		    k->stop)
			continue;
		l = k->l;
		(void)pthread_mutex_unlock(&k->mu);
		t = clock_ns(CLOCK_MONOTONIC);
		rc = put_lock(k->r, &l, name);
		(void)pthread_mutex_lock(&k->mu);
		k->err = rc;
		if (rc != 0)
			continue;
		(void)k->r->store.ops->ref_del(k->r->store.ctx, k->name);
		memcpy(k->name, name, BK_NAME);
		k->l = l;
		k->ok_mono = t;
	}
	(void)pthread_mutex_unlock(&k->mu);
	return NULL;
}

static void
backoff(void)
{
	struct timespec ts = { 0, 0 };

	/* 0.2 to 1 s: two writers that met do not meet again in step. */
	ts.tv_nsec = 200000000L + (long)randombytes_uniform(800000000U);
	(void)nanosleep(&ts, NULL);
}

int
lock_take(struct coffer_backup_repo *r, uint8_t kind, struct lock **out)
{
	struct lock_list ll;
	struct lock *k = NULL;
	const struct lock_seen *c;
	pthread_condattr_t ca;
	int64_t deadline;
	int rc, put = 0;

	*out = NULL;
	if (r->lk.disabled)
		return 0;
	memset(&ll, 0, sizeof(ll));
	if ((k = calloc(1, sizeof(*k))) == NULL)
		return COFFER_ERR_NOMEM;
	k->r = r;
	k->l.kind = kind;
	k->l.ttl_s = r->lk.ttl_s ? r->lk.ttl_s : LOCK_TTL_DEFAULT;
	k->l.pid = (uint32_t)getpid();
	randombytes_buf(k->l.nonce, sizeof(k->l.nonce));
	my_host(r, k->l.host);
	memcpy(k->l.device, r->lk.device, sizeof(k->l.device));
	if ((rc = machine_id(r->cachefd, k->l.machine)) != 0) {
		free(k);
		return repo_fail(r, rc, "the machine id in the cache folder: %s",
		    coffer_strerror(rc));
	}
	held_set(k, 1);		/* before it can be listed */
	deadline = clock_ns(CLOCK_MONOTONIC) +
	    (int64_t)r->lk.retry_s * 1000000000;
	for (;;) {
		if ((rc = list_locks(r, &ll)) != 0)
			goto out;
		if ((c = conflict(&ll, NULL, kind, k->l.machine)) == NULL) {
			k->ok_mono = clock_ns(CLOCK_MONOTONIC);
			if ((rc = put_lock(r, &k->l, k->name)) != 0) {
				rc = repo_store_fail(r, rc, "storing lock",
				    k->name, BK_NAME);
				goto out;
			}
			put = 1;
			if ((rc = list_locks(r, &ll)) != 0)
				goto out;
			c = conflict(&ll, k->name, kind, k->l.machine);
		}
		if (c == NULL)
			break;
		rc = lock_busy(r, &c->l);
		if (put) {
			(void)r->store.ops->ref_del(r->store.ctx, k->name);
			put = 0;
		}
		if (clock_ns(CLOCK_MONOTONIC) >= deadline)
			goto out;
		backoff();
		repo_clear(r);
	}
	if (pthread_mutex_init(&k->mu, NULL) != 0) {
		rc = COFFER_ERR_NOMEM;
		goto out;
	}
	if (pthread_condattr_init(&ca) != 0) {
		(void)pthread_mutex_destroy(&k->mu);
		rc = COFFER_ERR_NOMEM;
		goto out;
	}
	/* The refresher waits by the monotonic clock: a clock step does
	 * not delay a refresh. */
	if (pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) != 0 ||
	    pthread_cond_init(&k->cv, &ca) != 0) {
		(void)pthread_condattr_destroy(&ca);
		(void)pthread_mutex_destroy(&k->mu);
		rc = COFFER_ERR_NOMEM;
		goto out;
	}
	(void)pthread_condattr_destroy(&ca);
	if (pthread_create(&k->th, NULL, refresh_main, k) != 0) {
		(void)pthread_cond_destroy(&k->cv);
		(void)pthread_mutex_destroy(&k->mu);
		rc = COFFER_ERR_NOMEM;
		goto out;
	}
	k->th_on = 1;
	*out = k;
	k = NULL;
	rc = 0;
out:
	if (k != NULL && put)
		(void)r->store.ops->ref_del(r->store.ctx, k->name);
	if (k != NULL)
		held_set(k, 0);
	free(k);
	list_free(&ll);
	return rc;
}

int
lock_check(struct coffer_backup_repo *r, struct lock *l)
{
	int64_t age;
	int err;

	if (l == NULL)
		return 0;
	(void)pthread_mutex_lock(&l->mu);
	age = clock_ns(CLOCK_MONOTONIC) - l->ok_mono;
	err = l->err;
	(void)pthread_mutex_unlock(&l->mu);
	/* Half the expiry: a reader's clock may run ahead of ours. */
	if (age < (int64_t)l->l.ttl_s * 1000000000 / 2)
		return 0;
	return repo_fail(r, COFFER_ERR_BUSY, "the lock was not refreshed "
	    "for %lld s (%s): another device may take it for stale, so the "
	    "run stops", (long long)(age / 1000000000),
	    err ? coffer_strerror(err) : "no refresh yet");
}

void
lock_drop(struct lock **p)
{
	struct lock *k;

	if (p == NULL || (k = *p) == NULL)
		return;
	*p = NULL;
	(void)pthread_mutex_lock(&k->mu);
	k->stop = 1;
	(void)pthread_cond_signal(&k->cv);
	(void)pthread_mutex_unlock(&k->mu);
	if (k->th_on)
		(void)pthread_join(k->th, NULL);
	(void)k->r->store.ops->ref_del(k->r->store.ctx, k->name);
	held_set(k, 0);
	(void)pthread_cond_destroy(&k->cv);
	(void)pthread_mutex_destroy(&k->mu);
	free(k);
}

int
coffer_backup_lock_configure(struct coffer_backup_repo *r,
    const struct coffer_backup_lock_options *o)
{
	if (r == NULL || o == NULL || o->ttl_s > BK_LOCK_TTL_MAX ||
	    (o->host != NULL && strlen(o->host) > BK_LOCK_STR_MAX) ||
	    (o->device != NULL && strlen(o->device) > BK_LOCK_STR_MAX))
		return COFFER_ERR_INVALID;
	memset(&r->lk, 0, sizeof(r->lk));
	if (o->host != NULL)
		memcpy(r->lk.host, o->host, strlen(o->host) + 1);
	if (o->device != NULL)
		memcpy(r->lk.device, o->device, strlen(o->device) + 1);
	r->lk.retry_s = o->retry_s;
	r->lk.ttl_s = o->ttl_s;
	r->lk.disabled = o->no_lock != 0;
	return 0;
}

int
coffer_backup_unlock(struct coffer_backup_repo *r, int remove_all,
    coffer_backup_lock_fn fn, void *arg)
{
	struct coffer_backup_lock_info info;
	struct lock_list ll;
	uint8_t machine[BK_LOCK_MACHINE];
	int64_t now = clock_ns(CLOCK_REALTIME);
	size_t i;
	int rc, stale;

	if (r == NULL)
		return COFFER_ERR_INVALID;
	repo_clear(r);
	memset(&ll, 0, sizeof(ll));
	if ((rc = machine_id(r->cachefd, machine)) != 0)
		return repo_fail(r, rc, "the machine id in the cache folder: %s",
		    coffer_strerror(rc));
	if ((rc = list_locks(r, &ll)) != 0)
		goto out;
	for (i = 0; i < ll.n; i++) {
		stale = lock_stale(&ll.v[i].l, machine, now);
		if (stale || remove_all) {
			rc = r->store.ops->ref_del(r->store.ctx, ll.v[i].name);
			if (rc != 0 && rc != COFFER_ERR_NOTFOUND) {
				rc = repo_store_fail(r, rc, "deleting lock",
				    ll.v[i].name, BK_NAME);
				goto out;
			}
		}
		if (fn == NULL)
			continue;
		memset(&info, 0, sizeof(info));
		memcpy(info.id, ll.v[i].name, BK_NAME);
		info.exclusive = ll.v[i].l.kind == BK_LOCK_EXCLUSIVE;
		info.host = ll.v[i].l.host;
		info.device = ll.v[i].l.device;
		info.pid = ll.v[i].l.pid;
		info.time_ns = ll.v[i].l.time_ns;
		if (__builtin_add_overflow(ll.v[i].l.time_ns,
		    (int64_t)ll.v[i].l.ttl_s * 1000000000, &info.expires_ns))
			info.expires_ns = INT64_MAX;
		info.stale = stale;
		info.removed = stale || remove_all;
		if ((rc = fn(arg, &info)) != 0)
			goto out;
	}
	rc = 0;
out:
	list_free(&ll);
	return rc;
}

/* A backup run's shared state (run.h): set-up and clean-up, the ordered
 * ring of events with the workers' jobs, the uploader's queue of packs,
 * and the first error, which stops every thread. Every stage of the
 * pipeline calls down to here; nothing here calls a stage. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <coffer/err.h>

#include "backup/run.h"

#define PACK_DEFAULT	((size_t)4 * 1024 * 1024)
#define LEVEL_DEFAULT	1
#define RING		4096

void
run_ev_free(struct ev *e)
{
	if (e == NULL)
		return;
	coffer_buf_free(&e->buf);
	free(e->path);
	free(e->spath);
	free(e->chunks);
	free(e->extents);
	free(e);
}

void
run_pack_free(struct pack *p)
{
	if (p == NULL)
		return;
	free(p->data);
	free(p->e);
	free(p);
}

static void
run_cond_init(struct run *ru)
{
	pthread_mutex_init(&ru->lock, NULL);
	pthread_cond_init(&ru->c_jobs, NULL);
	pthread_cond_init(&ru->c_head, NULL);
	pthread_cond_init(&ru->c_room, NULL);
	pthread_cond_init(&ru->c_up, NULL);
	pthread_cond_init(&ru->c_uproom, NULL);
}

static void
run_cond_destroy(struct run *ru)
{
	pthread_mutex_destroy(&ru->lock);
	pthread_cond_destroy(&ru->c_jobs);
	pthread_cond_destroy(&ru->c_head);
	pthread_cond_destroy(&ru->c_room);
	pthread_cond_destroy(&ru->c_up);
	pthread_cond_destroy(&ru->c_uproom);
}

/* Top-level names: last components, sorted, distinct. */
static int
run_tops(struct run *ru, const char *const *paths, size_t n)
{
	size_t i, j, len;
	char *p, *t;

	if ((ru->top_path = calloc(n, sizeof(char *))) == NULL ||
	    (ru->top_name = calloc(n, sizeof(char *))) == NULL)
		return COFFER_ERR_NOMEM;
	for (i = 0; i < n; i++) {
		if ((p = strdup(paths[i])) == NULL)
			return COFFER_ERR_NOMEM;
		for (len = strlen(p); len > 1 && p[len - 1] == '/'; len--)
			p[len - 1] = '\0';
		t = strrchr(p, '/');
		t = t != NULL ? t + 1 : p;
		if (*t == '\0' || strcmp(t, ".") == 0 || strcmp(t, "..") == 0) {
			free(p);
			return repo_fail(ru->r, COFFER_ERR_INVALID,
			    "%s has no last component to name it by",
			    paths[i]);
		}
		ru->ntop = i + 1;
		ru->top_path[i] = p;
		if ((ru->top_name[i] = strdup(t)) == NULL)
			return COFFER_ERR_NOMEM;
		if (access(p, F_OK) != 0)
			return repo_fail(ru->r, COFFER_ERR_NOTFOUND, "%s: %s",
			    paths[i], strerror(errno));
		for (j = i; j > 0 && strcmp(ru->top_name[j - 1],
		    ru->top_name[j]) > 0; j--) {
			t = ru->top_name[j];
			ru->top_name[j] = ru->top_name[j - 1];
			ru->top_name[j - 1] = t;
			t = ru->top_path[j];
			ru->top_path[j] = ru->top_path[j - 1];
			ru->top_path[j - 1] = t;
		}
	}
	for (i = 1; i < n; i++)
		if (strcmp(ru->top_name[i - 1], ru->top_name[i]) == 0)
			return repo_fail(ru->r, COFFER_ERR_INVALID,
			    "two paths end in %s", ru->top_name[i]);
	return 0;
}

int
run_init(struct run *ru, struct coffer_backup_repo *r,
    const char *const *paths, size_t npaths,
    const struct coffer_backup_options *opt)
{
	static const struct coffer_cdc_params cdc = {
		COFFER_CDC_MIN_DEFAULT, COFFER_CDC_AVG_DEFAULT,
		COFFER_CDC_MAX_DEFAULT
	};
	int rc;

	memset(ru, 0, sizeof(*ru));
	run_cond_init(ru);
	ru->r = r;
	ru->opt = opt;
	ru->pg = opt != NULL && opt->progress != NULL ? opt->progress :
	    &ru->pg_none;
	ru->cdc = opt != NULL && opt->cdc != NULL ? *opt->cdc : cdc;
	ru->pack_size = opt != NULL && opt->pack_size > 0 ? opt->pack_size :
	    PACK_DEFAULT;
	ru->level = opt != NULL && opt->zstd_level != 0 ? opt->zstd_level :
	    LEVEL_DEFAULT;
	ru->ring_cap = RING;
	ru->up_max = UP_QUEUE;
	if (!coffer_cdc_params_valid(&ru->cdc) ||
	    ru->pack_size > COFFER_BSTORE_BLOB_MAX / 2 ||
	    ru->cdc.max > BK_CHUNK_MAX)
		return COFFER_ERR_INVALID;
	if ((ru->ring = calloc(RING, sizeof(*ru->ring))) == NULL)
		return COFFER_ERR_NOMEM;
	if ((rc = fcache_r_open(&ru->fc_old, r->cachefd)) != 0)
		return rc;
	if ((rc = run_tops(ru, paths, npaths)) != 0)
		return rc;
	return sel_init(ru);
}

void
run_cleanup(struct run *ru)
{
	struct pack *p;
	struct hl *h;
	size_t i;

	while (ru->count > 0) {
		run_ev_free(ru->ring[ru->head]);
		ru->head = (ru->head + 1) % ru->ring_cap;
		ru->count--;
	}
	free(ru->ring);
	/* The packs still queued when a run ends early (the uploader stops
	 * at the first error and leaves the rest). */
	while ((p = ru->up) != NULL) {
		ru->up = p->next;
		run_pack_free(p);
	}
	ru->up_tail = NULL;
	ru->up_n = 0;
	sel_free(ru);
	for (i = 0; i < ru->ntop; i++) {
		free(ru->top_path[i]);
		free(ru->top_name[i]);
	}
	free(ru->top_path);
	free(ru->top_name);
	for (i = 0; i < ru->hl_cap; i++)
		while ((h = ru->hl[i]) != NULL) {
			ru->hl[i] = h->next;
			free(h->spath);
			free(h);
		}
	free(ru->hl);
	fcache_r_close(&ru->fc_old);
	run_cond_destroy(ru);
}

int
run_fail(struct run *ru, int err)
{
	pthread_mutex_lock(&ru->lock);
	if (ru->err == 0)
		ru->err = err;
	/* An error stops every thread. */
	pthread_cond_broadcast(&ru->c_jobs);
	pthread_cond_broadcast(&ru->c_head);
	pthread_cond_broadcast(&ru->c_room);
	pthread_cond_broadcast(&ru->c_up);
	pthread_cond_broadcast(&ru->c_uproom);
	pthread_mutex_unlock(&ru->lock);
	return err;
}

int
run_ev_push(struct run *ru, struct ev *e)
{
	int r;

	pthread_mutex_lock(&ru->lock);
	while (ru->count == ru->ring_cap && ru->err == 0)
		pthread_cond_wait(&ru->c_room, &ru->lock);
	if ((r = ru->err) == 0) {
		ru->ring[(ru->head + ru->count) % ru->ring_cap] = e;
		/* The collector waits on an empty ring or an unfinished
		 * head only. */
		if (ru->count++ == 0)
			pthread_cond_signal(&ru->c_head);
		if (e->need_read) {
			if (ru->jobs_tail != NULL)
				ru->jobs_tail->next = e;
			else
				ru->jobs = e;
			ru->jobs_tail = e;
			pthread_cond_signal(&ru->c_jobs);
		}
	}
	pthread_mutex_unlock(&ru->lock);
	if (r != 0)
		run_ev_free(e);
	return r;
}

int
run_pack_push(struct run *ru, struct pack *p)
{
	int r;

	pthread_mutex_lock(&ru->lock);
	while (ru->up_n >= ru->up_max && ru->err == 0)
		pthread_cond_wait(&ru->c_uproom, &ru->lock);
	if ((r = ru->err) == 0) {
		if (ru->up_tail != NULL)
			ru->up_tail->next = p;
		else
			ru->up = p;
		ru->up_tail = p;
		ru->up_n++;
		p = NULL;
		pthread_cond_signal(&ru->c_up);
	}
	pthread_mutex_unlock(&ru->lock);
	run_pack_free(p);
	return r;
}

/* The uploader of a backup run: it takes the closed packs the writers
 * queued, stores up to UP_MAX of them in one put_many and appends the
 * stored ones and their entries to the journal (one fsync a batch), so
 * that an interrupted run's packs are indexed by the next. The writers
 * may queue UP_QUEUE packs in all, so they fill the next batch while
 * the store syncs this one instead of waiting for it. */
#include <string.h>

#include <coffer/err.h>

#include "backup/run.h"

static int
upload(struct run *ru, struct pack **v, size_t n)
{
	struct coffer_bstore_xfer x[UP_MAX];
	struct bk_seg_pack sp[UP_MAX];
	size_t i, k = 0;
	int r;

	memset(x, 0, sizeof(x));
	for (i = 0; i < n; i++) {
		memcpy(x[i].id, v[i]->id, BK_ID);
		x[i].data = v[i]->data;
		x[i].len = v[i]->len;
	}
	r = ru->r->store.ops->put_many(ru->r->store.ctx, x, n);
	for (i = 0; i < n; i++) {
		if (x[i].result != 0) {
			if (r == 0)
				r = x[i].result;
			repo_store_fail(ru->r, x[i].result, "storing pack",
			    v[i]->id, BK_ID);
			continue;
		}
		memcpy(sp[k].id, v[i]->id, BK_ID);
		sp[k].len = (uint32_t)v[i]->len;
		sp[k].e = v[i]->e;
		sp[k].n = v[i]->n;
		k++;
		PG_ADD(ru, packs, 1);
		PG_ADD(ru, bytes_stored, v[i]->len);
	}
	if (journal_add(ru->r->jn, sp, k) != 0 && r == 0)
		r = repo_fail(ru->r, COFFER_ERR_IO,
		    "writing the journal in the cache folder");
	return r;
}

void *
upload_main(void *arg)
{
	struct run *ru = arg;
	struct pack *v[UP_MAX];
	size_t n, i;
	int r;

	for (;;) {
		pthread_mutex_lock(&ru->lock);
		while (ru->up == NULL && !ru->up_done && ru->err == 0)
			pthread_cond_wait(&ru->c_up, &ru->lock);
		if (ru->up == NULL || ru->err != 0) {
			pthread_mutex_unlock(&ru->lock);
			break;
		}
		for (n = 0; n < UP_MAX && ru->up != NULL; n++) {
			v[n] = ru->up;
			if ((ru->up = v[n]->next) == NULL)
				ru->up_tail = NULL;
		}
		pthread_mutex_unlock(&ru->lock);
		r = upload(ru, v, n);
		pthread_mutex_lock(&ru->lock);
		ru->up_n -= n;
		pthread_cond_broadcast(&ru->c_uproom);
		pthread_mutex_unlock(&ru->lock);
		for (i = 0; i < n; i++)
			run_pack_free(v[i]);
		if (r != 0) {
			run_fail(ru, r);
			break;
		}
	}
	return NULL;
}

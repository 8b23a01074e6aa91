/* What a restore's threads share (restore_run.h): the bounded queue of
 * regular files from the walk (restore.c) to the workers
 * (restore_files.c), and the first error, which stops them all. */
#include <stdlib.h>

#include "backup/restore_run.h"

#define QMAX	512	/* files queued: small items (path, chunk ids) */

void
rs_item_free(struct item *it)
{
	if (it == NULL)
		return;
	free(it->path);
	free(it->mem);
	free(it);
}

int
rs_fail(struct rs *s, int err)
{
	pthread_mutex_lock(&s->lock);
	if (s->err == 0)
		s->err = err;
	pthread_cond_broadcast(&s->cond);
	pthread_mutex_unlock(&s->lock);
	return err;
}

struct item *
rs_take(struct rs *s, int wait)
{
	struct item *it = NULL;

	pthread_mutex_lock(&s->lock);
	while (wait && s->q == NULL && !s->walk_done && s->err == 0)
		pthread_cond_wait(&s->cond, &s->lock);
	if (s->err == 0 && (it = s->q) != NULL) {
		if ((s->q = it->next) == NULL)
			s->qt = NULL;
		it->next = NULL;
		/* Wake the walk only when it may wait for room. */
		if (s->qn-- == QMAX)
			pthread_cond_broadcast(&s->cond);
	}
	pthread_mutex_unlock(&s->lock);
	return it;
}

int
rs_queue(struct rs *s, struct item *it)
{
	int rc;

	pthread_mutex_lock(&s->lock);
	while (s->qn >= QMAX && s->err == 0)
		pthread_cond_wait(&s->cond, &s->lock);
	if ((rc = s->err) == 0) {
		if (s->qt != NULL)
			s->qt->next = it;
		else
			s->q = it;
		s->qt = it;
		/* Wake the workers only when some may wait for a file. */
		if (s->qn++ == 0)
			pthread_cond_broadcast(&s->cond);
	}
	pthread_mutex_unlock(&s->lock);
	if (rc != 0)
		rs_item_free(it);
	return rc;
}

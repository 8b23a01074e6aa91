/* Restore's transfer buffers, kept by a worker from one round to the
 * next: a buffer grown for each transfer (from 64 bytes by doubling) and
 * freed after its round cost a copy at each step and a page fault for
 * each page of every round's fresh memory. A kept buffer is taken by a
 * later transfer that fits in its cap; a new one is allocated whole at
 * once, its cap the transfer's length rounded up to a power of two (so
 * that a server sending more than asked still stops at twice the length,
 * and the caller rejects any length but the one asked). The ciphertext in
 * them is not secret: nothing is wiped. */
#include <coffer/err.h>

#include "backup/restore_run.h"

#define KEEP_BYTES	((size_t)16 << 20)	/* caps kept, per worker */

static size_t
round_cap(size_t len)
{
	size_t c = (size_t)REPO_GRID;

	while (c < len && c <= SIZE_MAX / 2)
		c *= 2;
	return c < len ? len : c;
}

struct coffer_buf *
rs_buf_take(struct rs_bufs *p, size_t len)
{
	struct coffer_buf *b;
	uint8_t *unused;
	size_t i, best = p->n, cap;

	for (i = 0; i < p->n; i++)
		if (coffer_buf_max(p->b[i]) >= len && (best == p->n ||
		    coffer_buf_max(p->b[i]) < coffer_buf_max(p->b[best])))
			best = i;
	if (best < p->n) {
		b = p->b[best];
		p->bytes -= coffer_buf_max(b);
		p->b[best] = p->b[--p->n];
		coffer_buf_reset(b);
		return b;
	}
	cap = round_cap(len);
	if ((b = coffer_buf_new(cap)) == NULL)
		return NULL;
	/* One allocation of the whole cap, then empty again. */
	if (coffer_buf_extend(b, cap, &unused) != 0) {
		coffer_buf_free(&b);
		return NULL;
	}
	coffer_buf_reset(b);
	return b;
}

void
rs_buf_give(struct rs_bufs *p, struct coffer_buf **bp)
{
	struct coffer_buf *b = *bp;

	*bp = NULL;
	if (b == NULL)
		return;
	if (p->n == RS_BUFS_MAX || coffer_buf_max(b) > KEEP_BYTES - p->bytes) {
		coffer_buf_free(&b);
		return;
	}
	p->bytes += coffer_buf_max(b);
	p->b[p->n++] = b;
}

void
rs_bufs_clear(struct rs_bufs *p)
{
	while (p->n > 0)
		coffer_buf_free(&p->b[--p->n]);
	p->bytes = 0;
}

/* What bstore.c (the ops table, refs, keys) and bstore_blob.c (blobs, the
 * blob listing, messages) share: the store's context and the blob
 * operations of coffer/backup_store.h. Included by those two alone. */
#ifndef COFFER_BSTORE_INTERNAL_H
#define COFFER_BSTORE_INTERNAL_H

#include <pthread.h>

#include <coffer/backup_store.h>

#include "client/client_internal.h"

#define MSG_SLOTS	16

struct msg_slot {
	pthread_t	thread;
	int		used;
	char		text[NET_DETAIL];
};

struct bctx {
	struct coffer_client	*c;
	struct zone		 z;
	pthread_mutex_t		 lock;		/* msgs */
	struct msg_slot		 msgs[MSG_SLOTS];
	unsigned		 next;
};

/* Keep ${text} as the calling thread's last message; returns ${r}. */
int bstore_say(struct bctx *b, int r, const char *text);
/* The calling thread's last message, or NULL (the ops' message). */
const char *bstore_message(void *ctx);

/* The blob operations of the ops table (coffer/backup_store.h). */
int bstore_put_many(void *ctx, struct coffer_bstore_xfer *x, size_t n);
int bstore_get_many(void *ctx, struct coffer_bstore_xfer *x, size_t n);
int bstore_exists(void *ctx, const uint8_t (*ids)[COFFER_BSTORE_ID_BYTES],
    size_t n, uint64_t *sizes);
int bstore_del(void *ctx, const uint8_t id[COFFER_BSTORE_ID_BYTES]);
int bstore_list(void *ctx, coffer_bstore_blob_fn fn, void *arg);

#endif

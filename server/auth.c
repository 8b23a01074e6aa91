/* srv_auth_*: the OPAQUE setup on disk and the logins in flight. */
#include "auth.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include <coffer/buf.h>
#include <coffer/err.h>

#include "core/file.h"

struct slot {
	uint8_t			id[COFFER_WIRE_ID_BYTES];
	int			used;
	struct srv_pending	p;
};

struct srv_auth {
	struct coffer_opaque_server_setup	*setup;
	struct coffer_opaque_params		 params;
	struct srv_auth_limits			 limits;
	pthread_mutex_t				 lock;
	struct slot				*slots;	/* sodium_malloc */
};

/* Read the key file: the saved setup, at most COFFER_OPAQUE_SETUP_MAX. */
static int
load_setup(struct srv_auth *a, const char *path, char *err, size_t errlen)
{
	uint8_t buf[COFFER_OPAQUE_SETUP_MAX + 1];
	struct stat st;
	ssize_t n;
	int fd, r = -1;

	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    (st.st_mode & 077) != 0) {
		snprintf(err, errlen, "%s: not a regular file of mode 0600",
		    path);
		goto out;
	}
	n = read(fd, buf, sizeof(buf));
	if (n <= 0 || (size_t)n > COFFER_OPAQUE_SETUP_MAX ||
	    coffer_opaque_server_setup_load(&a->setup, buf, (size_t)n) != 0) {
		snprintf(err, errlen, "%s: not a cofferd OPAQUE key file", path);
		goto out;
	}
	r = 0;
out:
	sodium_memzero(buf, sizeof(buf));
	close(fd);
	return r;
}

/* Make a new setup and write it atomically (temporary file, fsync,
 * rename, fsync of the folder), owner-only. */
static int
make_setup(struct srv_auth *a, const char *path, char *err, size_t errlen)
{
	struct coffer_buf *b = coffer_buf_new_secret(COFFER_OPAQUE_SETUP_MAX);
	int r = -1;

	if (b == NULL || coffer_opaque_server_setup_generate(&a->setup) != 0 ||
	    coffer_opaque_server_setup_save(a->setup, b) != 0) {
		snprintf(err, errlen, "cannot make an OPAQUE key");
		goto out;
	}
	if (file_write_atomic(path, coffer_buf_data(b), coffer_buf_len(b),
	    0600) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	r = 0;
out:
	coffer_buf_free(&b);
	return r;
}

int
srv_auth_open(struct srv_auth **out, const char *data_dir,
    const struct coffer_opaque_params *params,
    const struct srv_auth_limits *limits, char *err, size_t errlen)
{
	struct srv_auth *a;
	char path[4096];
	int r;

	*out = NULL;
	if ((a = calloc(1, sizeof(*a))) == NULL ||
	    (a->slots = sodium_allocarray(SRV_PENDING_MAX,
	    sizeof(*a->slots))) == NULL) {
		free(a);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	memset(a->slots, 0, SRV_PENDING_MAX * sizeof(*a->slots));
	pthread_mutex_init(&a->lock, NULL);
	a->params = *params;
	a->limits = *limits;
	if (snprintf(path, sizeof(path), "%s/%s", data_dir,
	    SRV_AUTH_KEY_FILE) >= (int)sizeof(path)) {
		snprintf(err, errlen, "data folder path too long");
		srv_auth_close(&a);
		return -1;
	}
	r = access(path, F_OK) == 0 ? load_setup(a, path, err, errlen) :
	    make_setup(a, path, err, errlen);
	if (r != 0) {
		srv_auth_close(&a);
		return -1;
	}
	*out = a;
	return 0;
}

void
srv_auth_close(struct srv_auth **p)
{
	struct srv_auth *a;

	if (p == NULL || (a = *p) == NULL)
		return;
	coffer_opaque_server_setup_free(&a->setup);
	if (a->slots != NULL)
		sodium_free(a->slots);	/* wipes the login states */
	pthread_mutex_destroy(&a->lock);
	free(a);
	*p = NULL;
}

const struct coffer_opaque_server_setup *
srv_auth_setup(const struct srv_auth *a)
{
	return a->setup;
}

const struct coffer_opaque_params *
srv_auth_params(const struct srv_auth *a)
{
	return &a->params;
}

const struct srv_auth_limits *
srv_auth_limits(const struct srv_auth *a)
{
	return &a->limits;
}

int
srv_auth_pending_put(struct srv_auth *a, const struct srv_pending *p,
    int64_t now, uint8_t id[COFFER_WIRE_ID_BYTES])
{
	struct slot *free_slot = NULL;
	size_t i;

	pthread_mutex_lock(&a->lock);
	for (i = 0; i < SRV_PENDING_MAX && free_slot == NULL; i++) {
		if (a->slots[i].used && a->slots[i].p.expires <= now) {
			sodium_memzero(&a->slots[i], sizeof(a->slots[i]));
		}
		if (!a->slots[i].used)
			free_slot = &a->slots[i];
	}
	if (free_slot != NULL) {
		randombytes_buf(free_slot->id, sizeof(free_slot->id));
		free_slot->p = *p;
		free_slot->used = 1;
		memcpy(id, free_slot->id, COFFER_WIRE_ID_BYTES);
	}
	pthread_mutex_unlock(&a->lock);
	return free_slot != NULL ? 0 : COFFER_ERR_BUSY;
}

int
srv_auth_pending_take(struct srv_auth *a, const uint8_t id[COFFER_WIRE_ID_BYTES],
    int64_t now, struct srv_pending *out)
{
	int r = COFFER_ERR_NOTFOUND;
	size_t i;

	pthread_mutex_lock(&a->lock);
	for (i = 0; i < SRV_PENDING_MAX; i++) {
		if (!a->slots[i].used || sodium_memcmp(a->slots[i].id, id,
		    COFFER_WIRE_ID_BYTES) != 0)
			continue;
		if (a->slots[i].p.expires > now) {
			*out = a->slots[i].p;
			r = 0;
		}
		sodium_memzero(&a->slots[i], sizeof(a->slots[i]));
		break;
	}
	pthread_mutex_unlock(&a->lock);
	return r;
}

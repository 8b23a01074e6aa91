/* srv_session_*: bearer tokens for sessions. */
#include "session.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include <coffer/encoding.h>
#include <coffer/err.h>

int
srv_session_new(struct store *st, struct srv_session_cache *cache,
    const uint8_t account[COFFER_WIRE_ID_BYTES], const uint8_t *device,
    int64_t now, int64_t ttl, const uint8_t *raw,
    char token[SRV_TOKEN_LEN + 1])
{
	struct store_session s;
	uint8_t bytes[SRV_TOKEN_BYTES];
	int r;

	memset(&s, 0, sizeof(s));
	if (raw != NULL)
		memcpy(bytes, raw, sizeof(bytes));
	else
		randombytes_buf(bytes, sizeof(bytes));
	if ((r = coffer_b64url_encode(token, SRV_TOKEN_LEN + 1, bytes,
	    sizeof(bytes))) != 0)
		goto out;
	store_token_hash(s.token_hash, (const uint8_t *)token, SRV_TOKEN_LEN);
	memcpy(s.account, account, COFFER_WIRE_ID_BYTES);
	if (device != NULL) {
		memcpy(s.device, device, COFFER_WIRE_ID_BYTES);
		s.has_device = 1;
	}
	/* When it began serves nobody to the second: kept to the day. */
	s.created = now / 86400 * 86400;
	s.last_used = now;
	s.expires = now + ttl;
	r = st->meta->ops->session_create(st->meta, &s);
	/* The sessions it evicted, if any, must not live on in the cache.
	 * Sign-ins are rare next to requests: a clear at each costs one
	 * store lookup per live session. */
	if (r == 0)
		srv_session_cache_clear(cache);
out:
	if (r != 0)
		sodium_memzero(token, SRV_TOKEN_LEN + 1);
	sodium_memzero(bytes, sizeof(bytes));
	return r;
}

struct cache_slot {
	uint8_t			hash[STORE_TOKEN_HASH_BYTES];
	struct srv_session_info	info;
	int64_t			expires;	/* the session's */
	int64_t			until;		/* trusted until */
};

struct srv_session_cache {
	pthread_mutex_t		 lock;
	struct cache_slot	*slots;	/* sodium_malloc: hashes are secret */
	uint64_t		 clears; /* so a lookup that raced a clear
					    caches nothing stale */
};

int
srv_session_cache_new(struct srv_session_cache **out)
{
	struct srv_session_cache *c;

	*out = NULL;
	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    (c->slots = sodium_allocarray(SRV_SESSION_CACHE_SLOTS,
	    sizeof(*c->slots))) == NULL) {
		free(c);
		return COFFER_ERR_NOMEM;
	}
	memset(c->slots, 0, SRV_SESSION_CACHE_SLOTS * sizeof(*c->slots));
	pthread_mutex_init(&c->lock, NULL);
	*out = c;
	return 0;
}

void
srv_session_cache_free(struct srv_session_cache **p)
{
	if (p == NULL || *p == NULL)
		return;
	sodium_free((*p)->slots);
	pthread_mutex_destroy(&(*p)->lock);
	free(*p);
	*p = NULL;
}

void
srv_session_cache_clear(struct srv_session_cache *c)
{
	if (c == NULL)
		return;
	pthread_mutex_lock(&c->lock);
	sodium_memzero(c->slots, SRV_SESSION_CACHE_SLOTS * sizeof(*c->slots));
	c->clears++;
	pthread_mutex_unlock(&c->lock);
}

static struct cache_slot *
slot_of(struct srv_session_cache *c, const uint8_t *hash)
{
	return &c->slots[((size_t)hash[0] << 8 | hash[1]) %
	    SRV_SESSION_CACHE_SLOTS];
}

/* What a session looked up in the store stands for: §5's rule. */
static void
info_of(const struct store_session *s, struct srv_session_info *out)
{
	memset(out, 0, sizeof(*out));
	memcpy(out->account, s->account, COFFER_WIRE_ID_BYTES);
	if (s->bound) {
		memcpy(out->device, s->device, COFFER_WIRE_ID_BYTES);
		out->bound = 1;
	}
	out->full = s->devlist_head == 0 || (s->bound && s->listed);
}

int
srv_session_check(struct store *st, struct srv_session_cache *cache,
    const char *token, size_t len, int64_t now,
    struct srv_session_info *out)
{
	struct store_session s;
	struct cache_slot *slot;
	uint8_t hash[STORE_TOKEN_HASH_BYTES];
	uint8_t raw[SRV_TOKEN_BYTES + 1];
	uint64_t clears = 0;
	size_t n;
	int r;

	/* Refuse what cannot be a token before touching the store. */
	if (len != SRV_TOKEN_LEN || coffer_b64url_decode(raw, sizeof(raw), &n,
	    token, len) != 0 || n != SRV_TOKEN_BYTES)
		return COFFER_ERR_FORMAT;
	sodium_memzero(raw, sizeof(raw));
	store_token_hash(hash, (const uint8_t *)token, len);
	if (cache != NULL) {
		pthread_mutex_lock(&cache->lock);
		slot = slot_of(cache, hash);
		r = sodium_memcmp(slot->hash, hash, sizeof(hash)) == 0 &&
		    now < slot->until && now < slot->expires;
		if (r)
			*out = slot->info;
		clears = cache->clears;
		pthread_mutex_unlock(&cache->lock);
		if (r)
			return 0;
	}
	if ((r = st->meta->ops->session_lookup(st->meta, hash, now, &s)) != 0)
		return r;
	info_of(&s, out);
	/* last_used orders evictions (store/meta.h, session_create): kept
	 * to the minute, one write per session per minute at most. A
	 * failed touch costs only that order, not the request. */
	if (now - s.last_used >= SRV_SESSION_TOUCH_EVERY)
		(void)st->meta->ops->session_touch(st->meta, hash, now, 0);
	if (cache != NULL) {
		pthread_mutex_lock(&cache->lock);
		/* A clear since the lookup began may have ended or changed
		 * this session: what the store said is then not cached. */
		if (cache->clears == clears) {
			slot = slot_of(cache, hash);
			memcpy(slot->hash, hash, sizeof(hash));
			slot->info = *out;
			slot->expires = s.expires;
			slot->until = now + SRV_SESSION_CACHE_TTL;
		}
		pthread_mutex_unlock(&cache->lock);
	}
	return 0;
}

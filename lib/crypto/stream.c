/* coffer_stream_*: streaming envelopes v1, see docs/PROTOCOL-stream.md. */
#include <coffer/err.h>
#include <coffer/stream.h>

#include "core/secret.h"
#include "core/reader.h"
#include "core/sysendian.h"
#include "crypto/aead.h"
#include "crypto/stream_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

static const uint8_t st_magic[4] = { 'C', 'F', 'S', 'T' };
static const char subkey_ctx[] = "coffer/stream/v1";

#define ALG_XCHACHA20POLY1305	1
#define FLAG_CHUNK		0x00
#define FLAG_FINAL		0x01
#define TAGBYTES		AEAD_TAGBYTES
#define SUBKEYBYTES		AEAD_KEYBYTES
/* The fd helpers read this much at a time. */
#define FD_READ			((size_t)64 << 10)

_Static_assert(COFFER_STREAM_CHUNK_OVERHEAD == 1 + TAGBYTES, "chunk framing");
_Static_assert(COFFER_STREAM_FINAL_OVERHEAD == 5 + TAGBYTES, "final framing");
_Static_assert(STREAM_NONCEBYTES == AEAD_NONCEBYTES, "nonce");
_Static_assert(COFFER_STREAM_HEADER_MAX == 4 + 3 + COFFER_CONTEXT_MAX +
    COFFER_KEY_ID_BYTES + 4 + 1 + STREAM_NONCEBYTES, "header size");
_Static_assert(COFFER_STREAM_CHUNK_LOG2_MAX < 32, "final length is a u32");

enum st_state {
	ST_HEADER,		/* opener: reading the header */
	ST_CHUNKS,		/* between or inside chunks */
	ST_DONE,		/* the final chunk is out (sealer) or in (opener) */
	ST_FAILED,		/* an error happened: refuse everything */
};

struct coffer_stream_sealer {
	uint8_t		*subkey;	/* sodium_malloc, SUBKEYBYTES */
	uint8_t		 header[COFFER_STREAM_HEADER_MAX];
	size_t		 hlen;
	struct coffer_buf *pending;	/* secret: plaintext of a partial chunk */
	size_t		 cs;		/* chunk size */
	uint64_t	 counter;	/* index of the next chunk */
	enum st_state	 state;
};

struct coffer_stream_opener {
	struct coffer_key *key;		/* copy of the caller's key; freed once
					 * the subkey is derived */
	char		 context[COFFER_CONTEXT_MAX + 1];
	uint8_t		*subkey;	/* sodium_malloc, SUBKEYBYTES */
	uint8_t		 header[COFFER_STREAM_HEADER_MAX];
	size_t		 hlen;
	struct coffer_buf *pending;	/* ciphertext of a partial chunk */
	size_t		 cs;
	uint64_t	 counter;
	enum st_state	 state;
};

/* A parsed header: pointers into the bytes parsed. */
struct st_header {
	const uint8_t	*ctx;
	size_t		 ctxlen;
	const uint8_t	*key_id;
	uint32_t	 key_version;
	unsigned	 chunk_log2;
	const uint8_t	*nonce;
	size_t		 len;
};

/* Parse the header at the start of in[0..len); bytes after it are not
 * looked at. Fields are checked in the order they come, so the opener,
 * which calls this on every prefix it has, reports the same error however
 * the stream is split. Returns 0, COFFER_ERR_TRUNCATED (more bytes needed),
 * COFFER_ERR_FORMAT or COFFER_ERR_VERSION. */
static int
hdr_parse(struct st_header *h, const uint8_t *in, size_t len)
{
	struct reader rd;
	char ctx[COFFER_CONTEXT_MAX + 1];
	uint8_t version, alg, clen, log2;
	int r;

	memset(h, 0, sizeof(*h));
	reader_init(&rd, in, len);
	if ((r = reader_magic(&rd, st_magic, sizeof(st_magic))) != 0 ||
	    (r = reader_u8(&rd, &version)) != 0)
		return r;
	if (version != COFFER_STREAM_VERSION)
		return COFFER_ERR_VERSION;
	if ((r = reader_u8(&rd, &alg)) != 0)
		return r;
	if (alg != ALG_XCHACHA20POLY1305)
		return COFFER_ERR_FORMAT;
	if ((r = reader_u8(&rd, &clen)) != 0)
		return r;
	if (clen == 0 || clen > COFFER_CONTEXT_MAX)
		return COFFER_ERR_FORMAT;
	if ((r = reader_bytes(&rd, clen, &h->ctx)) != 0)
		return r;
	/* One rule for contexts: the one callers are held to (and no NUL
	 * hiding the rest from it). */
	memcpy(ctx, h->ctx, clen);
	ctx[clen] = '\0';
	if (strlen(ctx) != clen || !coffer_context_valid(ctx))
		return COFFER_ERR_FORMAT;
	h->ctxlen = clen;
	if ((r = reader_bytes(&rd, COFFER_KEY_ID_BYTES, &h->key_id)) != 0 ||
	    (r = reader_u32(&rd, &h->key_version)) != 0 ||
	    (r = reader_u8(&rd, &log2)) != 0)
		return r;
	if (log2 < COFFER_STREAM_CHUNK_LOG2_MIN ||
	    log2 > COFFER_STREAM_CHUNK_LOG2_MAX)
		return COFFER_ERR_FORMAT;
	h->chunk_log2 = log2;
	if ((r = reader_bytes(&rd, STREAM_NONCEBYTES,
	    &h->nonce)) != 0)
		return r;
	h->len = rd.off;
	return 0;
}

/* Write a header into out (COFFER_STREAM_HEADER_MAX bytes); its length. */
static size_t
hdr_write(uint8_t *out, const char *context, const struct coffer_key *key,
    unsigned chunk_log2, const uint8_t *nonce)
{
	size_t clen = strlen(context), off = 0;
	uint32_t v = coffer_key_version(key);

	memcpy(out, st_magic, sizeof(st_magic));
	off += sizeof(st_magic);
	out[off++] = COFFER_STREAM_VERSION;
	out[off++] = ALG_XCHACHA20POLY1305;
	out[off++] = (uint8_t)clen;
	memcpy(out + off, context, clen);
	off += clen;
	memcpy(out + off, coffer_key_id(key), COFFER_KEY_ID_BYTES);
	off += COFFER_KEY_ID_BYTES;
	be32enc(out + off, v);
	off += 4;
	out[off++] = (uint8_t)chunk_log2;
	memcpy(out + off, nonce, STREAM_NONCEBYTES);
	off += STREAM_NONCEBYTES;
	return off;
}

/* The per-stream subkey: KDF(key, "coffer/stream/v1", info = header). */
static int
subkey_derive(uint8_t **subkey, const struct coffer_key *key,
    const uint8_t *header, size_t hlen)
{
	if ((*subkey = sodium_malloc(SUBKEYBYTES)) == NULL)
		return COFFER_ERR_NOMEM;
	return coffer_kdf(*subkey, SUBKEYBYTES, key_secret(key),
	    COFFER_KEY_BYTES, subkey_ctx, header, hlen);
}

/* Chunk i's AEAD nonce: u64 BE i, 15 zero bytes, then 1 for the final
 * chunk and 0 for any other. */
static void
chunk_nonce(uint8_t nonce[AEAD_NONCEBYTES], uint64_t i, int final)
{
	memset(nonce, 0, AEAD_NONCEBYTES);
	be64enc(nonce, i);
	nonce[AEAD_NONCEBYTES - 1] = final ? 1 : 0;
}

static int
chunk_log2_resolve(unsigned *log2)
{
	if (*log2 == 0)
		*log2 = COFFER_STREAM_CHUNK_LOG2_DEFAULT;
	return *log2 >= COFFER_STREAM_CHUNK_LOG2_MIN &&
	    *log2 <= COFFER_STREAM_CHUNK_LOG2_MAX;
}

int
stream_sealer_new_det(struct coffer_stream_sealer **s,
    const struct coffer_key *key, const char *context, unsigned chunk_log2,
    const uint8_t nonce[STREAM_NONCEBYTES],
    struct coffer_buf *header_out)
{
	struct coffer_stream_sealer *t = NULL;
	size_t start = header_out != NULL ? coffer_buf_len(header_out) : 0;
	int r = COFFER_ERR_INVALID;

	if (s != NULL)
		*s = NULL;
	if (s == NULL || header_out == NULL || key == NULL ||
	    coffer_key_kind(key) != COFFER_KEY_SYMMETRIC ||
	    !coffer_context_valid(context) || nonce == NULL ||
	    !chunk_log2_resolve(&chunk_log2))
		goto out;
	if (coffer_init() != 0) {
		r = COFFER_ERR_CRYPTO;
		goto out;
	}
	if ((t = calloc(1, sizeof(*t))) == NULL) {
		r = COFFER_ERR_NOMEM;
		goto out;
	}
	t->cs = (size_t)1 << chunk_log2;
	t->state = ST_CHUNKS;
	t->hlen = hdr_write(t->header, context, key, chunk_log2, nonce);
	if ((t->pending = coffer_buf_new_secret(t->cs)) == NULL) {
		r = COFFER_ERR_NOMEM;
		goto out;
	}
	if ((r = subkey_derive(&t->subkey, key, t->header, t->hlen)) != 0 ||
	    (r = coffer_buf_append(header_out, t->header, t->hlen)) != 0)
		goto out;
	*s = t;
	t = NULL;
out:
	if (r != 0 && header_out != NULL)
		coffer_buf_truncate(header_out, start);
	coffer_stream_sealer_free(&t);
	return r;
}

int
coffer_stream_sealer_new(struct coffer_stream_sealer **s,
    const struct coffer_key *key, const char *context, unsigned chunk_log2,
    struct coffer_buf *header_out)
{
	uint8_t nonce[STREAM_NONCEBYTES];

	if (coffer_init() != 0) {
		if (s != NULL)
			*s = NULL;
		return COFFER_ERR_CRYPTO;
	}
	randombytes_buf(nonce, sizeof(nonce));
	return stream_sealer_new_det(s, key, context, chunk_log2, nonce,
	    header_out);
}

/* Seal n bytes of p as the next chunk and append it to out. */
static int
seal_chunk(struct coffer_stream_sealer *s, const uint8_t *p, size_t n,
    int final, struct coffer_buf *out)
{
	static const uint8_t none[1];
	uint8_t nonce[AEAD_NONCEBYTES], *dst;
	size_t fl = final ? 5 : 1;
	int r;

	/* The index must not wrap: 2^64 - 1 chunks is the format's limit. */
	if (s->counter == UINT64_MAX)
		return COFFER_ERR_TOOBIG;
	if ((r = coffer_buf_extend(out, fl + n + TAGBYTES, &dst)) != 0)
		return r;
	dst[0] = final ? FLAG_FINAL : FLAG_CHUNK;
	if (final) {
		be32enc(dst + 1, (uint32_t)n);
	}
	chunk_nonce(nonce, s->counter, final);
	if ((r = aead_seal(COFFER_AEAD_DEFAULT, dst + fl, dst + fl + n,
	    n > 0 ? p : none, n, s->header, s->hlen, nonce, s->subkey)) != 0)
		return r;
	s->counter++;
	return 0;
}

/* Update (final = 0) and final (final = 1): seal every chunk the input
 * completes, then for final the rest as the final chunk. */
static int
sealer_run(struct coffer_stream_sealer *s, const uint8_t *in, size_t len,
    int final, struct coffer_buf *out)
{
	size_t start = out != NULL ? coffer_buf_len(out) : 0, take, have;
	int r = COFFER_ERR_INVALID;

	if (s == NULL)
		return COFFER_ERR_INVALID;
	if (s->state != ST_CHUNKS) {
		r = COFFER_ERR_STATE;
		goto out;
	}
	if (out == NULL || (in == NULL && len > 0))
		goto out;
	r = 0;
	while (len > 0 && r == 0) {
		have = coffer_buf_len(s->pending);
		if (have == 0 && len >= s->cs) {
			/* A whole chunk in the input: seal it in place. A full
			 * chunk is never the final one, so it can go now. */
			r = seal_chunk(s, in, s->cs, 0, out);
			take = s->cs;
		} else {
			take = s->cs - have < len ? s->cs - have : len;
			if ((r = coffer_buf_append(s->pending, in, take)) == 0 &&
			    have + take == s->cs) {
				r = seal_chunk(s, coffer_buf_data(s->pending),
				    s->cs, 0, out);
				coffer_buf_reset(s->pending);
			}
		}
		in += take;
		len -= take;
	}
	if (r == 0 && final) {
		if ((r = seal_chunk(s, coffer_buf_data(s->pending),
		    coffer_buf_len(s->pending), 1, out)) == 0)
			s->state = ST_DONE;
		coffer_buf_reset(s->pending);
	}
out:
	if (r != 0) {
		if (out != NULL)
			coffer_buf_truncate(out, start);
		s->state = ST_FAILED;
	}
	return r;
}

int
coffer_stream_sealer_update(struct coffer_stream_sealer *s, const uint8_t *in,
    size_t len, struct coffer_buf *out)
{
	return sealer_run(s, in, len, 0, out);
}

int
coffer_stream_sealer_final(struct coffer_stream_sealer *s,
    struct coffer_buf *out)
{
	return sealer_run(s, NULL, 0, 1, out);
}

void
coffer_stream_sealer_free(struct coffer_stream_sealer **s)
{
	if (s == NULL || *s == NULL)
		return;
	sodium_free((*s)->subkey);	/* wipes */
	coffer_buf_free(&(*s)->pending);
	sodium_memzero(*s, sizeof(**s));
	free(*s);
	*s = NULL;
}

int
coffer_stream_opener_new(struct coffer_stream_opener **o,
    const struct coffer_key *key, const char *context)
{
	struct coffer_stream_opener *t = NULL;
	int r = COFFER_ERR_INVALID;

	if (o != NULL)
		*o = NULL;
	if (o == NULL || key == NULL ||
	    coffer_key_kind(key) != COFFER_KEY_SYMMETRIC ||
	    !coffer_context_valid(context))
		goto out;
	if (coffer_init() != 0) {
		r = COFFER_ERR_CRYPTO;
		goto out;
	}
	if ((t = calloc(1, sizeof(*t))) == NULL) {
		r = COFFER_ERR_NOMEM;
		goto out;
	}
	t->state = ST_HEADER;
	memcpy(t->context, context, strlen(context) + 1);
	if ((r = coffer_key_import(&t->key, COFFER_KEY_SYMMETRIC,
	    key_secret(key), coffer_key_id(key),
	    coffer_key_version(key))) != 0)
		goto out;
	*o = t;
	t = NULL;
out:
	coffer_stream_opener_free(&t);
	return r;
}

/* Take header bytes from *in; once the header is whole, check it against
 * the context and key and derive the subkey. */
static int
open_header(struct coffer_stream_opener *o, const uint8_t **in, size_t *len)
{
	struct st_header h;
	size_t take = COFFER_STREAM_HEADER_MAX - o->hlen;
	int r;

	if (take > *len)
		take = *len;
	/* Copy what might belong to the header, parse, then keep only what
	 * does: the rest stays in the input. */
	memcpy(o->header + o->hlen, *in, take);
	if ((r = hdr_parse(&h, o->header, o->hlen + take)) ==
	    COFFER_ERR_TRUNCATED) {
		o->hlen += take;
		*in += take;
		*len -= take;
		return 0;
	}
	if (r != 0)
		return r;
	*in += h.len - o->hlen;
	*len -= h.len - o->hlen;
	o->hlen = h.len;
	if (h.ctxlen != strlen(o->context) ||
	    sodium_memcmp(h.ctx, o->context, h.ctxlen) != 0)
		return COFFER_ERR_CONTEXT;
	/* Key ids and versions are public labels, not secrets. */
	if (sodium_memcmp(h.key_id, coffer_key_id(o->key),
	    COFFER_KEY_ID_BYTES) != 0 ||
	    h.key_version != coffer_key_version(o->key))
		return COFFER_ERR_KEY;
	o->cs = (size_t)1 << h.chunk_log2;
	/* Grows only as far as a chunk needs to be buffered: a small stream
	 * announcing 16 MiB chunks costs no 16 MiB. */
	if ((o->pending = coffer_buf_new(o->cs + COFFER_STREAM_FINAL_OVERHEAD)) ==
	    NULL)
		return COFFER_ERR_NOMEM;
	if ((r = subkey_derive(&o->subkey, o->key, o->header, o->hlen)) != 0)
		return r;
	coffer_key_free(&o->key);
	o->state = ST_CHUNKS;
	return 0;
}

/* Given the first n bytes of a chunk, set *need to its whole length and
 * *known to 1, or, while its length is not yet known, *need to the bytes
 * that tell it and *known to 0. Returns 0 or COFFER_ERR_FORMAT. */
static int
chunk_need(const uint8_t *p, size_t n, size_t cs, size_t *need, int *known)
{
	uint32_t flen;

	*known = 0;
	*need = 1;
	if (n < 1)
		return 0;
	if (p[0] == FLAG_CHUNK) {
		*need = 1 + cs + TAGBYTES;
		*known = 1;
		return 0;
	}
	if (p[0] != FLAG_FINAL)
		return COFFER_ERR_FORMAT;
	*need = 5;
	if (n < 5)
		return 0;
	flen = be32dec(p + 1);
	/* A full chunk is never final: the final one is shorter. */
	if (flen >= cs)
		return COFFER_ERR_FORMAT;
	*need = 5 + (size_t)flen + TAGBYTES;
	*known = 1;
	return 0;
}

/* Verify and decrypt one whole chunk p[0..n) onto the end of out. */
static int
open_chunk(struct coffer_stream_opener *o, const uint8_t *p, size_t n,
    struct coffer_buf *out)
{
	uint8_t nonce[AEAD_NONCEBYTES], none[1], *dst = none;
	int final = p[0] == FLAG_FINAL;
	size_t fl = final ? 5 : 1, ctlen = n - fl - TAGBYTES;
	int r;

	if (o->counter == UINT64_MAX)
		return COFFER_ERR_TOOBIG;
	if (ctlen > 0 && (r = coffer_buf_extend(out, ctlen, &dst)) != 0)
		return r;
	chunk_nonce(nonce, o->counter, final);
	/* aead_open leaves zeros, never unverified plaintext, in dst. */
	if ((r = aead_open(COFFER_AEAD_DEFAULT, dst, p + fl, ctlen,
	    p + fl + ctlen, o->header, o->hlen, nonce, o->subkey)) != 0)
		return r;
	o->counter++;
	if (final)
		o->state = ST_DONE;
	return 0;
}

/* Take chunk bytes from *in: open a whole chunk straight from the input
 * when nothing is pending, else gather it in o->pending first. */
static int
open_chunks(struct coffer_stream_opener *o, const uint8_t **in, size_t *len,
    struct coffer_buf *out)
{
	size_t need, have = coffer_buf_len(o->pending), take;
	int known, r;

	if (have == 0) {
		if ((r = chunk_need(*in, *len, o->cs, &need, &known)) != 0)
			return r;
		if (known && *len >= need) {
			r = open_chunk(o, *in, need, out);
			*in += need;
			*len -= need;
			return r;
		}
	}
	if ((r = chunk_need(coffer_buf_data(o->pending), have, o->cs, &need,
	    &known)) != 0)
		return r;
	take = need - have < *len ? need - have : *len;
	if ((r = coffer_buf_append(o->pending, *in, take)) != 0)
		return r;
	*in += take;
	*len -= take;
	/* The bytes just taken may complete a final chunk's length: check
	 * it now, so that an input refused whole is refused however it was
	 * split (found by tests/fuzz/fuzz_stream.c). */
	if (!known && (r = chunk_need(coffer_buf_data(o->pending), have + take,
	    o->cs, &need, &known)) != 0)
		return r;
	if (known && have + take == need) {
		r = open_chunk(o, coffer_buf_data(o->pending), need, out);
		coffer_buf_reset(o->pending);
	}
	return r;
}

int
coffer_stream_opener_update(struct coffer_stream_opener *o, const uint8_t *in,
    size_t len, struct coffer_buf *out)
{
	size_t start = out != NULL ? coffer_buf_len(out) : 0;
	int r = COFFER_ERR_INVALID;

	if (o == NULL)
		return COFFER_ERR_INVALID;
	if (o->state == ST_FAILED) {
		r = COFFER_ERR_STATE;
		goto out;
	}
	if (out == NULL || (in == NULL && len > 0))
		goto out;
	r = 0;
	while (len > 0 && r == 0) {
		if (o->state == ST_HEADER)
			r = open_header(o, &in, &len);
		else if (o->state == ST_CHUNKS)
			r = open_chunks(o, &in, &len, out);
		else
			r = COFFER_ERR_TRAILING;
	}
out:
	if (r != 0) {
		/* Release nothing from a failing call, not even chunks of it
		 * that verified: the stream is dead. */
		if (out != NULL && coffer_buf_len(out) > start) {
			sodium_memzero(coffer_buf_mutable(out) + start,
			    coffer_buf_len(out) - start);
			coffer_buf_truncate(out, start);
		}
		o->state = ST_FAILED;
	}
	return r;
}

int
coffer_stream_opener_final(struct coffer_stream_opener *o)
{
	if (o == NULL)
		return COFFER_ERR_INVALID;
	if (o->state == ST_DONE)
		return 0;
	if (o->state == ST_FAILED)
		return COFFER_ERR_STATE;
	o->state = ST_FAILED;
	return COFFER_ERR_TRUNCATED;
}

void
coffer_stream_opener_free(struct coffer_stream_opener **o)
{
	if (o == NULL || *o == NULL)
		return;
	coffer_key_free(&(*o)->key);
	sodium_free((*o)->subkey);
	coffer_buf_free(&(*o)->pending);
	sodium_memzero(*o, sizeof(**o));
	free(*o);
	*o = NULL;
}

int
coffer_stream_peek(struct coffer_stream_info *info, const uint8_t *in,
    size_t len)
{
	struct st_header h;
	int r;

	if (info == NULL || (in == NULL && len > 0))
		return COFFER_ERR_INVALID;
	memset(info, 0, sizeof(*info));
	if ((r = hdr_parse(&h, in, len)) != 0)
		return r;
	memcpy(info->context, h.ctx, h.ctxlen);
	info->context[h.ctxlen] = '\0';
	memcpy(info->key_id, h.key_id, COFFER_KEY_ID_BYTES);
	info->key_version = h.key_version;
	info->chunk_log2 = h.chunk_log2;
	info->header_len = h.len;
	return 0;
}

/* read() once, retrying on EINTR; *got = 0 at the end of the input. */
static int
fd_read(int fd, uint8_t *p, size_t n, size_t *got)
{
	ssize_t k;

	do {
		k = read(fd, p, n);
	} while (k < 0 && errno == EINTR);
	if (k < 0)
		return COFFER_ERR_IO;
	*got = (size_t)k;
	return 0;
}

/* Write all n bytes, through EINTR and short writes. */
static int
fd_write(int fd, const uint8_t *p, size_t n)
{
	ssize_t k;

	while (n > 0) {
		k = write(fd, p, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return COFFER_ERR_IO;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

/* Write out's bytes to fd and empty out. */
static int
fd_flush(int fd, struct coffer_buf *out)
{
	int r = fd_write(fd, coffer_buf_data(out), coffer_buf_len(out));

	coffer_buf_reset(out);
	return r;
}

/* Read in_fd to its end, feed each read to the sealer s or the opener o,
 * and write what it emits to out_fd. p holds FD_READ bytes. */
static int
fd_pump(int in_fd, int out_fd, struct coffer_stream_sealer *s,
    struct coffer_stream_opener *o, uint8_t *p, struct coffer_buf *out)
{
	size_t got;
	int r;

	for (;;) {
		if ((r = fd_read(in_fd, p, FD_READ, &got)) != 0 || got == 0)
			return r;
		r = s != NULL ? coffer_stream_sealer_update(s, p, got, out) :
		    coffer_stream_opener_update(o, p, got, out);
		if (r != 0 || (r = fd_flush(out_fd, out)) != 0)
			return r;
	}
}

int
coffer_stream_seal_fd(const struct coffer_key *key, const char *context,
    unsigned chunk_log2, int in_fd, int out_fd)
{
	struct coffer_stream_sealer *s = NULL;
	struct coffer_buf *out = NULL, *rbuf = NULL;
	uint8_t *p;
	int r = COFFER_ERR_INVALID;

	if (in_fd < 0 || out_fd < 0 || !chunk_log2_resolve(&chunk_log2))
		goto out;
	/* An update of FD_READ bytes emits at most one chunk more than it
	 * takes, with the framing of each; the header comes first. */
	if ((out = coffer_buf_new(FD_READ + 2 * ((size_t)1 << chunk_log2) +
	    COFFER_STREAM_HEADER_MAX)) == NULL ||
	    (rbuf = coffer_buf_new_secret(FD_READ)) == NULL) {
		r = COFFER_ERR_NOMEM;
		goto out;
	}
	if ((r = coffer_buf_extend(rbuf, FD_READ, &p)) != 0 ||
	    (r = coffer_stream_sealer_new(&s, key, context, chunk_log2,
	    out)) != 0 ||
	    (r = fd_pump(in_fd, out_fd, s, NULL, p, out)) != 0 ||
	    (r = coffer_stream_sealer_final(s, out)) != 0)
		goto out;
	r = fd_flush(out_fd, out);
out:
	coffer_stream_sealer_free(&s);
	coffer_buf_free(&rbuf);		/* wipes */
	coffer_buf_free(&out);
	return r;
}

int
coffer_stream_open_fd(const struct coffer_key *key, const char *context,
    int in_fd, int out_fd)
{
	struct coffer_stream_opener *o = NULL;
	struct coffer_buf *out = NULL, *rbuf = NULL;
	uint8_t *p;
	int r = COFFER_ERR_INVALID;

	if (in_fd < 0 || out_fd < 0)
		goto out;
	/* An update releases at most what it takes and one chunk that was
	 * pending before. */
	if ((out = coffer_buf_new_secret(FD_READ +
	    ((size_t)1 << COFFER_STREAM_CHUNK_LOG2_MAX))) == NULL ||
	    (rbuf = coffer_buf_new(FD_READ)) == NULL) {
		r = COFFER_ERR_NOMEM;
		goto out;
	}
	if ((r = coffer_buf_extend(rbuf, FD_READ, &p)) != 0 ||
	    (r = coffer_stream_opener_new(&o, key, context)) != 0 ||
	    (r = fd_pump(in_fd, out_fd, NULL, o, p, out)) != 0)
		goto out;
	r = coffer_stream_opener_final(o);
out:
	coffer_stream_opener_free(&o);
	coffer_buf_free(&out);		/* wipes */
	coffer_buf_free(&rbuf);
	return r;
}

/* Streaming envelopes, format v1 (docs/PROTOCOL-stream.md): encrypt an
 * input of any size with flat memory, for backups and files. The STREAM
 * construction (Hoang, Reyhanitabar, Rogaway, Vizar 2015) over
 * XChaCha20-Poly1305: a header names the context, the key (id, version),
 * the chunk size and a random stream nonce; every stream gets its own
 * subkey, and chunk i is sealed with a nonce made of i and a "final" flag,
 * so truncation, reordering, dropping, duplicating, splicing and trailing
 * bytes are all detected.
 *
 * Early release: an opener hands out each chunk's plaintext as soon as that
 * chunk's tag holds, before it can know whether the stream is complete.
 * Only a zero return from coffer_stream_opener_final() (or from
 * coffer_stream_open_fd()) says the whole stream was authentic and whole.
 * A caller that needs all-or-nothing writes the plaintext to a temporary
 * file and renames it into place only after that zero return, and deletes
 * it otherwise.
 *
 * For small inputs held in memory, coffer/envelope.h is simpler. */
#ifndef COFFER_STREAM_H
#define COFFER_STREAM_H

#include <stddef.h>
#include <stdint.h>

#include <coffer/buf.h>
#include <coffer/export.h>
#include <coffer/kdf.h>
#include <coffer/key.h>

#define COFFER_STREAM_VERSION		1
/* Chunk sizes are powers of two: 2^12 (4 KiB) to 2^24 (16 MiB). */
#define COFFER_STREAM_CHUNK_LOG2_MIN	12
#define COFFER_STREAM_CHUNK_LOG2_MAX	24
#define COFFER_STREAM_CHUNK_LOG2_DEFAULT 16
/* The longest header: 52 bytes and the context. */
#define COFFER_STREAM_HEADER_MAX	(52 + COFFER_CONTEXT_MAX)
/* Bytes a chunk adds to its plaintext: a non-final chunk 17 (flag and
 * tag), the final chunk 21 (flag, length and tag). */
#define COFFER_STREAM_CHUNK_OVERHEAD	17
#define COFFER_STREAM_FINAL_OVERHEAD	21

struct coffer_stream_sealer;
struct coffer_stream_opener;

/* What a stream's header says, before any key is used. */
struct coffer_stream_info {
	char		context[COFFER_CONTEXT_MAX + 1];
	uint8_t		key_id[COFFER_KEY_ID_BYTES];
	uint32_t	key_version;
	unsigned	chunk_log2;
	size_t		header_len;
};

/** coffer_stream_sealer_new(s, key, context, chunk_log2, header_out): start
 * a stream under the symmetric ${key} for ${context}, with chunks of
 * 2^${chunk_log2} bytes (COFFER_STREAM_CHUNK_LOG2_MIN to _MAX; 0 means
 * COFFER_STREAM_CHUNK_LOG2_DEFAULT, 64 KiB), and append its header to
 * ${header_out}. The sealer keeps no reference to ${key}. Returns 0,
 * COFFER_ERR_INVALID, COFFER_ERR_TOOBIG (${header_out} full),
 * COFFER_ERR_NOMEM or COFFER_ERR_CRYPTO; on error *${s} is NULL and
 * ${header_out} unchanged. */
COFFER_API int coffer_stream_sealer_new(struct coffer_stream_sealer **s,
    const struct coffer_key *key, const char *context, unsigned chunk_log2,
    struct coffer_buf *header_out) COFFER_WUR;

/** coffer_stream_sealer_update(s, in, len, out): take ${len} bytes of
 * plaintext from ${in} and append every chunk they complete to ${out};
 * less than one chunk of plaintext stays buffered in ${s}. ${out} grows by
 * at most ${len} + one chunk + 17 bytes per chunk. Returns 0,
 * COFFER_ERR_INVALID, COFFER_ERR_STATE (after _final or a failure),
 * COFFER_ERR_TOOBIG (${out} full), COFFER_ERR_NOMEM or COFFER_ERR_CRYPTO.
 * On error ${out} is unchanged and ${s} refuses further use. */
COFFER_API int coffer_stream_sealer_update(struct coffer_stream_sealer *s,
    const uint8_t *in, size_t len, struct coffer_buf *out) COFFER_WUR;

/** coffer_stream_sealer_final(s, out): append the final chunk (the
 * buffered plaintext, possibly none) to ${out}; the stream is then
 * complete and ${s} refuses further use. Returns 0, COFFER_ERR_INVALID,
 * COFFER_ERR_STATE, COFFER_ERR_TOOBIG, COFFER_ERR_NOMEM or
 * COFFER_ERR_CRYPTO; on error ${out} is unchanged. */
COFFER_API int coffer_stream_sealer_final(struct coffer_stream_sealer *s,
    struct coffer_buf *out) COFFER_WUR;

/** coffer_stream_sealer_free(s): wipe and free *${s}, set it to NULL;
 * accepts NULL. A stream whose sealer is freed before _final is
 * incomplete, and its openers report COFFER_ERR_TRUNCATED. */
COFFER_API void coffer_stream_sealer_free(struct coffer_stream_sealer **s);

/** coffer_stream_opener_new(o, key, context): an opener for a stream
 * sealed under the symmetric ${key} for ${context}; it reads the header
 * from the first bytes fed to it. The opener keeps a copy of the key, no
 * reference. Returns 0, COFFER_ERR_INVALID, COFFER_ERR_NOMEM or
 * COFFER_ERR_CRYPTO; on error *${o} is NULL. */
COFFER_API int coffer_stream_opener_new(struct coffer_stream_opener **o,
    const struct coffer_key *key, const char *context) COFFER_WUR;

/** coffer_stream_opener_update(o, in, len, out): take the next ${len}
 * bytes of the stream from ${in} (split anywhere), and append to ${out} the
 * plaintext of every chunk they complete, each released only once its tag
 * verified. At most one chunk and its framing stays buffered in ${o}.
 * ${out} should be a secret buffer (coffer_buf_new_secret); it grows by at
 * most ${len} + one chunk. Returns 0, or:
 *   COFFER_ERR_FORMAT     malformed header or chunk framing;
 *   COFFER_ERR_VERSION    a format version this library does not know;
 *   COFFER_ERR_CONTEXT    the stream was made for another context;
 *   COFFER_ERR_KEY        made under another key id or key version;
 *   COFFER_ERR_AUTH       a chunk's tag does not hold: altered, reordered,
 *                         dropped, duplicated, spliced from another stream,
 *                         or a key with the right id and the wrong secret;
 *   COFFER_ERR_TRAILING   bytes after the final chunk;
 *   COFFER_ERR_STATE      ${o} failed before;
 *   COFFER_ERR_INVALID, COFFER_ERR_TOOBIG (${out} full),
 *   COFFER_ERR_NOMEM, COFFER_ERR_CRYPTO.
 * On error ${out} is unchanged (no byte of this call's plaintext is
 * released) and ${o} refuses further use. Errors do not depend on how the
 * stream is split between calls. See "Early release" above. */
COFFER_API int coffer_stream_opener_update(struct coffer_stream_opener *o,
    const uint8_t *in, size_t len, struct coffer_buf *out) COFFER_WUR;

/** coffer_stream_opener_final(o): check that the stream ended where it
 * should: its final chunk came and verified. Returns 0, or
 * COFFER_ERR_TRUNCATED (the input stopped in the header, inside a chunk or
 * at a chunk boundary before the final chunk; ${o} then refuses further
 * use) or COFFER_ERR_STATE (${o} failed before). Only after it returns 0
 * is the plaintext released so far the whole, authentic plaintext. */
COFFER_API int coffer_stream_opener_final(struct coffer_stream_opener *o)
    COFFER_WUR;

/** coffer_stream_opener_free(o): wipe and free *${o}, set it to NULL;
 * accepts NULL. */
COFFER_API void coffer_stream_opener_free(struct coffer_stream_opener **o);

/** coffer_stream_peek(info, in, len): parse the header at the start of
 * ${in} (${len} bytes: the whole stream, or at least its first
 * COFFER_STREAM_HEADER_MAX bytes) into ${info} without any key, for
 * choosing the key. Nothing it says is authentic. Returns 0,
 * COFFER_ERR_INVALID, COFFER_ERR_TRUNCATED (${len} shorter than the
 * header), COFFER_ERR_FORMAT or COFFER_ERR_VERSION. */
COFFER_API int coffer_stream_peek(struct coffer_stream_info *info,
    const uint8_t *in, size_t len) COFFER_WUR;

/** coffer_stream_seal_fd(key, context, chunk_log2, in_fd, out_fd): read
 * ${in_fd} to its end and write one stream of it to ${out_fd} (arguments
 * as coffer_stream_sealer_new), in memory of about two chunks whatever the
 * input's size. Reads and writes are retried on EINTR and short writes are
 * completed; neither fd is closed or synced. A caller that writes to a
 * pipe or socket should ignore SIGPIPE to get COFFER_ERR_IO rather than
 * the signal. Returns 0, COFFER_ERR_INVALID, COFFER_ERR_IO,
 * COFFER_ERR_NOMEM or COFFER_ERR_CRYPTO; on error ${out_fd} holds an
 * incomplete stream, which openers refuse. */
COFFER_API int coffer_stream_seal_fd(const struct coffer_key *key,
    const char *context, unsigned chunk_log2, int in_fd, int out_fd)
    COFFER_WUR;

/** coffer_stream_open_fd(key, context, in_fd, out_fd): read a stream from
 * ${in_fd} to its end and write its plaintext to ${out_fd}, in memory of
 * about two chunks. EINTR and short writes are handled as in
 * coffer_stream_seal_fd. Plaintext is written chunk by chunk as each
 * verifies, so on any error ${out_fd} may already hold a prefix of the
 * plaintext: write to a temporary file and rename it into place only when
 * this returns 0 (delete it otherwise). Returns 0, an error of
 * coffer_stream_opener_update or _final (COFFER_ERR_TRUNCATED,
 * COFFER_ERR_AUTH, COFFER_ERR_TRAILING, ...), or COFFER_ERR_IO. */
COFFER_API int coffer_stream_open_fd(const struct coffer_key *key,
    const char *context, int in_fd, int out_fd) COFFER_WUR;

#endif

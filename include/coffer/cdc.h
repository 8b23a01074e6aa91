/* Content-defined chunking (docs/PROTOCOL-cdc.md): FastCDC with normalized
 * chunking (level 2) over a gear hash whose 256-entry table is derived from
 * a secret key, so chunk boundaries (and so chunk sizes) say nothing about
 * the content to anyone without the key.
 *
 * Streaming use: feed the bytes of a file in pieces of any size; each call
 * says where the current chunk ends within the piece, or that it needs
 * more. The cuts do not depend on how the file is split into pieces. The
 * handle keeps only a position and a hash: the caller owns every buffer. */
#ifndef COFFER_CDC_H
#define COFFER_CDC_H

#include <stddef.h>
#include <stdint.h>

#include <coffer/export.h>
#include <coffer/key.h>

/* Defaults, chosen by measurement (docs/PROTOCOL-backup.md, "Rationale"). */
#define COFFER_CDC_MIN_DEFAULT	(512u * 1024)
#define COFFER_CDC_AVG_DEFAULT	(1024u * 1024)
#define COFFER_CDC_MAX_DEFAULT	(8u * 1024 * 1024)

/* Limits: 64 <= min < avg < max <= 64 MiB; avg a power of two from 128 B
 * to 8 MiB (the range of the FastCDC mask table). */
#define COFFER_CDC_MIN_LIMIT	64u
#define COFFER_CDC_MAX_LIMIT	(64u * 1024 * 1024)
#define COFFER_CDC_AVG_LIMIT	(8u * 1024 * 1024)

struct coffer_cdc_params {
	size_t	min;	/* no chunk but a file's last is shorter */
	size_t	avg;	/* the normalization point, a power of two */
	size_t	max;	/* no chunk is longer */
};

struct coffer_cdc;

/* Called by coffer_cdc_split for each chunk in order; a nonzero return
 * stops the split and is returned by it. */
typedef int (*coffer_cdc_chunk_fn)(void *ctx, size_t offset, size_t len);

/** coffer_cdc_params_valid(params): 1 if ${params} are within the limits
 * above, else 0. */
COFFER_API int coffer_cdc_params_valid(const struct coffer_cdc_params *params);

/** coffer_cdc_new(out, key, params): a chunker whose gear table is derived
 * from the symmetric ${key} (context "coffer/cdc-gear/v1"), with ${params}
 * (NULL for the defaults), positioned at the start of a file. Returns 0,
 * COFFER_ERR_INVALID (NULL argument, a key that is not symmetric, params
 * out of range) or COFFER_ERR_NOMEM. */
COFFER_API int coffer_cdc_new(struct coffer_cdc **out,
    const struct coffer_key *key, const struct coffer_cdc_params *params)
    COFFER_WUR;

/** coffer_cdc_free(p): wipe and free *${p} and set it to NULL; accepts
 * NULL. */
COFFER_API void coffer_cdc_free(struct coffer_cdc **p);

/** coffer_cdc_reset(c): forget the current chunk: the next byte fed to
 * ${c} starts a new file. */
COFFER_API void coffer_cdc_reset(struct coffer_cdc *c);

/** coffer_cdc_next(c, data, len, final, cut): feed the next ${len} bytes of
 * the file at ${data} (may be NULL when ${len} is 0); ${final} nonzero says
 * they are the file's last. Returns 1 when the current chunk ends inside
 * them, after the first *${cut} bytes (0 to ${len}; 0 only with ${final}
 * when the chunk ended with the bytes fed before): the chunker then starts
 * the next chunk, and the caller feeds the bytes from ${data} + *${cut}
 * on. Returns 0 when all ${len} bytes belong to the current chunk
 * and more are needed (*${cut} = ${len}), or, with ${final}, when the file
 * has no bytes left to chunk (*${cut} = 0; the chunker is reset). Returns
 * COFFER_ERR_INVALID for a NULL ${c} or ${cut}, or NULL ${data} with a
 * nonzero ${len}. */
COFFER_API int coffer_cdc_next(struct coffer_cdc *c, const uint8_t *data,
    size_t len, int final, size_t *cut) COFFER_WUR;

/** coffer_cdc_split(c, data, len, fn, ctx): reset ${c}, chunk the whole
 * file of ${len} bytes at ${data} and call ${fn}(${ctx}, offset, length)
 * for each chunk in order (none for an empty file); ${c} is left reset.
 * Returns 0, the first nonzero value ${fn} returned, or
 * COFFER_ERR_INVALID for a NULL argument (${data} may be NULL when ${len}
 * is 0). */
COFFER_API int coffer_cdc_split(struct coffer_cdc *c, const uint8_t *data,
    size_t len, coffer_cdc_chunk_fn fn, void *ctx) COFFER_WUR;

#endif

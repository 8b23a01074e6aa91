/* Envelope format v1 (docs/PROTOCOL-envelope.md): one authenticated
 * encryption of a bounded message, sealed under a symmetric key or to an
 * X25519 public key, bound to a context string, a key id and version. The
 * whole header is the AEAD's additional data. For large inputs use
 * coffer/stream.h. */
#ifndef COFFER_ENVELOPE_H
#define COFFER_ENVELOPE_H

#include <stddef.h>
#include <stdint.h>

#include <coffer/buf.h>
#include <coffer/export.h>
#include <coffer/kdf.h>
#include <coffer/key.h>

#define COFFER_ENVELOPE_VERSION		1
/* Largest plaintext of one envelope (64 MiB). */
#define COFFER_ENVELOPE_MAX		((size_t)64 << 20)

enum coffer_envelope_type {
	COFFER_ENVELOPE_SECRET = 1,	/* under a symmetric key */
	COFFER_ENVELOPE_PUBLIC = 2,	/* to an X25519 public key */
};

/* What an envelope's header says, before any key is used. */
struct coffer_envelope_info {
	enum coffer_envelope_type type;
	char		context[COFFER_CONTEXT_MAX + 1];
	uint8_t		key_id[COFFER_KEY_ID_BYTES];
	uint32_t	key_version;
	size_t		plaintext_len;
};

/** coffer_envelope_seal(out, key, context, pt, ptlen): append to ${out} an
 * envelope of ${ptlen} bytes of ${pt} under the symmetric ${key}, for
 * ${context}. Returns 0, COFFER_ERR_INVALID, COFFER_ERR_TOOBIG (input over
 * COFFER_ENVELOPE_MAX or ${out} full), COFFER_ERR_NOMEM or
 * COFFER_ERR_CRYPTO; on error ${out} is unchanged. */
COFFER_API int coffer_envelope_seal(struct coffer_buf *out,
    const struct coffer_key *key, const char *context, const uint8_t *pt,
    size_t ptlen) COFFER_WUR;

/** coffer_envelope_seal_to(out, pk, key_version, context, pt, ptlen): as
 * coffer_envelope_seal, sealed to the X25519 public key ${pk} (with the
 * recipient's ${key_version}) through a fresh ephemeral key. */
COFFER_API int coffer_envelope_seal_to(struct coffer_buf *out,
    const uint8_t pk[COFFER_PUBLIC_BYTES], uint32_t key_version,
    const char *context, const uint8_t *pt, size_t ptlen) COFFER_WUR;

/** coffer_envelope_open(out, key, context, env, len): check and decrypt
 * the envelope ${env} with ${key} (symmetric for a secret envelope, X25519
 * for a public one), appending the plaintext to ${out}. Nothing is written
 * to ${out} unless the whole envelope is authentic. Returns 0,
 * COFFER_ERR_FORMAT, COFFER_ERR_VERSION, COFFER_ERR_TRUNCATED,
 * COFFER_ERR_TRAILING, COFFER_ERR_TOOBIG, COFFER_ERR_CONTEXT (made for
 * another context), COFFER_ERR_KEY (another key id or version),
 * COFFER_ERR_AUTH (altered, or a forged key id), COFFER_ERR_NOMEM. */
COFFER_API int coffer_envelope_open(struct coffer_buf *out,
    const struct coffer_key *key, const char *context, const uint8_t *env,
    size_t len) COFFER_WUR;

/** coffer_envelope_peek(info, env, len): parse the envelope's structure
 * into ${info} without any key, for choosing the key. Returns 0 or a
 * parse error as coffer_envelope_open. Nothing it says is authentic. */
COFFER_API int coffer_envelope_peek(struct coffer_envelope_info *info,
    const uint8_t *env, size_t len) COFFER_WUR;

#endif

/* Stream internals shared by the sealer and the vector tests. */
#ifndef COFFER_STREAM_INTERNAL_H
#define COFFER_STREAM_INTERNAL_H

#include <coffer/stream.h>

#define STREAM_NONCEBYTES	24

/** stream_sealer_new_det(s, key, context, chunk_log2, nonce,
 * header_out): coffer_stream_sealer_new with the 24-byte stream ${nonce}
 * given instead of drawn at random. Only tests and the public call use
 * it: a nonce used twice under one key gives two streams the same subkey.
 * Returns as coffer_stream_sealer_new. */
int stream_sealer_new_det(struct coffer_stream_sealer **s,
    const struct coffer_key *key, const char *context, unsigned chunk_log2,
    const uint8_t nonce[STREAM_NONCEBYTES],
    struct coffer_buf *header_out) COFFER_WUR;

#endif

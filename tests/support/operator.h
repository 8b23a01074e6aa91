/* The server operator's hand, for the tests that play a hostile server
 * against the client or the CLI: records of a zone read, written and
 * deleted raw through the HTTP API with a home's own session (its
 * "session" file), as whoever runs cofferd could. Each call asserts its
 * own success (cmocka): call them from a test.
 *
 *	op_zone_of(srv, home, id, zone);
 *	op_get(srv, home, zone, id, old, sizeof(old), &v);
 *	... the client deletes the record ...
 *	op_put(srv, home, zone, id, old, v_now); */
#ifndef COFFER_TEST_OPERATOR_H
#define COFFER_TEST_OPERATOR_H

#include <stddef.h>
#include <stdint.h>

#include "server_harness.h"

/* A zone or record id in hex, and its NUL. */
#define OP_HEX	33

/** op_zone_of(s, home, id, zone): the zone (hex) of the account of
 * ${home} that holds record ${id} live (zone ids hide their names). */
void op_zone_of(struct srv *s, const char *home, const uint8_t id[16],
    char zone[OP_HEX]);

/** op_get(s, home, zone, id, data, cap, version): the record as the
 * server holds it: its data (base64url) into ${data}, its version. */
void op_get(struct srv *s, const char *home, const char *zone,
    const uint8_t id[16], char *data, size_t cap, long long *version);

/** op_put(s, home, zone, id, data, version): write ${data} (base64url)
 * over the record at ${version} (0: none, or deleted). */
void op_put(struct srv *s, const char *home, const char *zone,
    const uint8_t id[16], const char *data, long long version);

/** op_delete(s, home, zone, id, version): delete the record at
 * ${version} on the server (a server-side tombstone). */
void op_delete(struct srv *s, const char *home, const char *zone,
    const uint8_t id[16], long long version);

#endif

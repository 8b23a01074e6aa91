/* The CLI's side of the client library (cli/session.c): open the client
 * for the global options, report its errors, read and write ids. */
#ifndef COFFER_CLI_SESSION_H
#define COFFER_CLI_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include <coffer/client.h>

#include "cli.h"

/* Open the client for --server (else the server the home remembers),
 * --home and --ca. Returns CLI_OK, or reports why not and returns
 * CLI_USAGE (no server given nor remembered) or CLI_FAIL. */
int cli_client_open(struct cli *c, struct coffer_client **out);
/* Report the library error ${err} of ${what} with the client's message.
 * Returns CLI_FAIL. */
int cli_client_fail(struct cli *c, const struct coffer_client *cl, int err,
    const char *what);
/* Parse ${arg} as the hex of an ${n}-byte id (a usage error names
 * ${what}). Returns CLI_OK or CLI_USAGE. */
int cli_parse_id(struct cli *c, const char *arg, uint8_t *out, size_t n,
    const char *what);
/* The lower-case hex of ${n} bytes into ${out} (2n + 1 bytes). */
void cli_hex(char *out, const uint8_t *in, size_t n);

#endif

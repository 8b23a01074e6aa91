/* cofferd-test: cofferd with the test suite's routes under /v1/_test/
 * and its auth hook (cofferd_test_main.c). The production cofferd has
 * neither, and no option that adds them. Never in docs/openapi.yaml. */
#ifndef COFFER_TEST_COFFERD_TEST_H
#define COFFER_TEST_COFFERD_TEST_H

#include <stddef.h>
#include <stdint.h>

#include "http/http.h"

/* The test routes: a session without OPAQUE (of a new account, or
 * another of an existing one), echo, a byte-counting
 * sink, a generated stream with Range, a slow reply, 429, an auth check,
 * typed parameters. */
extern const struct srv_route srv_test_routes[];
extern const size_t srv_ntest_routes;

/** srv_auth_test(app, token, len, who): the test suite's check:
 * "test-" and 32 hex digits is the account with that id, bound to no
 * device and not restricted; anything else goes to srv_auth_session.
 * Returns as srv_auth_session. */
enum srv_err srv_auth_test(void *app, const char *token, size_t len,
    struct srv_caller *who);

#endif

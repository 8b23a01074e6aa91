/* An account with a live session on a test cofferd, for route tests. */
#ifndef COFFER_TEST_ACCOUNT_H
#define COFFER_TEST_ACCOUNT_H

#include "server_harness.h"

struct test_account {
	char	id[33];		/* account id, hex */
	char	token[64];	/* bearer token */
	char	auth[96];	/* "Authorization: Bearer <token>" */
};

/** test_account_new(s, a): a new account with a session on ${s} (started
 * as cofferd-test: POST /v1/_test/session; the accounts routes will
 * replace it with a real OPAQUE sign-up and sign-in). Returns 0 or -1. */
int test_account_new(struct srv *s, struct test_account *a);

#endif

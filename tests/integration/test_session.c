/* Sessions on the real cofferd: a session's token stands for its account
 * and for nothing else; a forged, malformed or missing token is 401. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "account.h"
#include "http_client.h"
#include "server_harness.h"

static void
whoami(struct srv *s, const char *auth, long want, const char *account)
{
	const char *hdrs[] = { auth, NULL };
	char *body = NULL;
	long status = 0;

	assert_int_equal(http_request("GET", srv_url(s, "/v1/_test/whoami"),
	    auth != NULL ? hdrs : NULL, NULL, 0, &status, &body), 0);
	assert_int_equal(status, want);
	if (account != NULL)
		assert_non_null(strstr(body, account));
	else
		assert_true(http_is_error(body, "unauthorized"));
	free(body);
}

/* Whether any file below dir holds needle. */
static int
tree_holds(const char *dir, const char *needle)
{
	char cmd[4096];

	/* grep -r reads every file, the SQLite WAL included. */
	snprintf(cmd, sizeof(cmd), "grep -rqaF -- '%s' '%s'", needle, dir);
	return system(cmd) == 0;
}

static void
test_tokens(void **state)
{
	struct test_account a, b;
	struct srv *s = NULL;
	char forged[96];

	(void)state;
	assert_int_equal(srv_start_test(&s, NULL), 0);
	assert_int_equal(test_account_new(s, &a), 0);
	assert_int_equal(test_account_new(s, &b), 0);
	assert_string_not_equal(a.id, b.id);
	whoami(s, a.auth, 200, a.id);
	whoami(s, b.auth, 200, b.id);
	whoami(s, NULL, 401, NULL);
	/* One character changed: a well-formed token of no session. */
	memcpy(forged, a.auth, sizeof(forged));
	forged[strlen(forged) - 1] ^= 1;
	whoami(s, forged, 401, NULL);
	whoami(s, "Authorization: Bearer short", 401, NULL);
	whoami(s, "Authorization: Basic dXNlcjpwYXNz", 401, NULL);
	/* The store holds the token's hash, never the token. */
	assert_false(tree_holds(srv_data(s), a.token));
	{
		/* The scan itself finds what is there. */
		char probe[4096];

		snprintf(probe, sizeof(probe), "%s/probe", srv_dir(s));
		assert_int_equal(srv_write_file(probe, a.token), 0);
		assert_true(tree_holds(srv_dir(s), a.token));
		unlink(probe);
	}
	/* Sessions survive a restart: they are stored, not in memory. */
	assert_int_equal(srv_stop(s), 0);
	assert_int_equal(srv_restart(s), 0);
	whoami(s, a.auth, 200, a.id);
	/* The token never reaches the logs. */
	{
		char *log = srv_log_text(s);

		assert_non_null(log);
		assert_null(strstr(log, a.token));
		free(log);
	}
	assert_int_equal(srv_stop(s), 0);
	srv_free(&s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tokens),
	};

	return cmocka_run_group_tests_name("session", tests, NULL, NULL);
}

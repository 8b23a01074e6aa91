/* The group fixture of the route tests that need one server and three
 * accounts: A and B use it, Victim's sessions are ended to make the bad
 * tokens (rt_bad_tokens). Include once, after route_util.h, in a test
 * file that runs its tests with group_setup and group_teardown. */
#ifndef COFFER_TEST_ROUTE_FIXTURE_H
#define COFFER_TEST_ROUTE_FIXTURE_H

#include "route_util.h"

static struct srv *S;
static struct test_account A, B, Victim;
static struct rt_bad_tokens Bad;

static int
group_setup(void **state)
{
	(void)state;
	if (sodium_init() < 0 || srv_start_test(&S, NULL) != 0 ||
	    test_account_new(S, &A) != 0 || test_account_new(S, &B) != 0 ||
	    test_account_new(S, &Victim) != 0)
		return -1;
	rt_bad_tokens_make(S, &Victim, &Bad);
	return 0;
}

static int
group_teardown(void **state)
{
	int rc;

	(void)state;
	rc = srv_stop(S);
	srv_free(&S);
	return rc == 0 ? 0 : -1;
}

#endif

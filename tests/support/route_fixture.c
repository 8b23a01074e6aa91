/* The route tests' group fixture (route_fixture.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <sodium.h>

#include "route_fixture.h"

/* The group rt_run_group runs: cmocka's group hooks take no argument. */
static const struct rt_group *group;
/* The account signed out to make group->bad. */
static struct test_account victim;

static int
group_setup(void **state)
{
	size_t i;

	(void)state;
	if (sodium_init() < 0 || srv_start_test(group->srv, NULL) != 0)
		return -1;
	for (i = 0; i < sizeof(group->accounts) / sizeof(group->accounts[0]) &&
	    group->accounts[i] != NULL; i++)
		if (test_account_new(*group->srv, group->accounts[i]) != 0)
			return -1;
	if (group->bad != NULL) {
		if (test_account_new(*group->srv, &victim) != 0)
			return -1;
		rt_bad_tokens_make(*group->srv, &victim, group->bad);
	}
	return group->setup != NULL ? group->setup() : 0;
}

static int
group_teardown(void **state)
{
	int rc;

	(void)state;
	if (group->teardown != NULL)
		group->teardown();
	rc = srv_stop(*group->srv);
	srv_free(group->srv);
	return rc == 0 ? 0 : -1;
}

int
rt_run_group(const char *name, const struct CMUnitTest *tests, size_t n,
    const struct rt_group *g)
{
	group = g;
	return _cmocka_run_group_tests(name, tests, n, group_setup,
	    group_teardown);
}

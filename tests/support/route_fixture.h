/* The group fixture of the route tests: one cofferd-test, the accounts a
 * test file names, optionally the tokens every authenticated route must
 * refuse (rt_bad_tokens, made by signing out an account of the
 * fixture's own), then the file's own steps. A test file
 * describes its group and runs its cases through it:
 *
 *	static struct srv *S;
 *	static struct test_account A, B;
 *	static const struct rt_group group = { &S, { &A, &B } };
 *	...
 *	return RT_RUN_GROUP("blobs", tests, &group);
 */
#ifndef COFFER_TEST_ROUTE_FIXTURE_H
#define COFFER_TEST_ROUTE_FIXTURE_H

#include <stddef.h>

#include "account.h"
#include "route_util.h"
#include "server_harness.h"

struct CMUnitTest;

struct rt_group {
	struct srv		**srv;		/* set to the server started */
	struct test_account	 *accounts[4];	/* each made, in order */
	struct rt_bad_tokens	 *bad;		/* NULL, or filled */
	int			(*setup)(void);	/* then this: 0 or -1 */
	void			(*teardown)(void); /* before the stop */
};

/** rt_run_group(name, tests, n, group): run the ${n} cmocka ${tests} as
 * the group ${name}: first start cofferd-test into *${group}->srv, make
 * the accounts (and the bad tokens) and run ${group}->setup; at the end
 * run ${group}->teardown and stop the server, which must exit 0. Returns
 * what cmocka returns (the number of failures). */
int rt_run_group(const char *name, const struct CMUnitTest *tests, size_t n,
    const struct rt_group *group);

#define RT_RUN_GROUP(name, tests, group) \
	rt_run_group(name, tests, sizeof(tests) / sizeof((tests)[0]), group)

#endif

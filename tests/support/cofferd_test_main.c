/* cofferd-test: cofferd with the test routes and the test auth hook
 * (cofferd_test.h), for the integration tests. Built with the tests,
 * never installed. */
#include "cofferd.h"
#include "cofferd_test.h"

int
main(int argc, char **argv)
{
	const struct cofferd_extra extra = { srv_test_routes,
	    srv_ntest_routes, srv_auth_test };

	return cofferd_main(argc, argv, &extra);
}

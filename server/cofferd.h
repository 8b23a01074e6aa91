/* cofferd as a function, so that one program can run it with more
 * routes: main.c runs cofferd as it ships; the test suite's cofferd-test
 * (tests/support/cofferd_test_main.c) adds its test routes and auth
 * hook. No option of cofferd's command line adds routes. */
#ifndef COFFERD_COFFERD_H
#define COFFERD_COFFERD_H

#include <stddef.h>

#include "http/http.h"

/* What a program adds to cofferd. */
struct cofferd_extra {
	const struct srv_route	*routes;	/* served beside the API's */
	size_t			 nroutes;
	srv_auth_fn		 auth;		/* NULL: srv_auth_session */
};

/** cofferd_main(argc, argv, extra): run cofferd with the command line
 * ${argc}, ${argv} (cofferd(8)) and, if ${extra} is not NULL, its routes
 * and auth hook, until a signal stops it. Returns the exit status: 0
 * (stopped by SIGTERM or SIGINT; --help, --version), 1 (a runtime
 * failure: cannot listen, create the data folder, read the TLS files or
 * open the store) or 2 (a usage or configuration error). */
int cofferd_main(int argc, char **argv, const struct cofferd_extra *extra);

#endif

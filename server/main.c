/* cofferd: the coffer server. This version answers --version and --help;
 * the HTTP API is being built (issue 3). */
#include <stdio.h>
#include <string.h>

#include "version.h"

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: cofferd [--help] [--version]\n"
	    "\n"
	    "cofferd is the coffer server: accounts (OPAQUE sign-in), devices,\n"
	    "zones, records and blobs. It stores only ciphertext, public keys\n"
	    "and opaque ids; it can read none of the end-to-end data.\n"
	    "\n"
	    "This build has no HTTP API yet.\n");
}

int
main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "--version") == 0) {
		printf("cofferd %s\n", cofferd_version());
		return 0;
	}
	if (argc == 2 && (strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0)) {
		usage(stdout);
		return 0;
	}
	usage(stderr);
	return 2;
}

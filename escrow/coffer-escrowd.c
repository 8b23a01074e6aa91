/* coffer-escrowd: the escrow service, a trust domain apart from cofferd.
 * This version answers --version and --help. */
#include <stdio.h>
#include <string.h>

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: coffer-escrowd [--help] [--version]\n"
	    "\n"
	    "coffer-escrowd holds the escrow key in its own process and key\n"
	    "store. It opens escrowed keys only after the device passcode is\n"
	    "proven, and destroys a record after 10 failed attempts. cofferd\n"
	    "never holds its private key.\n"
	    "\n"
	    "This build has no service yet.\n");
}

int
main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "--version") == 0) {
		printf("coffer-escrowd %s\n", COFFER_VERSION);
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

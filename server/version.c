/* cofferd_version: the server's version, set by the build. */
#include "version.h"

const char *
cofferd_version(void)
{
	return COFFER_VERSION;
}

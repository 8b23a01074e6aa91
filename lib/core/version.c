/* coffer_version: the library's version, set by the build. */
#include <coffer/version.h>

const char *
coffer_version(void)
{
	return COFFER_VERSION;
}

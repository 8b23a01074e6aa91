/* The version of the libcoffer in use. */
#ifndef COFFER_VERSION_H
#define COFFER_VERSION_H

#include <coffer/export.h>

/** coffer_version(): the version string of the library actually linked
 * ("0.1.0"), which can differ from the headers a program was built with. */
COFFER_API const char *coffer_version(void);

#endif

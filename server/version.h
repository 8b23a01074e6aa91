/* The version of cofferd. */
#ifndef COFFERD_VERSION_H
#define COFFERD_VERSION_H

/** cofferd_version(): "0.1.0". */
const char *cofferd_version(void);

#endif

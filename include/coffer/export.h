/* Symbol visibility and checked-result markers for libcoffer. */
#ifndef COFFER_EXPORT_H
#define COFFER_EXPORT_H

/* COFFER_API marks the functions the shared library exports; everything
 * else is hidden (-fvisibility=hidden). */
#if defined(__GNUC__)
#define COFFER_API __attribute__((visibility("default")))
#define COFFER_WUR __attribute__((warn_unused_result))
#else
#define COFFER_API
#define COFFER_WUR
#endif

#endif

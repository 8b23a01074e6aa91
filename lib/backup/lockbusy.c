/* The detail of a lock conflict (lock.h): who holds the set, since
 * when. */
#include <stdio.h>
#include <time.h>

#include <coffer/err.h>

#include "backup/lock.h"

int
lock_busy(struct coffer_backup_repo *r, const struct bk_lock *l)
{
	char when[64];
	struct tm tm;
	struct timespec ts;
	time_t t = (time_t)(l->time_ns / 1000000000);
	int64_t ago, now;

	(void)clock_gettime(CLOCK_REALTIME, &ts);
	now = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
	if (__builtin_sub_overflow(now, l->time_ns, &ago))
		ago = 0;
	ago /= 1000000000;
	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
		snprintf(when, sizeof(when), "?");
	return repo_fail(r, COFFER_ERR_BUSY, "the backup set is locked: "
	    "%s lock of host \"%s\"%s%s%s, pid %u, since %s (%lld s ago by "
	    "this device's clock; it expires %u s after it was written "
	    "unless refreshed)",
	    l->kind == BK_LOCK_EXCLUSIVE ? "an exclusive" : "a shared",
	    l->host, l->device[0] ? ", device \"" : "",
	    l->device, l->device[0] ? "\"" : "", (unsigned)l->pid, when,
	    (long long)ago, (unsigned)l->ttl_s);
}

/* The maintenance sweep of cofferd: one thread, one timer, a table of
 * jobs (maint.c) that each run every so many ticks:
 *
 *   reservations  drop upload quota reservations past their expiry
 *                 (left by a crash: a live upload renews its own)
 *   orphans       drop blob files no reference holds (a crash between
 *                 the file and its reference) and temporary files of
 *                 dead uploads, once older than the grace period; never
 *                 an upload in flight (its writer holds a lock)
 *   tombstones    drop deleted records' tombstones older than the
 *                 retention; a client whose change token is older than
 *                 the last dropped deletion is told to resync (410)
 *   sign_ins      drop sign-in attempts past their window, expired
 *                 sessions and spent sign-in tickets past their expiry
 *
 * Runs never overlap (one thread), and stopping waits for the run in
 * progress. docs/OPERATING.md ("Maintenance") has the settings. */
#ifndef COFFERD_MAINT_H
#define COFFERD_MAINT_H

struct srv_app;
struct srv_maint;

struct srv_maint_config {
	unsigned	interval;		/* s between ticks */
	unsigned	orphan_grace;		/* s */
	unsigned	tombstone_retention;	/* s */
};

/** srv_maint_start(mp, app, cfg): start the sweep over ${app}'s stores
 * (which must outlive it) with ${cfg}; the first run is one interval
 * after the start. Returns 0 with *${mp}, or -1 (no thread, no memory). */
int srv_maint_start(struct srv_maint **mp, struct srv_app *app,
    const struct srv_maint_config *cfg);

/** srv_maint_stop(mp): stop the sweep, waiting for a run in progress to
 * end; NULL or *${mp} NULL accepted; sets *${mp} = NULL. */
void srv_maint_stop(struct srv_maint **mp);

#endif

/* coffer backup create|list|ls|restore|forget|prune|check: the backup
 * engine (coffer/backup.h) on the storage and zone key the client gives
 * for the backup set, with its cache in HOME/cache/backup/SET. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <coffer/backup.h>
#include <coffer/err.h>

#include "cli.h"
#include "commands.h"
#include "bselect.h"
#include "bset.h"
#include "progress.h"
#include "session.h"

/* Ctrl-C asks the engine to stop (it keeps what it stored for the next
 * run); a second one kills as usual. */
static struct coffer_backup_progress *volatile running;

static void
on_interrupt(int sig)
{
	(void)sig;
	if (running != NULL)
		running->cancel = 1;
}

static void
catch_interrupt(struct coffer_backup_progress *p, int on)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	running = on ? p : NULL;
	sa.sa_handler = on ? on_interrupt : SIG_DFL;
	sa.sa_flags = SA_RESETHAND;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

struct watch {
	struct cli_progress			 bar;
	uint64_t				 total;	/* 0: unknown */
	const struct coffer_backup_progress	*pg;	/* for the ticker */
};

static void
on_progress(void *arg, const struct coffer_backup_progress *p)
{
	struct watch *w = arg;

	/* A backup's total grows while the scanner runs ahead. */
	cli_progress_update(&w->bar, p->files, p->bytes_read,
	    w->total != 0 ? w->total : p->bytes);
}

/* Restore counts without calling back: read its counters. */
static void
on_tick(void *arg)
{
	struct watch *w = arg;

	cli_progress_update(&w->bar,
	    __atomic_load_n(&w->pg->files, __ATOMIC_RELAXED),
	    __atomic_load_n(&w->pg->bytes_read, __ATOMIC_RELAXED), w->total);
}

int
cmd_backup_create(struct cli *c)
{
	struct coffer_backup_progress p;
	struct coffer_backup_options o;
	uint8_t id[COFFER_SNAPSHOT_ID_BYTES];
	char hex[SNAP_HEX], b[32], n[32], s[32];
	struct watch w;
	struct bset set;
	struct bsel sel;
	double t;
	int r;

	memset(&set, 0, sizeof(set));
	/* The lists first: a bad one fails before the server is asked. */
	if ((r = bsel_read(c, &sel)) != CLI_OK ||
	    (r = bset_open(c, &set, "backup create")) != CLI_OK ||
	    (r = backup_lock_opts(c, &set)) != CLI_OK)
		goto out;
	memset(&p, 0, sizeof(p));
	memset(&o, 0, sizeof(o));
	memset(&w, 0, sizeof(w));
	p.fn = on_progress;
	p.arg = &w;
	o.progress = &p;
	bsel_options(&sel, &o);
	o.exclude_caches = cli_opt(c, "exclude-caches") != NULL;
	o.one_file_system = cli_opt(c, "one-file-system") != NULL;
	cli_progress_init(&w.bar, c);
	catch_interrupt(&p, 1);
	r = coffer_backup_create(set.repo, (const char *const *)sel.paths.v,
	    sel.paths.n, &o, id);
	catch_interrupt(&p, 0);
	t = cli_progress_end(&w.bar);
	if (r != 0) {
		r = bset_fail(c, &set, r, "backup create");
		goto out;
	}
	bset_snap_hex(hex, id);
	cli_print(c, "%s", hex);
	cli_fmt_bytes(b, sizeof(b), (double)p.bytes);
	cli_fmt_bytes(n, sizeof(n), (double)p.bytes_new);
	cli_fmt_bytes(s, sizeof(s), (double)p.bytes_stored);
	cli_note(c, "snapshot %.8s: %llu files, %llu folders, %s (%s new, "
	    "%s stored) in %.1f s%s", hex, (unsigned long long)p.files,
	    (unsigned long long)p.dirs, b, n, s, t, p.warnings ?
	    ", some entries skipped" : "");
	cli_json_set(c, "snapshot", json_string(hex));
	cli_json_u64(c, "files", p.files);
	cli_json_u64(c, "dirs", p.dirs);
	cli_json_u64(c, "bytes", p.bytes);
	cli_json_u64(c, "bytes_new", p.bytes_new);
	cli_json_u64(c, "bytes_stored", p.bytes_stored);
	cli_json_u64(c, "warnings", p.warnings);
	cli_json_set(c, "seconds", json_real(t));
	r = CLI_OK;
out:
	bset_close(&set);
	bsel_free(&sel);
	return r;
}

struct snaps {
	struct cli	*c;
	json_t		*list;
	const uint8_t	*want;		/* find this one's size */
	uint64_t	 bytes;
};

static int
one_snapshot(void *arg, const struct coffer_backup_snapshot *s)
{
	struct snaps *l = arg;

	if (l->want != NULL) {
		if (memcmp(l->want, s->id, COFFER_SNAPSHOT_ID_BYTES) == 0)
			l->bytes = s->bytes;
		return 0;
	}
	json_array_append_new(l->list, bset_snap_show(l->c, s, "", ""));
	return 0;
}

int
cmd_backup_list(struct cli *c)
{
	struct snaps l = { c, json_array(), NULL, 0 };
	struct bset set;
	int r;

	if ((r = bset_open(c, &set, "backup list")) != CLI_OK)
		goto out;
	if ((r = coffer_backup_list(set.repo, one_snapshot, &l)) != 0) {
		r = bset_fail(c, &set, r, "backup list");
		goto out;
	}
	cli_json_set(c, "snapshots", l.list);
	l.list = NULL;
out:
	json_decref(l.list);
	bset_close(&set);
	return r;
}

static int
one_entry(void *arg, const struct coffer_backup_entry *e)
{
	struct snaps *l = arg;
	time_t t = (time_t)(e->mtime_ns / 1000000000);
	char when[32];
	struct tm tm;

	/* A snapshot may hold millions: JSON only when asked for. */
	if (l->list != NULL)
		json_array_append_new(l->list, json_pack("{s:s, s:s, s:i, s:I, "
		    "s:I, s:s?}", "path", e->path, "type", bset_type_name(e->type),
		    "mode", (int)e->mode, "size", (json_int_t)e->size, "mtime",
		    (json_int_t)(e->mtime_ns / 1000000000), "target",
		    e->target));
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M", localtime_r(&t, &tm));
	cli_print(l->c, "%-8s %04o %12llu  %s  %s%s%s", bset_type_name(e->type),
	    (unsigned)e->mode & 07777, (unsigned long long)e->size, when,
	    e->path, e->target != NULL ? " -> " : "",
	    e->target != NULL ? e->target : "");
	return 0;
}

/* Open the set and resolve SNAP (pos[0]) into ${id}. */
static int
open_snapshot(struct cli *c, struct bset *set, const char *what,
    uint8_t id[COFFER_SNAPSHOT_ID_BYTES])
{
	int r;

	if ((r = bset_open(c, set, what)) != CLI_OK)
		return r;
	if ((r = coffer_backup_resolve(set->repo, c->pos[0], id)) != 0)
		return cli_fail(c, r, what, c->pos[0]);
	return CLI_OK;
}

int
cmd_backup_ls(struct cli *c)
{
	struct snaps l = { c, c->json ? json_array() : NULL, NULL, 0 };
	uint8_t id[COFFER_SNAPSHOT_ID_BYTES];
	char hex[SNAP_HEX];
	struct bset set;
	int r;

	if ((r = open_snapshot(c, &set, "backup ls", id)) != CLI_OK)
		goto out;
	if ((r = coffer_backup_ls(set.repo, id, c->npos > 1 ? c->pos[1] :
	    NULL, one_entry, &l)) != 0) {
		r = bset_fail(c, &set, r, "backup ls");
		goto out;
	}
	bset_snap_hex(hex, id);
	cli_json_set(c, "snapshot", json_string(hex));
	cli_json_set(c, "entries", l.list);
	l.list = NULL;
out:
	json_decref(l.list);
	bset_close(&set);
	return r;
}

int
cmd_backup_restore(struct cli *c)
{
	struct snaps l = { c, NULL, NULL, 0 };
	struct coffer_backup_progress p;
	struct coffer_backup_options o;
	uint8_t id[COFFER_SNAPSHOT_ID_BYTES];
	char hex[SNAP_HEX], b[32];
	struct cli_ticker tick;
	struct watch w;
	struct bset set;
	double t;
	int r;

	if ((r = open_snapshot(c, &set, "backup restore", id)) != CLI_OK)
		goto out;
	memset(&p, 0, sizeof(p));
	memset(&o, 0, sizeof(o));
	memset(&w, 0, sizeof(w));
	/* The snapshot's size, for the ETA. */
	l.want = id;
	if (coffer_backup_list(set.repo, one_snapshot, &l) == 0)
		w.total = l.bytes;
	w.pg = &p;
	o.progress = &p;
	cli_progress_init(&w.bar, c);
	cli_ticker_start(&tick, &w.bar, on_tick, &w);
	catch_interrupt(&p, 1);
	r = coffer_backup_restore(set.repo, id, c->npos > 1 ? c->pos[1] : NULL,
	    cli_opt(c, "target"), &o);
	catch_interrupt(&p, 0);
	cli_ticker_stop(&tick);
	t = cli_progress_end(&w.bar);
	if (r != 0) {
		r = bset_fail(c, &set, r, "backup restore");
		goto out;
	}
	bset_snap_hex(hex, id);
	cli_fmt_bytes(b, sizeof(b), (double)p.bytes_read);
	cli_note(c, "restored snapshot %.8s into %s: %llu files, %s in %.1f s",
	    hex, cli_opt(c, "target"), (unsigned long long)p.files, b, t);
	cli_json_set(c, "snapshot", json_string(hex));
	cli_json_set(c, "target", json_string(cli_opt(c, "target")));
	cli_json_u64(c, "files", p.files);
	cli_json_u64(c, "bytes", p.bytes_read);
	cli_json_set(c, "seconds", json_real(t));
	r = CLI_OK;
out:
	bset_close(&set);
	return r;
}

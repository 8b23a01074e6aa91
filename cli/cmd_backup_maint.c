/* coffer backup forget|prune|check: the engine's maintenance of a backup
 * set (docs/PROTOCOL-backup.md, "Maintenance"). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <coffer/backup.h>
#include <coffer/err.h>

#include "bset.h"
#include "cli.h"
#include "commands.h"
#include "progress.h"

/* "90", "90s", "15m", "2h": seconds into *out (at most a week). */
static int
parse_duration(const char *s, unsigned *out)
{
	char *end;
	unsigned long v, mul = 1;

	if (s[0] < '0' || s[0] > '9')
		return -1;
	v = strtoul(s, &end, 10);
	if (end[0] == 'm')
		mul = 60;
	else if (end[0] == 'h')
		mul = 3600;
	else if (end[0] != 's' && end[0] != '\0')
		return -1;
	if (end[0] != '\0' && end[1] != '\0')
		return -1;
	if (v > 7ul * 24 * 3600 / mul)
		return -1;
	*out = (unsigned)(v * mul);
	return 0;
}

/* This device's name from the device list, if it has one. */
static int
self_name(void *arg, const struct coffer_client_device *d)
{
	char *name = arg;

	if (!d->self)
		return 0;
	snprintf(name, COFFER_CLIENT_NAME_MAX + 1, "%s", d->name);
	return 1;		/* found: stop */
}

int
backup_lock_opts(struct cli *c, struct bset *set)
{
	static char name[COFFER_CLIENT_NAME_MAX + 1];
	struct coffer_backup_lock_options lo;
	const char *d = cli_opt(c, "retry-lock");

	memset(&lo, 0, sizeof(lo));
	if (d != NULL && parse_duration(d, &lo.retry_s) != 0)
		return cli_usage(c, "--retry-lock: a duration such as 90, "
		    "90s, 15m or 2h (at most a week)");
	lo.no_lock = cli_opt(c, "no-lock") != NULL;
	/* A conflict names the holder's device: ours, when the list names
	 * it (a lock without it still works: the list is not needed). */
	name[0] = '\0';
	if (!lo.no_lock && coffer_client_device_list(set->cl, self_name,
	    name) != 1)
		name[0] = '\0';
	lo.device = name[0] != '\0' ? name : NULL;
	if (coffer_backup_lock_configure(set->repo, &lo) != 0)
		return cli_usage(c, "invalid lock options");
	return CLI_OK;
}

struct forgetting {
	struct cli	*c;
	json_t		*list;
	uint64_t	 kept, removed;
};

/* "last, daily" from the COFFER_KEEP_* bits, and the same as JSON. */
static json_t *
reasons(unsigned bits, char *buf, size_t size)
{
	static const struct {
		unsigned	 bit;
		const char	*name;
	} rules[] = {
		{ COFFER_KEEP_LAST, "last" }, { COFFER_KEEP_HOURLY, "hourly" },
		{ COFFER_KEEP_DAILY, "daily" }, { COFFER_KEEP_WEEKLY, "weekly" },
		{ COFFER_KEEP_MONTHLY, "monthly" },
		{ COFFER_KEEP_YEARLY, "yearly" },
	};
	json_t *a = json_array();
	size_t i, n = 0;

	buf[0] = '\0';
	for (i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
		if (!(bits & rules[i].bit))
			continue;
		json_array_append_new(a, json_string(rules[i].name));
		if (n < size)
			n += (size_t)snprintf(buf + n, size - n, "%s%s",
			    n ? ", " : "", rules[i].name);
	}
	return a;
}

static int
one_forget(void *arg, const struct coffer_backup_snapshot *s, int keep,
    unsigned bits)
{
	struct forgetting *f = arg;
	char why[64], suffix[80];
	json_t *o, *a = reasons(bits, why, sizeof(why));

	suffix[0] = '\0';
	if (keep)
		snprintf(suffix, sizeof(suffix), "  (%s)", why);
	o = bset_snap_show(f->c, s, keep ? "keep    " : "remove  ",
	    suffix);
	json_object_set_new(o, "keep", json_boolean(keep));
	json_object_set_new(o, "reasons", a);
	json_array_append_new(f->list, o);
	if (keep)
		f->kept++;
	else
		f->removed++;
	return 0;
}

int
cmd_backup_forget(struct cli *c)
{
	static const char *const opt[] = { "keep-last", "keep-hourly",
	    "keep-daily", "keep-weekly", "keep-monthly", "keep-yearly" };
	struct coffer_backup_forget_options fo;
	struct coffer_backup_policy p;
	struct forgetting f = { c, json_array(), 0, 0 };
	unsigned *count[] = { &p.keep_last, &p.keep_hourly, &p.keep_daily,
	    &p.keep_weekly, &p.keep_monthly, &p.keep_yearly };
	struct bset set;
	uint64_t v;
	size_t i;
	int r, any = 0;

	memset(&p, 0, sizeof(p));
	memset(&set, 0, sizeof(set));
	for (i = 0; i < sizeof(opt) / sizeof(opt[0]); i++) {
		v = 0;
		if ((r = cli_opt_uint(c, opt[i], CLI_COUNT_MAX, &v)) != CLI_OK)
			goto out;
		*count[i] = (unsigned)v;
		any |= cli_opt(c, opt[i]) != NULL;
	}
	/* Keeping nothing is what forget refuses: say so before opening. */
	if (!any) {
		r = cli_usage(c, "give at least one --keep-* option");
		goto out;
	}
	memset(&fo, 0, sizeof(fo));
	fo.dry_run = cli_opt(c, "dry-run") != NULL;
	fo.fn = one_forget;
	fo.arg = &f;
	if ((r = bset_open(c, &set, "backup forget")) != CLI_OK ||
	    (r = backup_lock_opts(c, &set)) != CLI_OK)
		goto out;
	if ((r = coffer_backup_forget(set.repo, &p, &fo)) != 0) {
		r = bset_fail(c, &set, r, "backup forget");
		goto out;
	}
	cli_note(c, "forget: %llu kept, %llu %s", (unsigned long long)f.kept,
	    (unsigned long long)f.removed, fo.dry_run ? "would be removed "
	    "(dry run)" : "removed; 'coffer backup prune' frees their data");
	cli_json_set(c, "snapshots", f.list);
	f.list = NULL;
	cli_json_u64(c, "kept", f.kept);
	cli_json_u64(c, "removed", f.removed);
	cli_json_set(c, "dry_run", json_boolean(fo.dry_run));
	r = CLI_OK;
out:
	json_decref(f.list);
	bset_close(&set);
	return r;
}

int
cmd_backup_prune(struct cli *c)
{
	struct coffer_backup_prune_options po;
	struct coffer_backup_prune_stats st;
	char del[32], add[32];
	struct bset set;
	int r;

	memset(&po, 0, sizeof(po));
	memset(&st, 0, sizeof(st));
	po.dry_run = cli_opt(c, "dry-run") != NULL;
	if ((r = bset_open(c, &set, "backup prune")) != CLI_OK ||
	    (r = backup_lock_opts(c, &set)) != CLI_OK)
		goto out;
	if ((r = coffer_backup_prune(set.repo, &po, &st)) != 0) {
		r = bset_fail(c, &set, r, "backup prune");
		goto out;
	}
	cli_fmt_bytes(del, sizeof(del), (double)st.bytes_deleted);
	cli_fmt_bytes(add, sizeof(add), (double)st.bytes_added);
	cli_print(c, "%s%llu packs: %llu kept, %llu deleted, %llu repacked "
	    "into %llu; %s deleted, %s written", po.dry_run ? "(dry run) " :
	    "", (unsigned long long)st.packs,
	    (unsigned long long)st.packs_kept,
	    (unsigned long long)st.packs_deleted,
	    (unsigned long long)st.packs_repacked,
	    (unsigned long long)st.packs_new, del, add);
	cli_json_set(c, "dry_run", json_boolean(po.dry_run));
	cli_json_u64(c, "snapshots", st.snapshots);
	cli_json_u64(c, "packs", st.packs);
	cli_json_u64(c, "packs_kept", st.packs_kept);
	cli_json_u64(c, "packs_deleted", st.packs_deleted);
	cli_json_u64(c, "packs_repacked", st.packs_repacked);
	cli_json_u64(c, "packs_new", st.packs_new);
	cli_json_u64(c, "chunks_used", st.chunks_used);
	cli_json_u64(c, "chunks_unused", st.chunks_unused);
	cli_json_u64(c, "bytes_deleted", st.bytes_deleted);
	cli_json_u64(c, "bytes_added", st.bytes_added);
	cli_json_u64(c, "orphans", st.orphans);
	cli_json_u64(c, "orphans_deleted", st.orphans_deleted);
	if (st.orphans > 0)
		cli_print(c, "%llu orphan blobs found, %llu deleted (the others "
		    "when a later prune sees them again a day after)",
		    (unsigned long long)st.orphans,
		    (unsigned long long)st.orphans_deleted);
	r = CLI_OK;
out:
	bset_close(&set);
	return r;
}

struct findings {
	struct cli	*c;
	json_t		*list;
};

static void
one_problem(void *arg, int level, const char *message)
{
	struct findings *f = arg;
	const char *what = level == COFFER_CHECK_ERROR ? "error" : "info";

	json_array_append_new(f->list, json_pack("{s:s, s:s}", "level", what,
	    "message", message));
	cli_print(f->c, "%-5s  %s", what, message);
}

int
cmd_backup_check(struct cli *c)
{
	struct coffer_backup_check_options co;
	struct coffer_backup_check_stats st;
	struct findings f = { c, json_array() };
	struct bset set;
	int r;

	memset(&co, 0, sizeof(co));
	memset(&st, 0, sizeof(st));
	co.read_data = cli_opt(c, "read-data") != NULL;
	co.fn = one_problem;
	co.arg = &f;
	if ((r = bset_open(c, &set, "backup check")) != CLI_OK ||
	    (r = backup_lock_opts(c, &set)) != CLI_OK)
		goto out;
	r = coffer_backup_check(set.repo, &co, &st);
	if (r != 0 && r != COFFER_ERR_CORRUPT) {
		r = bset_fail(c, &set, r, "backup check");
		goto out;
	}
	cli_note(c, "check: %llu snapshots, %llu packs, %llu chunks%s: "
	    "%llu errors", (unsigned long long)st.snapshots,
	    (unsigned long long)st.packs, (unsigned long long)st.chunks,
	    co.read_data ? " (all read)" : "",
	    (unsigned long long)st.errors);
	cli_json_u64(c, "snapshots", st.snapshots);
	cli_json_u64(c, "packs", st.packs);
	cli_json_u64(c, "chunks", st.chunks);
	cli_json_u64(c, "packs_read", st.packs_read);
	cli_json_u64(c, "chunks_read", st.chunks_read);
	cli_json_u64(c, "errors", st.errors);
	cli_json_set(c, "problems", json_incref(f.list));
	if (r != 0) {
		/* The error answer keeps the findings. */
		r = bset_fail(c, &set, r, "backup check");
		if (c->out != NULL)
			json_object_set(c->out, "problems", f.list);
		goto out;
	}
	r = CLI_OK;
out:
	json_decref(f.list);
	bset_close(&set);
	return r;
}

struct unlocking {
	struct cli	*c;
	json_t		*list;
	uint64_t	 removed;
};

static int
one_lock(void *arg, const struct coffer_backup_lock_info *l)
{
	struct unlocking *u = arg;
	char hex[SNAP_HEX], when[40];
	time_t t = (time_t)(l->time_ns / 1000000000);
	struct tm tm;
	size_t i;

	for (i = 0; i < COFFER_SNAPSHOT_ID_BYTES; i++)
		snprintf(hex + 2 * i, 3, "%02x", l->id[i]);
	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
		snprintf(when, sizeof(when), "?");
	cli_print(u->c, "%s  %-9s  %s  host %s%s%s, pid %u  %s", hex,
	    l->exclusive ? "exclusive" : "shared", when, l->host,
	    l->device[0] ? ", device " : "", l->device, (unsigned)l->pid,
	    l->removed ? (l->stale ? "stale: removed" : "removed") :
	    "live: kept");
	json_array_append_new(u->list, json_pack("{s:s, s:b, s:s, s:s, "
	    "s:I, s:I, s:I, s:b, s:b}", "id", hex, "exclusive", l->exclusive,
	    "host", l->host, "device", l->device, "pid", (json_int_t)l->pid,
	    "time_ns", (json_int_t)l->time_ns, "expires_ns",
	    (json_int_t)l->expires_ns, "stale", l->stale, "removed",
	    l->removed));
	u->removed += l->removed != 0;
	return 0;
}

int
cmd_backup_unlock(struct cli *c)
{
	struct unlocking u = { c, json_array(), 0 };
	int all = cli_opt(c, "remove-all") != NULL;
	struct bset set;
	int r;

	if ((r = bset_open(c, &set, "backup unlock")) != CLI_OK)
		goto out;
	if (all)
		cli_note(c, "warning: --remove-all removes live locks too: a "
		    "backup or prune still running on another device is no "
		    "longer protected");
	if ((r = coffer_backup_unlock(set.repo, all, one_lock, &u)) != 0) {
		r = bset_fail(c, &set, r, "backup unlock");
		goto out;
	}
	cli_note(c, "unlock: %llu locks removed",
	    (unsigned long long)u.removed);
	cli_json_set(c, "locks", u.list);
	u.list = NULL;
	cli_json_u64(c, "removed", u.removed);
	r = CLI_OK;
out:
	json_decref(u.list);
	bset_close(&set);
	return r;
}

/* coffer backup diff|find|stats: what changed between two snapshots,
 * where a name is, and how much the snapshots hold and take (the
 * library's coffer_backup_diff, _find and _stats). */
#define _GNU_SOURCE	/* strptime */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <coffer/backup.h>
#include <coffer/err.h>

#include "cli.h"
#include "commands.h"
#include "bset.h"
#include "progress.h"

#define SNAPS_MAX	64	/* --snapshot values */

/* Resolve each of the ${n} ${specs} into ${ids}. */
static int
resolve_all(struct cli *c, struct bset *set, const char *what,
    const char *const *specs, int n, uint8_t (*ids)[COFFER_SNAPSHOT_ID_BYTES])
{
	int i, r;

	for (i = 0; i < n; i++)
		if ((r = coffer_backup_resolve(set->repo, specs[i],
		    ids[i])) != 0)
			return bset_fail(c, set, r, what);
	return CLI_OK;
}

static void
fmt_size(char *buf, size_t size, int type, uint64_t n)
{
	if (type == COFFER_BACKUP_FILE || type == COFFER_BACKUP_HARDLINK)
		cli_fmt_bytes(buf, size, (double)n);
	else
		snprintf(buf, size, "-");
}

/* diff */

struct dout {
	struct cli	*c;
	json_t		*list;		/* with --json */
};

static int
on_change(void *arg, const struct coffer_backup_change *ch)
{
	struct dout *d = arg;
	char o[32], n[32], sz[80], what[2] = { (char)ch->what, '\0' };
	int dir = ch->type == COFFER_BACKUP_DIR;

	if (d->list != NULL)
		json_array_append_new(d->list, json_pack("{s:s, s:s, s:s, "
		    "s:s, s:I, s:I}", "path", ch->path, "change", what,
		    "type", bset_type_name(ch->type), "old_type",
		    ch->old_type ? bset_type_name(ch->old_type) : "",
		    "old_size", (json_int_t)ch->old_size, "new_size",
		    (json_int_t)ch->new_size));
	fmt_size(o, sizeof(o), ch->old_type, ch->old_size);
	fmt_size(n, sizeof(n), ch->type, ch->new_size);
	if (ch->what == COFFER_DIFF_ADDED)
		snprintf(sz, sizeof(sz), "%s", n);
	else if (ch->what == COFFER_DIFF_REMOVED)
		snprintf(sz, sizeof(sz), "%s", o);
	else if (ch->what == COFFER_DIFF_META)
		snprintf(sz, sizeof(sz), "%s", n);
	else
		snprintf(sz, sizeof(sz), "%s -> %s", o, n);
	cli_print(d->c, "%c  /%s%s  (%s)", ch->what, ch->path, dir ? "/" : "",
	    sz);
	return 0;
}

int
cmd_backup_diff(struct cli *c)
{
	struct coffer_backup_diff_stats st;
	uint8_t ids[2][COFFER_SNAPSHOT_ID_BYTES];
	struct dout d = { c, c->json ? json_array() : NULL };
	char a[SNAP_HEX], b[SNAP_HEX], add[32], rem[32];
	struct bset set;
	int r;

	if ((r = bset_open(c, &set, "backup diff")) != CLI_OK ||
	    (r = resolve_all(c, &set, "backup diff",
	    (const char *const *)c->pos, 2, ids)) != CLI_OK)
		goto out;
	bset_snap_hex(a, ids[0]);
	bset_snap_hex(b, ids[1]);
	cli_print(c, "comparing snapshot %.8s to %.8s:", a, b);
	if ((r = coffer_backup_diff(set.repo, ids[0], ids[1], on_change, &d,
	    &st)) != 0) {
		r = bset_fail(c, &set, r, "backup diff");
		goto out;
	}
	cli_fmt_bytes(add, sizeof(add), (double)st.bytes_added);
	cli_fmt_bytes(rem, sizeof(rem), (double)st.bytes_removed);
	cli_print(c, "\nFiles:   %" PRIu64 " new, %" PRIu64 " removed, %"
	    PRIu64 " changed", st.files_added, st.files_removed,
	    st.files_changed);
	cli_print(c, "Dirs:    %" PRIu64 " new, %" PRIu64 " removed, %"
	    PRIu64 " changed", st.dirs_added, st.dirs_removed,
	    st.dirs_changed);
	cli_print(c, "Others:  %" PRIu64 " new, %" PRIu64 " removed, %"
	    PRIu64 " changed", st.others_added, st.others_removed,
	    st.others_changed);
	cli_print(c, "Added:   %s\nRemoved: %s", add, rem);
	cli_json_set(c, "from", json_string(a));
	cli_json_set(c, "to", json_string(b));
	cli_json_set(c, "changes", d.list);
	d.list = NULL;
	cli_json_set(c, "summary", json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, "
	    "s:I, s:I, s:I, s:I, s:I}",
	    "files_added", (json_int_t)st.files_added,
	    "files_removed", (json_int_t)st.files_removed,
	    "files_changed", (json_int_t)st.files_changed,
	    "dirs_added", (json_int_t)st.dirs_added,
	    "dirs_removed", (json_int_t)st.dirs_removed,
	    "dirs_changed", (json_int_t)st.dirs_changed,
	    "others_added", (json_int_t)st.others_added,
	    "others_removed", (json_int_t)st.others_removed,
	    "others_changed", (json_int_t)st.others_changed,
	    "bytes_added", (json_int_t)st.bytes_added,
	    "bytes_removed", (json_int_t)st.bytes_removed));
	r = CLI_OK;
out:
	json_decref(d.list);
	bset_close(&set);
	return r;
}

/* find */

struct fout {
	struct cli	*c;
	json_t		*list;
	uint64_t	 n;
};

static int
on_found(void *arg, const struct coffer_backup_snapshot *s,
    const struct coffer_backup_entry *e)
{
	struct fout *f = arg;
	time_t t = (time_t)(e->mtime_ns / 1000000000);
	char hex[SNAP_HEX], when[32], size[32];
	struct tm tm;

	bset_snap_hex(hex, s->id);
	f->n++;
	if (f->list != NULL)
		json_array_append_new(f->list, json_pack("{s:s, s:s, s:s, s:I, "
		    "s:I, s:s?}", "snapshot", hex, "path", e->path, "type",
		    bset_type_name(e->type), "size", (json_int_t)e->size,
		    "mtime", (json_int_t)t, "target", e->target));
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S",
	    localtime_r(&t, &tm));
	fmt_size(size, sizeof(size), e->type, e->size);
	cli_print(f->c, "%.8s  %-8s %10s  %s  /%s%s%s", hex,
	    bset_type_name(e->type), size, when, e->path,
	    e->target != NULL ? " -> " : "", e->target != NULL ? e->target :
	    "");
	return 0;
}

/* --${name} as a local time ("2026-12-01", "2026-12-01 14:30" or with
 * seconds) into *${ns}; left alone when absent. */
static int
opt_time(struct cli *c, const char *name, int64_t *ns)
{
	static const char *const fmts[] = { "%Y-%m-%d %H:%M:%S",
	    "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d" };
	const char *v = cli_opt(c, name), *end;
	struct tm tm;
	time_t t;
	size_t i;

	if (v == NULL)
		return CLI_OK;
	for (i = 0; i < sizeof(fmts) / sizeof(fmts[0]); i++) {
		memset(&tm, 0, sizeof(tm));
		tm.tm_isdst = -1;
		if ((end = strptime(v, fmts[i], &tm)) != NULL && *end == '\0' &&
		    (t = mktime(&tm)) != (time_t)-1) {
			*ns = (int64_t)t * 1000000000;
			return CLI_OK;
		}
	}
	return cli_usage(c, "option '--%s': '%s' is not a time like "
	    "2026-12-01 or '2026-12-01 14:30'", name, v);
}

int
cmd_backup_find(struct cli *c)
{
	struct coffer_backup_find_options o;
	uint8_t ids[SNAPS_MAX][COFFER_SNAPSHOT_ID_BYTES];
	const char *specs[SNAPS_MAX];
	const char *spec;
	size_t it = 0;
	struct fout f = { c, c->json ? json_array() : NULL, 0 };
	struct bset set;
	int n, r;

	memset(&set, 0, sizeof(set));
	memset(&o, 0, sizeof(o));
	o.patterns = (const char *const *)c->pos;
	o.npatterns = (size_t)c->npos;
	o.ignore_case = cli_opt(c, "ignore-case") != NULL;
	o.host = cli_opt(c, "host");
	o.path = cli_opt(c, "path");
	if ((r = opt_time(c, "newer", &o.newer_ns)) != CLI_OK ||
	    (r = opt_time(c, "older", &o.older_ns)) != CLI_OK)
		goto out;
	n = 0;
	while ((spec = cli_opt_next(c, "snapshot", &it)) != NULL) {
		if (n == SNAPS_MAX) {
			r = cli_usage(c, "more than %d snapshots", SNAPS_MAX);
			goto out;
		}
		specs[n++] = spec;
	}
	if ((r = bset_open(c, &set, "backup find")) != CLI_OK ||
	    (r = resolve_all(c, &set, "backup find", specs, n, ids)) != CLI_OK)
		goto out;
	if ((r = coffer_backup_find(set.repo,
	    (const uint8_t (*)[COFFER_SNAPSHOT_ID_BYTES])ids, (size_t)n, &o,
	    on_found, &f)) != 0) {
		r = bset_fail(c, &set, r, "backup find");
		goto out;
	}
	cli_note(c, "%" PRIu64 " match%s", f.n, f.n == 1 ? "" : "es");
	cli_json_set(c, "matches", f.list);
	f.list = NULL;
	r = CLI_OK;
out:
	json_decref(f.list);
	bset_close(&set);
	return r;
}

/* stats */

static json_t *
stats_show(struct cli *c, const char *label,
    const struct coffer_backup_stats *st)
{
	char logical[32], raw[32], stored[32], repo[32];
	double dedup = st->raw_bytes ? (double)st->bytes /
	    (double)st->raw_bytes : 0, comp = st->stored_bytes ?
	    (double)st->raw_bytes / (double)st->stored_bytes : 0;

	cli_fmt_bytes(logical, sizeof(logical), (double)st->bytes);
	cli_fmt_bytes(raw, sizeof(raw), (double)st->raw_bytes);
	cli_fmt_bytes(stored, sizeof(stored), (double)st->stored_bytes);
	cli_print(c, "%s: %" PRIu64 " files, %" PRIu64 " folders, %s; %"
	    PRIu64 " chunks, %s unique, %s stored; dedup %.2f, "
	    "compression %.2f", label, st->files, st->dirs, logical,
	    st->chunks + st->trees, raw, stored, dedup, comp);
	if (st->repo_packs > 0) {
		cli_fmt_bytes(repo, sizeof(repo), (double)st->repo_bytes);
		cli_print(c, "repository: %" PRIu64 " packs, %s", st->repo_packs,
		    repo);
	}
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:f, "
	    "s:f}", "snapshots", (json_int_t)st->snapshots,
	    "files", (json_int_t)st->files, "dirs", (json_int_t)st->dirs,
	    "bytes", (json_int_t)st->bytes,
	    "chunks", (json_int_t)st->chunks, "trees", (json_int_t)st->trees,
	    "raw_bytes", (json_int_t)st->raw_bytes,
	    "stored_bytes", (json_int_t)st->stored_bytes,
	    "dedup_ratio", dedup, "compression_ratio", comp);
}

struct sout {
	struct cli	*c;
	json_t		*list;
};

static int
on_stats(void *arg, const struct coffer_backup_snapshot *s,
    const struct coffer_backup_stats *st)
{
	struct sout *so = arg;
	char hex[SNAP_HEX], label[32];
	json_t *j;

	bset_snap_hex(hex, s->id);
	snprintf(label, sizeof(label), "snapshot %.8s", hex);
	j = stats_show(so->c, label, st);
	json_object_set_new(j, "snapshot", json_string(hex));
	json_array_append_new(so->list, j);
	return 0;
}

int
cmd_backup_stats(struct cli *c)
{
	struct coffer_backup_stats total;
	uint8_t ids[SNAPS_MAX][COFFER_SNAPSHOT_ID_BYTES];
	struct sout so = { c, json_array() };
	char label[48];
	struct bset set;
	json_t *j;
	int r;

	memset(&set, 0, sizeof(set));
	if (c->npos > SNAPS_MAX) {
		r = cli_usage(c, "at most %d snapshots", SNAPS_MAX);
		goto out;
	}
	if ((r = bset_open(c, &set, "backup stats")) != CLI_OK ||
	    (r = resolve_all(c, &set, "backup stats",
	    (const char *const *)c->pos, c->npos, ids)) != CLI_OK)
		goto out;
	if ((r = coffer_backup_stats(set.repo,
	    (const uint8_t (*)[COFFER_SNAPSHOT_ID_BYTES])ids, (size_t)c->npos,
	    on_stats, &so, &total)) != 0) {
		r = bset_fail(c, &set, r, "backup stats");
		goto out;
	}
	snprintf(label, sizeof(label), "total (%" PRIu64 " snapshot%s)",
	    total.snapshots, total.snapshots == 1 ? "" : "s");
	j = stats_show(c, label, &total);
	if (c->npos == 0) {
		json_object_set_new(j, "repo_bytes",
		    json_integer((json_int_t)total.repo_bytes));
		json_object_set_new(j, "repo_packs",
		    json_integer((json_int_t)total.repo_packs));
	}
	cli_json_set(c, "snapshots", so.list);
	so.list = NULL;
	cli_json_set(c, "total", j);
	r = CLI_OK;
out:
	json_decref(so.list);
	bset_close(&set);
	return r;
}

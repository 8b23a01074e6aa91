/* A backup set opened for a command (bset.h): the client, the set's store
 * and zone key, the repository with its cache in HOME/cache/backup/SET;
 * and a snapshot as the backup commands show it. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <coffer/backup.h>
#include <coffer/err.h>

#include "bset.h"
#include "progress.h"
#include "session.h"

#define SET_MAX		64

/* A set name becomes a folder name: letters, digits, '.', '_', '-'. */
static int
check_set(struct cli *c, const char *s)
{
	size_t i, n = strlen(s);

	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' &&
		    s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') ||
		    s[i] == '_' || s[i] == '-' || (s[i] == '.' && i > 0)))
			break;
	if (n == 0 || n > SET_MAX || i < n)
		return cli_usage(c, "option '--set': '%s' is not a set name "
		    "(1 to %d letters, digits, '.', '_', '-'; not starting "
		    "with '.')", s, SET_MAX);
	return CLI_OK;
}

/* mkdir ${path} 0700 unless it exists. */
static int
mkdir_one(struct cli *c, const char *path)
{
	if (mkdir(path, 0700) != 0 && errno != EEXIST)
		return cli_failf(c, "creating %s: %s", path, strerror(errno));
	return CLI_OK;
}

void
bset_close(struct bset *b)
{
	coffer_backup_close(&b->repo);
	while (b->nkeys > 0)
		coffer_key_free(&b->keys[--b->nkeys]);
	coffer_client_backup_store_close(&b->store);
	coffer_client_free(&b->cl);
}

/* What this device's memory of the set says the server did: on stderr
 * whatever --quiet and --json say, so that no script misses it. */
static void
bset_warn(void *arg, const char *msg)
{
	struct bset *b = arg;

	b->warnings++;
	fprintf(stderr, "coffer: WARNING (the server's doing): %s\n", msg);
}

int
bset_open(struct cli *c, struct bset *b, const char *what)
{
	static const char *const parents[] = { "cache", "cache/backup" };
	struct coffer_backup_signer signer;
	char dir[4096];
	size_t i;
	int r;

	memset(b, 0, sizeof(*b));
	if ((b->name = cli_opt(c, "set")) == NULL)
		b->name = "default";
	if ((r = check_set(c, b->name)) != CLI_OK)
		return r;
	if ((r = cli_client_open(c, &b->cl)) != CLI_OK)
		return r;
	if ((r = coffer_client_backup_store(b->cl, b->name, &b->store)) != 0 ||
	    (r = coffer_client_backup_keys(b->cl, b->name, b->keys,
	    COFFER_BACKUP_KEYS_MAX, &b->nkeys)) != 0)
		return cli_client_fail(c, b->cl, r, what);
	/* The client made the home; the cache's parents are ours. */
	for (i = 0; i < sizeof(parents) / sizeof(parents[0]); i++) {
		snprintf(dir, sizeof(dir), "%s/%s", c->home, parents[i]);
		if ((r = mkdir_one(c, dir)) != CLI_OK)
			return r;
	}
	if ((size_t)snprintf(dir, sizeof(dir), "%s/cache/backup/%s", c->home,
	    b->name) >= sizeof(dir))
		return cli_failf(c, "%s: home folder path too long", what);
	/* A failed open may still hand back a handle that names the object
	 * at fault (a truncated index segment, say); bset_close frees it. */
	if ((r = coffer_backup_open(&b->repo, &b->store,
	    (const struct coffer_key *const *)b->keys, b->nkeys, dir)) != 0)
		return cli_fail(c, r, what, b->repo != NULL &&
		    *coffer_backup_error_detail(b->repo) != '\0' ?
		    coffer_backup_error_detail(b->repo) : dir);
	/* Forgets are signed with the account key; FORGET refs count when
	 * signed by one the verified device list names. */
	if ((r = coffer_client_backup_signer(b->cl, b->name, &signer)) != 0 ||
	    (r = coffer_backup_set_signer(b->repo, &signer)) != 0)
		return cli_client_fail(c, b->cl, r, what);
	coffer_backup_set_warn(b->repo, bset_warn, b);
	return CLI_OK;
}

int
bset_fail(struct cli *c, const struct bset *b, int r, const char *what)
{
	return cli_fail(c, r, what, coffer_backup_error_detail(b->repo));
}

void
bset_snap_hex(char *out, const uint8_t id[COFFER_SNAPSHOT_ID_BYTES])
{
	cli_hex(out, id, COFFER_SNAPSHOT_ID_BYTES);
}

json_t *
bset_snap_show(struct cli *c, const struct coffer_backup_snapshot *s,
    const char *prefix, const char *suffix)
{
	char hex[SNAP_HEX], when[32], size[32], paths[1024];
	time_t t = (time_t)(s->time_ns / 1000000000);
	json_t *jp = json_array();
	struct tm tm;
	size_t i, n = 0;

	bset_snap_hex(hex, s->id);
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S",
	    localtime_r(&t, &tm));
	cli_fmt_bytes(size, sizeof(size), (double)s->bytes);
	paths[0] = '\0';
	for (i = 0; i < s->npaths; i++) {
		json_array_append_new(jp, json_string(s->paths[i]));
		if (n < sizeof(paths))
			n += (size_t)snprintf(paths + n, sizeof(paths) - n,
			    "%s%s", i ? " " : "", s->paths[i]);
	}
	cli_print(c, "%s%s  %s  %-16s %9s  %s%s", prefix, hex, when,
	    s->host != NULL ? s->host : "", size, paths, suffix);
	return json_pack("{s:s, s:I, s:s, s:o, s:I, s:I, s:I}", "id", hex,
	    "time", (json_int_t)(s->time_ns / 1000000000), "host",
	    s->host != NULL ? s->host : "", "paths", jp, "files",
	    (json_int_t)s->files, "dirs", (json_int_t)s->dirs, "bytes",
	    (json_int_t)s->bytes);
}

const char *
bset_type_name(int type)
{
	static const char *const names[] = { "?", "file", "dir", "symlink",
	    "fifo", "chardev", "blockdev", "socket", "hardlink" };

	return type > 0 && (size_t)type < sizeof(names) / sizeof(names[0]) ?
	    names[type] : names[0];
}

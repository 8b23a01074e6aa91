/* coffer: the command-line device client. One table of commands: the
 * parser, `coffer help` and every command's --help come from it. */
#include <stdio.h>
#include <string.h>

#include <coffer/category.h>
#include <coffer/err.h>
#include <coffer/key.h>
#include <coffer/version.h>

#include "cli.h"
#include "commands.h"

static int cmd_help(struct cli *);
static int cmd_version(struct cli *);
static int cmd_categories(struct cli *);

static const struct cli_opt login_opts[] = {
	{ "login", "NAME", "the login name (else $COFFER_LOGIN, or asked)",
	    0 },
	{ "password-file", "FILE", "the password is its first line (else "
	    "$COFFER_PASSWORD)", 0 },
	{ NULL, NULL, NULL, 0 },
};

#define CATEGORY_OPT { "category", "NAME", "the record category "	\
	    "(see 'coffer categories')", 1 }
#define SET_OPT { "set", "NAME", "the backup set (default: default)", 0 }

static const struct cli_opt record_put_opts[] = {
	CATEGORY_OPT,
	{ "data", "TEXT", "the record's payload (default: standard input)", 0 },
	{ NULL, NULL, NULL, 0 },
};
static const struct cli_opt record_opts[] = {
	CATEGORY_OPT,
	{ NULL, NULL, NULL, 0 },
};
static const struct cli_opt set_opts[] = {
	SET_OPT,
	{ NULL, NULL, NULL, 0 },
};
#define DRY_RUN_OPT { "dry-run", NULL, "only say what would be done", 0 }
#define RETRY_LOCK_OPT { "retry-lock", "DURATION", "wait up to DURATION "\
	"(seconds, or with s, m or h) for a conflicting lock (default: "\
	"fail at once)", 0 }

static const struct cli_opt create_opts[] = {
	SET_OPT,
	RETRY_LOCK_OPT,
	{ "exclude", "PATTERN", "leave out what PATTERN matches (restic's "
	    "globs, ** across folders)", CLI_REPEAT },
	{ "iexclude", "PATTERN", "the same, ignoring the case of letters",
	    CLI_REPEAT },
	{ "exclude-file", "FILE", "the patterns in FILE, one a line",
	    CLI_REPEAT },
	{ "iexclude-file", "FILE", "the same, ignoring case", CLI_REPEAT },
	{ "exclude-caches", NULL, "leave out the contents of folders with a "
	    "valid CACHEDIR.TAG", 0 },
	{ "exclude-if-present", "NAME[:TEXT]", "leave out the contents of "
	    "folders holding file NAME (that starts with TEXT)", CLI_REPEAT },
	{ "one-file-system", NULL, "do not cross into other file systems",
	    0 },
	{ "files-from", "FILE", "also back up the paths (or globs) in FILE, "
	    "one a line", CLI_REPEAT },
	{ "files-from-verbatim", "FILE", "the paths in FILE as they are, "
	    "one a line", CLI_REPEAT },
	{ "files-from-raw", "FILE", "the paths in FILE, separated by NUL "
	    "bytes", CLI_REPEAT },
	{ NULL, NULL, NULL, 0 },
};
static const struct cli_opt restore_opts[] = {
	SET_OPT,
	{ "target", "DIR", "restore into DIR (created if missing)", 1 },
	{ NULL, NULL, NULL, 0 },
};
static const struct cli_opt find_opts[] = {
	SET_OPT,
	{ "snapshot", "ID", "search only snapshot ID (an id, a prefix or "
	    "'latest')", CLI_REPEAT },
	{ "host", "HOST", "search only the snapshots of HOST", 0 },
	{ "path", "PATH", "search only the snapshots that backed up PATH", 0 },
	{ "ignore-case", NULL, "patterns match whatever the case", 0 },
	{ "newer", "TIME", "only entries modified after TIME (local, "
	    "2026-12-01 or '2026-12-01 14:30')", 0 },
	{ "older", "TIME", "only entries modified before TIME", 0 },
	{ NULL, NULL, NULL, 0 },
};

static const struct cli_opt forget_opts[] = {
	SET_OPT,
	{ "keep-last", "N", "keep the N newest snapshots", 0 },
	{ "keep-hourly", "N", "keep the newest of each of the last N hours", 0 },
	{ "keep-daily", "N", "keep the newest of each of the last N days", 0 },
	{ "keep-weekly", "N", "keep the newest of each of the last N weeks",
	    0 },
	{ "keep-monthly", "N", "keep the newest of each of the last N "
	    "months", 0 },
	{ "keep-yearly", "N", "keep the newest of each of the last N years",
	    0 },
	DRY_RUN_OPT,
	RETRY_LOCK_OPT,
	{ NULL, NULL, NULL, 0 },
};
static const struct cli_opt prune_opts[] = {
	SET_OPT,
	DRY_RUN_OPT,
	RETRY_LOCK_OPT,
	{ NULL, NULL, NULL, 0 },
};
static const struct cli_opt unlock_opts[] = {
	SET_OPT,
	{ "remove-all", NULL, "remove every lock, live ones too", 0 },
	{ NULL, NULL, NULL, 0 },
};
static const struct cli_opt approve_opts[] = {
	{ "code", "CODE", "the pairing code the new device shows (else "
	    "asked)", 0 },
	{ NULL, NULL, NULL, 0 },
};
static const struct cli_opt device_list_opts[] = {
	{ "check", NULL, "show the changes without marking them seen; exit 1 "
	    "if there are any, or a refused list", 0 },
	{ NULL, NULL, NULL, 0 },
};
static const struct cli_opt remove_opts[] = {
	{ "yes", NULL, "do not ask for confirmation", 0 },
	{ NULL, NULL, NULL, 0 },
};
static const struct cli_opt check_opts[] = {
	SET_OPT,
	{ "read-data", NULL, "also download and verify every chunk", 0 },
	RETRY_LOCK_OPT,
	{ "no-lock", NULL, "take no lock (a prune running meanwhile shows "
	    "as damage)", 0 },
	{ NULL, NULL, NULL, 0 },
};

static const struct cli_cmd cmds[] = {
	{ "help", NULL, "[COMMAND [SUBCOMMAND]]", 0, 2, NULL,
	    "list the commands, or explain one",
	    "Without an argument, list every command with a one-line summary\n"
	    "and the global options. With a command, print its usage, what it\n"
	    "does and its options.", cmd_help, 0 },
	{ "version", NULL, NULL, 0, 0, NULL,
	    "print the version of coffer and libcoffer",
	    "Print the version of this program and of the libcoffer library\n"
	    "it runs with.", cmd_version, 0 },
	{ "categories", NULL, NULL, 0, 0, NULL,
	    "list the data categories and how each is protected",
	    "List the data categories (id, name, protection class, title).\n"
	    "A record's category decides which key encrypts it.",
	    cmd_categories, 0 },
	{ "selftest", NULL, NULL, 0, 0, NULL,
	    "check this build's cryptography on this machine",
	    "Exercise the cryptographic core (envelopes, signatures, recovery\n"
	    "keys, keystores, the keychain, streams) and print one line per\n"
	    "step. Exits 1 if a step fails.", cmd_selftest, 0 },
	{ "account", "create", NULL, 0, 0, login_opts,
	    "create an account and enrol this device as its first",
	    "Create an account on the server (OPAQUE: the server never sees\n"
	    "the password), make this device's keys, the account's keychain and\n"
	    "its signed device list, and sign in. The password is asked twice\n"
	    "on the terminal unless --password-file or COFFER_PASSWORD gives\n"
	    "it. The home remembers the server: later commands need no\n"
	    "--server.",
	    cmd_account_create, CLI_SERVER },
	{ "account", "login", NULL, 0, 0, login_opts,
	    "sign in to an existing account",
	    "Sign in with the account's login name and password, and bind the\n"
	    "session to this device. A device the account's device list does\n"
	    "not hold pairs: it prints a one-time code and the command to run\n"
	    "on a trusted device ('coffer device approve --code CODE'), then\n"
	    "waits (up to 10 minutes; Ctrl-C cancels) and ends with 'this\n"
	    "device is approved'. With --json the code comes first, as a line\n"
	    "of its own. A new --server is remembered by the home once sign-in\n"
	    "there succeeds.",
	    cmd_account_login, CLI_SERVER },
	{ "account", "logout", NULL, 0, 0, NULL,
	    "sign out of the server",
	    "End the session on the server and forget it on this device. The\n"
	    "device keys stay in the home folder.", cmd_account_logout,
	    CLI_SERVER },
	{ "account", "status", NULL, 0, 0, NULL,
	    "show the account, the device and the session",
	    "Show the server, the login name, the account and device ids,\n"
	    "whether this device is trusted (listed in the device list),\n"
	    "waiting for approval (a pairing is open) or removed, and whether\n"
	    "the session is live. A home that never signed in says so.",
	    cmd_account_status, CLI_SERVER },
	{ "device", "list", NULL, 0, 0, device_list_opts,
	    "list the account's devices, and what changed",
	    "Check the account's signed device list, then list its devices:\n"
	    "id, name, when each was added, and which one is this device; and\n"
	    "the devices that signed in but wait for approval. Then every\n"
	    "device added, removed or renamed since this device last showed\n"
	    "the list ('added: phone, approved by laptop at ...'), which are\n"
	    "then marked seen; changes this device made count as seen. A\n"
	    "device list the server showed and this device refused is shown\n"
	    "as a warning. With --check nothing is marked seen, and the exit\n"
	    "status is 1 if there is a change or a refused list.",
	    cmd_device_list, CLI_SERVER },
	{ "device", "remove", "ID", 1, 1, remove_opts,
	    "remove a device: it reads nothing written after",
	    "Run on a trusted device. Removes the device ID from the signed\n"
	    "device list and rolls the account's keys to a new epoch: the\n"
	    "other devices take the new keys at their next sync, and the\n"
	    "removed one keeps what it read but can read nothing written\n"
	    "after. Asks for confirmation on a terminal unless --yes. A\n"
	    "device that signed in but was never approved has its\n"
	    "registration deleted. A device cannot remove itself: remove it\n"
	    "from another trusted device.", cmd_device_remove, CLI_SERVER },
	{ "device", "rename", "[ID] NAME", 1, 2, NULL,
	    "name a device (ID, or this one)",
	    "Give the device ID (without it, this device) the name NAME, 1\n"
	    "to 64 bytes of UTF-8 without control characters. Names are\n"
	    "kept in the signed device list, encrypted: the server never\n"
	    "reads them.", cmd_device_rename, CLI_SERVER },
	{ "device", "approve", "[ID]", 0, 1, approve_opts,
	    "let a new device read the account's data",
	    "Run on a trusted device, with the code the new device shows\n"
	    "('coffer account login' there). The two devices prove to each\n"
	    "other that they know the code (CPace, over the server, which never\n"
	    "learns it); then this device adds the new one to the signed device\n"
	    "list and grants it the account's keys. ID names the new device\n"
	    "when more than one waits ('coffer device list'). Without --code\n"
	    "the code is asked on the terminal. A wrong code ends the pairing:\n"
	    "start again on the new device.",
	    cmd_device_approve,
	    CLI_SERVER },
	{ "record", "put", "[ID]", 0, 1, record_put_opts,
	    "store a record (new, or replacing ID)",
	    "Encrypt the payload (--data TEXT, or standard input) under the\n"
	    "category's key and store it. Prints the record's id. With ID,\n"
	    "replace that record.", cmd_record_put, CLI_SERVER },
	{ "record", "get", "ID", 1, 1, record_opts,
	    "write a record's payload to standard output",
	    "Fetch, authenticate and decrypt the record ID and write its\n"
	    "payload, unchanged, to standard output.", cmd_record_get,
	    CLI_SERVER },
	{ "record", "list", NULL, 0, 0, record_opts,
	    "list the records of a category",
	    "List the records of the category, one per line: id and size.",
	    cmd_record_list, CLI_SERVER },
	{ "record", "delete", "ID", 1, 1, record_opts,
	    "delete a record",
	    "Delete the record ID on the server.", cmd_record_delete,
	    CLI_SERVER },
	{ "sync", NULL, NULL, 0, 0, NULL,
	    "fetch what changed on the server since the last sync",
	    "Check the account's signed device list, then bring the keychain\n"
	    "and every zone this device knows up to date from their change\n"
	    "feeds, checking every record. Prints how many records\n"
	    "changed and in how many zones ('sync: 3 changes in 2 zones'), or\n"
	    "'sync: up to date'.",
	    cmd_sync, CLI_SERVER },
	{ "backup", "create", "[PATH...]", 0, -1, create_opts,
	    "back up files and folders; prints the snapshot id",
	    "Back up each PATH (files, folders, links, owners, times, xattrs)\n"
	    "and those --files-from* lists (\"-\": standard input) into the\n"
	    "backup set: chunks are deduplicated, compressed, encrypted and\n"
	    "packed on this device; unchanged files are skipped by the local\n"
	    "cache. The snapshot's top level holds each path's last component.\n"
	    "Options given again add up. Patterns are restic's, matched\n"
	    "against each entry's absolute path: '*', '?' and '[...]' within a\n"
	    "component, '**' for any number of folders; without a '/' a\n"
	    "pattern matches a name at any depth, with a leading '/' it is\n"
	    "anchored at the root, with a trailing '/' it matches folders\n"
	    "only. Pattern files: a pattern a line, spaces around it trimmed,\n"
	    "blank lines and '#' comments skipped, $NAME expanded ($$ for $).\n"
	    "What is left out is never read. Shows progress on a terminal.\n"
	    "Ctrl-C stops cleanly: the next run reuses what was stored.",
	    cmd_backup_create, CLI_SERVER },
	{ "backup", "list", NULL, 0, 0, set_opts,
	    "list the snapshots of a backup set",
	    "List the snapshots: id, time, host and paths, oldest first.",
	    cmd_backup_list, CLI_SERVER },
	{ "backup", "ls", "SNAP [PATH]", 1, 2, set_opts,
	    "list the files of a snapshot",
	    "List every entry of the snapshot SNAP (an id, a unique prefix\n"
	    "of at least 8 hex digits, or 'latest'), or only those below PATH\n"
	    "in it: type, mode, size, time and path.",
	    cmd_backup_ls, CLI_SERVER },
	{ "backup", "restore", "SNAP [PATH]", 1, 2, restore_opts,
	    "restore a snapshot into a folder",
	    "Restore the snapshot SNAP (an id, a unique prefix, or 'latest'),\n"
	    "or only PATH in it, into DIR: every chunk is verified before it\n"
	    "is written, metadata restored. Shows progress on a terminal.\n"
	    "Ctrl-C stops cleanly.", cmd_backup_restore, CLI_SERVER },
	{ "backup", "forget", NULL, 0, 0, forget_opts,
	    "drop snapshots by a keep policy",
	    "Remove the snapshots that no --keep-* rule keeps (restic's rules:\n"
	    "periods in local time, ISO weeks; at least one rule is needed).\n"
	    "Prints each snapshot with keep or remove and the rules that kept\n"
	    "it. The data stays until 'coffer backup prune'.",
	    cmd_backup_forget, CLI_SERVER },
	{ "backup", "prune", NULL, 0, 0, prune_opts,
	    "delete the data no snapshot uses",
	    "Delete the packs no snapshot uses and repack those mostly unused,\n"
	    "then rewrite the index. New data is stored before anything is\n"
	    "deleted, so an interrupted prune leaves every snapshot readable.",
	    cmd_backup_prune, CLI_SERVER },
	{ "backup", "check", NULL, 0, 0, check_opts,
	    "verify the repository",
	    "Verify the repository: every snapshot, tree, index segment and\n"
	    "pack; with --read-data, download and verify every chunk. Prints\n"
	    "each finding; exits 1 if any is damage. Blobs of the set that no\n"
	    "index names (orphans) are information: prune removes them.",
	    cmd_backup_check, CLI_SERVER },
	{ "backup", "unlock", NULL, 0, 0, unlock_opts,
	    "remove stale locks",
	    "List the backup set's locks and remove the stale ones: expired\n"
	    "by this device's clock, or written on this host by a process\n"
	    "that is gone. --remove-all removes every lock: a backup or prune\n"
	    "still running elsewhere then runs unprotected.",
	    cmd_backup_unlock, CLI_SERVER },
	{ "backup", "diff", "SNAP1 SNAP2", 2, 2, set_opts,
	    "show what changed between two snapshots",
	    "Compare snapshot SNAP1 with SNAP2 (ids, unique prefixes or\n"
	    "'latest') and print one line per entry: + added, - removed,\n"
	    "M content changed, T type changed, U metadata only (mode, owner,\n"
	    "times, xattrs), with sizes; then how many files, folders and\n"
	    "others were added, removed and changed, and the bytes of chunks\n"
	    "only the changed entries of one side hold. Folders whose\n"
	    "contents are identical are skipped without being downloaded.",
	    cmd_backup_diff, CLI_SERVER },
	{ "backup", "find", "PATTERN...", 1, -1, find_opts,
	    "find files by name in snapshots",
	    "Search every snapshot (or those given with --snapshot, --host,\n"
	    "--path) for entries whose name matches a PATTERN (a glob: * ?\n"
	    "[...]); a PATTERN with a '/' is matched against the whole path\n"
	    "(/data/*.jpg). Prints snapshot, type, size, time and path of\n"
	    "each match. A folder shared by snapshots is downloaded once.",
	    cmd_backup_find, CLI_SERVER },
	{ "backup", "stats", "[SNAP...]", 0, -1, set_opts,
	    "show the sizes of snapshots and their deduplication",
	    "For each SNAP (without any: every snapshot) and for them all:\n"
	    "files, folders, logical size (the sum of file sizes, what a\n"
	    "restore writes), distinct chunks, their unique plaintext (raw\n"
	    "data) and stored size (a chunk shared by snapshots counts once),\n"
	    "the dedup ratio (logical / unique) and compression ratio (unique\n"
	    "/ stored). Without SNAP also the repository's packs and their\n"
	    "size on the server.",
	    cmd_backup_stats, CLI_SERVER },
	{ "backup", "mount", "MOUNTPOINT", 1, 1, set_opts,
	    "browse the snapshots as read-only folders (FUSE)",
	    "Mount the backup set read-only on the empty folder MOUNTPOINT:\n"
	    "ids/ID/ holds each snapshot's files, snapshots/TIME and\n"
	    "snapshots/latest link to them, hosts/HOST/TIME too. Files are\n"
	    "read on demand, chunk by chunk, each chunk verified before a\n"
	    "byte of it is returned (a damaged one reads as an I/O error).\n"
	    "Runs in the foreground until unmounted (fusermount3 -u\n"
	    "MOUNTPOINT) or interrupted (Ctrl-C unmounts). Snapshots made\n"
	    "after the mount appear at the next mount.",
	    cmd_backup_mount, CLI_SERVER },
};
static const size_t ncmds = sizeof(cmds) / sizeof(cmds[0]);

static int
cmd_help(struct cli *c)
{
	if (c->npos == 0) {
		cli_help_all(c, cmds, ncmds);
		return CLI_OK;
	}
	c->cmd = NULL;	/* a usage error here is about the whole program */
	return cli_help_cmd(c, cmds, ncmds, c->pos[0], c->npos > 1 ?
	    c->pos[1] : NULL);
}

static int
cmd_version(struct cli *c)
{
	cli_json_set(c, "coffer", json_string(COFFER_VERSION));
	cli_json_set(c, "libcoffer", json_string(coffer_version()));
	cli_print(c, "coffer %s (libcoffer %s)", COFFER_VERSION,
	    coffer_version());
	return CLI_OK;
}

static int
cmd_categories(struct cli *c)
{
	const struct coffer_category *k;
	size_t i, n = coffer_category_count();
	json_t *a = json_array();

	cli_print(c, "%-3s %-22s %-16s %s", "id", "name", "protection",
	    "title");
	for (i = 0; i < n; i++) {
		k = coffer_category_at(i);
		cli_print(c, "%-3u %-22s %-16s %s", (unsigned)k->id, k->name,
		    coffer_category_class_name(k->cls), k->title);
		json_array_append_new(a, json_pack("{s:i, s:s, s:s, s:s}",
		    "id", (int)k->id, "name", k->name, "protection",
		    coffer_category_class_name(k->cls), "title", k->title));
	}
	cli_json_set(c, "categories", a);
	return CLI_OK;
}

/* The row for "NAME [SUB]" at argv[0..]; *${words} tells how many
 * arguments named it. Returns NULL after a usage error. */
static const struct cli_cmd *
lookup(struct cli *c, int argc, char **argv, int *words)
{
	const char *name = argv[0], *sub = argc > 1 ? argv[1] : NULL;
	const struct cli_cmd *group = NULL;
	char subs[256];
	size_t i, n = 0;

	subs[0] = '\0';
	for (i = 0; i < ncmds; i++) {
		if (strcmp(cmds[i].name, name) != 0)
			continue;
		if (cmds[i].sub == NULL) {
			*words = 1;
			return &cmds[i];
		}
		group = &cmds[i];
		if (sub != NULL && strcmp(cmds[i].sub, sub) == 0) {
			*words = 2;
			return &cmds[i];
		}
		n += (size_t)snprintf(subs + n, n < sizeof(subs) ?
		    sizeof(subs) - n : 0, "%s%s", n ? ", " : "",
		    cmds[i].sub);
	}
	if (group == NULL)
		cli_usage(c, "unknown command '%s' (see 'coffer help')", name);
	else if (sub == NULL)
		cli_usage(c, "'coffer %s' needs a subcommand: %s", name, subs);
	else
		cli_usage(c, "unknown subcommand '%s %s' (one of: %s)", name,
		    sub, subs);
	return NULL;
}

static int
run(struct cli *c, int argc, char **argv)
{
	int used = 0, words, r;

	if ((r = cli_parse_global(c, argc, argv, &used)) == -1) {
		cli_help_all(c, cmds, ncmds);
		return CLI_OK;
	}
	if (r == -2)
		return cmd_version(c);
	if (r != CLI_OK)
		return r;
	argc -= used;
	argv += used;
	if (argc == 0)
		return cli_usage(c, "no command given");
	/* "coffer account --help": the group's help. */
	if (argc > 1 && (strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0))
		return cli_help_cmd(c, cmds, ncmds, argv[0], NULL);
	if ((c->cmd = lookup(c, argc, argv, &words)) == NULL)
		return CLI_USAGE;
	if ((r = cli_parse(c, argc - words, argv + words)) == -1)
		return cli_help_cmd(c, cmds, ncmds, c->cmd->name,
		    c->cmd->sub);
	if (r == -2)
		return cmd_version(c);
	if (r != CLI_OK)
		return r;
	if ((r = cli_defaults(c)) != CLI_OK)
		return r;
	if (coffer_init() != 0)
		return cli_fail(c, COFFER_ERR_CRYPTO, "initialising libcoffer",
		    NULL);
	return c->cmd->run(c);
}

int
main(int argc, char **argv)
{
	struct cli c;
	int r;

	memset(&c, 0, sizeof(c));
	r = run(&c, argc - 1, argv + 1);
	cli_json_flush(&c);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "coffer: writing standard output failed\n");
		return CLI_FAIL;
	}
	return r;
}

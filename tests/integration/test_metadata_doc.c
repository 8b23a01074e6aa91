/* docs/METADATA.md against what cofferd keeps: a real cofferd on a fresh
 * data folder (every migration), an account with a device and notes made
 * by the client, then the operator's view: every table and column of the
 * database (sqlite_master, PRAGMA table_info) and every entry of the data
 * folder must be in the document, parsed strictly (its "Format" section),
 * and every column it lists must exist. The same view checks what the
 * document promises: creation times kept to the day, notes of 1 and 100
 * bytes stored at one size. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sqlite3.h>

#include <coffer/client.h>

#include "client_fixture.h"

#define DOC_MAX		(256 * 1024)
#define ROWS_MAX	512
#define NAME_MAX_LEN	64
#define DAY		86400

/* One row of the document: a column (table, column) or a file (path in
 * table, column empty). */
struct row {
	char	table[NAME_MAX_LEN];
	char	column[NAME_MAX_LEN];
	int	seen;
};

struct doc {
	struct row	cols[ROWS_MAX];
	size_t		ncols;
	struct row	files[ROWS_MAX];
	size_t		nfiles;
};

static const char *const classes[] = {
	"clear", "day", "random", "signed", "hash", "keyed hash", "sealed",
	"secret",
};

static struct coffer_client *A;
static char Home[4096], Login[64];
static uint8_t Note1[16], Note100[16];

static int
setup(void **state)
{
	uint8_t hundred[100];

	memset(hundred, 'x', sizeof(hundred));
	if (client_fx_setup(state) != 0)
		return -1;
	client_fx_home(Home, sizeof(Home));
	client_fx_login(Login, sizeof(Login), "meta");
	if ((A = client_fx_open(Home)) == NULL ||
	    coffer_client_account_create(A, Login, PW("pw")) != 0 ||
	    coffer_client_record_create(A, "notes", NULL, (const uint8_t *)"x",
	    1, Note1) != 0 ||
	    coffer_client_record_create(A, "notes", NULL, hundred,
	    sizeof(hundred), Note100) != 0)
		return -1;
	return 0;
}

static int
teardown(void **state)
{
	coffer_client_free(&A);
	return client_fx_teardown(state);
}

/* `name` into ${out}: backquoted, [a-z0-9_] for a column, anything but a
 * backquote for a path. 0 or -1. */
static int
quoted(const char *cell, char out[NAME_MAX_LEN], int path)
{
	size_t n = strlen(cell), i;

	if (n < 3 || n - 2 >= NAME_MAX_LEN || cell[0] != '`' ||
	    cell[n - 1] != '`')
		return -1;
	for (i = 1; i < n - 1; i++) {
		if (cell[i] == '`' || (!path && !((cell[i] >= 'a' &&
		    cell[i] <= 'z') || (cell[i] >= '0' && cell[i] <= '9') ||
		    cell[i] == '_')))
			return -1;
		out[i - 1] = cell[i];
	}
	out[n - 2] = '\0';
	return 0;
}

/* Split the table line ${line} (NUL-terminated, no newline) into exactly
 * ${want} cells "| a | b |": each without its one space either side.
 * 0 or -1. */
static int
cells(char *line, char **cell, size_t want)
{
	size_t n = 0, len = strlen(line);
	char *p, *bar;

	if (len < 4 || strncmp(line, "| ", 2) != 0 ||
	    strcmp(line + len - 2, " |") != 0)
		return -1;
	line[len - 2] = '\0';
	for (p = line + 2; n < want; p = bar + 3) {
		cell[n++] = p;
		if (n == want || (bar = strstr(p, " | ")) == NULL)
			break;
		*bar = '\0';
	}
	if (n != want || strchr(cell[want - 1], '|') != NULL)
		return -1;
	for (n = 0; n < want; n++)
		if (cell[n][0] == '\0' || cell[n][0] == ' ' ||
		    cell[n][strlen(cell[n]) - 1] == ' ')
			return -1;
	return 0;
}

static int
is_class(const char *s)
{
	size_t i;

	for (i = 0; i < sizeof(classes) / sizeof(classes[0]); i++)
		if (strcmp(s, classes[i]) == 0)
			return 1;
	return 0;
}

/* The table under "## ${section}" of ${text} (modified): header, rule,
 * then rows up to a blank line; nothing else in the section. 0, or -1
 * with the reason in ${err}. */
static int
section(char *text, const char *section, struct doc *d, int files,
    char *err, size_t errlen)
{
	static const char *const head[2] = {
		"| table | column | readable | why |",
		"| path | readable | why |",
	};
	static const char *const rule[2] = { "|---|---|---|---|",
		"|---|---|---|" };
	char want[64], *line, *next, *c[4], name[NAME_MAX_LEN];
	size_t k, ncell = files ? 3 : 4, *n = files ? &d->nfiles : &d->ncols;
	struct row *rows = files ? d->files : d->cols;
	int state = 0;		/* 0 heading, 1 blank, 2 header, 3 rule, 4 rows */

	(void)snprintf(want, sizeof(want), "## %s", section);
	for (line = text; line != NULL; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if (state == 0) {
			if (strcmp(line, want) == 0)
				state = 1;
			continue;
		}
		if (state == 1) {
			if (line[0] == '\0')
				continue;
			if (strcmp(line, head[files]) != 0)
				goto bad;
			state = 2;
			continue;
		}
		if (state == 2) {
			if (strcmp(line, rule[files]) != 0)
				goto bad;
			state = 3;
			continue;
		}
		if (line[0] == '\0')
			break;
		if (*n == ROWS_MAX || cells(line, c, ncell) != 0 ||
		    quoted(c[0], rows[*n].table, files) != 0 ||
		    (!files && quoted(c[1], rows[*n].column, 0) != 0) ||
		    !is_class(c[ncell - 2]))
			goto bad;
		for (k = 0; k < *n; k++)
			if (strcmp(rows[k].table, rows[*n].table) == 0 &&
			    strcmp(rows[k].column, rows[*n].column) == 0)
				goto bad;
		(*n)++;
		state = 4;
	}
	if (state != 4) {
		(void)snprintf(err, errlen, "METADATA.md: no table under "
		    "\"## %s\"", section);
		return -1;
	}
	/* What follows the table is the next section. */
	while (next != NULL && *next == '\n')
		next++;
	if (next != NULL && *next != '\0' && strncmp(next, "## ", 3) != 0) {
		(void)snprintf(err, errlen, "METADATA.md: text after the table "
		    "of \"## %s\"", section);
		return -1;
	}
	return 0;
bad:
	(void)strncpy(name, line, sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	(void)snprintf(err, errlen, "METADATA.md, \"## %s\": a malformed or "
	    "repeated line: %s", section, name);
	return -1;
}

/* Parse ${text} into ${d}. 0 or -1 (reason in ${err}). */
static int
doc_parse(const char *text, struct doc *d, char *err, size_t errlen)
{
	char *a = strdup(text), *b = strdup(text);
	int r;

	if (a == NULL || b == NULL)
		abort();
	memset(d, 0, sizeof(*d));
	r = section(a, "Columns", d, 0, err, errlen) == 0 &&
	    section(b, "Files", d, 1, err, errlen) == 0 ? 0 : -1;
	free(a);
	free(b);
	return r;
}

static char *
doc_text(void)
{
	FILE *f = fopen(COFFER_SOURCE_DIR "/docs/METADATA.md", "rb");
	char *s;
	size_t n;

	if (f == NULL)
		fail_msg("docs/METADATA.md: missing");
	if ((s = malloc(DOC_MAX + 1)) == NULL)
		abort();
	n = fread(s, 1, DOC_MAX, f);
	fclose(f);
	assert_true(n < DOC_MAX);
	s[n] = '\0';
	return s;
}

static sqlite3 *
db_open(void)
{
	char path[4096];
	sqlite3 *h = NULL;

	(void)snprintf(path, sizeof(path), "%s/meta.sqlite",
	    srv_data(client_fx_server()));
	assert_int_equal(sqlite3_open_v2(path, &h, SQLITE_OPEN_READONLY,
	    NULL), SQLITE_OK);
	return h;
}

static struct row *
find(struct row *rows, size_t n, const char *table, const char *column)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(rows[i].table, table) == 0 &&
		    strcmp(rows[i].column, column) == 0)
			return &rows[i];
	return NULL;
}

/* Every column of the database is in the document, and every column the
 * document lists is in the database. */
static void
test_columns(void **state)
{
	static struct doc d;
	char err[256], *text = doc_text(), missing[4096] = "", q[128];
	sqlite3 *h = db_open();
	sqlite3_stmt *t = NULL, *c = NULL;
	struct row *r;
	size_t i, nmissing = 0, ntables = 0;
	const char *table, *col;

	(void)state;
	if (doc_parse(text, &d, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_int_equal(sqlite3_prepare_v2(h, "SELECT name FROM sqlite_master"
	    " WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"
	    " ORDER BY name", -1, &t, NULL), SQLITE_OK);
	while (sqlite3_step(t) == SQLITE_ROW) {
		table = (const char *)sqlite3_column_text(t, 0);
		ntables++;
		(void)snprintf(q, sizeof(q), "PRAGMA table_info(\"%s\")", table);
		assert_int_equal(sqlite3_prepare_v2(h, q, -1, &c, NULL),
		    SQLITE_OK);
		while (sqlite3_step(c) == SQLITE_ROW) {
			col = (const char *)sqlite3_column_text(c, 1);
			if ((r = find(d.cols, d.ncols, table, col)) != NULL) {
				r->seen = 1;
				continue;
			}
			nmissing++;
			(void)strncat(missing, " ", sizeof(missing) -
			    strlen(missing) - 1);
			(void)strncat(missing, table, sizeof(missing) -
			    strlen(missing) - 1);
			(void)strncat(missing, ".", sizeof(missing) -
			    strlen(missing) - 1);
			(void)strncat(missing, col, sizeof(missing) -
			    strlen(missing) - 1);
		}
		sqlite3_finalize(c);
	}
	sqlite3_finalize(t);
	sqlite3_close(h);
	free(text);
	assert_true(ntables >= 10);
	if (nmissing > 0)
		fail_msg("docs/METADATA.md does not list %zu column(s) of the "
		    "database:%s", nmissing, missing);
	for (i = 0; i < d.ncols; i++)
		if (!d.cols[i].seen)
			fail_msg("docs/METADATA.md lists %s.%s, which the "
			    "database does not have", d.cols[i].table,
			    d.cols[i].column);
}

/* Every entry of the data folder is in the document's files. */
static void
test_files(void **state)
{
	static struct doc d;
	char err[256], *text = doc_text(), path[512];
	DIR *dir;
	struct dirent *e;
	size_t n = 0;

	(void)state;
	if (doc_parse(text, &d, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_non_null(dir = opendir(srv_data(client_fx_server())));
	while ((e = readdir(dir)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		(void)snprintf(path, sizeof(path), "DATA/%s", e->d_name);
		if (find(d.files, d.nfiles, path, "") == NULL)
			fail_msg("docs/METADATA.md does not list the data "
			    "folder's %s", path);
		n++;
	}
	closedir(dir);
	free(text);
	assert_true(n >= 4);	/* meta.sqlite, blobs, opaque.key, lock */
}

/* The parser is strict: each line of a good document, spoilt, is
 * refused. */
static void
test_strict(void **state)
{
	static const char good[] =
	    "## Columns\n\n| table | column | readable | why |\n"
	    "|---|---|---|---|\n| `t` | `c` | clear | a reason |\n\n"
	    "## Files\n\n| path | readable | why |\n|---|---|---|\n"
	    "| `DATA/x` | keyed hash | a reason |\n";
	static const struct {
		const char	*from, *to;
	} bad[] = {
		{ "| table | column | readable | why |", "| table | column |" },
		{ "|---|---|---|---|", "|--|--|--|--|" },
		{ "`t` | `c`", "t | `c`" },
		{ "`c`", "`C`" },
		{ "`c`", "`c d`" },
		{ "| clear |", "| plain |" },
		{ "| clear | a reason |", "| clear | |" },
		{ "| clear | a reason |", "| clear | a | reason |" },
		{ "| clear | a reason |", "| clear | a reason" },
		{ "| clear | a reason |\n", "| clear | a reason |\n"
		    "| `t` | `c` | clear | twice |\n" },
		{ "| clear | a reason |\n\n", "| clear | a reason |\n\nmore\n" },
		{ "| `DATA/x` |", "| DATA/x |" },
		{ "## Files", "## Filez" },
	};
	static struct doc d;
	char err[256], text[1024], *at;
	size_t i;

	(void)state;
	assert_int_equal(doc_parse(good, &d, err, sizeof(err)), 0);
	assert_int_equal(d.ncols, 1);
	assert_int_equal(d.nfiles, 1);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_non_null(at = strstr(good, bad[i].from));
		(void)snprintf(text, sizeof(text), "%.*s%s%s",
		    (int)(at - good), good, bad[i].to,
		    at + strlen(bad[i].from));
		if (doc_parse(text, &d, err, sizeof(err)) == 0)
			fail_msg("accepted spoilt document %zu", i);
	}
}

/* What the document says of times and sizes holds: devices and zones
 * keep the day they were made; notes of 1 and 100 bytes are stored at
 * one size. */
static void
test_promises(void **state)
{
	sqlite3 *h = db_open();
	sqlite3_stmt *st = NULL;
	sqlite3_int64 size[2];
	const uint8_t *ids[2] = { Note1, Note100 };
	size_t i, n = 0;

	(void)state;
	assert_int_equal(sqlite3_prepare_v2(h, "SELECT created FROM devices"
	    " UNION ALL SELECT created FROM zones", -1, &st, NULL), SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		n++;
		if (sqlite3_column_int64(st, 0) % DAY != 0)
			fail_msg("a device or zone keeps a time finer than the "
			    "day: %lld", sqlite3_column_int64(st, 0));
	}
	sqlite3_finalize(st);
	assert_true(n >= 2);	/* the device, its keychain and notes zones */
	for (i = 0; i < 2; i++) {
		assert_int_equal(sqlite3_prepare_v2(h, "SELECT length(data)"
		    " FROM records WHERE id = ?1", -1, &st, NULL), SQLITE_OK);
		assert_int_equal(sqlite3_bind_blob(st, 1, ids[i], 16,
		    SQLITE_STATIC), SQLITE_OK);
		assert_int_equal(sqlite3_step(st), SQLITE_ROW);
		size[i] = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
	}
	sqlite3_close(h);
	if (size[0] != size[1])
		fail_msg("notes of 1 and 100 bytes are stored as %lld and %lld "
		    "bytes", (long long)size[0], (long long)size[1]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_strict),
		cmocka_unit_test(test_columns),
		cmocka_unit_test(test_files),
		cmocka_unit_test(test_promises),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

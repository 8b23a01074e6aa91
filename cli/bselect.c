/* The selection options of `coffer backup create`, read as restic reads
 * them: exclude files take a pattern a line (spaces around it trimmed,
 * blank lines and '#' comments skipped, $NAME and ${NAME} expanded from
 * the environment, $$ for a '$'); --files-from takes a path or glob a
 * line (trimmed, comments skipped, a glob that matches nothing skipped
 * with a note); --files-from-verbatim a path a line as it is (only empty
 * lines skipped); --files-from-raw NUL-separated paths. */
#include <sys/types.h>

#include <ctype.h>
#include <errno.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bselect.h"

#define LINE_MAX_BYTES	65536
#define FILE_MAX_BYTES	((size_t)64 << 20)

enum kind { K_EX, K_IEX, K_FILES, K_VERBATIM, K_RAW };

static int
list_add(struct bsel_list *l, const char *p, size_t len)
{
	char *s;

	if (l->n == l->cap) {
		size_t nc = l->cap ? 2 * l->cap : 16;
		char **nv;

		if ((nv = realloc(l->v, nc * sizeof(*nv))) == NULL)
			return -1;
		l->v = nv;
		l->cap = nc;
	}
	if ((s = malloc(len + 1)) == NULL)
		return -1;
	memcpy(s, p, len);
	s[len] = '\0';
	l->v[l->n++] = s;
	return 0;
}

static void
list_free(struct bsel_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

/* $NAME, ${NAME} (unset: empty) and $$ in p[0..len) into a new string
 * added to l. */
static int
add_expanded(struct bsel_list *l, const char *p, size_t len)
{
	char *out = NULL, *nv, name[256];
	size_t o = 0, cap = 0, i = 0, nl, vl;
	const char *v;
	int r = -1;

	while (i < len) {
		v = p + i;
		vl = 1;
		if (p[i] == '$' && i + 1 < len) {
			size_t s = i + 1, e;
			int brace = p[s] == '{';

			if (p[s] == '$') {
				vl = 1;
				i += 2;
				goto append;
			}
			e = s + (size_t)brace;
			while (e < len && (isalnum((unsigned char)p[e]) ||
			    p[e] == '_'))
				e++;
			nl = e - s - (size_t)brace;
			if (nl > 0 && nl < sizeof(name) && (!brace ||
			    (e < len && p[e] == '}'))) {
				memcpy(name, p + s + brace, nl);
				name[nl] = '\0';
				v = getenv(name);
				vl = v != NULL ? strlen(v) : 0;
				i = e + (size_t)brace;
				goto append;
			}
		}
		i++;
append:
		if (o + vl + 1 > cap) {
			cap = 2 * (o + vl + 1);
			if ((nv = realloc(out, cap)) == NULL)
				goto out;
			out = nv;
		}
		if (vl > 0)
			memcpy(out + o, v, vl);
		o += vl;
	}
	r = list_add(l, out != NULL ? out : "", o);
out:
	free(out);
	return r;
}

/* One item of a file of kind k, trimmed already where restic trims. */
static int
one_item(struct cli *c, struct bsel *s, enum kind k, const char *p,
    size_t len, const char *file)
{
	char *pat;
	glob_t g;
	size_t i;
	int r;

	if (k == K_EX || k == K_IEX)
		return add_expanded(k == K_EX ? &s->ex : &s->iex, p, len);
	if (k != K_FILES)
		return list_add(&s->paths, p, len);
	if ((pat = malloc(len + 1)) == NULL)
		return -1;
	memcpy(pat, p, len);
	pat[len] = '\0';
	memset(&g, 0, sizeof(g));
	r = glob(pat, 0, NULL, &g);
	if (r == GLOB_NOMATCH)
		cli_note(c, "%s: '%s' matches nothing, skipped", file, pat);
	for (i = 0; r == 0 && i < g.gl_pathc; i++)
		if (list_add(&s->paths, g.gl_pathv[i],
		    strlen(g.gl_pathv[i])) != 0)
			r = -1;
	if (r == GLOB_NOMATCH)
		r = 0;
	globfree(&g);
	free(pat);
	return r == 0 ? 0 : -1;
}

static int
read_file(struct cli *c, struct bsel *s, enum kind k, const char *file)
{
	FILE *f = strcmp(file, "-") == 0 ? stdin : fopen(file, "r");
	char *line = NULL, *p;
	size_t cap = 0, total = 0, len;
	ssize_t got;
	int r = CLI_OK, delim = k == K_RAW ? '\0' : '\n';

	if (f == NULL)
		return cli_failf(c, "%s: %s", file, strerror(errno));
	while ((got = getdelim(&line, &cap, delim, f)) > 0) {
		if ((total += (size_t)got) > FILE_MAX_BYTES ||
		    (size_t)got > LINE_MAX_BYTES) {
			r = cli_usage(c, "%s: a line over %d bytes, or over "
			    "%zu MiB in all", file, LINE_MAX_BYTES,
			    FILE_MAX_BYTES >> 20);
			goto out;
		}
		p = line;
		len = (size_t)got;
		if (len > 0 && p[len - 1] == (char)delim)
			len--;
		if (k != K_RAW && len > 0 && p[len - 1] == '\r')
			len--;
		if (k != K_RAW && k != K_VERBATIM) {
			while (len > 0 && isspace((unsigned char)p[len - 1]))
				len--;
			while (len > 0 && isspace((unsigned char)*p)) {
				p++;
				len--;
			}
			if (len > 0 && *p == '#')
				continue;
		}
		if (len == 0)
			continue;
		if (one_item(c, s, k, p, len, file) != 0) {
			r = cli_failf(c, "%s: out of memory", file);
			goto out;
		}
	}
	if (ferror(f))
		r = cli_failf(c, "%s: %s", file, strerror(errno));
out:
	free(line);
	if (f != stdin)
		fclose(f);
	return r;
}

int
bsel_read(struct cli *c, struct bsel *s)
{
	static const struct {
		const char	*opt;
		enum kind	 k;
	} files[] = {
		{ "exclude-file", K_EX }, { "iexclude-file", K_IEX },
		{ "files-from", K_FILES }, { "files-from-verbatim", K_VERBATIM },
		{ "files-from-raw", K_RAW },
	};
	const char *v;
	size_t i, it;
	int r;

	memset(s, 0, sizeof(*s));
	for (i = 0; i < (size_t)c->npos; i++)
		if (list_add(&s->paths, c->pos[i], strlen(c->pos[i])) != 0)
			return cli_failf(c, "out of memory");
	for (it = 0; (v = cli_opt_next(c, "exclude", &it)) != NULL;)
		if (list_add(&s->ex, v, strlen(v)) != 0)
			return cli_failf(c, "out of memory");
	for (it = 0; (v = cli_opt_next(c, "iexclude", &it)) != NULL;)
		if (list_add(&s->iex, v, strlen(v)) != 0)
			return cli_failf(c, "out of memory");
	for (it = 0; (v = cli_opt_next(c, "exclude-if-present", &it)) !=
	    NULL;)
		if (list_add(&s->tags, v, strlen(v)) != 0)
			return cli_failf(c, "out of memory");
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		for (it = 0; (v = cli_opt_next(c, files[i].opt, &it)) !=
		    NULL;)
			if ((r = read_file(c, s, files[i].k, v)) != CLI_OK)
				return r;
	if (s->paths.n == 0)
		return cli_usage(c, "nothing to back up: give a PATH or "
		    "--files-from");
	return CLI_OK;
}

void
bsel_options(const struct bsel *s, struct coffer_backup_options *o)
{
	o->excludes = (const char *const *)s->ex.v;
	o->nexcludes = s->ex.n;
	o->iexcludes = (const char *const *)s->iex.v;
	o->niexcludes = s->iex.n;
	o->if_present = (const char *const *)s->tags.v;
	o->nif_present = s->tags.n;
}

void
bsel_free(struct bsel *s)
{
	list_free(&s->paths);
	list_free(&s->ex);
	list_free(&s->iex);
	list_free(&s->tags);
}

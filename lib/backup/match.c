/* Exclude patterns, as restic documents them: a pattern is split at '/'
 * into components; each matches one component of a path with '*' (any
 * run of characters), '?' (one character), '[...]' (a class: ranges,
 * '^' or '!' to negate) and '\' (the next character as is), none of
 * them crossing a '/'; a component "**" matches any number of
 * components, none included. A pattern starting with '/' must match from
 * the root of the path, any other from any component; a match of a
 * folder covers what lies below it. A trailing '/' restricts a pattern
 * to folders (gitignore; restic drops it). Characters are UTF-8 code
 * points ('?' takes a whole one); invalid bytes stand for themselves. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <coffer/err.h>

#include "backup/match.h"

#define PAT_ANCHORED	0x2
#define PAT_DIR_ONLY	0x4
#define PAT_DSTAR	0x8	/* has a "**" component */

enum { PART_LIT = 1, PART_GLOB = 2, PART_DSTAR = 3 };

struct mpart {
	int		 kind;
	const char	*p;
	size_t		 len;
};

struct mpat {
	char		*text;		/* parts point into it */
	struct mpart	*parts;
	size_t		 n;
	unsigned	 flags;
};

struct match {
	struct mpat	*v;
	size_t		 n, cap;
	int		 dir_only;
};

static unsigned char
fold(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c - 'A' + 'a') : c;
}

/* One code point at s (n > 0 bytes) into *cp; its length. */
static size_t
utf8(const char *s, size_t n, uint32_t *cp)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t len, i;
	uint32_t c;

	if (u[0] < 0x80) {
		*cp = u[0];
		return 1;
	}
	if ((u[0] & 0xe0) == 0xc0) {
		len = 2;
		c = u[0] & 0x1f;
	} else if ((u[0] & 0xf0) == 0xe0) {
		len = 3;
		c = u[0] & 0x0f;
	} else if ((u[0] & 0xf8) == 0xf0) {
		len = 4;
		c = u[0] & 0x07;
	} else
		len = 0;
	if (len == 0 || len > n)
		goto raw;
	for (i = 1; i < len; i++) {
		if ((u[i] & 0xc0) != 0x80)
			goto raw;
		c = c << 6 | (u[i] & 0x3f);
	}
	*cp = c;
	return len;
raw:
	*cp = u[0];
	return 1;
}

/* A character of a class at p[*i] (escapes taken): its code point, or
 * -1 if there is none or it is an unescaped '-' or ']'. */
static int64_t
class_char(const char *p, size_t pl, size_t *i)
{
	uint32_t c;

	if (*i < pl && (p[*i] == '-' || p[*i] == ']'))
		return -1;
	if (*i < pl && p[*i] == '\\')
		(*i)++;
	if (*i >= pl)
		return -1;
	*i += utf8(p + *i, pl - *i, &c);
	return c;
}

/* The class at p[*i] (just after its '['), against code point c: 1 or
 * 0, with *i past its ']'; -1 if malformed. */
static int
class_match(const char *p, size_t pl, size_t *i, uint32_t c)
{
	int neg = 0, hit = 0, first = 1;
	int64_t lo, hi;

	if (*i < pl && (p[*i] == '^' || p[*i] == '!')) {
		neg = 1;
		(*i)++;
	}
	for (;;) {
		if (*i < pl && p[*i] == ']' && !first) {
			(*i)++;
			return hit != neg;
		}
		first = 0;
		if ((lo = class_char(p, pl, i)) < 0)
			return -1;
		hi = lo;
		if (*i < pl && p[*i] == '-') {
			(*i)++;
			if ((hi = class_char(p, pl, i)) < 0 || hi < lo)
				return -1;
		}
		if ((int64_t)c >= lo && (int64_t)c <= hi)
			hit = 1;
	}
}

/* One element of the pattern at p[*pi] ('?', a class, an escape or a
 * byte) against s[*si]: 1 (both advanced), 0, or -1 if malformed. */
static int
step(const char *p, size_t pl, size_t *pi, const char *s, size_t sl,
    size_t *si, int icase)
{
	size_t i = *pi, len;
	uint32_t c;
	int r;

	if (*si >= sl)
		return 0;
	switch (p[i]) {
	case '?':
		*si += utf8(s + *si, sl - *si, &c);
		*pi = i + 1;
		return 1;
	case '[':
		len = utf8(s + *si, sl - *si, &c);
		if (icase && c < 0x80)
			c = fold((unsigned char)c);
		i++;
		if ((r = class_match(p, pl, &i, c)) != 1)
			return r;
		*si += len;
		*pi = i;
		return 1;
	case '\\':
		if (++i >= pl)
			return -1;
		break;
	default:
		break;
	}
	if (p[i] != s[*si] && !(icase &&
	    fold((unsigned char)s[*si]) == (unsigned char)p[i]))
		return 0;
	*pi = i + 1;
	(*si)++;
	return 1;
}

/* The glob component p against the name s (Go's filepath.Match, one
 * component): 1, 0, or -1 if the pattern is malformed. A '*' is retried
 * one character further on a mismatch, which is linear per star. */
static int
glob(const char *p, size_t pl, const char *s, size_t sl, int icase)
{
	size_t pi = 0, si = 0, star = SIZE_MAX, back = 0;
	uint32_t c;
	int r;

	for (;;) {
		if (pi < pl && p[pi] == '*') {
			while (pi < pl && p[pi] == '*')
				pi++;
			star = pi;
			back = si;
			continue;
		}
		if (pi == pl && si == sl)
			return 1;
		if (pi < pl && (r = step(p, pl, &pi, s, sl, &si, icase)) != 0) {
			if (r < 0)
				return r;
			continue;
		}
		if (star == SIZE_MAX || back >= sl)
			return 0;
		back += utf8(s + back, sl - back, &c);
		pi = star;
		si = back;
	}
}

/* Is the glob p well formed? Every class and escape is tried against a
 * name that reaches every element. */
static int
glob_valid(const char *p, size_t pl)
{
	size_t i = 0;
	uint32_t c;
	int r;

	while (i < pl) {
		switch (p[i]) {
		case '\\':
			if (i + 1 >= pl)
				return 0;
			i += 2;
			break;
		case '[':
			i++;
			if ((r = class_match(p, pl, &i, 0)) < 0)
				return 0;
			break;
		default:
			i += utf8(p + i, pl - i, &c);
			break;
		}
	}
	return 1;
}

static int
part_match(const struct mpart *q, const struct match_comp *c, int icase)
{
	size_t i;

	if (q->kind == PART_GLOB)
		return glob(q->p, q->len, c->p, c->len, icase) == 1;
	if (q->len != c->len)
		return 0;
	if (!icase)
		return memcmp(q->p, c->p, q->len) == 0;
	for (i = 0; i < q->len; i++)
		if (fold((unsigned char)c->p[i]) != (unsigned char)q->p[i])
			return 0;
	return 1;
}

/* Does t match components [o, e) exactly, o 0 when anchored, any
 * otherwise (a "**" in front)? The glob algorithm one level up: a
 * mismatch retries from the last "**" one component further, which is
 * enough (it can absorb whatever an earlier one took) and keeps the work
 * at O(e * parts) for any number of "**". */
static int
pat_full(const struct mpat *t, const struct match_comp *c, size_t e)
{
	int icase = (t->flags & MATCH_ICASE) != 0;
	size_t pi = 0, si = 0, star = SIZE_MAX, back = 0;

	/* Without "**", unanchored: one place to start. */
	if (!(t->flags & (PAT_ANCHORED | PAT_DSTAR))) {
		if (e < t->n)
			return 0;
		si = back = e - t->n;
	} else if (!(t->flags & PAT_ANCHORED))
		star = 0;
	while (si < e) {
		if (pi < t->n && t->parts[pi].kind == PART_DSTAR) {
			star = ++pi;
			back = si;
			continue;
		}
		if (pi < t->n && part_match(&t->parts[pi], &c[si], icase)) {
			pi++;
			si++;
			continue;
		}
		if (star == SIZE_MAX)
			return 0;
		pi = star;
		si = ++back;
	}
	while (pi < t->n && t->parts[pi].kind == PART_DSTAR)
		pi++;
	return pi == t->n;
}

/* A run that ends at component tail or later; folders only for a
 * trailing '/' (every component above the entry is a folder). */
static int
pat_match(const struct mpat *t, const struct match_comp *c, size_t n,
    size_t tail, int is_dir)
{
	size_t e;

	for (e = tail > 0 ? tail : 1; e <= n; e++)
		if ((e < n || is_dir || !(t->flags & PAT_DIR_ONLY)) &&
		    pat_full(t, c, e))
			return 1;
	return 0;
}

int
match_path(const struct match *m, const struct match_comp *c, size_t n,
    size_t tail, int is_dir)
{
	size_t i;

	if (m == NULL)
		return 0;
	for (i = 0; i < m->n; i++)
		if (pat_match(&m->v[i], c, n, tail, is_dir))
			return 1;
	return 0;
}

int
match_str(const struct match *m, const char *path, int is_dir)
{
	struct match_comp c[MATCH_STR_DEPTH];
	const char *s = path, *e;
	size_t n = 0;

	for (;;) {
		while (*s == '/')
			s++;
		if (*s == '\0')
			break;
		if (n == MATCH_STR_DEPTH)
			return -1;
		e = strchr(s, '/');
		c[n].p = s;
		c[n].len = e != NULL ? (size_t)(e - s) : strlen(s);
		s += c[n++].len;
	}
	return match_path(m, c, n, 1, is_dir);
}

struct match *
match_new(void)
{
	return calloc(1, sizeof(struct match));
}

void
match_free(struct match **m)
{
	size_t i;

	if (m == NULL || *m == NULL)
		return;
	for (i = 0; i < (*m)->n; i++) {
		free((*m)->v[i].text);
		free((*m)->v[i].parts);
	}
	free((*m)->v);
	free(*m);
	*m = NULL;
}

size_t
match_count(const struct match *m)
{
	return m != NULL ? m->n : 0;
}

int
match_dir_only(const struct match *m)
{
	return m != NULL && m->dir_only;
}

/* Split t->text into parts. Returns 0, or COFFER_ERR_INVALID with *why. */
static int
pat_split(struct mpat *t, const char **why)
{
	char *s = t->text, *e;
	size_t len;

	for (;;) {
		while (*s == '/')
			s++;
		if (*s == '\0')
			break;
		len = (e = strchr(s, '/')) != NULL ? (size_t)(e - s) :
		    strlen(s);
		if (len == 1 && s[0] == '.') {
			s += len;
			continue;
		}
		if (len == 2 && s[0] == '*' && s[1] == '*') {
			/* "**" twice is "**" once */
			if (t->n > 0 && t->parts[t->n - 1].kind == PART_DSTAR) {
				s += len;
				continue;
			}
			t->parts[t->n].kind = PART_DSTAR;
			t->flags |= PAT_DSTAR;
		} else if (strcspn(s, "*?[\\") >= len) {
			t->parts[t->n].kind = PART_LIT;
		} else {
			if (!glob_valid(s, len)) {
				*why = "a '[' without its ']', an empty or "
				    "reversed range, or a '\\' at the end";
				return COFFER_ERR_INVALID;
			}
			t->parts[t->n].kind = PART_GLOB;
		}
		t->parts[t->n].p = s;
		t->parts[t->n++].len = len;
		s += len;
	}
	if (t->n == 0) {
		*why = "the pattern names no component";
		return COFFER_ERR_INVALID;
	}
	return 0;
}

int
match_add(struct match *m, const char *pat, unsigned flags, const char **why)
{
	struct mpat t, *nv;
	size_t len, i;
	int r;

	*why = "";
	memset(&t, 0, sizeof(t));
	if (m == NULL || pat == NULL || (len = strlen(pat)) == 0) {
		*why = "the pattern is empty";
		return COFFER_ERR_INVALID;
	}
	/* restic reads '!' as "include again", which the walk has no use
	 * for: refused rather than taken literally. */
	if (pat[0] == '!') {
		*why = "negated patterns ('!') are not supported; write '\\!' "
		    "for a name that starts with '!'";
		return COFFER_ERR_INVALID;
	}
	if ((t.text = strdup(pat)) == NULL ||
	    (t.parts = calloc(len / 2 + 1, sizeof(*t.parts))) == NULL) {
		r = COFFER_ERR_NOMEM;
		goto out;
	}
	t.flags = flags & MATCH_ICASE;
	if (flags & MATCH_ICASE)
		for (i = 0; i < len; i++)
			t.text[i] = (char)fold((unsigned char)t.text[i]);
	if (pat[0] == '/')
		t.flags |= PAT_ANCHORED;
	if (len > 1 && pat[len - 1] == '/')
		t.flags |= PAT_DIR_ONLY;
	if ((r = pat_split(&t, why)) != 0)
		goto out;
	if (m->n == m->cap) {
		size_t nc = m->cap ? 2 * m->cap : 8;

		if ((nv = realloc(m->v, nc * sizeof(*nv))) == NULL) {
			r = COFFER_ERR_NOMEM;
			goto out;
		}
		m->v = nv;
		m->cap = nc;
	}
	if (t.flags & PAT_DIR_ONLY)
		m->dir_only = 1;
	m->v[m->n++] = t;
	return 0;
out:
	free(t.text);
	free(t.parts);
	return r;
}

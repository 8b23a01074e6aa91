/* Vector file parser, writer and mutation checker for the unit tests. */
#include "vecfile.h"

#include <coffer/encoding.h>
#include <coffer/err.h>

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include <setjmp.h>
#include <stdarg.h>
#include <cmocka.h>

#define VEC_FILE_MAX	(16u << 20)

static char *
xstrndup(const char *s, size_t n)
{
	char *p = malloc(n + 1);

	if (p == NULL)
		abort();
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

static void
vec_free_one(struct vec *v)
{
	size_t i;

	for (i = 0; i < v->nf; i++) {
		free(v->f[i].name);
		free(v->f[i].value);
	}
	free(v->f);
	free(v->name);
}

void
vecfile_free(struct vecfile **p)
{
	size_t i;

	struct vecfile *vf;

	if (p == NULL || (vf = *p) == NULL)
		return;
	for (i = 0; i < vf->n; i++)
		vec_free_one(&vf->v[i]);
	free(vf->v);
	free(vf);
	*p = NULL;
}

static int
is_name(const char *s, size_t n)
{
	size_t i;

	if (n == 0)
		return 0;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_' &&
		    s[i] != '-' && s[i] != '.')
			return 0;
	return 1;
}

struct vecfile *
vecfile_parse(const char *text, size_t len)
{
	struct vecfile *vf;
	struct vec *cur = NULL;
	size_t pos = 0, line = 0, eol, ns, ne, vs, ve;
	const char *eq;

	if ((vf = calloc(1, sizeof(*vf))) == NULL)
		abort();
	while (pos < len) {
		line++;
		for (eol = pos; eol < len && text[eol] != '\n'; eol++)
			;
		if (eol == pos || text[pos] == '#')
			goto next;
		eq = memchr(text + pos, '=', eol - pos);
		if (eq == NULL)
			goto bad;
		ns = pos;
		ne = (size_t)(eq - text);
		while (ne > ns && text[ne - 1] == ' ')
			ne--;
		vs = ne + 1;
		while (vs < eol && text[vs] != '=')
			vs++;
		vs++;
		if (vs < eol && text[vs] == ' ')
			vs++;
		ve = eol;
		if (!is_name(text + ns, ne - ns))
			goto bad;
		if (ne - ns == 6 && memcmp(text + ns, "vector", 6) == 0) {
			vf->v = realloc(vf->v, (vf->n + 1) * sizeof(*vf->v));
			if (vf->v == NULL)
				abort();
			cur = &vf->v[vf->n++];
			memset(cur, 0, sizeof(*cur));
			cur->name = xstrndup(text + vs, ve - vs);
			cur->line = line;
			goto next;
		}
		if (cur == NULL)
			goto bad;
		cur->f = realloc(cur->f, (cur->nf + 1) * sizeof(*cur->f));
		if (cur->f == NULL)
			abort();
		cur->f[cur->nf].name = xstrndup(text + ns, ne - ns);
		cur->f[cur->nf].value = xstrndup(text + vs, ve - vs);
		cur->nf++;
next:
		pos = eol + 1;
	}
	return vf;
bad:
	fprintf(stderr, "vector file: syntax error on line %zu\n", line);
	vecfile_free(&vf);
	return NULL;
}

static char *
read_file(const char *name, size_t *len)
{
	char path[4096];
	FILE *f;
	char *buf;
	size_t n;

	snprintf(path, sizeof(path), "%s/%s", COFFER_VECTOR_DIR, name);
	if ((f = fopen(path, "rb")) == NULL) {
		fprintf(stderr, "cannot open %s\n", path);
		return NULL;
	}
	if ((buf = malloc(VEC_FILE_MAX)) == NULL)
		abort();
	n = fread(buf, 1, VEC_FILE_MAX, f);
	fclose(f);
	if (n == VEC_FILE_MAX) {
		free(buf);
		return NULL;
	}
	*len = n;
	return buf;
}

struct vecfile *
vecfile_load(const char *name)
{
	struct vecfile *vf;
	size_t len;
	char *text;

	if ((text = read_file(name, &len)) == NULL)
		return NULL;
	vf = vecfile_parse(text, len);
	free(text);
	return vf;
}

const char *
vec_get(const struct vec *v, const char *field)
{
	size_t i;

	for (i = 0; i < v->nf; i++)
		if (strcmp(v->f[i].name, field) == 0)
			return v->f[i].value;
	return NULL;
}

int
vec_hex(const struct vec *v, const char *field, uint8_t **out, size_t *len)
{
	const char *s = vec_get(v, field);
	size_t n;

	*out = NULL;
	*len = 0;
	if (s == NULL)
		return -1;
	n = strlen(s);
	if (n == 0)
		return 0;
	if ((*out = malloc(n / 2 + 1)) == NULL)
		abort();
	/* Vectors are written in lower case: refuse anything else, so that
	 * a case change counts as an alteration. */
	for (size_t i = 0; i < n; i++)
		if (isupper((unsigned char)s[i]))
			goto bad;
	if (coffer_hex_decode(*out, n / 2 + 1, len, s, n) != 0)
		goto bad;
	return 0;
bad:
	free(*out);
	*out = NULL;
	return -1;
}

int
vec_hexn(const struct vec *v, const char *field, uint8_t *out, size_t n)
{
	uint8_t *p;
	size_t len;

	if (vec_hex(v, field, &p, &len) != 0 || len != n) {
		free(p);
		return -1;
	}
	if (n > 0)
		memcpy(out, p, n);
	free(p);
	return 0;
}

char *
vec_str(const struct vec *v, const char *field)
{
	const char *s = vec_get(v, field);
	size_t n;

	if (s == NULL || (n = strlen(s)) < 2 || s[0] != '"' || s[n - 1] != '"')
		return NULL;
	if (memchr(s + 1, '"', n - 2) != NULL)
		return NULL;
	return xstrndup(s + 1, n - 2);
}

int
vec_word(const struct vec *v, const char *field, const char *const *words,
    size_t n)
{
	const char *s = vec_get(v, field);
	size_t i;

	for (i = 1; s != NULL && i < n; i++)
		if (strcmp(s, words[i]) == 0)
			return (int)i;
	return -1;
}

int
vec_u64(const struct vec *v, const char *field, uint64_t *out)
{
	const char *s = vec_get(v, field);
	uint64_t x = 0;

	if (s == NULL || *s == '\0' || (s[0] == '0' && s[1] != '\0'))
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || x > (UINT64_MAX - 9) / 10)
			return -1;
		x = x * 10 + (uint64_t)(*s - '0');
	}
	*out = x;
	return 0;
}

static const struct {
	const char *word;
	int err;
} errwords[] = {
	{ "OK", COFFER_OK }, { "INTERNAL", COFFER_ERR_INTERNAL },
	{ "NOMEM", COFFER_ERR_NOMEM }, { "INVALID", COFFER_ERR_INVALID },
	{ "FORMAT", COFFER_ERR_FORMAT }, { "AUTH", COFFER_ERR_AUTH },
	{ "VERSION", COFFER_ERR_VERSION }, { "CONTEXT", COFFER_ERR_CONTEXT },
	{ "TOOBIG", COFFER_ERR_TOOBIG }, { "IO", COFFER_ERR_IO },
	{ "TRUNCATED", COFFER_ERR_TRUNCATED },
	{ "TRAILING", COFFER_ERR_TRAILING }, { "KEY", COFFER_ERR_KEY },
	{ "CHECKSUM", COFFER_ERR_CHECKSUM }, { "CRYPTO", COFFER_ERR_CRYPTO },
	{ "PERM", COFFER_ERR_PERM }, { "NOTFOUND", COFFER_ERR_NOTFOUND },
	{ "EXISTS", COFFER_ERR_EXISTS }, { "PASSCODE", COFFER_ERR_PASSCODE },
	{ "STATE", COFFER_ERR_STATE }, { "CONFLICT", COFFER_ERR_CONFLICT },
	{ "QUOTA", COFFER_ERR_QUOTA }, { "BUSY", COFFER_ERR_BUSY },
};

int
vec_err(const struct vec *v, const char *field, int *err)
{
	const char *s = vec_get(v, field);
	size_t i;

	if (s == NULL)
		return -1;
	for (i = 0; i < sizeof(errwords) / sizeof(errwords[0]); i++)
		if (strcmp(errwords[i].word, s) == 0) {
			*err = errwords[i].err;
			return 0;
		}
	return -1;
}

const char *
vec_errword(int err)
{
	size_t i;

	for (i = 0; i < sizeof(errwords) / sizeof(errwords[0]); i++)
		if (errwords[i].err == err)
			return errwords[i].word;
	return "UNKNOWN";
}

/* BLAKE2b-128 over "vector=NAME\n" and "field=value\n" for every field
 * but the digest, in file order. */
static void
vec_digest(const struct vec *v, uint8_t out[16])
{
	crypto_generichash_state st;
	size_t i;

	crypto_generichash_init(&st, NULL, 0, 16);
	crypto_generichash_update(&st, (const uint8_t *)"vector=", 7);
	crypto_generichash_update(&st, (const uint8_t *)v->name,
	    strlen(v->name));
	crypto_generichash_update(&st, (const uint8_t *)"\n", 1);
	for (i = 0; i < v->nf; i++) {
		if (strcmp(v->f[i].name, "digest") == 0)
			continue;
		crypto_generichash_update(&st, (const uint8_t *)v->f[i].name,
		    strlen(v->f[i].name));
		crypto_generichash_update(&st, (const uint8_t *)"=", 1);
		crypto_generichash_update(&st, (const uint8_t *)v->f[i].value,
		    strlen(v->f[i].value));
		crypto_generichash_update(&st, (const uint8_t *)"\n", 1);
	}
	crypto_generichash_final(&st, out, 16);
}

static int
vec_holds(const struct vec *v, vec_check_fn check)
{
	uint8_t want[16], got[16];

	if (vec_hexn(v, "digest", want, sizeof(want)) != 0)
		return -1;
	vec_digest(v, got);
	if (memcmp(want, got, sizeof(got)) != 0)
		return -1;
	return check(v);
}

size_t
vecfile_check(const struct vecfile *vf, vec_check_fn check)
{
	size_t i, bad = 0;

	for (i = 0; i < vf->n; i++)
		if (vec_holds(&vf->v[i], check) != 0) {
			fprintf(stderr, "vector '%s' (line %zu) does not hold\n",
			    vf->v[i].name, vf->v[i].line);
			bad++;
		}
	return bad;
}

/* A good vector: no expect field, or expect = OK. */
static int
vec_good(const struct vec *v)
{
	const char *e = vec_get(v, "expect");

	return e == NULL || strcmp(e, "OK") == 0;
}

static size_t
mutants(const char *name, vec_check_fn check, size_t *tried, int semantic)
{
	struct vecfile *vf;
	struct vec *v;
	size_t i, j, k, n, survivors = 0;
	char *value, c;

	*tried = 0;
	if ((vf = vecfile_load(name)) == NULL)
		return 1;
	/* A value runs from "= " to the end of its line, so altering one of
	 * its characters never changes the file's structure: alter it in
	 * place in the parsed vector rather than parse the file again. */
	for (i = 0; i < vf->n; i++) {
		v = &vf->v[i];
		if (semantic && !vec_good(v))
			continue;
		for (j = 0; j < v->nf; j++) {
			if (strcmp(v->f[j].name, "comment") == 0 ||
			    (semantic && strcmp(v->f[j].name, "digest") == 0))
				continue;
			value = v->f[j].value;
			n = strlen(value);
			for (k = 0; k < n; k++) {
				c = value[k];
				/* Another character of the same class: a hex
				 * digit stays a hex digit, so it still parses. */
				value[k] = (c == '0') ? '1' :
				    (isxdigit((unsigned char)c) ? '0' :
				    (c == 'a' ? 'b' : 'a'));
				(*tried)++;
				if ((semantic ? check(v) : vec_holds(v,
				    check)) == 0) {
					fprintf(stderr, "%s: altering character "
					    "%zu of %s in vector '%s' went "
					    "unnoticed\n", name, k + 1,
					    v->f[j].name, v->name);
					survivors++;
				}
				value[k] = c;
			}
		}
	}
	vecfile_free(&vf);
	return survivors;
}

size_t
vecfile_mutants(const char *name, vec_check_fn check, size_t *tried)
{
	return mutants(name, check, tried, 0);
}

void
vecfile_assert(const char *name, vec_check_fn check, size_t min)
{
	struct vecfile *vf = vecfile_load(name);
	size_t tried, n, bad;

	if (vf == NULL) {
		fail_msg("cannot load %s", name);
		return;
	}
	n = vf->n;
	bad = vecfile_check(vf, check);
	vecfile_free(&vf);
	assert_true(n >= min);
	assert_int_equal(bad, 0);
	assert_int_equal(vecfile_mutants(name, check, &tried), 0);
	assert_true(tried > 0);
	assert_int_equal(vecfile_semantic_mutants(name, check, &tried), 0);
	assert_true(tried > 0);
}

size_t
vecfile_semantic_mutants(const char *name, vec_check_fn check, size_t *tried)
{
	return mutants(name, check, tried, 1);
}

/* The writer keeps the vector being written, to append its digest. */
static struct vec wv;

static void
w_field(FILE *f, const char *field, char *value)
{
	fprintf(f, "%s = %s\n", field, value);
	wv.f = realloc(wv.f, (wv.nf + 1) * sizeof(*wv.f));
	if (wv.f == NULL)
		abort();
	wv.f[wv.nf].name = xstrndup(field, strlen(field));
	wv.f[wv.nf].value = value;
	wv.nf++;
}

void
vec_w_begin(FILE *f, const char *name)
{
	vec_free_one(&wv);
	memset(&wv, 0, sizeof(wv));
	wv.name = xstrndup(name, strlen(name));
	fprintf(f, "\nvector = %s\n", name);
}

void
vec_w_end(FILE *f)
{
	uint8_t d[16];

	vec_digest(&wv, d);
	vec_w_hex(f, "digest", d, sizeof(d));
	vec_free_one(&wv);
	memset(&wv, 0, sizeof(wv));
}

void
vec_w_hex(FILE *f, const char *field, const uint8_t *p, size_t n)
{
	char *s = malloc(2 * n + 1);

	if (s == NULL)
		abort();
	sodium_bin2hex(s, 2 * n + 1, p, n);
	if (strcmp(field, "digest") == 0) {
		fprintf(f, "%s = %s\n", field, s);
		free(s);
		return;
	}
	w_field(f, field, s);
}

void
vec_w_str(FILE *f, const char *field, const char *s)
{
	size_t n = strlen(s);
	char *q = malloc(n + 3);

	if (q == NULL)
		abort();
	q[0] = '"';
	memcpy(q + 1, s, n);
	q[n + 1] = '"';
	q[n + 2] = '\0';
	w_field(f, field, q);
}

void
vec_w_word(FILE *f, const char *field, const char *w)
{
	w_field(f, field, xstrndup(w, strlen(w)));
}

void
vec_w_u64(FILE *f, const char *field, uint64_t v)
{
	char s[24];

	snprintf(s, sizeof(s), "%llu", (unsigned long long)v);
	w_field(f, field, xstrndup(s, strlen(s)));
}

int
vec_write_mode(int argc, char **argv, int (*write)(const char *dir), int *rc)
{
	if (argc == 3 && strcmp(argv[1], "--write-vectors") == 0) {
		*rc = write(argv[2]) == 0 ? 0 : 1;
		return 1;
	}
	return 0;
}

/* Known-answer vector files (tests/vectors/README.md): blocks of
 * "field = value" lines, each block opened by "vector = NAME". Values are
 * hex, "quoted text" or a bare word; the getters say which they expect.
 *
 * A test module gives one check function that returns 0 when a vector holds
 * (a good vector reproduces byte for byte, a bad one fails exactly as it
 * says). Every vector ends with "digest = " BLAKE2b-128 of its fields, so
 * that an altered byte of a negative vector (whose other bytes may not
 * matter to the error it shows) is caught too. vecfile_mutants() proves
 * every data byte load-bearing; vecfile_semantic_mutants() proves the good
 * vectors are by their content alone, without the digest. */
#ifndef COFFER_TEST_VECFILE_H
#define COFFER_TEST_VECFILE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct vec_field {
	char	*name;
	char	*value;
};

struct vec {
	char			*name;
	struct vec_field	*f;
	size_t			 nf;
	size_t			 line;
};

struct vecfile {
	struct vec	*v;
	size_t		 n;
};

typedef int (*vec_check_fn)(const struct vec *);

/* Parse text; NULL on a syntax error (printed to stderr). */
struct vecfile *vecfile_parse(const char *text, size_t len);
/* Load COFFER_VECTOR_DIR/name; NULL (printed) on error. */
struct vecfile *vecfile_load(const char *name);
void vecfile_free(struct vecfile **p);

/* Raw value of field, or NULL. */
const char *vec_get(const struct vec *v, const char *field);
/* Hex value into a malloc'd buffer (NULL for empty); 0 or -1. */
int vec_hex(const struct vec *v, const char *field, uint8_t **out,
    size_t *len);
/* Hex value of exactly n bytes into out; 0 or -1. */
int vec_hexn(const struct vec *v, const char *field, uint8_t *out, size_t n);
/* "Quoted" value, without quotes, malloc'd; NULL if absent or unquoted. */
char *vec_str(const struct vec *v, const char *field);
/* Decimal value; 0 or -1. */
int vec_u64(const struct vec *v, const char *field, uint64_t *out);
/* The index of the value among words[1..n-1] (words[0] is no word), or
 * -1. */
int vec_word(const struct vec *v, const char *field,
    const char *const *words, size_t n);
/* An error-code word (OK, FORMAT, AUTH, ...); 0 or -1. */
int vec_err(const struct vec *v, const char *field, int *err);
/* The word for an error code ("AUTH"), for writers. */
const char *vec_errword(int err);

/* Run the digest and check over every vector; print each failure; return
 * their count. */
size_t vecfile_check(const struct vecfile *vf, vec_check_fn check);
/* Alter every data byte of COFFER_VECTOR_DIR/name in turn and run check on
 * the vector that holds it; return how many alterations went unnoticed
 * (each printed), and the number tried in *tried. */
size_t vecfile_mutants(const char *name, vec_check_fn check, size_t *tried);

/* The same over good vectors only, ignoring the digest: each alteration
 * must fail the check function itself. */
size_t vecfile_semantic_mutants(const char *name, vec_check_fn check,
    size_t *tried);

/* The whole check of one file, as cmocka assertions: it loads, holds at
 * least min vectors, every vector holds (vecfile_check), and both mutation
 * passes find nothing unnoticed. */
void vecfile_assert(const char *name, vec_check_fn check, size_t min);

/* Writers, for --write-vectors: begin, fields, end (writes the digest). */
void vec_w_begin(FILE *f, const char *name);
void vec_w_end(FILE *f);
void vec_w_hex(FILE *f, const char *field, const uint8_t *p, size_t n);
void vec_w_str(FILE *f, const char *field, const char *s);
void vec_w_word(FILE *f, const char *field, const char *w);
void vec_w_u64(FILE *f, const char *field, uint64_t v);

/* Test main helper: with "--write-vectors DIR", call write(DIR) and exit;
 * returns 1 if it did so. */
int vec_write_mode(int argc, char **argv, int (*write)(const char *dir),
    int *rc);

#endif

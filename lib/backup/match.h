/* Exclude patterns (docs/PROTOCOL-backup.md, "Selecting what to back
 * up"): each compiled once, then matched against a path split into
 * components, with no allocation while matching. Pure (no file system).
 * Internal to lib/backup. */
#ifndef COFFER_BACKUP_MATCH_H
#define COFFER_BACKUP_MATCH_H

#include <stddef.h>

#define MATCH_ICASE	0x1	/* match_add: ASCII letters in any case */
#define MATCH_STR_DEPTH	256	/* components match_str splits */

/* One component of a path (not NUL-terminated, never empty). */
struct match_comp {
	const char	*p;
	size_t		 len;
};

struct match;

/** match_new(): an empty set of patterns (matches nothing), or NULL. */
struct match *match_new(void);

/** match_free(m): free *${m}; sets it to NULL; accepts NULL. */
void match_free(struct match **m);

/** match_add(m, pat, flags, why): compile ${pat} into ${m} (${flags}:
 * MATCH_ICASE or 0). Returns 0, COFFER_ERR_NOMEM, or COFFER_ERR_INVALID
 * with *${why} a static sentence (empty pattern, no component, a '['
 * without its ']', an empty or reversed range, a trailing '\', a
 * leading '!'). */
int match_add(struct match *m, const char *pat, unsigned flags,
    const char **why);

/** match_count(m): how many patterns ${m} holds. */
size_t match_count(const struct match *m);

/** match_dir_only(m): whether a pattern of ${m} ends in '/' (matching
 * needs to know whether the path is a folder). */
int match_dir_only(const struct match *m);

/** match_path(m, c, n, tail, is_dir): whether a pattern of ${m} matches
 * the absolute path of the ${n} components ${c}: a run of components
 * (from the first for a pattern starting with '/', from any otherwise)
 * that ends at component ${tail} or later (1: anywhere, which also
 * excludes what lies below a match; ${n}: at the entry itself, enough
 * when every folder above was checked). ${is_dir} says whether the last
 * component is a folder (those above are). */
int match_path(const struct match *m, const struct match_comp *c, size_t n,
    size_t tail, int is_dir);

/** match_str(m, path, is_dir): match_path over the '/'-separated
 * ${path} with ${tail} 1; -1 if it has over MATCH_STR_DEPTH
 * components. */
int match_str(const struct match *m, const char *path, int is_dir);

#endif

/* A cache of verified, decoded trees keyed by tree id, for the commands
 * that read many trees (diff, find, stats, the snapshot view). Internal
 * to lib/backup. */
#ifndef COFFER_BACKUP_TCACHE_H
#define COFFER_BACKUP_TCACHE_H

#include "backup/repo.h"

/* A tree held by the cache: nodes point into its plaintext. */
struct tc_tree {
	uint8_t			 id[BK_ID];
	struct coffer_buf	*plain;		/* secret: wiped on free */
	struct bk_node		*v;
	size_t			 n;
	unsigned		 pins;		/* users: never evicted */
	uint64_t		 used;		/* last use, for LRU */
	struct tc_tree		*next;
};

struct tcache {
	struct coffer_backup_repo	*r;
	struct repo_reader		 rd;
	struct tc_tree			*head;
	size_t				 bytes, cap;
	uint64_t			 clock;
	uint64_t			 loads;		/* trees fetched */
};

/** tc_init(tc, r, cap): a cache of at most about ${cap} bytes of trees
 * (pinned trees may exceed it) over repository ${r}. Returns 0,
 * COFFER_ERR_NOMEM or COFFER_ERR_CRYPTO. tc_clear(tc) frees it all. */
int tc_init(struct tcache *tc, struct coffer_backup_repo *r, size_t cap);
void tc_clear(struct tcache *tc);

/** tc_get(tc, id, out): tree ${id}, fetched and verified (AEAD and id)
 * unless cached, pinned into *${out} until tc_put. Returns 0,
 * COFFER_ERR_NOMEM, or an error of repo_read_chunk (COFFER_ERR_CORRUPT
 * also for a tree that does not parse), with a detail. */
int tc_get(struct tcache *tc, const uint8_t id[BK_ID], struct tc_tree **out);
void tc_put(struct tcache *tc, struct tc_tree *t);

/** tc_find(t, name, len): the node of ${t} named ${name}, or NULL
 * (binary search: trees are sorted by name bytes). */
const struct bk_node *tc_find(const struct tc_tree *t, const char *name,
    size_t len);

/** tc_name_cmp(a, b): the trees' order of two nodes' names. */
int tc_name_cmp(const struct bk_node *a, const struct bk_node *b);

/* A node as a public entry, with room for its strings. */
struct tc_ent {
	struct coffer_backup_entry	 e;
	char				 user[256], group[256];
	char				 target[BK_PATH_MAX + 1];
};

/** tc_entry(out, n, path): ${n} at ${path} as a public entry in ${out}
 * (strings copied into it; ${path} kept by pointer). */
void tc_entry(struct tc_ent *out, const struct bk_node *n, const char *path);

#endif

/* Sets of snapshots for the commands that read several (find, stats,
 * the view): chosen by id from one listing of the refs, and shown through
 * the public struct. */
#include <stdlib.h>
#include <string.h>

#include <coffer/err.h>

#include "backup/repo.h"

/* Copy the strings of ${from} into ${to} (whose own are NULL). */
static int
snap_copy_strings(struct bk_snapshot *to, const struct bk_snapshot *from)
{
	size_t i;

	if (from->host != NULL && (to->host = strdup(from->host)) == NULL)
		return COFFER_ERR_NOMEM;
	if (from->npaths == 0)
		return 0;
	if ((to->paths = calloc(from->npaths, sizeof(*to->paths))) == NULL)
		return COFFER_ERR_NOMEM;
	for (i = 0; i < from->npaths; i++) {
		if ((to->paths[i] = strdup(from->paths[i])) == NULL)
			return COFFER_ERR_NOMEM;
		to->npaths = i + 1;
	}
	return 0;
}

int
repo_snapshots(struct coffer_backup_repo *r,
    const uint8_t (*ids)[COFFER_SNAPSHOT_ID_BYTES], size_t nids,
    struct repo_snaps *out)
{
	struct repo_snaps all;
	char hex[2 * BK_NAME + 1];
	size_t i, j;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = repo_snaps_all(r, &all)) != 0 || nids == 0) {
		*out = all;
		return rc;
	}
	if ((out->v = calloc(nids, sizeof(*out->v))) == NULL ||
	    (out->names = calloc(nids, BK_NAME)) == NULL) {
		rc = COFFER_ERR_NOMEM;
		goto out;
	}
	for (i = 0; i < nids; i++) {
		for (j = 0; j < all.n; j++)
			if (memcmp(all.names[j], ids[i], BK_NAME) == 0)
				break;
		if (j == all.n) {
			repo_hex(hex, ids[i], BK_NAME);
			rc = repo_fail(r, COFFER_ERR_NOTFOUND, "no snapshot %s",
			    hex);
			goto out;
		}
		/* The same snapshot may be asked for twice: copy strings. */
		out->v[i] = all.v[j];
		out->v[i].host = NULL;
		out->v[i].paths = NULL;
		out->v[i].npaths = 0;
		out->n = i + 1;
		memcpy(out->names[i], ids[i], BK_NAME);
		if ((rc = snap_copy_strings(&out->v[i], &all.v[j])) != 0)
			goto out;
	}
out:
	repo_snaps_free(&all);
	if (rc != 0)
		repo_snaps_free(out);
	return rc;
}

void
repo_snaps_free(struct repo_snaps *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		bk_snapshot_clear(&s->v[i]);
	free(s->v);
	free(s->names);
	memset(s, 0, sizeof(*s));
}

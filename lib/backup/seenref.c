/* The listing of the refs the last audit judged (seen.h): kept whole so
 * that the walks of a call never list again. */
#include <stdlib.h>
#include <string.h>

#include <coffer/err.h>

#include "backup/seen.h"

void
seen_refs_free(struct seen *s)
{
	size_t i;

	for (i = 0; i < s->nrefs; i++)
		free(s->refs[i].data);
	free(s->refs);
	s->refs = NULL;
	s->nrefs = s->caprefs = 0;
}

int
seen_refs_keep(struct seen *s, const uint8_t name[BK_NAME],
    const uint8_t *data, size_t len)
{
	struct seen_ref *nv, *x;

	if (s->nrefs >= SEEN_MAX)
		return COFFER_ERR_TOOBIG;
	if (s->nrefs == s->caprefs) {
		s->caprefs = s->caprefs ? 2 * s->caprefs : 32;
		if ((nv = realloc(s->refs, s->caprefs * sizeof(*nv))) == NULL)
			return COFFER_ERR_NOMEM;
		s->refs = nv;
	}
	x = &s->refs[s->nrefs];
	if ((x->data = malloc(len > 0 ? len : 1)) == NULL)
		return COFFER_ERR_NOMEM;
	memcpy(x->name, name, BK_NAME);
	if (len > 0)
		memcpy(x->data, data, len);
	x->len = len;
	s->nrefs++;
	return 0;
}

int
seen_walk(const struct seen *s, int (*fn)(void *, const uint8_t *,
    const uint8_t *, size_t), void *arg)
{
	size_t i;
	int rc;

	for (i = 0; i < s->nrefs; i++)
		if ((rc = fn(arg, s->refs[i].name, s->refs[i].data,
		    s->refs[i].len)) != 0)
			return rc;
	return 0;
}

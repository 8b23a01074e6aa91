/* Fuzz the exclude patterns of backup create (lib/backup/match.c): the
 * first byte picks the flags and whether the path is a folder; the rest
 * is a pattern, a NUL, and a path.
 *
 * Invariants: compiling never crashes and refuses with a reason; a
 * compiled pattern matches any path without crashing, in bounded time,
 * and gives 0 or 1; a case-insensitive pattern matches the path whatever
 * the case of its ASCII letters; a pattern matches a path below what it
 * matched. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <coffer/err.h>

#include "backup/match.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct match *m;
	const char *why;
	char *buf, *path, *up;
	size_t i, plen;
	int r, got;

	if (size < 2 || size > 4096)
		return 0;
	if ((buf = malloc(size + 3)) == NULL)
		return 0;
	memcpy(buf, data + 1, size - 1);
	buf[size - 1] = '\0';
	path = buf + strlen(buf) + (strlen(buf) < size - 1 ? 1 : 0);
	if ((m = match_new()) == NULL)
		abort();
	r = match_add(m, buf, data[0] & 1 ? MATCH_ICASE : 0, &why);
	if (r != 0 && (r != COFFER_ERR_INVALID || why == NULL || *why == '\0'))
		abort();
	got = match_str(m, path, data[0] >> 1 & 1);
	if (got < -1 || got > 1)
		abort();
	if (r == 0 && got >= 0 && (data[0] & 1)) {
		if ((up = strdup(path)) == NULL)
			abort();
		for (i = 0; up[i] != '\0'; i++)
			if (up[i] >= 'a' && up[i] <= 'z')
				up[i] = (char)(up[i] - 'a' + 'A');
		if (match_str(m, up, data[0] >> 1 & 1) != got)
			abort();
		free(up);
	}
	/* Below a match (a folder then): still a match. */
	plen = strlen(path);
	if (r == 0 && got == 1 && match_str(m, path, 1) == 1 &&
	    plen + 3 <= size + 2 - (size_t)(path - buf)) {
		memcpy(path + plen, "/x", 3);
		if (match_str(m, path, 0) == 0)
			abort();
	}
	match_free(&m);
	free(buf);
	return 0;
}

/* coffer selftest: the record of its steps, which every step file calls
 * (selftest.h). */
#include <stdio.h>

#include "selftest.h"

void
st_step(struct st *st, int ok, const char *what)
{
	st->steps++;
	if (!ok)
		st->failed++;
	if (st->json != NULL)
		json_array_append_new(st->json, json_pack("{s:s, s:b}",
		    "step", what, "ok", ok));
	else
		printf("  %-4s %s\n", ok ? "ok" : "FAIL", what);
}

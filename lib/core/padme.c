/* Padmé buckets (core/padme.h): the one copy that packs, refs and sealed
 * records share. */
#include "core/padme.h"

uint64_t
padme_bucket(uint64_t len)
{
	unsigned e = 0, s = 0, low;
	uint64_t v, mask;

	if (len < 2)
		return len;
	for (v = len; v > 1; v >>= 1)
		e++;
	for (v = e; v > 0; v >>= 1)
		s++;
	low = e - s;
	mask = ((uint64_t)1 << low) - 1;
	return (len + mask) & ~mask;
}

/* srv_range_parse: one Range header value against an object's size
 * (http.h). Calls nothing. */
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "http.h"

/* Digits (leading zeros allowed by RFC 9110), below 2^63. */
static const char *
digits(const char *p, uint64_t *v)
{
	size_t i;

	*v = 0;
	for (i = 0; p[i] >= '0' && p[i] <= '9'; i++) {
		uint64_t d = (uint64_t)(p[i] - '0');

		if (*v > ((uint64_t)INT64_MAX - d) / 10)
			return NULL;
		*v = *v * 10 + d;
	}
	return i == 0 ? NULL : p + i;
}

int
srv_range_parse(const char *h, uint64_t size, uint64_t *start, uint64_t *len)
{
	const char *eq, *p;
	uint64_t a, b;

	if (h == NULL)
		return 0;
	if ((eq = strchr(h, '=')) == NULL)
		return -1;
	/* RFC 9110 14.2: a range unit we do not know is ignored. */
	if ((size_t)(eq - h) != 5 || strncasecmp(h, "bytes", 5) != 0)
		return 0;
	p = eq + 1;
	if (*p == '-') {
		if ((p = digits(p + 1, &b)) == NULL || *p != '\0' || b == 0 ||
		    size == 0)
			return -1;
		*len = b < size ? b : size;
		*start = size - *len;
		return 1;
	}
	if ((p = digits(p, &a)) == NULL || *p++ != '-' || a >= size)
		return -1;
	if (*p == '\0') {
		*start = a;
		*len = size - a;
		return 1;
	}
	if ((p = digits(p, &b)) == NULL || *p != '\0' || b < a)
		return -1;
	*start = a;
	*len = (b < size - 1 ? b : size - 1) - a + 1;
	return 1;
}

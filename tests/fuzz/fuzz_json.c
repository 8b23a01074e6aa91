/* Fuzz the request-body parsing helpers: wire_json_parse (depth pre-scan,
 * duplicates, UTF-8), the typed getters over whatever it accepts, the id
 * decoder and the Range parser. Invariants: an accepted body is an
 * object no deeper than the cap that dumps and re-parses to an equal
 * value; a decoded id re-encodes to the same text; a satisfiable range
 * lies inside the object and is not empty. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/http.h"
#include "wire/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static unsigned
depth(const json_t *v)
{
	const char *k;
	json_t *x;
	size_t i;
	unsigned d = 0, c;

	if (json_is_object(v)) {
		json_object_foreach((json_t *)(uintptr_t)v, k, x)
			if ((c = depth(x)) > d)
				d = c;
		return d + 1;
	}
	if (json_is_array(v)) {
		json_array_foreach(v, i, x)
			if ((c = depth(x)) > d)
				d = c;
		return d + 1;
	}
	return 0;
}

static void
getters(const json_t *o)
{
	struct wire_json_err e;
	const char *key, *s;
	json_t *v, *a;
	uint64_t u;
	uint8_t id[32], *b;
	size_t n;
	int t;

	json_object_foreach((json_t *)(uintptr_t)o, key, v) {
		if (wire_json_string(o, key, 1, 0, 64, &s, &e) == 0 &&
		    strlen(s) > 64)
			abort();
		if (wire_json_uint(o, key, 1, 0, 1000, &u, &e) == 0 &&
		    u > 1000)
			abort();
		(void)wire_json_bool(o, key, 1, &t, &e);
		if (wire_json_id(o, key, 1, id, 16, &e) == 0) {
			char hex[33];

			wire_id_encode(hex, id, 16);
			if (strcmp(hex, json_string_value(v)) != 0)
				abort();
		}
		if (wire_json_bytes(o, key, 1, 0, 48, &b, &n, &e) == 0) {
			if (n > 48 || (n == 0) != (b == NULL))
				abort();
			free(b);
		}
		if (wire_json_array(o, key, 1, 0, 8, &a, &e) == 0 &&
		    json_array_size(a) > 8)
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wire_json_err e;
	json_t *v = NULL, *w;
	uint64_t start, len, osize;
	uint8_t id[32];
	char *s, *text;
	int r;

	if (size < 1 || size > 70000)
		return 0;
	if ((text = malloc(size)) == NULL)
		return 0;
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	switch (data[0] % 3) {
	case 0:
		if (wire_json_parse(text, size - 1, WIRE_JSON_MAX_DEPTH, &v,
		    &e) != 0) {
			if (v != NULL || srv_err_of_json(e.fault) != SRV_E_MALFORMED_JSON)
				abort();
			break;
		}
		if (!json_is_object(v) || depth(v) > WIRE_JSON_MAX_DEPTH)
			abort();
		if ((s = json_dumps(v, JSON_COMPACT)) == NULL)
			abort();
		if (wire_json_parse(s, strlen(s), WIRE_JSON_MAX_DEPTH, &w,
		    &e) != 0 || !json_equal(v, w))
			abort();
		free(s);
		json_decref(w);
		getters(v);
		json_decref(v);
		break;
	case 1:
		if (wire_id_decode(text, size - 1, id, 16) == 0) {
			char hex[33];

			wire_id_encode(hex, id, 16);
			if (size - 1 != 32 || memcmp(hex, text, 32) != 0)
				abort();
		}
		break;
	case 2:
		/* The object's size from the first bytes of the header. */
		osize = size > 1 ? (uint64_t)data[1] * 977 : 0;
		r = srv_range_parse(strlen(text) == size - 1 ? text : NULL,
		    osize, &start, &len);
		if (r == 1 && (len == 0 || start >= osize ||
		    len > osize - start))
			abort();
		if (r < -1 || r > 1)
			abort();
		break;
	}
	free(text);
	return 0;
}

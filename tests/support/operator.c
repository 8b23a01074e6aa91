/* The server operator's hand (operator.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include <coffer/encoding.h>

#include "http_client.h"
#include "operator.h"

/* "Authorization: Bearer <token>" from ${home}'s session file. */
static void
auth_header(const char *home, char *out, size_t cap)
{
	char path[4200], *tok;

	(void)snprintf(path, sizeof(path), "%s/session", home);
	assert_non_null(tok = srv_slurp(path, NULL));
	(void)snprintf(out, cap, "Authorization: Bearer %s", tok);
	free(tok);
}

/* One request with the home's session; its status, and its answer if
 * ${body} is not NULL. */
static long
request(struct srv *s, const char *home, const char *method,
    const char *path, const char *json, char **body)
{
	char auth[256], ct[] = "Content-Type: application/json";
	const char *h[] = { auth, json != NULL ? ct : NULL, NULL };
	long st;

	auth_header(home, auth, sizeof(auth));
	assert_int_equal(http_request(method, srv_url(s, path), h, json,
	    json != NULL ? strlen(json) : 0, &st, body), 0);
	return st;
}

static void
rec_path(char *out, size_t cap, const char *zone, const uint8_t id[16])
{
	char rid[OP_HEX];

	assert_int_equal(coffer_hex_encode(rid, sizeof(rid), id, 16), 0);
	(void)snprintf(out, cap, "/v1/zones/%s/records/%s", zone, rid);
}

void
op_zone_of(struct srv *s, const char *home, const uint8_t id[16],
    char zone[OP_HEX])
{
	char p[128], *body = NULL;
	const char *z;
	json_t *j, *e;
	size_t i;

	zone[0] = '\0';
	assert_int_equal(request(s, home, "GET", "/v1/zones", NULL, &body),
	    200);
	assert_non_null(j = json_loads(body, 0, NULL));
	json_array_foreach(json_object_get(j, "zones"), i, e) {
		z = json_string_value(json_object_get(e, "zone"));
		assert_non_null(z);
		rec_path(p, sizeof(p), z, id);
		if (request(s, home, "GET", p, NULL, NULL) == 200)
			(void)snprintf(zone, OP_HEX, "%s", z);
	}
	json_decref(j);
	free(body);
	assert_int_equal(strlen(zone), 32);
}

void
op_get(struct srv *s, const char *home, const char *zone,
    const uint8_t id[16], char *data, size_t cap, long long *version)
{
	char p[128], *body = NULL;
	json_t *j;

	rec_path(p, sizeof(p), zone, id);
	assert_int_equal(request(s, home, "GET", p, NULL, &body), 200);
	assert_non_null(j = json_loads(body, 0, NULL));
	assert_true(strlen(json_string_value(json_object_get(j, "data"))) <
	    cap);
	(void)snprintf(data, cap, "%s",
	    json_string_value(json_object_get(j, "data")));
	*version = json_integer_value(json_object_get(j, "version"));
	json_decref(j);
	free(body);
}

void
op_put(struct srv *s, const char *home, const char *zone,
    const uint8_t id[16], const char *data, long long version)
{
	char p[128], *json;
	size_t n = strlen(data) + 64;

	rec_path(p, sizeof(p), zone, id);
	assert_non_null(json = malloc(n));
	(void)snprintf(json, n, "{\"data\":\"%s\",\"version\":%lld}", data,
	    version);
	assert_int_equal(request(s, home, "PUT", p, json, NULL), 200);
	free(json);
}

void
op_delete(struct srv *s, const char *home, const char *zone,
    const uint8_t id[16], long long version)
{
	char p[160];
	size_t n;

	rec_path(p, sizeof(p), zone, id);
	n = strlen(p);
	(void)snprintf(p + n, sizeof(p) - n, "?version=%lld", version);
	assert_int_equal(request(s, home, "DELETE", p, NULL, NULL), 200);
}

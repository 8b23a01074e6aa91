/* test_account_new: an account and its session for route tests. */
#include "account.h"

#include <stdio.h>
#include <string.h>

#include "http_client.h"

int
test_account_new(struct srv *s, struct test_account *a)
{
	json_t *j;
	const char *id, *token;
	long status = 0;
	int r = -1;

	memset(a, 0, sizeof(*a));
	j = http_json("POST", srv_url(s, "/v1/_test/session"), NULL, &status);
	if (j == NULL || status != 200 ||
	    (id = json_string_value(json_object_get(j, "account"))) == NULL ||
	    (token = json_string_value(json_object_get(j, "token"))) == NULL ||
	    strlen(id) != 32 || strlen(token) >= sizeof(a->token))
		goto out;
	memcpy(a->id, id, 33);
	snprintf(a->token, sizeof(a->token), "%s", token);
	snprintf(a->auth, sizeof(a->auth), "Authorization: Bearer %s", token);
	r = 0;
out:
	json_decref(j);
	return r;
}

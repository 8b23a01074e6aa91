/* libFuzzer: the client's strict reading of server answers (lib/net
 * json.c). Every input is parsed as an answer and every getter run on it:
 * none may crash, read out of bounds or leak; a getter that fails names
 * its field; what b64 decodes fits its cap. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <coffer/buf.h>
#include <coffer/err.h>

#include "net/net.h"

static const char *const keys[] = { "data", "version", "deleted", "record",
	"token", "more", "changes", NULL };

int LLVMFuzzerTestOneInput(const uint8_t *p, size_t len);

int
LLVMFuzzerTestOneInput(const uint8_t *p, size_t len)
{
	struct coffer_buf *b = coffer_buf_new(1 << 20);
	char detail[NET_DETAIL];
	uint8_t id[16], exact[64];
	const char *s;
	uint64_t v;
	json_t *j = NULL;
	size_t i;
	int flag;

	if (b == NULL)
		return 0;
	if (net_json_load(&j, p, len, detail) == 0) {
		(void)net_json_only(j, keys, detail);
		for (i = 0; keys[i] != NULL; i++) {
			if (net_json_int(j, keys[i], &v, detail) != 0 &&
			    strstr(detail, keys[i]) == NULL)
				__builtin_trap();
			(void)net_json_bool(j, keys[i], &flag, detail);
			(void)net_json_str(j, keys[i], &s, detail);
			(void)net_json_hex(j, keys[i], id, sizeof(id),
			    detail);
			(void)net_json_b64_exact(j, keys[i], exact,
			    sizeof(exact), detail);
			coffer_buf_reset(b);
			if (net_json_b64(j, keys[i], b, 100, detail) == 0 &&
			    coffer_buf_len(b) > 100)
				__builtin_trap();
		}
		json_decref(j);
	}
	coffer_buf_free(&b);
	return 0;
}

/* coffer record put|get|list|delete --category NAME: generic end-to-end
 * encrypted records (notes, reminders, bookmarks) in the category's
 * default zone. Payloads are bytes: put reads them whole, get writes them
 * unchanged. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include <coffer/encoding.h>
#include <coffer/err.h>

#include "cli.h"
#include "commands.h"
#include "session.h"

#define ID_HEX	COFFER_HEX_LEN(COFFER_RECORD_ID_BYTES)

/* The payload: --data, or standard input (at most COFFER_RECORD_MAX). */
static int
read_payload(struct cli *c, struct coffer_buf *b)
{
	const char *d = cli_opt(c, "data");
	uint8_t *p;
	size_t want, n;
	int r;

	if (d != NULL) {
		if ((r = coffer_buf_append(b, d, strlen(d))) != 0)
			return cli_fail(c, r, "record put", "--data");
		return CLI_OK;
	}
	for (;;) {
		if (coffer_buf_len(b) == coffer_buf_max(b)) {
			/* Full: one byte more means too big. */
			if (fgetc(stdin) == EOF)
				break;
			return cli_fail(c, COFFER_ERR_TOOBIG, "record put",
			    "standard input is larger than a record may be");
		}
		want = coffer_buf_max(b) - coffer_buf_len(b);
		if (want > 65536)
			want = 65536;
		if ((r = coffer_buf_extend(b, want, &p)) != 0)
			return cli_fail(c, r, "record put", "reading input");
		n = fread(p, 1, want, stdin);
		coffer_buf_truncate(b, coffer_buf_len(b) - (want - n));
		if (n < want)
			break;
	}
	if (ferror(stdin))
		return cli_failf(c, "record put: reading standard input: %s",
		    strerror(errno));
	return CLI_OK;
}

int
cmd_record_put(struct cli *c)
{
	const char *cat = cli_opt(c, "category");
	uint8_t id[COFFER_RECORD_ID_BYTES];
	struct coffer_client *cl = NULL;
	struct coffer_buf *b = NULL;
	char hex[ID_HEX];
	int r;

	if (c->npos > 0 && (r = cli_parse_id(c, c->pos[0], id, sizeof(id),
	    "record id")) != CLI_OK)
		return r;
	if ((b = coffer_buf_new_secret(COFFER_RECORD_MAX)) == NULL)
		return cli_fail(c, COFFER_ERR_NOMEM, "record put", NULL);
	if ((r = read_payload(c, b)) != CLI_OK)
		goto out;
	if ((r = cli_client_open(c, &cl)) != CLI_OK)
		goto out;
	if (c->npos > 0)
		r = coffer_client_record_update(cl, cat, NULL, id,
		    coffer_buf_data(b), coffer_buf_len(b), NULL, NULL);
	else
		r = coffer_client_record_create(cl, cat, NULL,
		    coffer_buf_data(b), coffer_buf_len(b), id);
	if (r != 0) {
		r = cli_client_fail(c, cl, r, "record put");
		goto out;
	}
	cli_hex(hex, id, sizeof(id));
	cli_json_set(c, "id", json_string(hex));
	cli_json_u64(c, "size", coffer_buf_len(b));
	cli_print(c, "%s", hex);
	r = CLI_OK;
out:
	coffer_buf_free(&b);
	coffer_client_free(&cl);
	return r;
}

/* The payload as a JSON member: text when it is UTF-8, else base64url. */
static void
json_payload(struct cli *c, const uint8_t *p, size_t n)
{
	json_t *s = json_stringn((const char *)p, n);
	char *b64;

	if (s != NULL) {
		cli_json_set(c, "data", s);
		return;
	}
	if ((b64 = malloc(COFFER_B64URL_LEN(n))) != NULL &&
	    coffer_b64url_encode(b64, COFFER_B64URL_LEN(n), p, n) == 0)
		cli_json_set(c, "data_b64url", json_string(b64));
	free(b64);
}

int
cmd_record_get(struct cli *c)
{
	uint8_t id[COFFER_RECORD_ID_BYTES];
	struct coffer_client *cl = NULL;
	struct coffer_buf *b = NULL;
	uint64_t version = 0;
	int r;

	if ((r = cli_parse_id(c, c->pos[0], id, sizeof(id), "record id")) !=
	    CLI_OK)
		return r;
	if ((b = coffer_buf_new_secret(COFFER_RECORD_MAX)) == NULL)
		return cli_fail(c, COFFER_ERR_NOMEM, "record get", NULL);
	if ((r = cli_client_open(c, &cl)) != CLI_OK)
		goto out;
	if ((r = coffer_client_record_get(cl, cli_opt(c, "category"), NULL, id,
	    b, &version)) != 0) {
		r = cli_client_fail(c, cl, r, "record get");
		goto out;
	}
	cli_json_set(c, "id", json_string(c->pos[0]));
	cli_json_u64(c, "version", version);
	if (c->json)
		json_payload(c, coffer_buf_data(b), coffer_buf_len(b));
	else if (coffer_buf_len(b) > 0 && fwrite(coffer_buf_data(b), 1,
	    coffer_buf_len(b), stdout) != coffer_buf_len(b)) {
		r = cli_failf(c, "record get: writing standard output: %s",
		    strerror(errno));
		goto out;
	}
	r = CLI_OK;
out:
	coffer_buf_free(&b);
	coffer_client_free(&cl);
	return r;
}

struct listing {
	struct cli	*c;
	json_t		*records;
};

static int
one_record(void *arg, const uint8_t id[COFFER_RECORD_ID_BYTES],
    uint64_t version, const uint8_t *data, size_t len)
{
	struct listing *l = arg;
	char hex[ID_HEX];

	(void)data;
	cli_hex(hex, id, COFFER_RECORD_ID_BYTES);
	json_array_append_new(l->records, json_pack("{s:s, s:I, s:I}", "id",
	    hex, "version", (json_int_t)version, "size", (json_int_t)len));
	cli_print(l->c, "%s  %zu", hex, len);
	return 0;
}

int
cmd_record_list(struct cli *c)
{
	struct listing l = { c, json_array() };
	struct coffer_client *cl = NULL;
	int r;

	if ((r = cli_client_open(c, &cl)) != CLI_OK)
		goto out;
	if ((r = coffer_client_record_list(cl, cli_opt(c, "category"), NULL,
	    one_record, &l)) != 0) {
		r = cli_client_fail(c, cl, r, "record list");
		goto out;
	}
	cli_json_set(c, "records", l.records);
	l.records = NULL;
out:
	json_decref(l.records);
	coffer_client_free(&cl);
	return r;
}

int
cmd_record_delete(struct cli *c)
{
	uint8_t id[COFFER_RECORD_ID_BYTES];
	struct coffer_client *cl = NULL;
	int r;

	if ((r = cli_parse_id(c, c->pos[0], id, sizeof(id), "record id")) !=
	    CLI_OK)
		return r;
	if ((r = cli_client_open(c, &cl)) != CLI_OK)
		return r;
	if ((r = coffer_client_record_delete(cl, cli_opt(c, "category"), NULL,
	    id)) != 0)
		r = cli_client_fail(c, cl, r, "record delete");
	else {
		cli_json_set(c, "deleted", json_string(c->pos[0]));
		cli_note(c, "deleted record %s", c->pos[0]);
	}
	coffer_client_free(&cl);
	return r;
}

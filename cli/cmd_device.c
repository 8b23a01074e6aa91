/* coffer device list|approve, coffer sync. */
#include <stdio.h>
#include <string.h>

#include <coffer/err.h>

#include "cli.h"
#include "commands.h"
#include "session.h"

struct listing {
	struct cli		*c;
	struct coffer_client	*cl;
	json_t			*devices;
};

static int
one_device(void *arg, const uint8_t id[COFFER_CLIENT_DEVICE_ID_BYTES],
    int trusted, int self)
{
	struct listing *l = arg;
	char hex[2 * COFFER_CLIENT_DEVICE_ID_BYTES + 1];
	char code[COFFER_CLIENT_CODE_LEN];

	cli_hex(hex, id, COFFER_CLIENT_DEVICE_ID_BYTES);
	/* The code is what the user compares with the new device's screen;
	 * a card that does not hold shows no code (and cannot be approved). */
	if (coffer_client_device_code(l->cl, id, code) != 0)
		snprintf(code, sizeof(code), "?");
	json_array_append_new(l->devices, json_pack("{s:s, s:b, s:b, s:s}",
	    "id", hex, "trusted", trusted, "self", self, "code", code));
	cli_print(l->c, "%s  %-9s  %-9s%s", hex, code, trusted ? "trusted" :
	    "waiting", self ? "  (this device)" : "");
	return 0;
}

int
cmd_device_list(struct cli *c)
{
	struct listing l = { c, NULL, json_array() };
	int r;

	if ((r = cli_client_open(c, &l.cl)) != CLI_OK)
		goto out;
	if ((r = coffer_client_device_list(l.cl, one_device, &l)) != 0) {
		r = cli_client_fail(c, l.cl, r, "device list");
		goto out;
	}
	cli_json_set(c, "devices", l.devices);
	l.devices = NULL;
out:
	json_decref(l.devices);
	coffer_client_free(&l.cl);
	return r;
}

/* The code to approve with: --code, or the card's own once the user has
 * compared it on the terminal with what the new device shows. */
static int
approve_code(struct cli *c, struct coffer_client *cl, const uint8_t *id,
    char code[COFFER_CLIENT_CODE_LEN], const char **out)
{
	char q[200];
	int r;

	if ((*out = cli_opt(c, "code")) != NULL)
		return CLI_OK;
	if ((r = coffer_client_device_code(cl, id, code)) != 0)
		return cli_client_fail(c, cl, r, "device approve");
	snprintf(q, sizeof(q), "The new device must show the code %s.\n"
	    "Approve device %s? [y/N] ", code, c->pos[0]);
	switch (cli_confirm(c, q)) {
	case CLI_OK:
		*out = code;
		return CLI_OK;
	case CLI_USAGE:
		return cli_usage(c, "give --code CODE, the verification code "
		    "the new device shows (or run on a terminal to compare it)");
	default:
		return cli_failf(c, "device %s not approved", c->pos[0]);
	}
}

int
cmd_device_approve(struct cli *c)
{
	uint8_t id[COFFER_CLIENT_DEVICE_ID_BYTES];
	char code[COFFER_CLIENT_CODE_LEN];
	struct coffer_client *cl = NULL;
	const char *use;
	int r;

	if ((r = cli_parse_id(c, c->pos[0], id, sizeof(id), "device id")) !=
	    CLI_OK)
		return r;
	if ((r = cli_client_open(c, &cl)) != CLI_OK)
		return r;
	if ((r = approve_code(c, cl, id, code, &use)) != CLI_OK)
		goto out;
	if ((r = coffer_client_device_approve(cl, id, use)) != 0) {
		r = cli_client_fail(c, cl, r, "device approve");
	} else {
		cli_json_set(c, "approved", json_string(c->pos[0]));
		cli_note(c, "approved device %s: it can read the account's "
		    "data after its next sync", c->pos[0]);
	}
out:
	coffer_client_free(&cl);
	return r;
}

int
cmd_sync(struct cli *c)
{
	struct coffer_client *cl = NULL;
	uint64_t changed = 0, zones = 0;
	int r;

	if ((r = cli_client_open(c, &cl)) != CLI_OK)
		return r;
	if ((r = coffer_client_sync_count(cl, &changed, &zones)) != 0)
		r = cli_client_fail(c, cl, r, "sync");
	else {
		cli_json_set(c, "synced", json_true());
		cli_json_u64(c, "changes", changed);
		cli_json_u64(c, "zones", zones);
		if (changed == 0)
			cli_print(c, "sync: up to date");
		else
			cli_print(c, "sync: %llu change%s in %llu zone%s",
			    (unsigned long long)changed, changed == 1 ? "" :
			    "s", (unsigned long long)zones, zones == 1 ? "" :
			    "s");
	}
	coffer_client_free(&cl);
	return r;
}

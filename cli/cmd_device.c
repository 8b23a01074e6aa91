/* coffer device list|approve, coffer sync. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <coffer/err.h>

#include <sodium.h>

#include "cli.h"
#include "commands.h"
#include "session.h"

#define HEX_ID	(2 * COFFER_CLIENT_DEVICE_ID_BYTES + 1)

struct listing {
	struct cli	*c;
	json_t		*devices;
};

static int
one_device(void *arg, const struct coffer_client_device *d)
{
	struct listing *l = arg;
	char hex[HEX_ID], by[HEX_ID], when[32];
	struct tm tm;
	time_t t = (time_t)d->added_time;
	json_t *o;

	cli_hex(hex, d->id, sizeof(d->id));
	o = json_pack("{s:s, s:s, s:b, s:b, s:s}", "id", hex, "state",
	    d->listed ? "listed" : "waiting", "listed", d->listed, "self",
	    d->self, "name", d->name);
	if (!d->listed) {
		json_array_append_new(l->devices, o);
		cli_print(l->c, "%s  %-7s  %s%s", hex, "waiting",
		    "(not approved)", d->self ? "  (this device)" : "");
		return 0;
	}
	cli_hex(by, d->approver, sizeof(d->approver));
	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(when, sizeof(when), "%Y-%m-%d %H:%M UTC", &tm) == 0)
		snprintf(when, sizeof(when), "?");
	json_object_set_new(o, "added_seq", json_integer(
	    (json_int_t)d->added_seq));
	json_object_set_new(o, "added_time", json_integer(
	    (json_int_t)d->added_time));
	json_object_set_new(o, "approver", json_string(by));
	json_array_append_new(l->devices, o);
	cli_print(l->c, "%s  %-7s  %s%sadded %s%s", hex, "listed", d->name,
	    d->name[0] ? "  " : "", when, d->self ? "  (this device)" : "");
	return 0;
}

int
cmd_device_list(struct cli *c)
{
	struct listing l = { c, json_array() };
	struct coffer_client_status st;
	struct coffer_client *cl = NULL;
	int r;

	if ((r = cli_client_open(c, &cl)) != CLI_OK)
		goto out;
	if ((r = coffer_client_device_list(cl, one_device, &l)) != 0) {
		r = cli_client_fail(c, cl, r, "device list");
		goto out;
	}
	cli_json_set(c, "devices", l.devices);
	l.devices = NULL;
	/* A list refused earlier stays shown until a valid one comes. */
	if (coffer_client_status(cl, &st) == 0 && st.refusal[0] != '\0') {
		cli_json_set(c, "refused", json_string(st.refusal));
		cli_print(c, "warning: %s", st.refusal);
	}
out:
	json_decref(l.devices);
	coffer_client_free(&cl);
	return r;
}

int
cmd_device_approve(struct cli *c)
{
	uint8_t id[COFFER_CLIENT_DEVICE_ID_BYTES];
	char code[64];
	struct coffer_client *cl = NULL;
	const char *use;
	int r;

	if (c->npos > 0 && (r = cli_parse_id(c, c->pos[0], id, sizeof(id),
	    "device id")) != CLI_OK)
		return r;
	if ((use = cli_opt(c, "code")) == NULL) {
		switch (cli_ask(c, "The code the new device shows: ", code,
		    sizeof(code))) {
		case CLI_OK:
			use = code;
			break;
		case CLI_USAGE:
			return cli_usage(c, "give --code CODE, the code the new "
			    "device shows (or run on a terminal to be asked)");
		default:
			return CLI_FAIL;
		}
	}
	if ((r = cli_client_open(c, &cl)) != CLI_OK)
		return r;
	cli_note(c, "waiting for the new device...");
	if ((r = coffer_client_device_approve(cl, c->npos > 0 ? id : NULL,
	    use)) != 0) {
		r = cli_client_fail(c, cl, r, "device approve");
	} else {
		cli_json_set(c, "approved", json_true());
		cli_print(c, "approved: the new device can read the account's "
		    "data");
	}
	sodium_memzero(code, sizeof(code));
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

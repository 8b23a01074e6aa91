/* coffer device list|approve|remove|rename, coffer sync, and the alerts
 * of changes to the account's devices. */
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

/* A device as an alert names it: its name, else its id. */
static void
who(char *out, size_t cap, const char *name, const uint8_t id[16])
{
	char hex[HEX_ID];

	cli_hex(hex, id, 16);
	(void)snprintf(out, cap, "%s", name[0] != '\0' ? name : hex);
}

static int
one_change(void *arg, const struct coffer_client_change *ch)
{
	struct listing *l = arg;
	char subject[COFFER_CLIENT_NAME_MAX + HEX_ID];
	char actor[COFFER_CLIENT_NAME_MAX + HEX_ID], when[32], sid[HEX_ID];
	char aid[HEX_ID];
	struct tm tm;
	time_t t = (time_t)ch->time;
	const char *kind;

	who(subject, sizeof(subject), ch->subject_name, ch->subject);
	who(actor, sizeof(actor), ch->actor_name, ch->actor);
	cli_hex(sid, ch->subject, sizeof(ch->subject));
	cli_hex(aid, ch->actor, sizeof(ch->actor));
	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(when, sizeof(when), "%Y-%m-%d %H:%M UTC", &tm) == 0)
		snprintf(when, sizeof(when), "?");
	kind = ch->kind == COFFER_CLIENT_CHANGE_ADDED ? "added" :
	    ch->kind == COFFER_CLIENT_CHANGE_REMOVED ? "removed" : "renamed";
	json_array_append_new(l->devices, json_pack("{s:I, s:s, s:s, s:s, "
	    "s:s, s:s, s:I, s:I}", "seq", (json_int_t)ch->seq, "change", kind,
	    "device", sid, "name", ch->subject_name, "by", aid, "by_name",
	    ch->actor_name, "time", (json_int_t)ch->time, "epoch",
	    (json_int_t)ch->epoch));
	if (ch->kind == COFFER_CLIENT_CHANGE_ADDED)
		cli_print(l->c, "added: %s, approved by %s at %s", subject,
		    actor, when);
	else if (ch->kind == COFFER_CLIENT_CHANGE_REMOVED)
		cli_print(l->c, "removed: %s, by %s at %s (keys rolled to "
		    "epoch %lu)", subject, actor, when,
		    (unsigned long)ch->epoch);
	else
		cli_print(l->c, "renamed: %s, by %s at %s", subject, actor,
		    when);
	return 0;
}

int
cmd_device_alerts(struct cli *c, struct coffer_client *cl, int remember,
    unsigned *shown)
{
	struct listing l = { c, json_array() };
	uint64_t head = 0;
	int r;

	*shown = 0;
	if ((r = coffer_client_device_changes(cl, one_change, &l,
	    &head)) != 0) {
		json_decref(l.devices);
		return cli_client_fail(c, cl, r, "device changes");
	}
	*shown = (unsigned)json_array_size(l.devices);
	cli_json_set(c, "changes", l.devices);
	if (remember && (r = coffer_client_device_changes_shown(cl,
	    head)) != 0)
		return cli_client_fail(c, cl, r, "device changes");
	return CLI_OK;
}

int
cmd_device_list(struct cli *c)
{
	struct listing l = { c, json_array() };
	struct coffer_client_status st;
	struct coffer_client *cl = NULL;
	int r, check = cli_opt(c, "check") != NULL;
	unsigned n = 0;

	if ((r = cli_client_open(c, &cl)) != CLI_OK)
		goto out;
	if ((r = coffer_client_device_list(cl, one_device, &l)) != 0) {
		r = cli_client_fail(c, cl, r, "device list");
		goto out;
	}
	cli_json_set(c, "devices", l.devices);
	l.devices = NULL;
	/* What changed since the user last looked; --check tells a monitor
	 * and remembers nothing. */
	if ((r = cmd_device_alerts(c, cl, !check, &n)) != CLI_OK)
		goto out;
	/* A list refused earlier stays shown until a valid one comes. */
	if (coffer_client_status(cl, &st) == 0 && st.refusal[0] != '\0') {
		cli_json_set(c, "refused", json_string(st.refusal));
		cli_print(c, "warning: %s", st.refusal);
		n++;
	}
	if (check && n > 0)
		r = CLI_FAIL;
out:
	json_decref(l.devices);
	coffer_client_free(&cl);
	return r;
}

int
cmd_device_remove(struct cli *c)
{
	struct coffer_client_removal rm;
	struct coffer_client *cl = NULL;
	uint8_t id[COFFER_CLIENT_DEVICE_ID_BYTES];
	char hex[HEX_ID];
	int r;

	if ((r = cli_parse_id(c, c->pos[0], id, sizeof(id), "device id")) !=
	    CLI_OK)
		return r;
	if (cli_opt(c, "yes") == NULL) {
		switch (cli_confirm(c, "Remove this device from the account "
		    "(it keeps what it read, and reads nothing after)? [y/N] ")) {
		case CLI_OK:
			break;
		case CLI_USAGE:
			return cli_usage(c, "give --yes to remove a device "
			    "without a terminal to confirm on");
		default:
			return cli_failf(c, "not removed");
		}
	}
	if ((r = cli_client_open(c, &cl)) != CLI_OK)
		return r;
	if ((r = coffer_client_device_remove(cl, id, &rm)) != 0) {
		r = cli_client_fail(c, cl, r, "device remove");
		goto out;
	}
	cli_hex(hex, id, sizeof(id));
	cli_json_set(c, "removed", json_string(hex));
	cli_json_set(c, "listed", json_boolean(rm.listed));
	cli_json_set(c, "name", json_string(rm.name));
	if (rm.listed) {
		cli_json_u64(c, "epoch", rm.epoch);
		cli_print(c, "removed %s; keys rolled to epoch %lu",
		    rm.name[0] != '\0' ? rm.name : hex,
		    (unsigned long)rm.epoch);
	} else
		cli_print(c, "removed %s: it was not approved, so its "
		    "registration is deleted", hex);
out:
	coffer_client_free(&cl);
	return r;
}

int
cmd_device_rename(struct cli *c)
{
	uint8_t id[COFFER_CLIENT_DEVICE_ID_BYTES];
	struct coffer_client *cl = NULL;
	const char *name = c->pos[c->npos - 1];
	int r;

	if (c->npos > 1 && (r = cli_parse_id(c, c->pos[0], id, sizeof(id),
	    "device id")) != CLI_OK)
		return r;
	if ((r = cli_client_open(c, &cl)) != CLI_OK)
		return r;
	if ((r = coffer_client_device_rename(cl, c->npos > 1 ? id : NULL,
	    name)) != 0)
		r = cli_client_fail(c, cl, r, "device rename");
	else {
		cli_json_set(c, "name", json_string(name));
		cli_print(c, "renamed: %s", name);
	}
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

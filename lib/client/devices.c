/* The account's devices as this device knows them
 * (docs/PROTOCOL-client.md §3): those the verified device list head
 * holds, with their names (sealed in the list under the epoch's names
 * key), and those registered with the server but not listed, which wait
 * for approval (pair.c). */
#include <coffer/client.h>
#include <coffer/encoding.h>
#include <coffer/err.h>

#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "client/client_internal.h"
#include "keys/devlist_names.h"

static const char *const device_keys[] = { "device", "card", "name",
	"created", NULL };

/* The id of one device object of GET /v1/devices, its card checked. */
static int
parse_device(struct coffer_client *c, const json_t *j,
    uint8_t id[COFFER_WIRE_ID_BYTES])
{
	struct coffer_device_card card;
	uint8_t raw[COFFER_DEVICE_CARD_BYTES];
	char *detail = c->errmsg, hex[ID_HEX];
	uint64_t created;
	int r;

	if (!json_is_object(j) ||
	    (r = net_json_only(j, device_keys, detail)) != 0 ||
	    (r = net_json_hex(j, "device", id, COFFER_WIRE_ID_BYTES,
	    detail)) != 0 ||
	    (r = net_json_int(j, "created", &created, detail)) != 0 ||
	    (r = net_json_b64_exact(j, "card", raw,
	    COFFER_DEVICE_CARD_BYTES, detail)) != 0)
		return json_is_object(j) ? COFFER_ERR_SERVER : cl_fail(c,
		    COFFER_ERR_SERVER, "the server's answer: a device is not "
		    "an object");
	(void)cl_hex(hex, id);
	if ((r = coffer_device_card_parse(&card, raw,
	    COFFER_DEVICE_CARD_BYTES)) != 0)
		return cl_fail(c, COFFER_ERR_AUTH, "the card of device %s "
		    "does not hold: %s", hex, coffer_strerror(r));
	if (sodium_memcmp(card.device_id, id, COFFER_WIRE_ID_BYTES) != 0)
		return cl_fail(c, COFFER_ERR_AUTH, "the card of device %s "
		    "names another device", hex);
	return 0;
}

static int
is_self(struct coffer_client *c, const uint8_t id[COFFER_WIRE_ID_BYTES])
{
	return c->device != NULL && sodium_memcmp(id,
	    coffer_device_id(c->device), COFFER_WIRE_ID_BYTES) == 0;
}

/* The head's devices, named from its names table when this device holds
 * the root of the head's epoch. */
static int
listed(struct coffer_client *c, const struct devlist_entry *head,
    coffer_client_device_fn fn, void *arg)
{
	struct devlist_names *t = NULL;
	struct coffer_client_device d;
	const char *name;
	size_t i;
	int r = 0;

	if ((t = sodium_malloc(sizeof(*t))) == NULL)
		return COFFER_ERR_NOMEM;
	memset(t, 0, sizeof(*t));
	if (c->root != NULL && c->epoch == head->epoch &&
	    (r = devlist_names_open(t, head, c->root)) != 0) {
		r = cl_fail(c, COFFER_ERR_AUTH, "the device names in list "
		    "entry %llu do not open: %s",
		    (unsigned long long)head->seq, coffer_strerror(r));
		goto out;
	}
	for (i = 0; i < head->ndevices; i++) {
		memset(&d, 0, sizeof(d));
		memcpy(d.id, head->devices[i].card.device_id, sizeof(d.id));
		d.listed = 1;
		d.self = is_self(c, d.id);
		d.added_seq = head->devices[i].added_seq;
		d.added_time = head->devices[i].added_time;
		memcpy(d.approver, head->devices[i].approver,
		    sizeof(d.approver));
		if ((name = devlist_names_find(t, d.id)) != NULL)
			(void)snprintf(d.name, sizeof(d.name), "%s", name);
		if ((r = fn(arg, &d)) != 0)
			goto out;
	}
out:
	sodium_free(t);
	return r;
}

int
coffer_client_device_list(struct coffer_client *c,
    coffer_client_device_fn fn, void *arg)
{
	struct coffer_client_device d;
	struct devlist_entry head;
	json_t *j = NULL, *a, *e;
	size_t i;
	int r;

	memset(&head, 0, sizeof(head));
	if (c == NULL || fn == NULL)
		return COFFER_ERR_INVALID;
	c->errmsg[0] = '\0';
	if ((r = kc_refresh(c)) != 0)
		return r;
	if (c->root == NULL)
		return cl_fail(c, COFFER_ERR_STATE, "this device is not "
		    "approved yet: it cannot see the account's devices");
	if ((r = tr_head(c, &head)) != 0 ||
	    (r = listed(c, &head, fn, arg)) != 0)
		goto out;
	/* Registered, not listed: waiting for approval. */
	if ((r = cl_list(c, "/v1/devices", "devices", &j, &a)) != 0)
		goto out;
	json_array_foreach(a, i, e) {
		memset(&d, 0, sizeof(d));
		if ((r = parse_device(c, e, d.id)) != 0)
			goto out;
		if (devlist_find(&head, d.id) != NULL)
			continue;
		d.self = is_self(c, d.id);
		if ((r = fn(arg, &d)) != 0)
			goto out;
	}
out:
	json_decref(j);
	devlist_entry_cleanup(&head);
	return r;
}

/* Changes to the device list this device makes besides adding one
 * (docs/PROTOCOL-devices.md §2.4, §6): removing a device, which rolls
 * the epoch's keys through the removal journal (keychain_sync.c keeps
 * the keys and finishes it), and renaming one, an entry whose only
 * change is the names table. A device that is registered but not listed
 * is not in the list to remove: its registration is deleted. */
#include <coffer/client.h>
#include <coffer/err.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "client/client_internal.h"
#include "keys/devlist_names.h"

static const char leave_e[] = "this device cannot remove itself: to leave, "
    "remove this device from another trusted device";
static const char bad_name_e[] = "a device name is 1 to 64 bytes of UTF-8 "
    "with no control, line separator or bidirectional formatting character";

/* The names of ${head}, opened with the root of its epoch (this device's
 * current one), into ${t}. */
static int
open_names(struct coffer_client *c, const struct devlist_entry *head,
    struct devlist_names *t)
{
	int r;

	memset(t, 0, sizeof(*t));
	if ((r = devlist_names_open(t, head, c->root)) != 0)
		return cl_fail(c, COFFER_ERR_AUTH, "the device names in list "
		    "entry %llu do not open: %s", (unsigned long long)head->seq,
		    coffer_strerror(r));
	return 0;
}

/* Drop device ${id} from ${t}, its name into ${name} ("" if none). */
static void
names_drop(struct devlist_names *t, const uint8_t id[COFFER_WIRE_ID_BYTES],
    char name[DEVLIST_NAME_MAX + 1])
{
	size_t i;

	name[0] = '\0';
	for (i = 0; i < t->n; i++) {
		if (devlist_id_cmp(t->v[i].device, id) != 0)
			continue;
		(void)snprintf(name, DEVLIST_NAME_MAX + 1, "%s", t->v[i].name);
		memmove(&t->v[i], &t->v[i + 1], (t->n - i - 1) *
		    sizeof(t->v[0]));
		t->n--;
		sodium_memzero(&t->v[t->n], sizeof(t->v[0]));
		return;
	}
}

/* Seal ${t} (may hold no name: then no names field) under ${root} into
 * ${out}. */
static int
seal_names(struct coffer_client *c, const struct devlist_names *t,
    const struct coffer_key *root, struct coffer_buf *out)
{
	int r;

	coffer_buf_reset(out);
	if (t->n == 0)
		return 0;
	if ((r = devlist_names_seal(out, t, root)) != 0)
		return cl_fail(c, r, "sealing the device names: %s",
		    coffer_strerror(r));
	return 0;
}

/* A device registered with the server but not listed: its registration
 * deleted (DELETE /v1/devices/{id}, which the server allows only for an
 * unlisted device). COFFER_ERR_NOTFOUND: not registered either. */
static int
drop_unlisted(struct coffer_client *c, const uint8_t id[COFFER_WIRE_ID_BYTES])
{
	char path[64], hex[ID_HEX];
	int r;

	if ((r = cl_hex(hex, id)) != 0)
		return r;
	(void)snprintf(path, sizeof(path), "/v1/devices/%s", hex);
	r = cl_json(c, "DELETE", path, NULL, CL_IDEMPOTENT, NULL, NULL);
	if (r == COFFER_ERR_NOTFOUND)
		r = cl_fail(c, r, "device %s is neither in the device list nor "
		    "registered", hex);
	return r;
}

/* The remove entry of ${id} over ${head}, with the roll's keys, made and
 * signed into j->entry; the removed device's name into ${name}. */
static int
make_remove(struct coffer_client *c, const struct devlist_entry *head,
    const uint8_t id[COFFER_WIRE_ID_BYTES], struct kc_roll *j,
    char name[DEVLIST_NAME_MAX + 1])
{
	struct devlist_names *t = NULL;
	struct devlist_device *devs = NULL;
	struct devlist_draft d;
	struct coffer_buf *names = NULL, *b = NULL;
	uint8_t pk[COFFER_PUBLIC_BYTES], commit[32];
	size_t i, n = 0;
	int r = COFFER_ERR_NOMEM;

	if ((t = sodium_malloc(sizeof(*t))) == NULL ||
	    (devs = calloc(head->ndevices, sizeof(*devs))) == NULL ||
	    (names = coffer_buf_new(DEVLIST_NAMES_MAX)) == NULL ||
	    (b = coffer_buf_new(DEVLIST_ENTRY_MAX)) == NULL)
		goto out;
	if ((r = open_names(c, head, t)) != 0)
		goto out;
	names_drop(t, id, name);
	/* The names re-sealed under the new epoch's key: the removed
	 * device reads no name given after it. */
	if ((r = seal_names(c, t, j->root, names)) != 0)
		goto out;
	for (i = 0; i < head->ndevices; i++)
		if (devlist_id_cmp(head->devices[i].card.device_id, id) != 0)
			devs[n++] = head->devices[i];
	if ((r = coffer_key_public(j->acct, pk)) != 0 ||
	    (r = devlist_root_commit(commit, j->root)) != 0)
		goto out;
	memset(&d, 0, sizeof(d));
	d.kind = DEVLIST_REMOVE;
	d.seq = head->seq + 1;
	d.account = head->account;
	d.prev = head->hash;
	d.time = (uint64_t)time(NULL);
	d.epoch = head->epoch + 1;
	d.account_pk = pk;
	d.root_commit = commit;
	d.actor = coffer_device_id(c->device);
	d.subject = id;
	d.devices = devs;
	d.ndevices = n;
	d.names = coffer_buf_len(names) ? coffer_buf_data(names) : NULL;
	d.names_len = coffer_buf_len(names);
	/* Signed by A_e, the key the list holds until this entry. */
	if ((r = devlist_make(b, &d, c->acct)) != 0 ||
	    (r = devlist_parse(&j->entry, coffer_buf_data(b),
	    coffer_buf_len(b))) != 0)
		r = cl_fail(c, r, "making the remove entry: %s",
		    coffer_strerror(r));
out:
	if (t != NULL)
		sodium_free(t);
	free(devs);
	coffer_buf_free(&names);
	coffer_buf_free(&b);
	return r;
}

int
coffer_client_device_remove(struct coffer_client *c,
    const uint8_t device_id[COFFER_CLIENT_DEVICE_ID_BYTES],
    struct coffer_client_removal *out)
{
	struct devlist_entry head;
	struct kc_roll j;
	char name[DEVLIST_NAME_MAX + 1];
	int r;

	memset(&head, 0, sizeof(head));
	memset(&j, 0, sizeof(j));
	if (c == NULL || device_id == NULL)
		return COFFER_ERR_INVALID;
	if (out != NULL)
		memset(out, 0, sizeof(*out));
	c->errmsg[0] = '\0';
	c->status = 0;
	if (c->device != NULL && sodium_memcmp(device_id,
	    coffer_device_id(c->device), COFFER_WIRE_ID_BYTES) == 0)
		return cl_fail(c, COFFER_ERR_STATE, "%s", leave_e);
	/* Finishes a removal an earlier run left in the journal first. */
	if ((r = kc_approver(c, &head)) != 0)
		goto out;
	if (devlist_find(&head, device_id) == NULL) {
		r = drop_unlisted(c, device_id);
		goto out;
	}
	if ((r = kc_roll_keys(c, &j)) != 0 ||
	    (r = make_remove(c, &head, device_id, &j, name)) != 0 ||
	    (r = kc_roll_begin(c, &j)) != 0)
		goto out;
	kc_roll_free(&j);
	if ((r = kc_roll_finish(c)) != 0)
		goto out;
	if (out != NULL) {
		out->listed = 1;
		out->epoch = c->epoch;
		(void)snprintf(out->name, sizeof(out->name), "%s", name);
	}
out:
	sodium_memzero(name, sizeof(name));
	kc_roll_free(&j);
	devlist_entry_cleanup(&head);
	return r;
}

/* The rename entry over ${head}: ${id} named ${name}. */
static int
append_rename(struct coffer_client *c, const struct devlist_entry *head,
    const uint8_t id[COFFER_WIRE_ID_BYTES], const char *name)
{
	struct devlist_names *t = NULL;
	struct devlist_entry e;
	struct devlist_draft d;
	struct coffer_buf *names = NULL;
	char old[DEVLIST_NAME_MAX + 1];
	size_t i;
	int r = COFFER_ERR_NOMEM;

	memset(&e, 0, sizeof(e));
	if ((t = sodium_malloc(sizeof(*t))) == NULL ||
	    (names = coffer_buf_new(DEVLIST_NAMES_MAX)) == NULL)
		goto out;
	if ((r = open_names(c, head, t)) != 0)
		goto out;
	names_drop(t, id, old);
	/* In device id order. */
	for (i = t->n; i > 0 && devlist_id_cmp(t->v[i - 1].device, id) > 0;
	    i--)
		t->v[i] = t->v[i - 1];
	memcpy(t->v[i].device, id, COFFER_WIRE_ID_BYTES);
	(void)snprintf(t->v[i].name, sizeof(t->v[i].name), "%s", name);
	t->n++;
	if ((r = seal_names(c, t, c->root, names)) != 0)
		goto out;
	memset(&d, 0, sizeof(d));
	d.kind = DEVLIST_RENAME;
	d.seq = head->seq + 1;
	d.account = head->account;
	d.prev = head->hash;
	d.time = (uint64_t)time(NULL);
	d.epoch = head->epoch;
	d.account_pk = head->account_pk;
	d.root_commit = head->root_commit;
	d.actor = coffer_device_id(c->device);
	d.subject = id;
	d.devices = head->devices;
	d.ndevices = head->ndevices;
	d.names = coffer_buf_data(names);
	d.names_len = coffer_buf_len(names);
	r = tr_append(c, &d, c->acct, &e);
out:
	if (t != NULL)
		sodium_free(t);
	devlist_entry_cleanup(&e);
	coffer_buf_free(&names);
	return r;
}

int
coffer_client_device_rename(struct coffer_client *c,
    const uint8_t *device_id, const char *name)
{
	struct devlist_entry head;
	const uint8_t *id;
	char hex[ID_HEX];
	int r = 0, tries;

	memset(&head, 0, sizeof(head));
	if (c == NULL || name == NULL)
		return COFFER_ERR_INVALID;
	c->errmsg[0] = '\0';
	c->status = 0;
	if (!devlist_names_valid(name, strlen(name)))
		return cl_fail(c, COFFER_ERR_INVALID, "%s", bad_name_e);
	for (tries = 0; tries < 2; tries++) {
		devlist_entry_cleanup(&head);
		if ((r = kc_approver(c, &head)) != 0)
			break;
		id = device_id != NULL ? device_id :
		    coffer_device_id(c->device);
		if (devlist_find(&head, id) == NULL) {
			(void)cl_hex(hex, id);
			r = cl_fail(c, COFFER_ERR_NOTFOUND, "device %s is not "
			    "in the device list", hex);
			break;
		}
		/* Made anew over the new head once, after a race. */
		if ((r = append_rename(c, &head, id, name)) !=
		    COFFER_ERR_CONFLICT)
			break;
	}
	devlist_entry_cleanup(&head);
	return r;
}

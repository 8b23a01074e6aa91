/* Alerts of changes to the account's devices (docs/PROTOCOL-devices.md
 * §8): every device list entry after the head this home last showed the
 * user, with who made it and when. A name is taken from the entry when
 * this device holds the root of its epoch, and kept in the home then, so
 * that a name sealed under an older epoch's key can still be said after
 * the keys rolled. */
#include <coffer/client.h>
#include <coffer/err.h>

#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "client/client_internal.h"
#include "keys/devlist_names.h"

#define NAME_KEY	"devname."

/* The name of device ${id}: from the names of ${e} when this device holds
 * its epoch's root (and then kept), else as kept; "" if neither. */
static void
name_of(struct coffer_client *c, const struct devlist_entry *e,
    struct devlist_names *t, const uint8_t id[COFFER_WIRE_ID_BYTES],
    char out[COFFER_CLIENT_NAME_MAX + 1])
{
	struct coffer_buf *b = NULL;
	const char *n;
	char k[sizeof(NAME_KEY) + ID_HEX];

	out[0] = '\0';
	if (cl_hex(k + sizeof(NAME_KEY) - 1, id) != 0)
		return;
	memcpy(k, NAME_KEY, sizeof(NAME_KEY) - 1);
	if (c->root != NULL && e->epoch == c->epoch &&
	    devlist_names_open(t, e, c->root) == 0 &&
	    (n = devlist_names_find(t, id)) != NULL) {
		(void)snprintf(out, COFFER_CLIENT_NAME_MAX + 1, "%s", n);
		(void)st_set(c, k, out, strlen(out));
		return;
	}
	if ((b = coffer_buf_new(COFFER_CLIENT_NAME_MAX + 1)) != NULL &&
	    st_get(c, k, b) == 0 &&
	    coffer_buf_len(b) <= COFFER_CLIENT_NAME_MAX) {
		memcpy(out, coffer_buf_data(b), coffer_buf_len(b));
		out[coffer_buf_len(b)] = '\0';
	}
	coffer_buf_free(&b);
}

/* The change entry ${e} makes, ${before} the entry before it. */
static void
change_of(struct coffer_client *c, const struct devlist_entry *before,
    const struct devlist_entry *e, struct devlist_names *t,
    struct coffer_client_change *ch)
{
	memset(ch, 0, sizeof(*ch));
	ch->seq = e->seq;
	ch->kind = e->kind == DEVLIST_REMOVE ? COFFER_CLIENT_CHANGE_REMOVED :
	    e->kind == DEVLIST_RENAME ? COFFER_CLIENT_CHANGE_RENAMED :
	    COFFER_CLIENT_CHANGE_ADDED;
	ch->time = e->time;
	ch->epoch = e->epoch;
	memcpy(ch->actor, e->actor, sizeof(ch->actor));
	memcpy(ch->subject, e->subject, sizeof(ch->subject));
	name_of(c, e, t, e->actor, ch->actor_name);
	/* A removed device's name is in the entry before. */
	name_of(c, e->kind == DEVLIST_REMOVE ? before : e, t, e->subject,
	    ch->subject_name);
}

int
coffer_client_device_changes(struct coffer_client *c,
    coffer_client_change_fn fn, void *arg, uint64_t *head)
{
	struct devlist_entry h, e, before;
	struct devlist_names *t = NULL;
	struct coffer_client_change ch;
	uint64_t shown = 0, seq;
	int r;

	memset(&h, 0, sizeof(h));
	memset(&e, 0, sizeof(e));
	memset(&before, 0, sizeof(before));
	if (c == NULL || fn == NULL)
		return COFFER_ERR_INVALID;
	c->errmsg[0] = '\0';
	if ((r = kc_refresh(c)) != 0)
		return r;
	if (c->root == NULL)
		return cl_fail(c, COFFER_ERR_STATE, "this device is not "
		    "approved yet: it cannot see the account's devices");
	if ((t = sodium_malloc(sizeof(*t))) == NULL)
		return COFFER_ERR_NOMEM;
	if ((r = tr_head(c, &h)) != 0 || (r = tr_shown(c, &shown)) != 0)
		goto out;
	if (head != NULL)
		*head = h.seq;
	/* Nothing shown yet: a home from before alerts; its head counts. */
	for (seq = shown == 0 ? h.seq + 1 : shown + 1; seq <= h.seq; seq++) {
		devlist_entry_cleanup(&before);
		devlist_entry_cleanup(&e);
		if ((r = tr_entry(c, seq, &e)) != 0 ||
		    (r = tr_entry(c, seq - 1, &before)) != 0)
			goto out;
		change_of(c, &before, &e, t, &ch);
		if ((r = fn(arg, &ch)) != 0)
			goto out;
	}
out:
	sodium_free(t);
	devlist_entry_cleanup(&h);
	devlist_entry_cleanup(&e);
	devlist_entry_cleanup(&before);
	return r;
}

int
coffer_client_device_changes_shown(struct coffer_client *c, uint64_t head)
{
	struct devlist_entry h;
	uint64_t shown = 0;
	int r;

	if (c == NULL)
		return COFFER_ERR_INVALID;
	c->errmsg[0] = '\0';
	memset(&h, 0, sizeof(h));
	if ((r = tr_head(c, &h)) != 0)
		return r;
	if (head > h.seq)
		r = cl_fail(c, COFFER_ERR_INVALID, "seq %llu is past the "
		    "device list head", (unsigned long long)head);
	else if ((r = tr_shown(c, &shown)) == 0 && head > shown)
		r = tr_set_shown(c, head);
	devlist_entry_cleanup(&h);
	return r;
}

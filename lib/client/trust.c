/* The account's signed device list as this home keeps it
 * (docs/PROTOCOL-devices.md §2, docs/PROTOCOL-client.md §2): every entry
 * this home verified, from the first it pinned, the newest being the
 * pinned head. The server's list is read after the pinned seq and each
 * entry checked against the last verified before it is kept; a list that
 * ends before the pinned head, or shows another entry at a pinned seq,
 * is a rollback or a fork: refused, and remembered until a valid
 * extension arrives. An append is a compare-and-set on the server's head:
 * pinned on 201; on 409 the list is read again and the caller may try
 * once more. */
#include <coffer/encoding.h>
#include <coffer/err.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "client/client_internal.h"
#include "keys/devlist_names.h"

#define REFUSED_KEY	"devlist.refused"
#define SHOWN_KEY	"devlist.shown"
#define REMOVAL_KEY	"devlist.removal"

static const char *const page_keys[] = { "entries", "head", "more", NULL };

/* Parse ${len} bytes at ${p} into ${out}, the message saying what. */
static int
parse_entry(struct coffer_client *c, const uint8_t *p, size_t len,
    struct devlist_entry *out, const char *where)
{
	int r;

	if ((r = devlist_parse(out, p, len)) != 0)
		return cl_fail(c, r, "%s: a device list entry that does not "
		    "parse: %s", where, coffer_strerror(r));
	return 0;
}

int
tr_entry(struct coffer_client *c, uint64_t seq, struct devlist_entry *out)
{
	struct coffer_buf *b = NULL;
	int r;

	memset(out, 0, sizeof(*out));
	if ((b = coffer_buf_new(DEVLIST_ENTRY_MAX)) == NULL)
		return COFFER_ERR_NOMEM;
	if ((r = st_dl_get(c, seq, b)) == 0)
		r = parse_entry(c, coffer_buf_data(b), coffer_buf_len(b), out,
		    "state.db");
	coffer_buf_free(&b);
	return r;
}

int
tr_head(struct coffer_client *c, struct devlist_entry *out)
{
	struct coffer_buf *b = NULL;
	uint64_t seq;
	int r;

	memset(out, 0, sizeof(*out));
	if ((b = coffer_buf_new(DEVLIST_ENTRY_MAX)) == NULL)
		return COFFER_ERR_NOMEM;
	if ((r = st_dl_head(c, &seq, b)) == 0 &&
	    (r = parse_entry(c, coffer_buf_data(b), coffer_buf_len(b), out,
	    "state.db")) == 0 && out->seq != seq) {
		devlist_entry_cleanup(out);
		r = cl_fail(c, COFFER_ERR_FORMAT, "state.db: the device list "
		    "entry kept at seq %llu says seq %llu",
		    (unsigned long long)seq, (unsigned long long)out->seq);
	}
	coffer_buf_free(&b);
	return r;
}

int
tr_pin(struct coffer_client *c, const struct devlist_entry *e)
{
	int r;

	if ((r = st_begin(c)) != 0)
		return r;
	/* This home's own entries (and the one its pairing brought) count
	 * as shown: nothing to alert about. */
	if ((r = st_dl_put(c, e->seq, e->raw, e->raw_len)) == 0 &&
	    (r = tr_shown_mine(c, e->seq)) == 0)
		r = st_del(c, REFUSED_KEY);
	return st_end(c, r);
}

int
tr_shown(struct coffer_client *c, uint64_t *seq)
{
	int r;

	if ((r = st_get_u64(c, SHOWN_KEY, seq)) == COFFER_ERR_NOTFOUND)
		r = 0;
	return r;
}

int
tr_set_shown(struct coffer_client *c, uint64_t seq)
{
	return st_set_u64(c, SHOWN_KEY, seq);
}

int
tr_shown_mine(struct coffer_client *c, uint64_t seq)
{
	uint64_t shown = 0;
	int r;

	/* Moved only when nothing before it waits to be shown: another
	 * device's change just before this one stays an alert. Nothing
	 * shown yet (a pairing's first head): all of it counts as shown. */
	if ((r = st_get_u64(c, SHOWN_KEY, &shown)) == COFFER_ERR_NOTFOUND ||
	    (r == 0 && shown + 1 == seq))
		return st_set_u64(c, SHOWN_KEY, seq);
	return r;
}

int
tr_refused(struct coffer_client *c, char *out, size_t cap)
{
	struct coffer_buf *b = NULL;
	size_t n;
	int r;

	out[0] = '\0';
	if ((b = coffer_buf_new(NET_DETAIL)) == NULL)
		return COFFER_ERR_NOMEM;
	if ((r = st_get(c, REFUSED_KEY, b)) == 0) {
		n = coffer_buf_len(b) < cap ? coffer_buf_len(b) : cap - 1;
		memcpy(out, coffer_buf_data(b), n);
		out[n] = '\0';
	}
	coffer_buf_free(&b);
	return r == COFFER_ERR_NOTFOUND ? 0 : r;
}

/* Where a refresh is: the last entry verified, whether the pinned one has
 * been seen again, and whether anything new was kept. */
struct walk {
	struct devlist_entry	 last;		/* verified, kept */
	uint64_t		 pinned;	/* the pinned head's seq */
	int			 met;		/* the pinned entry came back */
	int			 grew;		/* an entry was kept */
	int			 refused;	/* the server's list was refused */
};

/* Refuse what the server showed: the reason into the handle; the refresh
 * remembers it in the home, once any transaction is over. */
static int
refuse(struct coffer_client *c, struct walk *w, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
refuse(struct coffer_client *c, struct walk *w, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(c->errmsg, sizeof(c->errmsg), fmt, ap);
	va_end(ap);
	w->refused = 1;
	return COFFER_ERR_AUTH;
}

/* One entry of a page: the pinned one again, byte for byte, or the next
 * after the last verified. */
static int
take_entry(struct coffer_client *c, struct walk *w, const uint8_t *p,
    size_t len)
{
	struct devlist_entry e;
	char why[NET_DETAIL];
	uint64_t want = w->met ? w->last.seq + 1 : w->pinned;
	int r;

	memset(&e, 0, sizeof(e));
	if (devlist_parse(&e, p, len) != 0) {
		r = refuse(c, w, "device list refused: the server's entry after "
		    "seq %llu does not parse", (unsigned long long)(want - 1));
		goto out;
	}
	if (e.seq != want) {
		r = refuse(c, w, "device list refused: the server shows seq %llu "
		    "where seq %llu comes (a rollback or a fork)",
		    (unsigned long long)e.seq, (unsigned long long)want);
		goto out;
	}
	if (!w->met) {
		/* The hash covers every byte but the signature, which the
		 * chain checked when it was pinned. */
		if (sodium_memcmp(e.hash, w->last.hash, DEVLIST_HASH_BYTES) !=
		    0 || e.raw_len != w->last.raw_len ||
		    sodium_memcmp(e.raw, w->last.raw, e.raw_len) != 0) {
			r = refuse(c, w, "device list refused: the server shows "
			    "another entry at seq %llu than the one this "
			    "device verified (a fork)",
			    (unsigned long long)e.seq);
			goto out;
		}
		w->met = 1;
		r = 0;
		goto out;
	}
	if (devlist_verify_next(&w->last, &e, why, sizeof(why)) != 0) {
		r = refuse(c, w, "device list refused: %s", why);
		goto out;
	}
	if ((r = st_dl_put(c, e.seq, e.raw, e.raw_len)) != 0)
		goto out;
	devlist_entry_cleanup(&w->last);
	w->last = e;
	memset(&e, 0, sizeof(e));
	w->grew = 1;
out:
	devlist_entry_cleanup(&e);
	return r;
}

/* One page of GET /v1/devicelist: its entries taken in turn, kept in one
 * transaction; *${head} the server's head, *${more} whether more
 * follow. */
static int
take_page(struct coffer_client *c, struct walk *w, const json_t *j,
    uint64_t *head, int *more)
{
	struct coffer_buf *b = NULL;
	const json_t *a, *v;
	size_t i;
	int r;

	if ((r = net_json_only(j, page_keys, c->errmsg)) != 0 ||
	    (r = net_json_int(j, "head", head, c->errmsg)) != 0 ||
	    (r = net_json_bool(j, "more", more, c->errmsg)) != 0)
		return r;
	a = json_object_get(j, "entries");
	if (!json_is_array(a) ||
	    json_array_size(a) > COFFER_WIRE_DEVLIST_PAGE_MAX ||
	    (*more && json_array_size(a) == 0))
		return cl_fail(c, COFFER_ERR_SERVER, "the server's answer: "
		    "field \"entries\" is not an array of 1 to %d entries",
		    COFFER_WIRE_DEVLIST_PAGE_MAX);
	if ((b = coffer_buf_new(DEVLIST_ENTRY_MAX)) == NULL)
		return COFFER_ERR_NOMEM;
	if ((r = st_begin(c)) != 0)
		goto out;
	json_array_foreach(a, i, v) {
		coffer_buf_reset(b);
		if ((r = cl_b64(c, v, b, DEVLIST_ENTRY_MAX, "an entry of "
		    "the device list")) != 0 ||
		    (r = take_entry(c, w, coffer_buf_data(b),
		    coffer_buf_len(b))) != 0)
			break;
	}
	/* What was verified before a refused entry stays verified. */
	if (w->refused)
		r = st_end(c, 0) == 0 ? COFFER_ERR_AUTH : COFFER_ERR_IO;
	else
		r = st_end(c, r);
out:
	coffer_buf_free(&b);
	return r;
}

int
tr_refresh(struct coffer_client *c)
{
	struct walk w;
	char path[96];
	json_t *j = NULL;
	uint64_t head = 0;
	int r, more = 1;

	memset(&w, 0, sizeof(w));
	if ((r = tr_head(c, &w.last)) != 0)
		goto out;
	w.pinned = w.last.seq;
	/* From the pinned entry itself: the server must show it again,
	 * unchanged, before anything after it counts. */
	while (more) {
		(void)snprintf(path, sizeof(path), "/v1/devicelist?since=%llu",
		    (unsigned long long)(w.met ? w.last.seq : w.pinned - 1));
		if ((r = cl_json(c, "GET", path, NULL, CL_IDEMPOTENT, &j,
		    NULL)) != 0 ||
		    (r = take_page(c, &w, j, &head, &more)) != 0)
			goto out;
		json_decref(j);
		j = NULL;
		if (head < w.pinned) {
			r = refuse(c, &w, "device list refused: the server's list "
			    "ends at seq %llu, before seq %llu that this "
			    "device verified (a rollback)",
			    (unsigned long long)head,
			    (unsigned long long)w.pinned);
			goto out;
		}
		if (!w.met) {
			r = refuse(c, &w, "device list refused: the server does "
			    "not show seq %llu that this device verified (a "
			    "rollback or a fork)",
			    (unsigned long long)w.pinned);
			goto out;
		}
	}
	if (w.last.seq != head) {
		r = cl_fail(c, COFFER_ERR_SERVER, "the server's device list "
		    "says its head is seq %llu but ends at seq %llu",
		    (unsigned long long)head, (unsigned long long)w.last.seq);
		goto out;
	}
	/* A valid extension ends what an earlier refusal remembered. */
	if (w.grew)
		r = st_del(c, REFUSED_KEY);
out:
	if (w.refused)
		(void)st_set(c, REFUSED_KEY, c->errmsg, strlen(c->errmsg));
	json_decref(j);
	devlist_entry_cleanup(&w.last);
	return r;
}

int
tr_server_entry(struct coffer_client *c, uint64_t seq,
    struct devlist_entry *out, uint64_t *head)
{
	static const char fmt[] = "/v1/devicelist?since=%llu";
	struct coffer_buf *b = NULL;
	const json_t *a, *v;
	char path[96];
	json_t *j = NULL;
	int r, more;

	memset(out, 0, sizeof(*out));
	(void)snprintf(path, sizeof(path), fmt, (unsigned long long)(seq - 1));
	if ((r = cl_json(c, "GET", path, NULL, CL_IDEMPOTENT, &j, NULL)) != 0)
		return r;
	if ((r = net_json_only(j, page_keys, c->errmsg)) != 0 ||
	    (r = net_json_int(j, "head", head, c->errmsg)) != 0 ||
	    (r = net_json_bool(j, "more", &more, c->errmsg)) != 0)
		goto out;
	a = json_object_get(j, "entries");
	if (!json_is_array(a) || (v = json_array_get(a, 0)) == NULL) {
		r = *head >= seq ? cl_fail(c, COFFER_ERR_SERVER, "the server's "
		    "device list has no entry %llu, though its head is %llu",
		    (unsigned long long)seq, (unsigned long long)*head) :
		    COFFER_ERR_NOTFOUND;
		goto out;
	}
	if ((b = coffer_buf_new(DEVLIST_ENTRY_MAX)) == NULL) {
		r = COFFER_ERR_NOMEM;
		goto out;
	}
	if ((r = cl_b64(c, v, b, DEVLIST_ENTRY_MAX, "an entry of the device "
	    "list")) != 0)
		goto out;
	if ((r = parse_entry(c, coffer_buf_data(b), coffer_buf_len(b), out,
	    "the server's device list")) == 0 && out->seq != seq) {
		devlist_entry_cleanup(out);
		r = cl_fail(c, COFFER_ERR_SERVER, "the server's device list "
		    "shows seq %llu for seq %llu", (unsigned long long)out->seq,
		    (unsigned long long)seq);
	}
out:
	coffer_buf_free(&b);
	json_decref(j);
	return r;
}

int
tr_put(struct coffer_client *c, const struct devlist_entry *mine)
{
	struct devlist_entry now;
	char path[64], *b64 = NULL, *body = NULL;
	json_t *j = NULL;
	size_t n;
	int r = COFFER_ERR_NOMEM;

	memset(&now, 0, sizeof(now));
	n = COFFER_B64URL_LEN(mine->raw_len);
	if ((b64 = malloc(n)) == NULL)
		goto out;
	if ((r = coffer_b64url_encode(b64, n, mine->raw, mine->raw_len)) != 0 ||
	    (r = net_json_body(&body, "{s:s}", "entry", b64)) != 0)
		goto out;
	(void)snprintf(path, sizeof(path), "/v1/devicelist/%llu",
	    (unsigned long long)mine->seq);
	/* Idempotent: a seq is appended once; sent again after a lost
	 * answer, it is 409 and the list read below shows it. */
	r = cl_json(c, "PUT", path, body, CL_IDEMPOTENT, &j, NULL);
	if (r == 0) {
		r = tr_pin(c, mine);
	} else if (r == COFFER_ERR_CONFLICT) {
		/* Someone appended first, or this very entry went through
		 * and its answer was lost. */
		if (mine->seq > 1 && (r = tr_refresh(c)) != 0)
			goto out;
		if (mine->seq == 1)
			goto conflict;
		if ((r = tr_head(c, &now)) != 0)
			goto out;
		devlist_entry_cleanup(&now);
		if ((r = tr_entry(c, mine->seq, &now)) == 0 &&
		    sodium_memcmp(now.hash, mine->hash,
		    DEVLIST_HASH_BYTES) == 0)
			r = tr_shown_mine(c, mine->seq);
		else if (r == 0 || r == COFFER_ERR_NOTFOUND)
			goto conflict;
	}
	goto out;
conflict:
	r = cl_fail(c, COFFER_ERR_CONFLICT, "another device changed the "
	    "device list first (seq %llu is taken)",
	    (unsigned long long)mine->seq);
out:
	devlist_entry_cleanup(&now);
	json_decref(j);
	free(body);
	free(b64);
	return r;
}

int
tr_append(struct coffer_client *c, const struct devlist_draft *d,
    const struct coffer_key *signer, struct devlist_entry *out)
{
	struct coffer_buf *b = NULL;
	struct devlist_entry mine;
	int r = COFFER_ERR_NOMEM;

	memset(out, 0, sizeof(*out));
	memset(&mine, 0, sizeof(mine));
	if ((b = coffer_buf_new(DEVLIST_ENTRY_MAX)) == NULL)
		goto out;
	if ((r = devlist_make(b, d, signer)) != 0) {
		r = cl_fail(c, r, "making a device list entry: %s",
		    coffer_strerror(r));
		goto out;
	}
	if ((r = parse_entry(c, coffer_buf_data(b), coffer_buf_len(b), &mine,
	    "a device list entry made here")) != 0 ||
	    (r = tr_put(c, &mine)) != 0)
		goto out;
	*out = mine;
	memset(&mine, 0, sizeof(mine));
out:
	devlist_entry_cleanup(&mine);
	coffer_buf_free(&b);
	return r;
}

/* The name ${before} gives device ${id}, opened with ${root} of its epoch,
 * into ${out} ("" if none). */
static void
name_in(const struct devlist_entry *before, const struct coffer_key *root,
    const uint8_t id[COFFER_WIRE_ID_BYTES], char *out, size_t cap)
{
	struct devlist_names *t = NULL;
	const char *n;

	out[0] = '\0';
	if (root == NULL || coffer_key_version(root) != before->epoch ||
	    (t = sodium_malloc(sizeof(*t))) == NULL)
		return;
	if (devlist_names_open(t, before, root) == 0 &&
	    (n = devlist_names_find(t, id)) != NULL)
		(void)snprintf(out, cap, "%s", n);
	sodium_free(t);
}

int
tr_removal(struct coffer_client *c, const uint8_t self[COFFER_WIRE_ID_BYTES],
    const struct coffer_key *root, char *msg, size_t cap)
{
	struct devlist_entry e, before;
	struct coffer_buf *kept = NULL;
	char hex[ID_HEX], when[64], name[DEVLIST_NAME_MAX + 1];
	struct tm tm;
	time_t t;
	uint64_t seq;
	int r, named = 0;

	memset(&before, 0, sizeof(before));
	(void)snprintf(msg, cap, "this device is no longer in the account's "
	    "device list: it uses no key of the account");
	/* Said once with the remover's name, while this device still held
	 * the root that opens it: kept for later runs. */
	if (root == NULL && (kept = coffer_buf_new(NET_DETAIL)) != NULL &&
	    st_get(c, REMOVAL_KEY, kept) == 0 && coffer_buf_len(kept) < cap) {
		memcpy(msg, coffer_buf_data(kept), coffer_buf_len(kept));
		msg[coffer_buf_len(kept)] = '\0';
		coffer_buf_free(&kept);
		return 0;
	}
	coffer_buf_free(&kept);
	if ((r = tr_head(c, &e)) != 0)
		return r;
	/* Back from the head to the last entry that listed this device: the
	 * one after it dropped it. */
	for (seq = e.seq; seq > 1; seq--) {
		if ((r = tr_entry(c, seq - 1, &before)) != 0)
			break;
		if (devlist_find(&before, self) != NULL) {
			if (e.kind == DEVLIST_REMOVE &&
			    sodium_memcmp(e.subject, self,
			    COFFER_WIRE_ID_BYTES) == 0 &&
			    cl_hex(hex, e.actor) == 0) {
				t = (time_t)e.time;
				if (gmtime_r(&t, &tm) == NULL ||
				    strftime(when, sizeof(when),
				    "%Y-%m-%d %H:%M UTC", &tm) == 0)
					(void)snprintf(when, sizeof(when),
					    "%llu", (unsigned long long)e.time);
				name_in(&before, root, e.actor, name,
				    sizeof(name));
				named = name[0] != '\0';
				(void)snprintf(msg, cap, "this device was "
				    "removed from the account by %s at %s",
				    named ? name : hex, when);
			}
			break;
		}
		devlist_entry_cleanup(&e);
		e = before;
		memset(&before, 0, sizeof(before));
	}
	if (named)
		(void)st_set(c, REMOVAL_KEY, msg, strlen(msg));
	devlist_entry_cleanup(&before);
	devlist_entry_cleanup(&e);
	return r == COFFER_ERR_NOTFOUND ? 0 : r;
}

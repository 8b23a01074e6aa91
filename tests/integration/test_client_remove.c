/* Removing a device through libcoffer against the real cofferd
 * (docs/PROTOCOL-devices.md §6, §8): three devices, the phone removed
 * from the laptop; the tablet follows the new epoch and reads old and
 * new records; the phone is told it was removed and by whom; renames
 * and the alerts of changes; a removal cut short before or after its
 * append, by a server that fails the append, finishes on the next run. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "client_fixture.h"
#include "evil_proxy.h"

struct seen {
	unsigned	n;
	char		text[8][64];
};

static int
collect(void *arg, const uint8_t id[COFFER_RECORD_ID_BYTES],
    uint64_t version, const uint8_t *data, size_t len)
{
	struct seen *s = arg;

	(void)id;
	(void)version;
	if (s->n < 8 && len < 64) {
		memcpy(s->text[s->n], data, len);
		s->text[s->n][len] = '\0';
	}
	s->n++;
	return 0;
}

static int
has(const struct seen *s, const char *text)
{
	unsigned i;

	for (i = 0; i < s->n && i < 8; i++)
		if (strcmp(s->text[i], text) == 0)
			return 1;
	return 0;
}

struct changes {
	unsigned			n;
	struct coffer_client_change	v[8];
};

static int
take_change(void *arg, const struct coffer_client_change *ch)
{
	struct changes *l = arg;

	if (l->n < 8)
		l->v[l->n] = *ch;
	l->n++;
	return 0;
}

static unsigned
changes(struct coffer_client *c, struct changes *l, int mark)
{
	uint64_t head = 0;

	memset(l, 0, sizeof(*l));
	assert_int_equal(coffer_client_device_changes(c, take_change, l,
	    &head), 0);
	if (mark)
		assert_int_equal(coffer_client_device_changes_shown(c, head),
		    0);
	return l->n;
}

static void
notes(struct coffer_client *c, struct seen *s)
{
	memset(s, 0, sizeof(*s));
	assert_int_equal(coffer_client_record_list(c, "notes", NULL, collect,
	    s), 0);
}

/* An account of three devices, the laptop first, the phone and the
 * tablet paired with it; each home is 4096 bytes, the login 64. */
static void
three(const char *tag, char *h1, char *h2, char *h3, char *login,
    struct coffer_client **laptop, struct coffer_client **phone,
    struct coffer_client **tablet, struct coffer_client_status *ph,
    struct coffer_client_status *tb)
{
	client_fx_home(h1, 4096);
	client_fx_login(login, 64, tag);
	assert_non_null(*laptop = client_fx_open(h1));
	assert_int_equal(coffer_client_account_create(*laptop, login,
	    PW("pw")), 0);
	assert_non_null(*phone = client_fx_device(h2, 4096, login, *laptop));
	assert_non_null(*tablet = client_fx_device(h3, 4096, login,
	    *laptop));
	assert_int_equal(coffer_client_status(*phone, ph), 0);
	assert_int_equal(coffer_client_status(*tablet, tb), 0);
}

static void
test_remove_phone(void **state)
{
	struct coffer_client_status st, ph, tb;
	struct coffer_client_removal rm;
	struct coffer_client *laptop, *phone, *tablet;
	struct changes l;
	struct seen s;
	uint8_t id[COFFER_RECORD_ID_BYTES];
	char h1[4096], h2[4096], h3[4096], login[64];

	(void)state;
	three("rm", h1, h2, h3, login, &laptop, &phone, &tablet, &ph, &tb);
	assert_int_equal(coffer_client_status(laptop, &st), 0);

	/* Names: the laptop names itself and the phone; a bad name is
	 * refused. */
	assert_int_equal(coffer_client_device_rename(laptop, NULL, "laptop"),
	    0);
	assert_int_equal(coffer_client_device_rename(laptop, ph.device,
	    "phone"), 0);
	assert_int_equal(coffer_client_device_rename(laptop, ph.device,
	    "bad\nname"), COFFER_ERR_INVALID);
	assert_int_equal(coffer_client_device_rename(tablet, NULL, "tablet"),
	    0);
	/* The laptop's own changes are shown; the tablet's rename is not. */
	assert_int_equal(changes(laptop, &l, 0), 1);
	assert_int_equal(l.v[0].kind, COFFER_CLIENT_CHANGE_RENAMED);
	assert_string_equal(l.v[0].actor_name, "tablet");
	assert_int_equal(changes(laptop, &l, 1), 1);
	assert_int_equal(changes(laptop, &l, 0), 0);
	/* The phone sees the two renames by the laptop, and the tablet's
	 * pairing. */
	assert_int_equal(changes(phone, &l, 1), 4);
	assert_int_equal(l.v[0].kind, COFFER_CLIENT_CHANGE_ADDED);
	assert_memory_equal(l.v[0].subject, tb.device, 16);
	assert_string_equal(l.v[2].subject_name, "phone");
	assert_string_equal(l.v[2].actor_name, "laptop");
	assert_int_equal(changes(tablet, &l, 1), 3);

	assert_int_equal(coffer_client_record_create(laptop, "notes", NULL,
	    PW("before"), id), 0);
	assert_int_equal(coffer_client_sync(phone), 0);
	notes(phone, &s);
	assert_true(has(&s, "before"));

	/* Refused: removing oneself. */
	assert_int_equal(coffer_client_device_remove(laptop, st.device, NULL),
	    COFFER_ERR_STATE);
	assert_non_null(strstr(coffer_client_errmsg(laptop), "to leave, "
	    "remove this device from another trusted device"));

	/* The laptop removes the phone: the keys roll to epoch 2. */
	assert_int_equal(coffer_client_device_remove(laptop, ph.device, &rm),
	    0);
	assert_int_equal(rm.listed, 1);
	assert_int_equal(rm.epoch, 2);
	assert_string_equal(rm.name, "phone");
	assert_int_equal(coffer_client_record_create(laptop, "notes", NULL,
	    PW("after"), id), 0);
	assert_int_equal(changes(laptop, &l, 0), 0);

	/* The tablet follows, reads both, and writes in epoch 2. */
	assert_int_equal(coffer_client_sync(tablet), 0);
	notes(tablet, &s);
	assert_true(has(&s, "before") && has(&s, "after"));
	assert_int_equal(coffer_client_record_create(tablet, "notes", NULL,
	    PW("tablet after"), id), 0);
	assert_int_equal(changes(tablet, &l, 1), 1);
	assert_int_equal(l.v[0].kind, COFFER_CLIENT_CHANGE_REMOVED);
	assert_int_equal(l.v[0].epoch, 2);
	assert_memory_equal(l.v[0].subject, ph.device, 16);
	assert_string_equal(l.v[0].subject_name, "phone");
	assert_string_equal(l.v[0].actor_name, "laptop");
	notes(laptop, &s);
	assert_true(has(&s, "tablet after"));

	/* The phone's sessions ended with the entry: it reads nothing. */
	assert_int_not_equal(coffer_client_sync(phone), 0);
	memset(&s, 0, sizeof(s));
	assert_int_not_equal(coffer_client_record_list(phone, "notes", NULL,
	    collect, &s), 0);
	coffer_client_free(&laptop);
	coffer_client_free(&phone);
	coffer_client_free(&tablet);
}

/* A removal cut short: the server fails the append (nothing stored),
 * then stores one and answers 500; each finishes at the next sync. */
static void
test_interrupted(void **state)
{
	struct evil_rule fail = { "PUT", "/v1/devicelist/", EVIL_ERROR_500, 0,
		-1, NULL };
	struct evil_rule drop = { "PUT", "/v1/devicelist/", EVIL_DROP, 0, -1,
		NULL };
	struct coffer_client_opts o = { 0 };
	struct coffer_client_status st, ph, tb;
	struct coffer_client *laptop, *phone, *tablet;
	struct evil *e = NULL;
	struct seen s;
	uint8_t id[COFFER_RECORD_ID_BYTES];
	char h1[4096], h2[4096], h3[4096], login[64], up[256];

	(void)state;
	three("cut", h1, h2, h3, login, &laptop, &phone, &tablet, &ph, &tb);
	assert_int_equal(coffer_client_record_create(laptop, "notes", NULL,
	    PW("old"), id), 0);
	coffer_client_free(&laptop);

	(void)snprintf(up, sizeof(up), "%s", srv_url(client_fx_server(), ""));
	assert_int_equal(evil_start(&e, up), 0);
	o.backoff_ms = 20;
	assert_int_equal(coffer_client_open(&laptop, evil_url(e), h1, &o), 0);
	assert_int_equal(coffer_client_login(laptop, login, PW("pw")), 0);

	/* Cut before the append: the journal stays, nothing is listed. */
	evil_set(e, &fail);
	assert_int_not_equal(coffer_client_device_remove(laptop, ph.device,
	    NULL), 0);
	assert_int_equal(coffer_client_status(laptop, &st), 0);
	assert_int_equal(st.devlist_seq, 3);
	evil_set(e, NULL);
	assert_int_equal(coffer_client_sync(laptop), 0);
	assert_int_equal(coffer_client_status(laptop, &st), 0);
	assert_int_equal(st.devlist_seq, 4);
	assert_int_equal(coffer_client_record_create(laptop, "notes", NULL,
	    PW("epoch 2"), id), 0);
	assert_int_equal(coffer_client_sync(tablet), 0);
	notes(tablet, &s);
	assert_true(has(&s, "old") && has(&s, "epoch 2"));

	/* Cut after the append: found appended, the journal dropped. */
	evil_set(e, &drop);
	assert_int_not_equal(coffer_client_device_remove(laptop, tb.device,
	    NULL), 0);
	evil_set(e, NULL);
	assert_int_equal(coffer_client_sync(laptop), 0);
	assert_int_equal(coffer_client_status(laptop, &st), 0);
	assert_int_equal(st.devlist_seq, 5);
	assert_int_equal(coffer_client_record_create(laptop, "notes", NULL,
	    PW("epoch 3"), id), 0);
	notes(laptop, &s);
	assert_true(has(&s, "old") && has(&s, "epoch 2") &&
	    has(&s, "epoch 3"));
	assert_int_equal(coffer_client_sync(laptop), 0);
	coffer_client_free(&laptop);
	coffer_client_free(&phone);
	coffer_client_free(&tablet);
	evil_stop(&e);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_remove_phone),
		cmocka_unit_test(test_interrupted),
	};

	return cmocka_run_group_tests(tests, client_fx_setup,
	    client_fx_teardown);
}

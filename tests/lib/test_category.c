/* The category table (include/coffer/category.h): its ids are wire
 * values, so the whole table of (id, name, class) is pinned here and a
 * renumbering, rename or reclassification fails. Source of the list:
 * ../shared/reference/apple-adp.md §1 (15 standard E2E, 10 more under ADP,
 * mail, contacts and calendar never E2E). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <coffer/category.h>

#define E2E	COFFER_CLASS_ALWAYS_E2E
#define ADP	COFFER_CLASS_ADP_E2E
#define IOP	COFFER_CLASS_INTEROP

static const struct {
	uint8_t				id;
	const char			*name;
	enum coffer_category_class	cls;
} want[] = {
	{ 1, "keychain", E2E },
	{ 2, "health", E2E },
	{ 3, "journal", E2E },
	{ 4, "home", E2E },
	{ 5, "messages", E2E },
	{ 6, "payment", E2E },
	{ 7, "card-transactions", E2E },
	{ 8, "maps", E2E },
	{ 9, "keyboard", E2E },
	{ 10, "safari", E2E },
	{ 11, "screen-time", E2E },
	{ 12, "assistant", E2E },
	{ 13, "wifi", E2E },
	{ 14, "bluetooth", E2E },
	{ 15, "memoji", E2E },
	{ 16, "backup", ADP },
	{ 17, "drive", ADP },
	{ 18, "photos", ADP },
	{ 19, "notes", ADP },
	{ 20, "reminders", ADP },
	{ 21, "bookmarks", ADP },
	{ 22, "shortcuts", ADP },
	{ 23, "voice-memos", ADP },
	{ 24, "wallet-passes", ADP },
	{ 25, "freeform", ADP },
	{ 26, "mail", IOP },
	{ 27, "contacts", IOP },
	{ 28, "calendar", IOP },
};

#define NWANT	(sizeof(want) / sizeof(want[0]))

/* The table, entry by entry, in order. */
static void
test_table_pinned(void **state)
{
	const struct coffer_category *c;
	size_t i;

	(void)state;
	assert_int_equal(coffer_category_count(), 28);
	assert_int_equal(NWANT, 28);
	for (i = 0; i < NWANT; i++) {
		c = coffer_category_at(i);
		assert_non_null(c);
		assert_int_equal(c->id, want[i].id);
		assert_string_equal(c->name, want[i].name);
		assert_int_equal(c->cls, want[i].cls);
		assert_non_null(c->title);
		assert_true(c->title[0] != '\0');
	}
	assert_null(coffer_category_at(NWANT));
	assert_null(coffer_category_at((size_t)-1));
}

static void
test_class_counts(void **state)
{
	size_t i, n[4] = { 0 };
	const struct coffer_category *c;

	(void)state;
	for (i = 0; i < coffer_category_count(); i++) {
		c = coffer_category_at(i);
		assert_true(c->cls >= E2E && c->cls <= IOP);
		n[c->cls]++;
	}
	assert_int_equal(n[E2E], 15);
	assert_int_equal(n[ADP], 10);
	assert_int_equal(n[IOP], 3);
	assert_int_equal(coffer_category_by_name("mail")->cls, IOP);
	assert_int_equal(coffer_category_by_name("contacts")->cls, IOP);
	assert_int_equal(coffer_category_by_name("calendar")->cls, IOP);
}

/* Ids are 1..28, each once; names are unique lower-case slugs
 * ([a-z0-9] words joined by single dashes) and titles are unique. */
static void
test_ids_and_names(void **state)
{
	const struct coffer_category *a, *b;
	int seen[256] = { 0 };
	size_t i, j, k, len;
	char ch;

	(void)state;
	for (i = 0; i < coffer_category_count(); i++) {
		a = coffer_category_at(i);
		assert_in_range(a->id, 1, 28);
		assert_int_equal(seen[a->id], 0);
		seen[a->id] = 1;
		len = strlen(a->name);
		assert_in_range(len, 1, 32);
		assert_true(a->name[0] != '-' && a->name[len - 1] != '-');
		for (k = 0; k < len; k++) {
			ch = a->name[k];
			assert_true((ch >= 'a' && ch <= 'z') ||
			    (ch >= '0' && ch <= '9') || ch == '-');
			if (ch == '-')
				assert_true(a->name[k + 1] != '-');
		}
		for (j = i + 1; j < coffer_category_count(); j++) {
			b = coffer_category_at(j);
			assert_string_not_equal(a->name, b->name);
			assert_string_not_equal(a->title, b->title);
		}
	}
}

static void
test_lookups(void **state)
{
	const struct coffer_category *c;
	size_t i;
	unsigned int id;

	(void)state;
	for (i = 0; i < NWANT; i++) {
		c = coffer_category_by_id(want[i].id);
		assert_ptr_equal(c, coffer_category_at(i));
		assert_ptr_equal(coffer_category_by_name(want[i].name), c);
	}
	for (id = 0; id < 256; id++)
		if (id == 0 || id > 28)
			assert_null(coffer_category_by_id((uint8_t)id));
	assert_null(coffer_category_by_name(NULL));
	assert_null(coffer_category_by_name(""));
	assert_null(coffer_category_by_name("Notes"));
	assert_null(coffer_category_by_name("notes "));
	assert_null(coffer_category_by_name("note"));
	assert_null(coffer_category_by_name("icloud-drive"));
	assert_null(coffer_category_by_name("keychain\n"));
}

static void
test_is_e2e(void **state)
{
	const struct coffer_category *c;
	size_t i;

	(void)state;
	for (i = 0; i < coffer_category_count(); i++) {
		c = coffer_category_at(i);
		switch (c->cls) {
		case COFFER_CLASS_ALWAYS_E2E:
			assert_int_equal(coffer_category_is_e2e(c, 0), 1);
			assert_int_equal(coffer_category_is_e2e(c, 1), 1);
			break;
		case COFFER_CLASS_ADP_E2E:
			assert_int_equal(coffer_category_is_e2e(c, 0), 0);
			assert_int_equal(coffer_category_is_e2e(c, 1), 1);
			/* Any non-zero value means on. */
			assert_int_equal(coffer_category_is_e2e(c, 2), 1);
			assert_int_equal(coffer_category_is_e2e(c, -1), 1);
			break;
		case COFFER_CLASS_INTEROP:
			assert_int_equal(coffer_category_is_e2e(c, 0), 0);
			assert_int_equal(coffer_category_is_e2e(c, 1), 0);
			break;
		}
	}
	assert_int_equal(coffer_category_is_e2e(coffer_category_by_name(
	    "keychain"), 0), 1);
	assert_int_equal(coffer_category_is_e2e(coffer_category_by_name(
	    "photos"), 0), 0);
	assert_int_equal(coffer_category_is_e2e(coffer_category_by_name(
	    "photos"), 1), 1);
	assert_int_equal(coffer_category_is_e2e(coffer_category_by_name(
	    "mail"), 1), 0);
	assert_int_equal(coffer_category_is_e2e(NULL, 0), 0);
	assert_int_equal(coffer_category_is_e2e(NULL, 1), 0);
}

/* Generic records everywhere but the keychain and backup sets, which
 * bring their own sealing. */
static void
test_is_generic(void **state)
{
	const struct coffer_category *c;
	size_t i, n = 0;

	(void)state;
	for (i = 0; i < coffer_category_count(); i++) {
		c = coffer_category_at(i);
		if (coffer_category_is_generic(c))
			n++;
		else
			assert_true(strcmp(c->name, "keychain") == 0 ||
			    strcmp(c->name, "backup") == 0);
	}
	assert_int_equal(n, 26);
	assert_string_equal(COFFER_CATEGORY_KEYCHAIN, "keychain");
	assert_string_equal(COFFER_CATEGORY_BACKUP, "backup");
	assert_int_equal(coffer_category_is_generic(coffer_category_by_name(
	    COFFER_CATEGORY_KEYCHAIN)), 0);
	assert_int_equal(coffer_category_is_generic(coffer_category_by_name(
	    COFFER_CATEGORY_BACKUP)), 0);
	assert_int_equal(coffer_category_is_generic(coffer_category_by_name(
	    "notes")), 1);
	assert_int_equal(coffer_category_is_generic(coffer_category_by_name(
	    "mail")), 1);
	assert_int_equal(coffer_category_is_generic(NULL), 0);
}

static void
test_class_names(void **state)
{
	(void)state;
	assert_string_equal(coffer_category_class_name(E2E), "always-e2e");
	assert_string_equal(coffer_category_class_name(ADP), "adp-e2e");
	assert_string_equal(coffer_category_class_name(IOP), "interop");
	assert_string_equal(coffer_category_class_name(
	    (enum coffer_category_class)0), "unknown");
	assert_string_equal(coffer_category_class_name(
	    (enum coffer_category_class)4), "unknown");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_pinned),
		cmocka_unit_test(test_class_counts),
		cmocka_unit_test(test_ids_and_names),
		cmocka_unit_test(test_lookups),
		cmocka_unit_test(test_is_e2e),
		cmocka_unit_test(test_is_generic),
		cmocka_unit_test(test_class_names),
	};

	return cmocka_run_group_tests_name("category", tests, NULL, NULL);
}

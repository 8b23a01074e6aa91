/* coffer_category_*: the category table. Sources: Apple Platform Security
 * (May 2024) p.138-143 and Apple Support 102651, summarised in
 * ../shared/reference/apple-adp.md §1. */
#include <coffer/category.h>

#include <string.h>

#define E2E	COFFER_CLASS_ALWAYS_E2E
#define ADP	COFFER_CLASS_ADP_E2E
#define IOP	COFFER_CLASS_INTEROP

static const struct coffer_category cats[] = {
	/* End-to-end under standard protection (15). */
	{ 1, "keychain", "Passwords and Keychain", E2E },
	{ 2, "health", "Health data", E2E },
	{ 3, "journal", "Journal data", E2E },
	{ 4, "home", "Home data", E2E },
	{ 5, "messages", "Messages in iCloud", E2E },
	{ 6, "payment", "Payment information", E2E },
	{ 7, "card-transactions", "Card transactions", E2E },
	{ 8, "maps", "Maps (favourites, collections, search history)", E2E },
	{ 9, "keyboard", "Keyboard learned vocabulary", E2E },
	{ 10, "safari", "Safari (history, tab groups, open tabs)", E2E },
	{ 11, "screen-time", "Screen Time", E2E },
	{ 12, "assistant", "Assistant (Siri) information", E2E },
	{ 13, "wifi", "Wi-Fi passwords", E2E },
	{ 14, "bluetooth", "Bluetooth pairing keys", E2E },
	{ 15, "memoji", "Memoji", E2E },
	/* Added by Advanced Data Protection (10). */
	{ 16, "backup", "Device backups (and Messages backups)", ADP },
	{ 17, "drive", "Files (iCloud Drive)", ADP },
	{ 18, "photos", "Photos", ADP },
	{ 19, "notes", "Notes", ADP },
	{ 20, "reminders", "Reminders", ADP },
	{ 21, "bookmarks", "Safari Bookmarks", ADP },
	{ 22, "shortcuts", "Shortcuts", ADP },
	{ 23, "voice-memos", "Voice Memos", ADP },
	{ 24, "wallet-passes", "Wallet passes", ADP },
	{ 25, "freeform", "Freeform boards", ADP },
	/* Never end-to-end: interoperate with mail, contacts, calendar. */
	{ 26, "mail", "Mail", IOP },
	{ 27, "contacts", "Contacts", IOP },
	{ 28, "calendar", "Calendars", IOP },
};

size_t
coffer_category_count(void)
{
	return sizeof(cats) / sizeof(cats[0]);
}

const struct coffer_category *
coffer_category_at(size_t i)
{
	return i < coffer_category_count() ? &cats[i] : NULL;
}

const struct coffer_category *
coffer_category_by_id(uint8_t id)
{
	size_t i;

	for (i = 0; i < coffer_category_count(); i++)
		if (cats[i].id == id)
			return &cats[i];
	return NULL;
}

const struct coffer_category *
coffer_category_by_name(const char *name)
{
	size_t i;

	if (name == NULL)
		return NULL;
	for (i = 0; i < coffer_category_count(); i++)
		if (strcmp(cats[i].name, name) == 0)
			return &cats[i];
	return NULL;
}

int
coffer_category_is_e2e(const struct coffer_category *c, int adp)
{
	if (c == NULL)
		return 0;
	return c->cls == COFFER_CLASS_ALWAYS_E2E ||
	    (c->cls == COFFER_CLASS_ADP_E2E && adp);
}

int
coffer_category_is_generic(const struct coffer_category *c)
{
	return c != NULL && strcmp(c->name, COFFER_CATEGORY_KEYCHAIN) != 0 &&
	    strcmp(c->name, COFFER_CATEGORY_BACKUP) != 0;
}

const char *
coffer_category_class_name(enum coffer_category_class cls)
{
	switch (cls) {
	case COFFER_CLASS_ALWAYS_E2E:
		return "always-e2e";
	case COFFER_CLASS_ADP_E2E:
		return "adp-e2e";
	case COFFER_CLASS_INTEROP:
		return "interop";
	}
	return "unknown";
}

/* The data categories, as one table (lib/policy/category.c): the 25 that
 * Apple names as end-to-end (15 under standard protection, 10 more under
 * Advanced Data Protection) and the 3 never end-to-end. Everything that
 * needs a category's policy reads it from here. Ids are wire values:
 * append-only, never reused. */
#ifndef COFFER_CATEGORY_H
#define COFFER_CATEGORY_H

#include <stddef.h>
#include <stdint.h>

#include <coffer/export.h>

enum coffer_category_class {
	/* End-to-end under both protection levels; never escrowed. */
	COFFER_CLASS_ALWAYS_E2E = 1,
	/* End-to-end under Advanced Data Protection; under standard
	 * protection its keys are also escrowed for recovery. */
	COFFER_CLASS_ADP_E2E = 2,
	/* Never end-to-end: must interoperate (mail, contacts, calendar). */
	COFFER_CLASS_INTEROP = 3,
};

/* The two categories whose data comes sealed in a format of its own, not as
 * generic records: the account's keychain (wrapped keys) and backup sets
 * (the backup engine's ciphertext). docs/PROTOCOL-client.md §3 and §5. */
#define COFFER_CATEGORY_KEYCHAIN	"keychain"
#define COFFER_CATEGORY_BACKUP		"backup"

struct coffer_category {
	uint8_t				id;	/* wire value, 1..255 */
	const char			*name;	/* stable slug: "notes" */
	const char			*title;	/* for people: "Notes" */
	enum coffer_category_class	cls;
};

/** coffer_category_count(): the number of categories in the table. */
COFFER_API size_t coffer_category_count(void);

/** coffer_category_at(i): the ${i}th category, or NULL past the end. */
COFFER_API const struct coffer_category *coffer_category_at(size_t i);

/** coffer_category_by_id(id): the category with wire value ${id}, or NULL. */
COFFER_API const struct coffer_category *coffer_category_by_id(uint8_t id);

/** coffer_category_by_name(name): the category named ${name}, or NULL. */
COFFER_API const struct coffer_category *coffer_category_by_name(
    const char *name);

/** coffer_category_is_e2e(c, adp): 1 if data of ${c} is end-to-end
 * encrypted when Advanced Data Protection is on (${adp} != 0) or off. */
COFFER_API int coffer_category_is_e2e(const struct coffer_category *c,
    int adp);

/** coffer_category_is_generic(c): 1 if data of ${c} is kept as generic
 * records, which the client seals under their zone's key
 * (coffer_client_record_*); 0 for COFFER_CATEGORY_KEYCHAIN and
 * COFFER_CATEGORY_BACKUP, whose data is sealed already, and for NULL. */
COFFER_API int coffer_category_is_generic(const struct coffer_category *c);

/** coffer_category_class_name(cls): "always-e2e", "adp-e2e", "interop"
 * or "unknown". */
COFFER_API const char *coffer_category_class_name(
    enum coffer_category_class cls);

#endif

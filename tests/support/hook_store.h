/* A backup store (coffer/backup_store.h) over another that runs a test's
 * hook at a chosen ref_put: the interleavings of the lock tests (a prune
 * at a chosen step of a backup) are made deterministic by it, over the
 * folder store or over a real cofferd alike. */
#ifndef COFFER_TEST_HOOK_STORE_H
#define COFFER_TEST_HOOK_STORE_H

#include <coffer/backup_store.h>

/* Fill in, set out's ops and ctx with hks_init, then give out to the
 * engine. Armed, the (skip+1)-th ref_put runs hook(arg) first and
 * disarms; a nonzero hook result is that ref_put's result (the ref is
 * not stored: a run that stops before its refs). */
struct hks {
	struct coffer_bstore	 in, out;
	int			 armed, skip;
	int			(*hook)(void *);
	void			*arg;
	/* The liar (hks_lie). */
	int			 lie;
	coffer_bstore_ref_fn	 honest;	/* learned: the audit's */
	uint8_t			 hide[16], inj_name[16];
	int			 hide_on;
	const uint8_t		*inj_data;
	size_t			 inj_len;
	unsigned		 lied;		/* listings that lied */
};

/** hks_init(h, in): ${h} cleared, over the store ${in}, disarmed. */
void hks_init(struct hks *h, const struct coffer_bstore *in);

/** hks_arm(h, skip, hook, arg): run ${hook}(${arg}) at the (${skip}+1)-th
 * ref_put from now. */
void hks_arm(struct hks *h, int skip, int (*hook)(void *), void *arg);

/** hks_lie(h, hide, inj_name, inj_data, inj_len): from now, the first
 * listing of the refs, and every later one through the same callback, is
 * honest (the test makes that first one an audit's: a list call); any other listing hides ref ${hide} (may be NULL)
 * and adds ref ${inj_name} (may be NULL) with the bytes ${inj_data}. */
void hks_lie(struct hks *h, const uint8_t *hide,
    const uint8_t *inj_name,
    const uint8_t *inj_data, size_t inj_len);

#endif

/* bench-crypto: the driver (bench_crypto.c) times the operations listed in
 * bench_ops.c. A benchmark, not a test: nothing here asserts on time. */
#ifndef BENCH_H
#define BENCH_H

#include <stddef.h>

/* The largest input measured (1 MiB); every buffer is this plus slack. */
#define BENCH_MAXLEN	((size_t)1 << 20)

struct bench_state;

/* One measured operation. run() is timed; prepare() runs once, untimed,
 * before a size is measured (e.g. to make the ciphertext that open()
 * reads); between(), if set, runs untimed after every run() (then each
 * call is timed on its own). All return 0 on success. */
struct bench_case {
	const char	*group;		/* "base", "aead" or "mac" */
	const char	*name;
	const char	*op;		/* copy, seal, open, open-bad, mac, hash */
	int		 keyed;		/* a keyed hash / MAC candidate */
	int		 extra;		/* measured only with --extra */
	int		(*avail)(struct bench_state *);
	int		(*prepare)(struct bench_state *, size_t);
	int		(*run)(struct bench_state *, size_t);
	void		(*between)(struct bench_state *);
};

extern const struct bench_case bench_cases[];
extern const size_t bench_ncases;

/* bench_state_new(): buffers of BENCH_MAXLEN random bytes, keys and
 * library contexts, or NULL on failure. bench_state_free(p) accepts NULL. */
struct bench_state *bench_state_new(void);
void bench_state_free(struct bench_state **p);

#endif

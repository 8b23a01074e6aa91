/* Fuzz the recovery key parser: no crash; parse and problem agree; an
 * accepted text re-formats to a canonical string that parses to the same
 * symbols and is the input's symbols in upper case; a refused one names a
 * position that holds a byte outside the alphabet or the 29th symbol. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <coffer/err.h>
#include <coffer/recovery.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char alpha[] = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

/* The value of c (either case), or -1 for a separator, -2 otherwise. */
static int
value(unsigned char c)
{
	const char *p;

	if (c == ' ' || c == '-')
		return -1;
	if (c >= 'a' && c <= 'z')
		c = (unsigned char)(c - 32);
	if (c == '\0' || (p = strchr(alpha, c)) == NULL)
		return -2;
	return (int)(p - alpha);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct coffer_recovery_key rk, rk2;
	char text[COFFER_RECOVERY_KEY_INPUT_MAX + 64];
	char out[COFFER_RECOVERY_KEY_LEN + 1], out2[COFFER_RECOVERY_KEY_LEN + 1];
	size_t len, i, n, pos;
	int r, r2, v;

	if (size >= sizeof(text))
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	len = strlen(text);
	memset(&rk, 0xee, sizeof(rk));
	r = coffer_recovery_key_parse(&rk, text);
	r2 = coffer_recovery_key_problem(text, &pos);
	if (r != r2)
		abort();
	switch (r) {
	case 0:
		if (pos != 0 || coffer_recovery_key_format(out, &rk) != 0 ||
		    strlen(out) != COFFER_RECOVERY_KEY_LEN ||
		    coffer_recovery_key_parse(&rk2, out) != 0 ||
		    memcmp(rk.sym, rk2.sym, sizeof(rk.sym)) != 0 ||
		    coffer_recovery_key_format(out2, &rk2) != 0 ||
		    strcmp(out, out2) != 0)
			abort();
		for (i = 0, n = 0; i < len; i++) {
			if ((v = value((unsigned char)text[i])) == -2)
				abort();
			if (v >= 0 && (n >= COFFER_RECOVERY_KEY_SYMBOLS ||
			    rk.sym[n++] != v))
				abort();
		}
		if (n != COFFER_RECOVERY_KEY_SYMBOLS)
			abort();
		break;
	case COFFER_ERR_FORMAT:
		for (i = 0, n = 0; i < len && (pos == 0 || i + 1 < pos); i++) {
			if ((v = value((unsigned char)text[i])) == -2)
				abort();	/* an earlier bad byte */
			n += v >= 0;
		}
		/* No position: too few symbols. Else the byte there is bad,
		 * or a symbol after 28 others. */
		if (pos == 0 ? n >= COFFER_RECOVERY_KEY_SYMBOLS : (pos > len ||
		    ((v = value((unsigned char)text[pos - 1])) != -2 &&
		    (v < 0 || n != COFFER_RECOVERY_KEY_SYMBOLS))))
			abort();
		if (rk.sym[0] != 0xee)
			abort();
		break;
	case COFFER_ERR_CHECKSUM:
	case COFFER_ERR_TOOBIG:
		if (pos != 0 || rk.sym[0] != 0xee ||
		    (r == COFFER_ERR_TOOBIG) != (len > COFFER_RECOVERY_KEY_INPUT_MAX))
			abort();
		break;
	default:
		abort();
	}
	coffer_recovery_key_cleanup(&rk);
	return 0;
}

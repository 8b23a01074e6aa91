/* Device approval (docs/PROTOCOL-client.md, "Keychain zone"): the
 * verification code of a device's card, approval of a new device by a
 * trusted one (the keychain root sealed to it), and the account's devices
 * with whether each is trusted. A device's own enrolment is enrol.c's. */
#include <coffer/client.h>
#include <coffer/encoding.h>
#include <coffer/err.h>

#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "client/client_internal.h"

#define CODE_CONTEXT	"coffer/device-code/v1"

static const char *const device_keys[] = { "device", "card", "name",
	"created", NULL };

/* Check one device object of the API and parse its card. */
static int
parse_device(struct coffer_client *c, const json_t *j,
    struct coffer_device_card *card, uint8_t raw[COFFER_DEVICE_CARD_BYTES])
{
	char *detail = c->errmsg;
	uint8_t id[COFFER_WIRE_ID_BYTES];
	char hex[ID_HEX];
	uint64_t created;
	int r;

	if (!json_is_object(j) ||
	    (r = net_json_only(j, device_keys, detail)) != 0 ||
	    (r = net_json_hex(j, "device", id, COFFER_WIRE_ID_BYTES,
	    detail)) != 0 ||
	    (r = net_json_int(j, "created", &created, detail)) != 0 ||
	    (r = net_json_b64_exact(j, "card", raw,
	    COFFER_DEVICE_CARD_BYTES, detail)) != 0)
		return json_is_object(j) ? COFFER_ERR_SERVER : cl_fail(c,
		    COFFER_ERR_SERVER, "the server's answer: a device is not "
		    "an object");
	(void)cl_hex(hex, id);
	if ((r = coffer_device_card_parse(card, raw,
	    COFFER_DEVICE_CARD_BYTES)) != 0)
		return cl_fail(c, COFFER_ERR_AUTH, "the card of device %s "
		    "does not hold: %s", hex, coffer_strerror(r));
	if (sodium_memcmp(card->device_id, id, COFFER_WIRE_ID_BYTES) != 0)
		return cl_fail(c, COFFER_ERR_AUTH, "the card of device %s "
		    "names another device", hex);
	return 0;
}

/* "1234-5678" from the card's bytes. */
static int
card_code(const uint8_t raw[COFFER_DEVICE_CARD_BYTES],
    char code[COFFER_CLIENT_CODE_LEN])
{
	uint8_t h[8];
	uint64_t v = 0;
	size_t i;

	if (crypto_generichash(h, sizeof(h), raw, COFFER_DEVICE_CARD_BYTES,
	    (const uint8_t *)CODE_CONTEXT, sizeof(CODE_CONTEXT) - 1) != 0)
		return COFFER_ERR_CRYPTO;
	for (i = 0; i < sizeof(h); i++)
		v = v << 8 | h[i];
	v %= 100000000u;
	(void)snprintf(code, COFFER_CLIENT_CODE_LEN, "%04u-%04u",
	    (unsigned)(v / 10000), (unsigned)(v % 10000));
	return 0;
}

/* The card the server holds for device ${id}, checked, and its code. */
static int
device_card(struct coffer_client *c, const uint8_t id[COFFER_WIRE_ID_BYTES],
    struct coffer_device_card *card, char code[COFFER_CLIENT_CODE_LEN])
{
	uint8_t raw[COFFER_DEVICE_CARD_BYTES];
	char path[64], hex[ID_HEX];
	json_t *j = NULL;
	int r;

	if ((r = cl_hex(hex, id)) != 0)
		return r;
	(void)snprintf(path, sizeof(path), "/v1/devices/%s", hex);
	if ((r = cl_json(c, "GET", path, NULL, CL_IDEMPOTENT, &j,
	    NULL)) == 0 && (r = parse_device(c, j, card, raw)) == 0)
		r = card_code(raw, code);
	json_decref(j);
	return r;
}

int
coffer_client_device_code(struct coffer_client *c,
    const uint8_t device_id[COFFER_CLIENT_DEVICE_ID_BYTES],
    char code[COFFER_CLIENT_CODE_LEN])
{
	struct coffer_device_card card;

	if (c == NULL || device_id == NULL || code == NULL)
		return COFFER_ERR_INVALID;
	return device_card(c, device_id, &card, code);
}

int
coffer_client_device_approve(struct coffer_client *c,
    const uint8_t device_id[COFFER_CLIENT_DEVICE_ID_BYTES], const char *code)
{
	struct coffer_device_card card;
	struct coffer_buf *sealed = NULL;
	char mine[COFFER_CLIENT_CODE_LEN];
	int r;

	/* The code is what ties the card to the device in the user's hand:
	 * without it, a server could hand out a card of its own under the
	 * new device's id and be sealed the root. */
	if (c == NULL || device_id == NULL || code == NULL)
		return COFFER_ERR_INVALID;
	c->errmsg[0] = '\0';
	if ((r = kc_refresh(c)) != 0)
		return r;
	if (c->root == NULL)
		return cl_fail(c, COFFER_ERR_STATE, "this device is not "
		    "trusted: it cannot approve others");
	if ((r = device_card(c, device_id, &card, mine)) != 0)
		return r;
	if (strlen(code) != strlen(mine) ||
	    sodium_memcmp(code, mine, strlen(mine)) != 0)
		return cl_fail(c, COFFER_ERR_AUTH, "the verification code does "
		    "not match the device's card");
	if ((sealed = coffer_buf_new(1024)) == NULL)
		return COFFER_ERR_NOMEM;
	r = kc_seal_root(c, device_id, card.agree_pk, card.agree_version,
	    sealed);
	if (r == COFFER_ERR_CONFLICT)
		r = 0;		/* approved already */
	coffer_buf_free(&sealed);
	return r;
}

int
coffer_client_device_list(struct coffer_client *c,
    coffer_client_device_fn fn, void *arg)
{
	struct coffer_device_card card;
	uint8_t raw[COFFER_DEVICE_CARD_BYTES];
	json_t *j = NULL, *a, *e;
	size_t i;
	int r, self;

	if (c == NULL || fn == NULL)
		return COFFER_ERR_INVALID;
	if ((r = kc_refresh(c)) != 0)
		return r;
	if ((r = cl_list(c, "/v1/devices", "devices", &j, &a)) != 0)
		goto out;
	json_array_foreach(a, i, e) {
		if ((r = parse_device(c, e, &card, raw)) != 0)
			goto out;
		self = c->device != NULL && sodium_memcmp(card.device_id,
		    coffer_device_id(c->device), COFFER_WIRE_ID_BYTES) == 0;
		if ((r = fn(arg, card.device_id,
		    kc_is_trusted(c, card.device_id), self)) != 0)
			goto out;
	}
out:
	json_decref(j);
	return r;
}

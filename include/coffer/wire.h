/* The protocol's sizes and caps: what client and server must agree on,
 * written once. docs/openapi.yaml gives the same numbers under
 * x-coffer-limits, and test_wire holds the two in step.
 *
 * Public so that an app can size its buffers and refuse oversized input
 * before a round trip; the client's and the backup store's own names
 * (COFFER_RECORD_ID_BYTES, COFFER_BSTORE_BLOB_MAX...) are defined from
 * these. */
#ifndef COFFER_WIRE_H
#define COFFER_WIRE_H

#include <stddef.h>
#include <stdint.h>

/* Every id a client or the server makes (accounts, devices, zones,
 * records) is 16 random bytes; a blob id is 32 bytes (a keyed MAC of the
 * content, or random). On the wire both are lower-case hex. */
#define COFFER_WIRE_ID_BYTES		16
#define COFFER_WIRE_ID_HEX		(2 * COFFER_WIRE_ID_BYTES)
#define COFFER_WIRE_BLOB_ID_BYTES	32
#define COFFER_WIRE_BLOB_ID_HEX		(2 * COFFER_WIRE_BLOB_ID_BYTES)

/* A record's data (its ciphertext, as the server stores it). */
#define COFFER_WIRE_RECORD_MAX		((size_t)1 << 20)
/* A blob's bytes: a longer upload is refused before it is read. */
#define COFFER_WIRE_BLOB_MAX		((uint64_t)256 << 20)
/* Blob ids in one existence query (POST /v1/blobs/exists). */
#define COFFER_WIRE_EXISTS_MAX		1000
/* Blobs on one page of the listing (GET /v1/blobs). */
#define COFFER_WIRE_BLOB_LIST_MAX	1000
/* A login identifier's bytes. */
#define COFFER_WIRE_LOGIN_MAX		256
/* A device's encrypted name, and its card. */
#define COFFER_WIRE_DEVICE_NAME_MAX	512
#define COFFER_WIRE_CARD_MAX		1024
/* Devices an account may hold; of them, once it has a device list,
 * those registered but not on the list (waiting for approval); zones. */
#define COFFER_WIRE_DEVICES_MAX		100
#define COFFER_WIRE_DEVICES_PENDING_MAX	10
#define COFFER_WIRE_ZONES_MAX		1000
/* Change entries on one page of the feed. */
#define COFFER_WIRE_FEED_MAX		1000
/* One entry of the signed device list (docs/PROTOCOL-devices.md §2). */
#define COFFER_WIRE_DEVLIST_ENTRY_MAX	40960
/* Entries on one page of GET /v1/devicelist. */
#define COFFER_WIRE_DEVLIST_PAGE_MAX	100
/* Pairings (docs/PROTOCOL-devices.md §4, §7): a message of steps 1 to 3,
 * and of step 4 (which carries a list entry); the pairings an account may
 * have open at once (one per device); how long one stays open, seconds. */
#define COFFER_WIRE_PAIRING_MSG_MAX	1024
#define COFFER_WIRE_PAIRING_FINAL_MAX	(COFFER_WIRE_DEVLIST_ENTRY_MAX + 128)
#define COFFER_WIRE_PAIRINGS_MAX	10
#define COFFER_WIRE_PAIRING_TTL		600

#endif

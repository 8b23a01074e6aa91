/* The backup repository's formats (docs/PROTOCOL-backup.md), internal to
 * the engine, the tests and the fuzzers. Every parser here is strict: an
 * unknown version, a short or long input, a field over its cap, unsorted
 * or duplicate entries are refused with a precise error, and sealed
 * objects are authenticated before a byte of them is parsed. */
#ifndef COFFER_BACKUP_FORMAT_H
#define COFFER_BACKUP_FORMAT_H

#include <stddef.h>
#include <stdint.h>

#include <coffer/backup_store.h>
#include <coffer/buf.h>
#include <coffer/key.h>

#define BK_ID		32	/* chunk ids, pack ids, segment ids */
#define BK_NAME		16	/* ref names (snapshot ids) */
#define BK_NONCE	24
#define BK_TAG		16

/* Sealed formats: version 2 names the zone key version that sealed the
 * object (and, in a chunk, the version whose id key made its id);
 * version 1, from before key rolls, is read as key version 1. Only
 * version 2 is written. */
#define BK_FORMAT	2
#define BK_FORMAT_V1	1
#define BK_TREE_VERSION	1	/* the plaintext of a tree */
#define BK_TREE_VERSION_SPARSE 2	/* a tree holding a sparse file */

/* Stored chunk v2: version, flags, nonce, key version (u32) and id
 * version (u32) masked by the header-protection key, ciphertext, tag.
 * Version 1: version, flags, nonce, ciphertext, tag. The nonce starts at
 * BK_CHUNK_NONCE in both. */
#define BK_CHUNK_NONCE	2
#define BK_CHUNK_VERS	(BK_CHUNK_NONCE + BK_NONCE)	/* masked versions */
#define BK_CHUNK_MASK	8
#define BK_CHUNK_HDR	(BK_CHUNK_VERS + BK_CHUNK_MASK)
#define BK_CHUNK_OVER	(BK_CHUNK_HDR + BK_TAG)
#define BK_CHUNK_OVER_V1 (2 + BK_NONCE + BK_TAG)	/* the least overhead */
#define BK_CHUNK_MAX	((size_t)64 * 1024 * 1024)	/* plaintext cap */
#define BK_FLAG_ZSTD	0x01

enum bk_type {
	BK_DATA = 0,
	BK_TREE = 1,
};

/* Sealed metadata box v2: version, key version (u32), nonce, AEAD(kind,
 * body length, body, zero padding), tag. Version 1 has no key version. */
#define BK_BOX_HEAD	5
#define BK_BOX_OVER	(BK_BOX_HEAD + BK_NONCE + BK_TAG + 5)
#define BK_BOX_OVER_V1	(1 + BK_NONCE + BK_TAG + 5)

enum bk_kind {
	BK_KIND_PACK = 1,	/* a pack's header */
	BK_KIND_SEGMENT = 2,	/* an index segment blob */
	BK_KIND_INDEX = 3,	/* an INDEX ref */
	BK_KIND_SNAPSHOT = 4,	/* a SNAPSHOT ref */
	BK_KIND_FOOTER = 5,	/* a pack's footer (format 2 packs) */
	BK_KIND_LOCK = 6,	/* a LOCK ref */
	BK_KIND_FORGET = 7,	/* a FORGET ref, signed by the account key */
};

/* Pack layouts. Format 1: chunks | header box | header box length (u32,
 * in clear). Format 2 (written): chunks | header box | footer box (kind
 * BK_KIND_FOOTER, bound to the pack id, body: the header box's length
 * u32, always BK_PACK_FOOTER bytes) | BK_PACK_TAIL (4 clear bytes, which
 * a format 1 length never equals: its first byte is 0 to 0x0f). */
#define BK_PACK_FOOTER	(BK_BOX_OVER + 4)
#define BK_PACK_TAIL	"\xff" "cp\x02"
#define BK_PACK_TAIL_LEN 4
#define BK_PACK_OVER	(BK_PACK_FOOTER + BK_PACK_TAIL_LEN)

#define BK_PACK_ENTRIES_MAX	(1u << 20)
#define BK_PACK_HDR_MAX		((size_t)64 * 1024 * 1024)
#define BK_SEG_ENTRIES_MAX	(1u << 20)
#define BK_INDEX_SEGS_MAX	((COFFER_BSTORE_REF_MAX - 256) / BK_ID)

/* The keys of one version of the backup set's zone key. */
struct bk_keys {
	uint32_t		 version;	/* the zone key's version */
	uint8_t			 id[32];	/* HMAC-SHA-256 chunk ids */
	uint8_t			 data[32];	/* AEAD of chunks */
	uint8_t			 meta[32];	/* AEAD of boxes */
	uint8_t			 hp[32];	/* masks chunks' versions */
	uint8_t			 blob[32];	/* tags pack and segment ids */
};

/* The key ring: the keys of every version given, in sodium_malloc
 * memory. New objects are sealed under the newest; chunk ids, the
 * chunker's key and the chunks' header protection come from the oldest,
 * so that data backed up after a roll deduplicates against data from
 * before it and every device of the set can read a chunk's versions. */
struct bk_keyring {
	struct bk_keys		*v;	/* n, versions increasing */
	size_t			 n;
	struct coffer_key	*cdc;	/* the chunker's key (oldest) */
};

/** bk_keyring_new(out, zones, n): derive the keys of the ${n} symmetric
 * zone keys ${zones} (any order; versions distinct, 1 or more; n from 1
 * to COFFER_BACKUP_KEYS_MAX). Returns 0, COFFER_ERR_INVALID or
 * COFFER_ERR_NOMEM. */
int bk_keyring_new(struct bk_keyring **out,
    const struct coffer_key *const *zones, size_t n);
/** bk_keyring_free(p): wipe and free; accepts NULL. */
void bk_keyring_free(struct bk_keyring **p);
/** bk_keyring_get(kr, version): the keys of ${version}, or NULL. */
const struct bk_keys *bk_keyring_get(const struct bk_keyring *kr,
    uint32_t version);
/** bk_keyring_newest(kr), bk_keyring_oldest(kr): the keys that seal
 * new objects, and those that make chunk ids and mask their versions. */
const struct bk_keys *bk_keyring_newest(const struct bk_keyring *kr);
const struct bk_keys *bk_keyring_oldest(const struct bk_keyring *kr);

/* The versions a sealed object names: format (1 or 2), the key version
 * whose keys sealed it, and for a chunk the id version whose id key made
 * its id (both 1 in format 1). */
struct bk_head {
	uint8_t		 format;
	uint8_t		 flags;		/* chunks */
	uint32_t	 key;
	uint32_t	 idv;		/* chunks */
	size_t		 len;		/* box: bytes before the nonce;
					 * chunk: before the ciphertext */
};

/** bk_chunk_head(kr, s, slen, h), bk_box_head(box, len, h): parse the
 * header of a stored chunk or a box; a chunk's versions are unmasked with
 * the header-protection key of the oldest version of ${kr} (under another
 * ring they come out as noise: the caller looks them up, and the AEAD's
 * AD holds the unmasked ones). Return 0, COFFER_ERR_TRUNCATED,
 * COFFER_ERR_VERSION or COFFER_ERR_FORMAT (flags; a box's version 0). */
int bk_chunk_head(const struct bk_keyring *kr, const uint8_t *s, size_t slen,
    struct bk_head *h);
int bk_box_head(const uint8_t *box, size_t len, struct bk_head *h);

/** bk_chunk_lacks(kr, s, slen), bk_box_lacks(kr, box, len),
 * bk_pack_lacks(kr, packid, pack, len): the version a stored chunk, a box or a
 * pack's header names that ${kr} lacks (0: none, no header, or a chunk's
 * versions that do not unmask), to name it when opening failed with
 * COFFER_ERR_KEY. */
uint32_t bk_chunk_lacks(const struct bk_keyring *kr, const uint8_t *s,
    size_t slen);
uint32_t bk_box_lacks(const struct bk_keyring *kr, const uint8_t *box,
    size_t len);
uint32_t bk_pack_lacks(const struct bk_keyring *kr,
    const uint8_t packid[BK_ID], const uint8_t *pack,
    size_t len);

/* Blob ids (packs, segments): 16 random bytes and a 16-byte keyed
 * BLAKE2b tag of them under the blob key of the oldest version of the
 * ring, so that every device of the set recognises its set's blobs
 * among the account's and the server cannot. bk_blob_id(kr, id) makes
 * one; bk_blob_ours(kr, id) is 1 if ${id} carries the tag, else 0 (a
 * blob of another set or of a repository from before the tag). */
void bk_blob_id(const struct bk_keyring *kr, uint8_t id[BK_ID]);
int bk_blob_ours(const struct bk_keyring *kr, const uint8_t id[BK_ID]);

/* Chunk ids: HMAC-SHA-256 under an id key; one context per thread.
 * bk_hmac_new(out, k) starts one under the id key of ${k};
 * bk_hmac_key(h, k) switches ${h} to the id key of ${k} (nothing if it
 * has it already). */
struct bk_hmac;
int bk_hmac_new(struct bk_hmac **out, const struct bk_keys *k);
int bk_hmac_key(struct bk_hmac *h, const struct bk_keys *k);
void bk_hmac_free(struct bk_hmac **p);
int bk_hmac(struct bk_hmac *h, const uint8_t *p, size_t len,
    uint8_t id[BK_ID]);

/* Stored chunks. A compression context per thread. */
struct bk_zctx;
int bk_zctx_new(struct bk_zctx **out, int level);
void bk_zctx_free(struct bk_zctx **p);

/** bk_chunk_bound(len): the largest stored form of ${len} plaintext
 * bytes. */
size_t bk_chunk_bound(size_t len);

/** bk_chunk_seal(z, kr, id, type, p, len, out, outlen): write the stored
 * form of the ${len} plaintext bytes at ${p} (chunk ${id}, ${type}, an id
 * made under the id key of the oldest version of ${kr}) to ${out}
 * (bk_chunk_bound(${len}) bytes available), sealed under the newest
 * version of ${kr}, compressed when zstd gains (a 64 KiB sample is tried
 * first), and its length to *${outlen}. Returns 0, COFFER_ERR_TOOBIG or
 * COFFER_ERR_CRYPTO. */
int bk_chunk_seal(struct bk_zctx *z, const struct bk_keyring *kr,
    const uint8_t id[BK_ID], uint8_t type, const uint8_t *p, size_t len,
    uint8_t *out, size_t *outlen);

/* The _det variants of the sealing calls take the nonce (BK_NONCE bytes;
 * NULL: random) for the known-answer vectors; the engine never passes
 * one. */
int bk_chunk_seal_det(struct bk_zctx *z, const struct bk_keyring *kr,
    const uint8_t id[BK_ID], uint8_t type, const uint8_t *p, size_t len,
    const uint8_t *nonce, uint8_t *out, size_t *outlen);

/** bk_chunk_open(z, h, kr, id, type, s, slen, rlen, out): authenticate
 * the stored chunk ${s} of ${slen} bytes as chunk ${id} of ${type} with
 * ${rlen} plaintext bytes under the key version it names, decompress it
 * into ${out} (${rlen} bytes) and check that its HMAC under the id key of
 * the id version it names is ${id} (${h} is switched to that key).
 * Returns 0, COFFER_ERR_TRUNCATED, COFFER_ERR_VERSION, COFFER_ERR_FORMAT
 * (flags, size), COFFER_ERR_KEY (${kr} lacks the key version it names:
 * nothing is decrypted), COFFER_ERR_AUTH (its versions do not unmask to
 * an id version of ${kr} and a key version not below it: altered, or
 * masked under another ring's key; or the tag, or the plaintext's id
 * differs) or COFFER_ERR_TOOBIG. */
int bk_chunk_open(struct bk_zctx *z, struct bk_hmac *h,
    const struct bk_keyring *kr, const uint8_t id[BK_ID], uint8_t type,
    const uint8_t *s, size_t slen,
    size_t rlen, uint8_t *out);

/** bk_box_seal(kr, kind, bind, bindlen, body, len, total, out): seal
 * ${body} under the newest version of ${kr} into a box of ${kind} bound
 * to ${bind} (an object's id or name), padded with zeros inside the
 * ciphertext so the box is max(minimal, ${total}) bytes, appended to
 * ${out}. Returns 0, COFFER_ERR_TOOBIG or COFFER_ERR_NOMEM. */
int bk_box_seal(const struct bk_keyring *kr, uint8_t kind, const uint8_t *bind,
    size_t bindlen, const uint8_t *body, size_t len, size_t total,
    struct coffer_buf *out);
int bk_box_seal_det(const struct bk_keyring *kr, uint8_t kind,
    const uint8_t *bind, size_t bindlen, const uint8_t *body, size_t len,
    size_t total,
    const uint8_t *nonce, struct coffer_buf *out);

/** bk_box_open(kr, kind, bind, bindlen, box, len, out): authenticate
 * under the key version it names and open a box of *${kind} (0: any,
 * then set) bound to ${bind}; its body goes to ${out} (a secret buffer).
 * Returns 0, COFFER_ERR_TRUNCATED, COFFER_ERR_VERSION, COFFER_ERR_KEY
 * (${kr} lacks the version), COFFER_ERR_AUTH, COFFER_ERR_CONTEXT (another
 * kind), COFFER_ERR_FORMAT (key version 0, length, nonzero padding),
 * COFFER_ERR_TOOBIG or COFFER_ERR_NOMEM. */
int bk_box_open(const struct bk_keyring *kr, uint8_t *kind, const uint8_t *bind,
    size_t bindlen, const uint8_t *box, size_t len, struct coffer_buf *out);

/* An entry of a pack or of an index segment. */
struct bk_entry {
	uint8_t		id[BK_ID];
	uint8_t		type;
	uint32_t	offset;
	uint32_t	slen;	/* stored length */
	uint32_t	rlen;	/* plaintext length */
};

/** bk_pack_trailer(kr, packid, e, n, chunks_len, out): append the header
 * box of a format 2 pack whose ${chunks_len} bytes of stored chunks
 * ${e}[0..${n}) precede it, its footer box and tail, so that the pack's
 * size is a Padmé bucket and nothing in clear says where the chunks end.
 * The _det variant seals the header under ${nonce} and the footer under
 * ${nonce} with its last byte complemented. Returns as bk_box_seal. */
int bk_pack_trailer(const struct bk_keyring *kr, const uint8_t packid[BK_ID],
    const struct bk_entry *e, size_t n, size_t chunks_len,
    struct coffer_buf *out);
int bk_pack_trailer_det(const struct bk_keyring *kr,
    const uint8_t packid[BK_ID], const struct bk_entry *e, size_t n,
    size_t chunks_len,
    const uint8_t *nonce, struct coffer_buf *out);

/** bk_pack_parse(kr, packid, pack, len, out, n): open and check the header
 * of the whole pack ${pack} (either layout: format 2 when it ends with
 * BK_PACK_TAIL): *${out} gets a malloc'd array of *${n} entries whose
 * offsets tile the pack's chunk area exactly. Returns 0 or an error as
 * bk_box_open (of the footer, then of the header), COFFER_ERR_TRUNCATED
 * (a header length past the pack's start) or COFFER_ERR_FORMAT. */
int bk_pack_parse(const struct bk_keyring *kr, const uint8_t packid[BK_ID],
    const uint8_t *pack, size_t len, struct bk_entry **out, size_t *n);

/* An index segment: packs, each with its entries. */
struct bk_seg_pack {
	uint8_t			 id[BK_ID];
	uint32_t		 len;
	struct bk_entry		*e;
	size_t			 n;
};

/** bk_seg_encode(kr, segid, packs, n, out): seal an index segment of ${n}
 * packs (sorted by id, entries by offset) as blob ${segid}. Returns 0,
 * COFFER_ERR_FORMAT (unsorted), COFFER_ERR_TOOBIG or COFFER_ERR_NOMEM. */
int bk_seg_encode(const struct bk_keyring *kr, const uint8_t segid[BK_ID],
    const struct bk_seg_pack *packs, size_t n, struct coffer_buf *out);
int bk_seg_encode_det(const struct bk_keyring *kr, const uint8_t segid[BK_ID],
    const struct bk_seg_pack *packs, size_t n, const uint8_t *nonce,
    struct coffer_buf *out);

/** bk_seg_decode(kr, segid, blob, len, fn, arg): open segment ${segid},
 * check all of it, then call ${fn}(${arg}, pack) for each pack. Returns 0,
 * an error of bk_box_open, COFFER_ERR_FORMAT (unsorted, duplicate,
 * overlapping or out-of-pack entries), or what ${fn} returned. */
typedef int (*bk_seg_fn)(void *arg, const struct bk_seg_pack *p);
int bk_seg_decode(const struct bk_keyring *kr, const uint8_t segid[BK_ID],
    const uint8_t *blob, size_t len, bk_seg_fn fn, void *arg);

/* Trees. */
enum bk_ftype {
	BK_FILE = 1, BK_DIR = 2, BK_SYMLINK = 3, BK_FIFO = 4, BK_CHR = 5,
	BK_BLK = 6, BK_SOCK = 7, BK_HARDLINK = 8,
};

#define BK_NAME_MAX	255
#define BK_PATH_MAX	4095
#define BK_XATTR_NAME_MAX 255
#define BK_XATTR_VALUE_MAX 65536
#define BK_XATTRS_MAX	1024
#define BK_EXTENTS_MAX	65536	/* data extents of a sparse file */
#define BK_EXTENT	16	/* an extent: offset, length (u64 each) */
#define BK_TYPE_SPARSE	9	/* a sparse file's type byte (tree v2) */

struct bk_node {
	const uint8_t	*name;
	size_t		 name_len;
	uint8_t		 type;
	uint32_t	 mode;		/* 07777 bits */
	uint32_t	 uid, gid;
	const uint8_t	*user, *group;
	size_t		 user_len, group_len;
	int64_t		 mtime_ns, ctime_ns;
	uint64_t	 size;
	uint64_t	 rdev;		/* BK_CHR, BK_BLK */
	const uint8_t	*target;	/* BK_SYMLINK, BK_HARDLINK */
	size_t		 target_len;
	const uint8_t	*subtree;	/* BK_DIR: BK_ID bytes */
	const uint8_t	*chunks;	/* BK_FILE: nchunks * BK_ID bytes */
	uint32_t	 nchunks;
	/* BK_FILE with holes: its data extents, nextents * BK_EXTENT
	 * bytes (offset, length: u64 big-endian each), sorted, apart,
	 * inside size; the chunks hold their bytes back to back. */
	int		 sparse;
	const uint8_t	*extents;
	uint32_t	 nextents;
	const uint8_t	*xattrs;	/* encoded: see bk_xattr_next */
	size_t		 xattrs_len;
	uint16_t	 nxattrs;
};

/** bk_tree_begin(b): start a tree in ${b}. bk_tree_add(b, n, prev,
 * prevlen): append node ${n}, whose name must sort after ${prev}
 * (NULL for the first). bk_tree_end(b, count): patch the count. Return 0,
 * COFFER_ERR_FORMAT (order, type, field), COFFER_ERR_TOOBIG or
 * COFFER_ERR_NOMEM. */
int bk_tree_begin(struct coffer_buf *b);
int bk_tree_add(struct coffer_buf *b, const struct bk_node *n,
    const uint8_t *prev, size_t prevlen);
int bk_tree_end(struct coffer_buf *b, uint32_t count);

/** bk_tree_decode(p, len, out, n): check the tree plaintext ${p} and give
 * a malloc'd array of *${n} nodes pointing into it. Returns 0,
 * COFFER_ERR_VERSION, COFFER_ERR_TRUNCATED, COFFER_ERR_TRAILING,
 * COFFER_ERR_FORMAT, COFFER_ERR_TOOBIG or COFFER_ERR_NOMEM. */
int bk_tree_decode(const uint8_t *p, size_t len, struct bk_node **out,
    size_t *n);

/** bk_extents_data(n): the data bytes of a sparse file node ${n} (the
 * sum of its extents' lengths, checked by the decoder not to wrap). */
uint64_t bk_extents_data(const struct bk_node *n);

/** bk_xattr_put(b, name, nlen, value, vlen): append one xattr record to
 * ${b}. bk_xattr_next(p, len, off, ...): the record at *${off} of an
 * already checked list. */
int bk_xattr_put(struct coffer_buf *b, const char *name, size_t nlen,
    const uint8_t *value, size_t vlen);
void bk_xattr_next(const uint8_t *p, size_t *off, const uint8_t **name,
    size_t *nlen, const uint8_t **value, size_t *vlen);

/* Refs. The bodies of INDEX and SNAPSHOT refs of version 2 end with a
 * trailer: version (u8, 2) | counter (u64, >= 1) [| floor (u64) for an
 * INDEX ref]; version 1 bodies have none (counter 0, unprotected). */
#define BK_REF_V1	1
#define BK_REF_V2	2

struct bk_ctr {
	uint8_t		 version;	/* BK_REF_V1 or BK_REF_V2 */
	uint64_t	 counter;	/* v2: >= 1 */
	uint64_t	 floor;		/* INDEX v2: refs below are superseded */
};

struct bk_snapshot {
	int64_t		 time_ns, end_ns;
	char		*host;
	char		**paths;
	size_t		 npaths;
	uint8_t		 root[BK_ID];
	uint8_t		 parent[BK_NAME];
	int		 has_parent;
	uint64_t	 files, dirs, bytes, bytes_new, bytes_stored;
	uint8_t		 version;	/* of the body: 0 or BK_REF_V1, BK_REF_V2 */
	uint64_t	 counter;	/* BK_REF_V2 */
};

/** bk_snapshot_encode(kr, name, s, out): seal snapshot ${s} as ref
 * ${name}. bk_snapshot_parse(p, len, s): parse the body of an opened
 * SNAPSHOT box; bk_snapshot_clear(s) frees its strings. */
int bk_snapshot_encode(const struct bk_keyring *kr, const uint8_t name[BK_NAME],
    const struct bk_snapshot *s, struct coffer_buf *out);
int bk_snapshot_encode_det(const struct bk_keyring *kr,
    const uint8_t name[BK_NAME], const struct bk_snapshot *s,
    const uint8_t *nonce,
    struct coffer_buf *out);
int bk_snapshot_parse(const uint8_t *p, size_t len, struct bk_snapshot *s);
void bk_snapshot_clear(struct bk_snapshot *s);

/** bk_indexref_encode(kr, name, segs, n, ctr, out): seal an INDEX ref
 * naming ${n} segment ids (sorted, distinct), with the counter and floor
 * of ${ctr} (version 2; NULL: a version 1 body, for the tests).
 * bk_indexref_parse(p, len, segs, n, ctr): parse the body of an opened
 * INDEX box into a malloc'd array, its trailer into *${ctr} (may be
 * NULL). Return 0, COFFER_ERR_TRUNCATED, COFFER_ERR_TRAILING,
 * COFFER_ERR_VERSION (a trailer's version not 2), COFFER_ERR_FORMAT
 * (unsorted, a counter 0 or a floor above it), COFFER_ERR_TOOBIG or
 * COFFER_ERR_NOMEM. */
int bk_indexref_encode(const struct bk_keyring *kr, const uint8_t name[BK_NAME],
    const uint8_t (*segs)[BK_ID], size_t n, const struct bk_ctr *ctr,
    struct coffer_buf *out);
int bk_indexref_encode_det(const struct bk_keyring *kr,
    const uint8_t name[BK_NAME], const uint8_t (*segs)[BK_ID], size_t n,
    const struct bk_ctr *ctr, const uint8_t *nonce,
    struct coffer_buf *out);
int bk_indexref_parse(const uint8_t *p, size_t len, uint8_t (**segs)[BK_ID],
    size_t *n, struct bk_ctr *ctr);

/* A FORGET ref (kind 7): version (u8, 1) | counter (u64, >= 1) | the
 * account's Ed25519 public key (32) | n (u32, 1 to BK_FORGET_MAX) | n
 * snapshot names (16, strictly increasing) | signature (64) by that key,
 * context BK_FORGET_CONTEXT, over bk_forget_message (the set, the ref's
 * name and the body without the key and the signature). */
#define BK_FORGET_VERSION	1
#define BK_FORGET_CONTEXT	"coffer/backup-forget/v1"
#define BK_FORGET_MAX		16384
#define BK_SET_BYTES		16	/* COFFER_BACKUP_SET_BYTES */
#define BK_PK_BYTES		32
#define BK_SIG_BYTES		64

struct bk_forget {
	uint64_t	 counter;
	uint8_t		 pk[BK_PK_BYTES];
	uint8_t		(*names)[BK_NAME];	/* parse: malloc'd */
	size_t		 n;
	uint8_t		 sig[BK_SIG_BYTES];
};

/** bk_forget_message(set, name, f, out): append the bytes the signature
 * of FORGET ref ${name} of the backup set ${set} covers: set (16) | name
 * (16) | version | counter | n | names. Returns 0, COFFER_ERR_TOOBIG (n
 * 0 or over the cap), COFFER_ERR_FORMAT (unsorted, counter 0) or
 * COFFER_ERR_NOMEM. */
int bk_forget_message(const uint8_t set[BK_SET_BYTES],
    const uint8_t name[BK_NAME], const struct bk_forget *f,
    struct coffer_buf *out);
/** bk_forget_encode(kr, name, f, out): seal FORGET ${f} (signed) as ref
 * ${name}. bk_forget_parse(p, len, f): parse an opened FORGET body
 * (bk_forget_clear frees it). Return 0, COFFER_ERR_TRUNCATED,
 * COFFER_ERR_TRAILING, COFFER_ERR_VERSION, COFFER_ERR_FORMAT (counter 0,
 * unsorted), COFFER_ERR_TOOBIG or COFFER_ERR_NOMEM; the signature is the
 * caller's to check. */
int bk_forget_encode(const struct bk_keyring *kr, const uint8_t name[BK_NAME],
    const struct bk_forget *f, struct coffer_buf *out);
int bk_forget_encode_det(const struct bk_keyring *kr,
    const uint8_t name[BK_NAME], const struct bk_forget *f,
    const uint8_t *nonce, struct coffer_buf *out);
int bk_forget_parse(const uint8_t *p, size_t len, struct bk_forget *f);
void bk_forget_clear(struct bk_forget *f);

/* LOCK refs (docs/PROTOCOL-backup.md, "Locks"). The times are the
 * writer's clock. */
#define BK_LOCK_SHARED		1
#define BK_LOCK_EXCLUSIVE	2
#define BK_LOCK_TTL_MAX		(7u * 24 * 3600)
#define BK_LOCK_NONCE		16
#define BK_LOCK_MACHINE		16
#define BK_LOCK_STR_MAX		255

struct bk_lock {
	uint8_t		 kind;		/* BK_LOCK_SHARED or _EXCLUSIVE */
	int64_t		 time_ns;	/* written (the writer's clock) */
	uint32_t	 ttl_s;		/* live until time_ns + ttl_s */
	uint32_t	 pid;
	uint8_t		 nonce[BK_LOCK_NONCE];
	uint8_t		 machine[BK_LOCK_MACHINE];	/* the writer's install */
	char		 host[BK_LOCK_STR_MAX + 1];
	char		 device[BK_LOCK_STR_MAX + 1];	/* "" unknown */
};

/** bk_lock_encode(kr, name, l, out): seal lock ${l} as ref ${name}.
 * bk_lock_parse(p, len, l): parse the body of an opened LOCK box.
 * Return 0, COFFER_ERR_FORMAT (kind, ttl 0 or over BK_LOCK_TTL_MAX, a
 * machine id of zeros, a NUL in a string), COFFER_ERR_TOOBIG, COFFER_ERR_TRUNCATED,
 * COFFER_ERR_TRAILING or COFFER_ERR_NOMEM. */
int bk_lock_encode(const struct bk_keyring *kr, const uint8_t name[BK_NAME],
    const struct bk_lock *l, struct coffer_buf *out);
int bk_lock_encode_det(const struct bk_keyring *kr,
    const uint8_t name[BK_NAME], const struct bk_lock *l,
    const uint8_t *nonce, struct coffer_buf *out);
int bk_lock_parse(const uint8_t *p, size_t len, struct bk_lock *l);

#endif

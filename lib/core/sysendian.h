/* Fixed-width integers in byte strings, in a stated order, whatever the
 * host's: beNNenc(p, x) stores, beNNdec(p) loads (libcperciva's names).
 * Every wire and disk format of coffer is big-endian; the keyed chunker's
 * gear input is little-endian (docs/PROTOCOL-cdc.md). */
#ifndef COFFER_CORE_SYSENDIAN_H
#define COFFER_CORE_SYSENDIAN_H

#include <stdint.h>

static inline void
be16enc(void *buf, uint16_t x)
{
	uint8_t *p = buf;

	p[0] = (uint8_t)(x >> 8);
	p[1] = (uint8_t)x;
}

static inline uint16_t
be16dec(const void *buf)
{
	const uint8_t *p = buf;

	return (uint16_t)((uint16_t)p[0] << 8 | p[1]);
}

static inline void
be32enc(void *buf, uint32_t x)
{
	uint8_t *p = buf;

	p[0] = (uint8_t)(x >> 24);
	p[1] = (uint8_t)(x >> 16);
	p[2] = (uint8_t)(x >> 8);
	p[3] = (uint8_t)x;
}

static inline uint32_t
be32dec(const void *buf)
{
	const uint8_t *p = buf;

	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static inline void
be64enc(void *buf, uint64_t x)
{
	uint8_t *p = buf;

	be32enc(p, (uint32_t)(x >> 32));
	be32enc(p + 4, (uint32_t)x);
}

static inline uint64_t
be64dec(const void *buf)
{
	const uint8_t *p = buf;

	return (uint64_t)be32dec(p) << 32 | be32dec(p + 4);
}

static inline uint64_t
le64dec(const void *buf)
{
	const uint8_t *p = buf;
	uint64_t x = 0;
	int i;

	for (i = 7; i >= 0; i--)
		x = x << 8 | p[i];
	return x;
}

#endif

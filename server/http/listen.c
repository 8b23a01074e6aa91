/* The listen address and the port file (service.h). Calls route.c for
 * the port's digits. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/file.h"
#include "http_internal.h"
#include "service.h"

int
srv_listen_parse(const char *s, struct sockaddr_storage *ss, socklen_t *len)
{
	char host[64];
	const char *colon, *h = s;
	size_t hl;
	uint8_t unused[COFFER_WIRE_BLOB_ID_BYTES];
	uint64_t port;

	memset(ss, 0, sizeof(*ss));
	if (s[0] == '[') {
		const char *close = strchr(s, ']');

		if (close == NULL || close[1] != ':')
			return -1;
		h = s + 1;
		hl = (size_t)(close - h);
		colon = close + 1;
	} else {
		if ((colon = strrchr(s, ':')) == NULL)
			return -1;
		hl = (size_t)(colon - s);
	}
	/* A port is a uint parameter (digits, no sign, no leading zero)
	 * that fits 16 bits. */
	if (hl == 0 || hl >= sizeof(host) || srv_route_parse_param(SRV_P_UINT,
	    colon + 1, strlen(colon + 1), unused, &port) != 0 || port > 65535)
		return -1;
	memcpy(host, h, hl);
	host[hl] = '\0';
	if (s[0] == '[') {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;

		if (inet_pton(AF_INET6, host, &a->sin6_addr) != 1)
			return -1;
		a->sin6_family = AF_INET6;
		a->sin6_port = htons((uint16_t)port);
		*len = sizeof(*a);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)ss;

		/* inet_pton takes only the four-decimal form. */
		if (inet_pton(AF_INET, host, &a->sin_addr) != 1)
			return -1;
		a->sin_family = AF_INET;
		a->sin_port = htons((uint16_t)port);
		*len = sizeof(*a);
	}
	return 0;
}

int
srv_listen_is_loopback(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *a = (const struct sockaddr_in *)sa;

		return (ntohl(a->sin_addr.s_addr) >> 24) == 127;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)sa;

		return IN6_IS_ADDR_LOOPBACK(&a->sin6_addr);
	}
	return 0;
}

int
srv_listen_write_port(const char *path, unsigned port)
{
	char text[16];
	int n, r, e;

	n = snprintf(text, sizeof(text), "%u\n", port);
	if ((r = file_write_atomic(path, (const uint8_t *)text, (size_t)n,
	    0644)) != 0) {
		/* The file may be in place with only the folder's sync
		 * failed: no port may be left naming a service that is not
		 * there. */
		e = errno;
		(void)unlink(path);
		errno = e;
	}
	return r;
}

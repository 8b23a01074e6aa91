/* The TLS certificate and key files (service.h). Calls nothing of the
 * layer. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "service.h"

#define PEM_MAX		(1u << 20)

/* Read a PEM file whole into sodium_malloc'd memory (it may be a key). */
static char *
read_pem(const char *path)
{
	char *buf = NULL;
	size_t len = 0;
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return NULL;
	if ((buf = sodium_malloc(PEM_MAX + 1)) == NULL)
		goto fail;
	while (len < PEM_MAX && (n = read(fd, buf + len, PEM_MAX - len)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto fail;
		len += (size_t)n;
	}
	if (len == PEM_MAX || len == 0)
		goto fail;
	buf[len] = '\0';
	close(fd);
	return buf;
fail:
	close(fd);
	sodium_free(buf);
	return NULL;
}

int
srv_tls_load(struct srv_tls *tls, const char *cert_path, const char *key_path,
    char *err, size_t errlen)
{
	memset(tls, 0, sizeof(*tls));
	if ((tls->cert = read_pem(cert_path)) == NULL ||
	    (tls->key = read_pem(key_path)) == NULL) {
		snprintf(err, errlen, "cannot read %s (missing, empty or over "
		    "1 MiB)", tls->cert == NULL ? cert_path : key_path);
		srv_tls_cleanup(tls);
		return -1;
	}
	return 0;
}

void
srv_tls_cleanup(struct srv_tls *tls)
{
	if (tls->cert != NULL)
		sodium_free(tls->cert);
	if (tls->key != NULL)
		sodium_free(tls->key);
	tls->cert = NULL;
	tls->key = NULL;
}

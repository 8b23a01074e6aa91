/* Fuzz the cofferd.conf parser and the listen-address parser: no crash;
 * an accepted file leaves every setting in its documented range, and
 * writing the settings back out parses to the same settings. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "http/service.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
same_str(const char *a, const char *b)
{
	return (a == NULL && b == NULL) ||
	    (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* The settings as a config file. */
static size_t
dump(const struct srv_config *c, char *out, size_t cap)
{
	int n = snprintf(out, cap,
	    "listen = %s\n%s%s%s%s%s%s%s%s%s%s%s%s"
	    "allow_remote_plaintext = %s\nlog_format = %s\nthreads = %u\n"
	    "max_connections = %u\nper_ip_connections = %u\n"
	    "connection_timeout = %u\nshutdown_timeout = %u\n",
	    c->listen,
	    c->port_file ? "port_file = " : "", c->port_file ? c->port_file :
	    "", c->port_file ? "\n" : "",
	    c->tls_cert ? "tls_cert = " : "", c->tls_cert ? c->tls_cert : "",
	    c->tls_cert ? "\n" : "",
	    c->tls_key ? "tls_key = " : "", c->tls_key ? c->tls_key : "",
	    c->tls_key ? "\n" : "", "", "", "",
	    c->allow_remote_plaintext ? "yes" : "no",
	    c->log_format == SRV_LOG_JSON ? "json" : "text", c->threads,
	    c->max_connections, c->per_ip_connections, c->connection_timeout,
	    c->shutdown_timeout);

	if (n < 0 || (size_t)n >= cap)
		abort();
	return (size_t)n;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct srv_config a, b;
	struct sockaddr_storage ss;
	socklen_t sl;
	char err[300], *text, *again;
	size_t n;

	if (size > SRV_CONFIG_FILE_MAX + 16)
		return 0;
	if ((text = malloc(size + 1)) == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	/* The listen parser on the raw text. */
	if (srv_listen_parse(text, &ss, &sl) == 0 &&
	    ss.ss_family != AF_INET && ss.ss_family != AF_INET6)
		abort();
	if (srv_config_init(&a) != 0)
		abort();
	if (srv_config_parse(&a, text, size, "f", err, sizeof(err)) == 0) {
		if (a.threads > 256 || a.max_connections < 1 ||
		    a.max_connections > 100000 ||
		    a.per_ip_connections > 100000 ||
		    a.connection_timeout < 1 || a.connection_timeout > 3600 ||
		    a.shutdown_timeout > 3600 ||
		    (a.allow_remote_plaintext != 0 &&
		    a.allow_remote_plaintext != 1) ||
		    srv_listen_parse(a.listen, &ss, &sl) != 0)
			abort();
		if ((again = malloc(4 * 4096 + 1024)) == NULL)
			abort();
		n = dump(&a, again, 4 * 4096 + 1024);
		if (srv_config_init(&b) != 0 || srv_config_parse(&b, again, n,
		    "g", err, sizeof(err)) != 0)
			abort();
		if (!same_str(a.listen, b.listen) ||
		    !same_str(a.port_file, b.port_file) ||
		    !same_str(a.tls_cert, b.tls_cert) ||
		    !same_str(a.tls_key, b.tls_key) ||
		    a.allow_remote_plaintext != b.allow_remote_plaintext ||
		    a.log_format != b.log_format || a.threads != b.threads ||
		    a.max_connections != b.max_connections ||
		    a.per_ip_connections != b.per_ip_connections ||
		    a.connection_timeout != b.connection_timeout ||
		    a.shutdown_timeout != b.shutdown_timeout)
			abort();
		srv_config_cleanup(&b);
		free(again);
	} else if (strncmp(err, "f:", 2) != 0) {
		abort();	/* every error names the file */
	}
	srv_config_cleanup(&a);
	free(text);
	return 0;
}

/* coffer-escrowd: the escrow service, a trust domain apart from cofferd
 * (coffer-escrowd(8)). This version stands up the HTTP service the
 * escrow API will grow on, on the same layer as cofferd (server/http/):
 * GET /v1/health, the layer's JSON 404 for every other path, plain HTTP
 * on loopback or HTTPS anywhere, and a graceful stop on SIGTERM or
 * SIGINT (exit 0). Exit 2: usage error; exit 1: a runtime failure
 * (cannot read the TLS files, cannot listen, cannot write the port
 * file). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "http/http.h"
#include "http/log.h"
#include "http/service.h"

#define DEFAULT_LISTEN		"127.0.0.1:8781"
#define SHUTDOWN_MS		10000	/* for requests in flight */

enum {
	O_LISTEN, O_PORT_FILE, O_TLS_CERT, O_TLS_KEY, O_LOG_FORMAT, O_HELP,
	O_H, O_VERSION, O_COUNT
};

static const struct srv_arg options[O_COUNT] = {
	[O_LISTEN] = { "--listen", 1 },
	[O_PORT_FILE] = { "--port-file", 1 },
	[O_TLS_CERT] = { "--tls-cert", 1 },
	[O_TLS_KEY] = { "--tls-key", 1 },
	[O_LOG_FORMAT] = { "--log-format", 1 },
	[O_HELP] = { "--help", 0 },
	[O_H] = { "-h", 0 },
	[O_VERSION] = { "--version", 0 },
};

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: coffer-escrowd [--listen ADDR:PORT] [--port-file FILE]\n"
	    "                      [--tls-cert FILE --tls-key FILE]\n"
	    "                      [--log-format text|json]\n"
	    "       coffer-escrowd --help | --version\n"
	    "\n"
	    "coffer-escrowd holds the escrow key in its own process and key\n"
	    "store. It opens escrowed keys only after the device passcode is\n"
	    "proven, and destroys a record after 10 failed attempts. cofferd\n"
	    "never holds its private key.\n"
	    "\n"
	    "This build serves GET /v1/health only: the escrow API is to come.\n"
	    "\n"
	    "  --listen ADDR:PORT    address to listen on (default %s;\n"
	    "                        port 0 picks a free port)\n"
	    "  --port-file FILE      write the bound port to FILE once listening\n"
	    "  --tls-cert FILE       serve HTTPS with this PEM certificate chain\n"
	    "  --tls-key FILE        ... and this PEM private key\n"
	    "  --log-format FORMAT   text (default) or json, on stderr\n"
	    "  --help, --version\n"
	    "\n"
	    "See coffer-escrowd(8).\n", DEFAULT_LISTEN);
}

/* GET /v1/health: the service answers and knows its version. */
static int
route_health(struct srv_req *req)
{
	return srv_reply_object(req, 200, json_pack("{s:s, s:s}", "status",
	    "ok", "version", COFFER_VERSION));
}

static const struct srv_route routes[] = {
	{ SRV_GET, "/v1/health", route_health, SRV_BODY_NONE, 0, 0, NULL },
};

int
main(int argc, char **argv)
{
	const char *v[O_COUNT], *listen;
	enum srv_log_format log_format = SRV_LOG_TEXT;
	struct srv_http *http = NULL;
	struct srv_http_opts o;
	struct srv_tls tls = { NULL, NULL };
	struct sockaddr_storage ss;
	socklen_t sl;
	sigset_t sigs;
	char err[400], port[8];
	int rc = 2;

	if (srv_args_parse("coffer-escrowd", options, O_COUNT, argc, argv, v,
	    err, sizeof(err)) != 0) {
		fprintf(stderr, "coffer-escrowd: %s\n", err);
		goto out;
	}
	if (v[O_HELP] != NULL || v[O_H] != NULL) {
		usage(stdout);
		rc = 0;
		goto out;
	}
	if (v[O_VERSION] != NULL) {
		printf("coffer-escrowd %s\n", COFFER_VERSION);
		rc = 0;
		goto out;
	}
	listen = v[O_LISTEN] != NULL ? v[O_LISTEN] : DEFAULT_LISTEN;
	if (srv_listen_parse(listen, &ss, &sl) != 0) {
		fprintf(stderr, "coffer-escrowd: bad listen address\n");
		goto out;
	}
	if ((v[O_TLS_CERT] == NULL) != (v[O_TLS_KEY] == NULL)) {
		fprintf(stderr, "coffer-escrowd: TLS needs both a certificate "
		    "(--tls-cert) and a key (--tls-key)\n");
		goto out;
	}
	/* Escrow requests will carry what opens keys: never in clear off
	 * this host. */
	if (v[O_TLS_CERT] == NULL &&
	    !srv_listen_is_loopback((struct sockaddr *)&ss)) {
		fprintf(stderr, "coffer-escrowd: refusing plain HTTP on %s, "
		    "which is not a loopback address: give --tls-cert and "
		    "--tls-key\n", listen);
		goto out;
	}
	if (v[O_LOG_FORMAT] != NULL &&
	    srv_log_format_parse(v[O_LOG_FORMAT], &log_format) != 0) {
		fprintf(stderr, "coffer-escrowd: --log-format is text or "
		    "json\n");
		goto out;
	}
	srv_log_setup(log_format, 2);

	rc = 1;
	if (sodium_init() < 0) {
		fprintf(stderr, "coffer-escrowd: libsodium failed to start\n");
		goto out;
	}
	if (v[O_TLS_CERT] != NULL && srv_tls_load(&tls, v[O_TLS_CERT],
	    v[O_TLS_KEY], err, sizeof(err)) != 0) {
		fprintf(stderr, "coffer-escrowd: %s\n", err);
		goto out;
	}
	srv_signal_block(&sigs);
	memset(&o, 0, sizeof(o));
	o.addr = (struct sockaddr *)&ss;
	o.addrlen = sl;
	o.tls_cert_pem = tls.cert;
	o.tls_key_pem = tls.key;
	o.max_connections = 256;
	o.per_ip_connections = 32;
	o.connection_timeout = 60;
	o.header_timeout = 10;
	o.body_rate_min = 1024;
	o.body_rate_grace = 5;
	o.routes = routes;
	o.nroutes = sizeof(routes) / sizeof(routes[0]);
	if (srv_http_start(&http, &o, err, sizeof(err)) != 0) {
		srv_log(SRV_LOG_ERROR, "start_failed", "listen", listen,
		    "reason", err, (char *)NULL);
		goto out;
	}
	snprintf(port, sizeof(port), "%u", srv_http_port(http));
	if (v[O_PORT_FILE] != NULL &&
	    srv_listen_write_port(v[O_PORT_FILE], srv_http_port(http)) != 0) {
		srv_log(SRV_LOG_ERROR, "port_file_failed", "path",
		    v[O_PORT_FILE], "reason", strerror(errno), (char *)NULL);
		goto out;
	}
	srv_log(SRV_LOG_INFO, "listening", "version", COFFER_VERSION,
	    "listen", listen, "port", port, "tls", tls.cert != NULL ? "yes" :
	    "no", (char *)NULL);

	srv_signal_wait(&sigs);
	srv_http_shutdown(&http, SHUTDOWN_MS);
	if (v[O_PORT_FILE] != NULL)
		unlink(v[O_PORT_FILE]);
	srv_log(SRV_LOG_INFO, "stopped", (char *)NULL);
	rc = 0;
out:
	srv_http_stop(&http);
	srv_tls_cleanup(&tls);
	return rc;
}

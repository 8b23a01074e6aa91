/* cofferd: the coffer server. Reads its settings (command line over
 * cofferd.conf over defaults), creates the data folder, serves the HTTP
 * API on the pool threads, and waits for a signal: SIGTERM or SIGINT stop
 * it gracefully (exit 0); SIGHUP is logged and ignored (logs go to stderr,
 * which the service manager owns). Exit 2: usage or configuration error;
 * exit 1: a runtime failure (cannot listen, cannot create the data
 * folder, cannot read the TLS files). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "config.h"
#include "http.h"
#include "log.h"
#include "routes.h"
#include <coffer/err.h>

#include "auth.h"
#include "session.h"
#include "store/store.h"
#include "version.h"

#define PEM_MAX		(1u << 20)
#define ARGS_MAX	16

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: cofferd [--data DIR] [--config FILE] [--listen ADDR:PORT]\n"
	    "               [--port-file FILE] [--tls-cert FILE --tls-key FILE]\n"
	    "               [--allow-remote-plaintext] [--log-format text|json]\n"
	    "       cofferd --help | --version\n"
	    "\n"
	    "cofferd is the coffer server: accounts, devices, zones, records\n"
	    "and blobs over an HTTP API (/v1/...). It stores only ciphertext,\n"
	    "public keys and opaque ids.\n"
	    "\n"
	    "  --data DIR            data folder, created 0700 (default %s)\n"
	    "  --config FILE         settings file (default DIR/%s if it exists)\n"
	    "  --listen ADDR:PORT    address to listen on (default %s;\n"
	    "                        port 0 picks a free port)\n"
	    "  --port-file FILE      write the bound port to FILE once listening\n"
	    "  --tls-cert FILE       serve HTTPS with this PEM certificate chain\n"
	    "  --tls-key FILE        ... and this PEM private key\n"
	    "  --allow-remote-plaintext\n"
	    "                        allow plain HTTP on a non-loopback address\n"
	    "  --log-format FORMAT   text (default) or json, on stderr\n"
	    "  --help, --version\n"
	    "\n"
	    "See cofferd(8).\n",
	    SRV_DEFAULT_DATA, SRV_CONFIG_NAME, SRV_DEFAULT_LISTEN);
}

struct args {
	const char	*data;
	const char	*config;
	const char	*key[ARGS_MAX], *value[ARGS_MAX];
	size_t		 n;
	int		 help, version, test_routes;
};

/* Options that are settings, by config key; the rest are handled here. */
static const struct {
	const char	*flag;
	const char	*key;
	int		 has_value;
} flags[] = {
	{ "--listen", "listen", 1 },
	{ "--port-file", "port_file", 1 },
	{ "--tls-cert", "tls_cert", 1 },
	{ "--tls-key", "tls_key", 1 },
	{ "--log-format", "log_format", 1 },
	{ "--allow-remote-plaintext", "allow_remote_plaintext", 0 },
	{ "--data", NULL, 1 },
	{ "--config", NULL, 1 },
	{ "--help", NULL, 0 },
	{ "-h", NULL, 0 },
	{ "--version", NULL, 0 },
	{ "--test-routes", NULL, 0 },
};

static int
parse_args(struct args *a, int argc, char **argv)
{
	size_t i, j, nflags = sizeof(flags) / sizeof(flags[0]);
	unsigned char seen[sizeof(flags) / sizeof(flags[0])] = { 0 };
	const char *arg, *val, *eq;
	size_t alen;
	int k;

	memset(a, 0, sizeof(*a));
	for (k = 1; k < argc; k++) {
		arg = argv[k];
		eq = strchr(arg, '=');
		alen = eq != NULL && arg[0] == '-' && arg[1] == '-' ?
		    (size_t)(eq - arg) : strlen(arg);
		for (i = 0; i < nflags; i++)
			if (strlen(flags[i].flag) == alen &&
			    strncmp(flags[i].flag, arg, alen) == 0)
				break;
		if (i == nflags) {
			fprintf(stderr, "cofferd: unknown argument \"%s\"\n"
			    "Try cofferd --help.\n", arg);
			return -1;
		}
		if (seen[i]++) {
			fprintf(stderr, "cofferd: %s given twice\n",
			    flags[i].flag);
			return -1;
		}
		val = NULL;
		if (flags[i].has_value) {
			if (arg[alen] == '=')
				val = arg + alen + 1;
			else if (k + 1 < argc)
				val = argv[++k];
			if (val == NULL || *val == '\0') {
				fprintf(stderr, "cofferd: %s needs a value\n",
				    flags[i].flag);
				return -1;
			}
		} else if (arg[alen] == '=') {
			fprintf(stderr, "cofferd: %s takes no value\n",
			    flags[i].flag);
			return -1;
		}
		if (flags[i].key != NULL) {
			j = a->n++;
			a->key[j] = flags[i].key;
			a->value[j] = val != NULL ? val : "yes";
		} else if (strcmp(arg, "--help") == 0 ||
		    strcmp(arg, "-h") == 0) {
			a->help = 1;
		} else if (strcmp(arg, "--version") == 0) {
			a->version = 1;
		} else if (strcmp(arg, "--test-routes") == 0) {
			a->test_routes = 1;
		} else if (strncmp(arg, "--data", alen) == 0) {
			a->data = val;
		} else {
			a->config = val;
		}
	}
	if (a->data == NULL)
		a->data = SRV_DEFAULT_DATA;
	return 0;
}

/* Read a PEM file whole into sodium_malloc'd memory (it may be a key). */
static char *
read_pem(const char *path, size_t *lenp)
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
	*lenp = len;
	return buf;
fail:
	close(fd);
	sodium_free(buf);
	return NULL;
}

/* Write "PORT\n" to path through a temporary file and rename, so the
 * reader never sees a partial file. */
static int
write_port_file(const char *path, unsigned port)
{
	char tmp[PATH_MAX], text[16];
	int fd, n, r = -1;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return -1;
	n = snprintf(text, sizeof(text), "%u\n", port);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0)
		return -1;
	if (write(fd, text, (size_t)n) == n && fsync(fd) == 0)
		r = 0;
	if (close(fd) != 0)
		r = -1;
	if (r == 0 && rename(tmp, path) != 0)
		r = -1;
	if (r != 0)
		unlink(tmp);
	return r;
}

static int
make_data_dir(const char *dir)
{
	struct stat st;

	if (mkdir(dir, 0700) == 0) {
		srv_log(SRV_LOG_INFO, "data_created", "path", dir, (char *)NULL);
		return 0;
	}
	if (errno != EEXIST || stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		fprintf(stderr, "cofferd: cannot create the data folder %s: "
		    "%s\n", dir, errno == EEXIST ? "not a directory" :
		    strerror(errno));
		return -1;
	}
	if ((st.st_mode & 077) != 0)
		srv_log(SRV_LOG_WARN, "data_permissions", "path", dir, "hint",
		    "others can reach the data folder: chmod 700 it",
		    (char *)NULL);
	return 0;
}

int
main(int argc, char **argv)
{
	struct srv_config cfg;
	struct store_config scfg;
	struct srv_http *http = NULL;
	struct srv_http_opts o;
	struct srv_app app = { NULL, NULL, NULL, NULL };
	struct srv_route *routes = NULL;
	struct sockaddr_storage ss;
	socklen_t sl;
	struct args a;
	sigset_t sigs;
	char err[400], cfgpath[PATH_MAX], portstr[8], threads[8];
	char *cert = NULL, *key = NULL;
	size_t len, i;
	unsigned left;
	int sig, rc = 2, r;

	if (srv_config_init(&cfg) != 0 || parse_args(&a, argc, argv) != 0)
		goto out;
	if (a.help) {
		usage(stdout);
		rc = 0;
		goto out;
	}
	if (a.version) {
		printf("cofferd %s\n", cofferd_version());
		rc = 0;
		goto out;
	}
	if (a.config != NULL)
		snprintf(cfgpath, sizeof(cfgpath), "%s", a.config);
	else if (snprintf(cfgpath, sizeof(cfgpath), "%s/%s", a.data,
	    SRV_CONFIG_NAME) >= (int)sizeof(cfgpath)) {
		fprintf(stderr, "cofferd: data folder path too long\n");
		goto out;
	}
	if (srv_config_load(&cfg, cfgpath, a.config != NULL, err,
	    sizeof(err)) < 0) {
		fprintf(stderr, "cofferd: %s\n", err);
		goto out;
	}
	for (i = 0; i < a.n; i++)
		if (srv_config_set(&cfg, a.key[i], a.value[i], err,
		    sizeof(err)) != 0) {
			fprintf(stderr, "cofferd: command line: %s\n", err);
			goto out;
		}
	if (srv_listen_parse(cfg.listen, &ss, &sl) != 0) {
		fprintf(stderr, "cofferd: bad listen address\n");
		goto out;
	}
	if ((cfg.tls_cert == NULL) != (cfg.tls_key == NULL)) {
		fprintf(stderr, "cofferd: TLS needs both a certificate "
		    "(--tls-cert) and a key (--tls-key)\n");
		goto out;
	}
	if (cfg.tls_cert == NULL && !cfg.allow_remote_plaintext &&
	    !srv_addr_is_loopback((struct sockaddr *)&ss)) {
		fprintf(stderr, "cofferd: refusing plain HTTP on %s, which is "
		    "not a loopback address: give --tls-cert and --tls-key, or "
		    "--allow-remote-plaintext behind a TLS proxy\n", cfg.listen);
		goto out;
	}
	srv_log_setup(cfg.log_format, 2);
	rc = 1;
	if (sodium_init() < 0) {
		fprintf(stderr, "cofferd: libsodium failed to start\n");
		goto out;
	}
	if (make_data_dir(a.data) != 0)
		goto out;
	if (cfg.tls_cert != NULL &&
	    ((cert = read_pem(cfg.tls_cert, &len)) == NULL ||
	    (key = read_pem(cfg.tls_key, &len)) == NULL)) {
		fprintf(stderr, "cofferd: cannot read %s (missing, empty or "
		    "over 1 MiB)\n", cert == NULL ? cfg.tls_cert : cfg.tls_key);
		goto out;
	}

	/* The pool threads inherit this mask: only sigwait below sees the
	 * stop signals. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);

	app.data_dir = a.data;
	store_config_init(&scfg);
	scfg.quota_default = cfg.quota;
	if ((r = store_open(&app.store, a.data, &scfg)) != 0) {
		srv_log(SRV_LOG_ERROR, "store_open_failed", "data", a.data,
		    "reason", coffer_strerror(r), (char *)NULL);
		goto out;
	}
	{
		struct coffer_opaque_params kp = { cfg.opaque_t_cost,
		    cfg.opaque_m_cost };
		struct srv_auth_limits lim = { cfg.login_window,
		    cfg.login_failures_account, cfg.login_failures_address,
		    cfg.session_ttl };

		if (srv_session_cache_new(&app.sessions) != 0 ||
		    srv_auth_open(&app.auth, a.data, &kp, &lim, err,
		    sizeof(err)) != 0) {
			srv_log(SRV_LOG_ERROR, "auth_open_failed", "reason", err,
			    (char *)NULL);
			goto out;
		}
	}
	memset(&o, 0, sizeof(o));
	o.addr = (struct sockaddr *)&ss;
	o.addrlen = sl;
	o.tls_cert_pem = cert;
	o.tls_key_pem = key;
	o.threads = cfg.threads;
	o.max_connections = cfg.max_connections;
	o.per_ip_connections = cfg.per_ip_connections;
	o.connection_timeout = cfg.connection_timeout;
	o.app = &app;
	o.routes = srv_routes;
	o.nroutes = srv_nroutes;
	o.auth = srv_auth_session;
	if (a.test_routes) {
		if ((routes = calloc(srv_nroutes + srv_ntest_routes,
		    sizeof(*routes))) == NULL)
			goto out;
		memcpy(routes, srv_routes, srv_nroutes * sizeof(*routes));
		memcpy(routes + srv_nroutes, srv_test_routes,
		    srv_ntest_routes * sizeof(*routes));
		o.routes = routes;
		o.nroutes = srv_nroutes + srv_ntest_routes;
		o.auth = srv_auth_test;
		srv_log(SRV_LOG_WARN, "test_routes", "hint", "the test suite's "
		    "routes are on: never in production", (char *)NULL);
	}
	if (srv_http_start(&http, &o, err, sizeof(err)) != 0) {
		srv_log(SRV_LOG_ERROR, "start_failed", "listen", cfg.listen,
		    "reason", err, (char *)NULL);
		goto out;
	}
	snprintf(portstr, sizeof(portstr), "%u", srv_http_port(http));
	snprintf(threads, sizeof(threads), "%u", cfg.threads);
	if (cfg.port_file != NULL &&
	    write_port_file(cfg.port_file, srv_http_port(http)) != 0) {
		srv_log(SRV_LOG_ERROR, "port_file_failed", "path",
		    cfg.port_file, "reason", strerror(errno), (char *)NULL);
		goto out;
	}
	srv_log(SRV_LOG_INFO, "listening", "version", cofferd_version(),
	    "listen", cfg.listen, "port", portstr, "tls", cert != NULL ? "yes" :
	    "no", "data", a.data, "config", access(cfgpath, F_OK) == 0 ?
	    cfgpath : "-", (char *)NULL);
	for (;;) {
		if ((r = sigwait(&sigs, &sig)) != 0)
			continue;
		if (sig == SIGHUP) {
			srv_log(SRV_LOG_INFO, "sighup", "action", "ignored: logs "
			    "go to stderr", (char *)NULL);
			continue;
		}
		break;
	}
	srv_log(SRV_LOG_INFO, "stopping", "signal", sig == SIGTERM ? "TERM" :
	    "INT", (char *)NULL);
	srv_http_quiesce(http);
	if ((left = srv_http_wait_idle(http, cfg.shutdown_timeout * 1000)) > 0) {
		char n[12];

		snprintf(n, sizeof(n), "%u", left);
		srv_log(SRV_LOG_WARN, "shutdown_timeout", "abandoned", n,
		    (char *)NULL);
	}
	srv_http_stop(&http);
	srv_auth_close(&app.auth);
	srv_session_cache_free(&app.sessions);
	store_close(&app.store);
	if (cfg.port_file != NULL)
		unlink(cfg.port_file);
	srv_log(SRV_LOG_INFO, "stopped", (char *)NULL);
	rc = 0;
out:
	srv_http_stop(&http);
	srv_auth_close(&app.auth);
	srv_session_cache_free(&app.sessions);
	store_close(&app.store);
	free(routes);
	if (cert != NULL)
		sodium_free(cert);
	if (key != NULL)
		sodium_free(key);
	srv_config_cleanup(&cfg);
	return rc;
}

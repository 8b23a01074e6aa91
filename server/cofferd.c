/* cofferd_main: the coffer server's life (cofferd.h). Reads its settings
 * (command line over cofferd.conf over defaults), creates the data
 * folder, serves the HTTP API on the pool threads, and waits for a
 * signal: SIGTERM or SIGINT stop it gracefully (exit 0); SIGHUP is logged
 * and ignored (logs go to stderr, which the service manager owns). Exit
 * 2: usage or configuration error; exit 1: a runtime failure (cannot
 * listen, cannot create the data folder, cannot read the TLS files). */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include <coffer/err.h>
#include <coffer/opaque.h>

#include "auth.h"
#include "cofferd.h"
#include "config.h"
#include "http/http.h"
#include "http/log.h"
#include "http/service.h"
#include "maint.h"
#include "routes/routes.h"
#include "session.h"
#include "store/store.h"
#include "version.h"

/* The options, in the order of flags[]: first those that are settings
 * (setting_keys[] names their config keys), then the rest. */
enum {
	F_LISTEN, F_PORT_FILE, F_TLS_CERT, F_TLS_KEY, F_LOG_FORMAT,
	F_ALLOW_REMOTE_PLAINTEXT, F_SETTINGS,
	F_DATA = F_SETTINGS, F_CONFIG, F_HELP, F_H, F_VERSION, F_COUNT
};

static const struct srv_arg flags[F_COUNT] = {
	[F_LISTEN] = { "--listen", 1 },
	[F_PORT_FILE] = { "--port-file", 1 },
	[F_TLS_CERT] = { "--tls-cert", 1 },
	[F_TLS_KEY] = { "--tls-key", 1 },
	[F_LOG_FORMAT] = { "--log-format", 1 },
	[F_ALLOW_REMOTE_PLAINTEXT] = { "--allow-remote-plaintext", 0 },
	[F_DATA] = { "--data", 1 },
	[F_CONFIG] = { "--config", 1 },
	[F_HELP] = { "--help", 0 },
	[F_H] = { "-h", 0 },
	[F_VERSION] = { "--version", 0 },
};

static const char *const setting_keys[F_SETTINGS] = {
	[F_LISTEN] = "listen",
	[F_PORT_FILE] = "port_file",
	[F_TLS_CERT] = "tls_cert",
	[F_TLS_KEY] = "tls_key",
	[F_LOG_FORMAT] = "log_format",
	[F_ALLOW_REMOTE_PLAINTEXT] = "allow_remote_plaintext",
};

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
	const char	*key[F_SETTINGS], *value[F_SETTINGS];
	size_t		 n;
	int		 help, version;
};

static int
parse_args(struct args *a, int argc, char **argv)
{
	const char *v[F_COUNT];
	char err[300];
	size_t i;

	memset(a, 0, sizeof(*a));
	if (srv_args_parse("cofferd", flags, F_COUNT, argc, argv, v, err,
	    sizeof(err)) != 0) {
		fprintf(stderr, "cofferd: %s\n", err);
		return -1;
	}
	/* Settings go through the config's parser, over the file. */
	for (i = 0; i < F_SETTINGS; i++)
		if (v[i] != NULL) {
			a->key[a->n] = setting_keys[i];
			a->value[a->n++] = v[i];
		}
	a->data = v[F_DATA] != NULL ? v[F_DATA] : SRV_DEFAULT_DATA;
	a->config = v[F_CONFIG];
	a->help = v[F_HELP] != NULL || v[F_H] != NULL;
	a->version = v[F_VERSION] != NULL;
	return 0;
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

/* The settings: cofferd.conf (${a}->config, or the data folder's if it
 * exists) under the command line, into ${cfg}; the listen address into
 * ${ss} and ${sl}, checked against TLS; the config file's path into
 * ${cfgpath}. Returns 0, or -1 after saying why on stderr (exit 2). */
static int
settings(const struct args *a, struct srv_config *cfg, char *cfgpath,
    size_t cfgsize, struct sockaddr_storage *ss, socklen_t *sl)
{
	char err[400];
	size_t i;

	if (a->config != NULL)
		snprintf(cfgpath, cfgsize, "%s", a->config);
	else if (snprintf(cfgpath, cfgsize, "%s/%s", a->data,
	    SRV_CONFIG_NAME) >= (int)cfgsize) {
		fprintf(stderr, "cofferd: data folder path too long\n");
		return -1;
	}
	if (srv_config_load(cfg, cfgpath, a->config != NULL, err,
	    sizeof(err)) < 0) {
		fprintf(stderr, "cofferd: %s\n", err);
		return -1;
	}
	for (i = 0; i < a->n; i++)
		if (srv_config_set(cfg, a->key[i], a->value[i], err,
		    sizeof(err)) != 0) {
			fprintf(stderr, "cofferd: command line: %s\n", err);
			return -1;
		}
	if (srv_config_check(cfg, err, sizeof(err)) != 0) {
		fprintf(stderr, "cofferd: %s\n", err);
		return -1;
	}
	if (srv_listen_parse(cfg->listen, ss, sl) != 0) {
		fprintf(stderr, "cofferd: bad listen address\n");
		return -1;
	}
	if ((cfg->tls_cert == NULL) != (cfg->tls_key == NULL)) {
		fprintf(stderr, "cofferd: TLS needs both a certificate "
		    "(--tls-cert) and a key (--tls-key)\n");
		return -1;
	}
	if (cfg->tls_cert == NULL && !cfg->allow_remote_plaintext &&
	    !srv_listen_is_loopback((struct sockaddr *)ss)) {
		fprintf(stderr, "cofferd: refusing plain HTTP on %s, which is "
		    "not a loopback address: give --tls-cert and --tls-key, or "
		    "--allow-remote-plaintext behind a TLS proxy\n", cfg->listen);
		return -1;
	}
	return 0;
}

/* What the handlers reach (routes.h): the stores of ${data}, the session
 * cache and the sign-in state. Returns 0, or -1 after logging why. */
static int
app_open(struct srv_app *app, const struct srv_config *cfg, const char *data)
{
	struct store_config scfg;
	struct coffer_opaque_params kp = { cfg->opaque_t_cost,
	    cfg->opaque_m_cost };
	struct srv_auth_limits lim = { cfg->login_window,
	    cfg->login_failures_account, cfg->login_failures_address,
	    cfg->session_ttl, cfg->login_failures_pair,
	    cfg->register_per_address, cfg->signin_ticket_ttl };
	uint64_t upgraded = 0;
	char err[400];
	int r;

	app->data_dir = data;
	app->uploads_max = cfg->upload_concurrency;
	app->reserve_ttl = cfg->upload_reservation_ttl;
	store_config_init(&scfg);
	scfg.quota_default = cfg->quota;
	if ((r = store_open(&app->store, data, &scfg)) != 0) {
		srv_log(SRV_LOG_ERROR, "store_open_failed", "data", data,
		    "reason", coffer_strerror(r), (char *)NULL);
		return -1;
	}
	/* Upload reservations a crash left: the data folder's lock
	 * (store.c) makes this process the only one on this store, so
	 * none is live. A store shared by several processes relies on the
	 * expiry and the sweep alone. */
	if ((r = app->store->meta->ops->reserve_prune(app->store->meta,
	    INT64_MAX, NULL)) != 0)
		srv_log(SRV_LOG_WARN, "reservation_prune_failed", "reason",
		    coffer_strerror(r), (char *)NULL);
	/* Pairings that expired while the server was down: an account's
	 * are dropped when it opens its next, these at each start. */
	if ((r = app->store->meta->ops->pairing_prune(app->store->meta,
	    (int64_t)time(NULL), NULL)) != 0)
		srv_log(SRV_LOG_WARN, "pairing_prune_failed", "reason",
		    coffer_strerror(r), (char *)NULL);
	if (srv_session_cache_new(&app->sessions) != 0 ||
	    srv_auth_open(&app->auth, data, &kp, &lim, err,
	    sizeof(err)) != 0) {
		srv_log(SRV_LOG_ERROR, "auth_open_failed", "reason", err,
		    (char *)NULL);
		return -1;
	}
	/* Accounts from before logins were hashed: hashed now, under the
	 * key the setup gives (docs/OPERATING.md, "Upgrades"). */
	if ((r = srv_auth_upgrade(app->auth, app->store->meta,
	    &upgraded)) != 0) {
		srv_log(SRV_LOG_ERROR, "login_upgrade_failed", "reason",
		    coffer_strerror(r), (char *)NULL);
		return -1;
	}
	if (upgraded > 0)
		srv_log(SRV_LOG_INFO, "logins_hashed", (char *)NULL);
	return 0;
}

static void
app_close(struct srv_app *app)
{
	srv_auth_close(&app->auth);
	srv_session_cache_free(&app->sessions);
	store_close(&app->store);
}

/* The routes to serve: the API's, then ${extra}'s, in a new table in
 * *${out} (free it) of *${n} routes. Returns 0 or -1 (out of memory). */
static int
route_table(const struct cofferd_extra *extra, struct srv_route **out,
    size_t *n)
{
	size_t more = extra != NULL ? extra->nroutes : 0;

	if ((*out = calloc(srv_nroutes + more, sizeof(**out))) == NULL)
		return -1;
	memcpy(*out, srv_routes, srv_nroutes * sizeof(**out));
	if (more > 0) {
		memcpy(*out + srv_nroutes, extra->routes, more * sizeof(**out));
		srv_log(SRV_LOG_WARN, "extra_routes", "hint", "routes beyond "
		    "the API's are on: never in production", (char *)NULL);
	}
	*n = srv_nroutes + more;
	return 0;
}

int
cofferd_main(int argc, char **argv, const struct cofferd_extra *extra)
{
	struct srv_config cfg;
	struct srv_http *http = NULL;
	struct srv_http_opts o;
	struct srv_app app = { NULL, NULL, NULL, NULL, 0, 0 };
	struct srv_route *routes = NULL;
	struct srv_tls tls = { NULL, NULL };
	struct srv_maint *maint = NULL;
	struct srv_maint_config mc;
	struct sockaddr_storage ss;
	socklen_t sl;
	struct args a;
	sigset_t sigs;
	char err[400], cfgpath[PATH_MAX], portstr[8];
	int rc = 2;

	if (srv_config_init(&cfg) != 0 || parse_args(&a, argc, argv) != 0)
		goto out;
	if (a.help || a.version) {
		if (a.help)
			usage(stdout);
		else
			printf("cofferd %s\n", cofferd_version());
		rc = 0;
		goto out;
	}
	if (settings(&a, &cfg, cfgpath, sizeof(cfgpath), &ss, &sl) != 0)
		goto out;
	srv_log_setup(cfg.log_format, 2);

	rc = 1;
	if (sodium_init() < 0) {
		fprintf(stderr, "cofferd: libsodium failed to start\n");
		goto out;
	}
	if (make_data_dir(a.data) != 0)
		goto out;
	if (cfg.tls_cert != NULL && srv_tls_load(&tls, cfg.tls_cert,
	    cfg.tls_key, err, sizeof(err)) != 0) {
		fprintf(stderr, "cofferd: %s\n", err);
		goto out;
	}
	srv_signal_block(&sigs);
	if (app_open(&app, &cfg, a.data) != 0)
		goto out;
	memset(&o, 0, sizeof(o));
	if (route_table(extra, &routes, &o.nroutes) != 0)
		goto out;
	o.routes = routes;
	o.auth = extra != NULL && extra->auth != NULL ? extra->auth :
	    srv_auth_session;
	o.limited_message = SRV_RESTRICTED_MESSAGE;
	o.app = &app;
	o.addr = (struct sockaddr *)&ss;
	o.addrlen = sl;
	o.tls_cert_pem = tls.cert;
	o.tls_key_pem = tls.key;
	o.threads = cfg.threads;
	o.max_connections = cfg.max_connections;
	o.per_ip_connections = cfg.per_ip_connections;
	o.connection_timeout = cfg.connection_timeout;
	o.header_timeout = cfg.header_timeout;
	o.body_rate_min = cfg.body_rate_min;
	o.body_rate_grace = cfg.body_rate_grace;
	if (srv_http_start(&http, &o, err, sizeof(err)) != 0) {
		srv_log(SRV_LOG_ERROR, "start_failed", "listen", cfg.listen,
		    "reason", err, (char *)NULL);
		goto out;
	}
	mc.interval = cfg.maint_interval;
	mc.orphan_grace = cfg.orphan_grace;
	mc.tombstone_retention = cfg.tombstone_retention;
	if (srv_maint_start(&maint, &app, &mc) != 0) {
		srv_log(SRV_LOG_ERROR, "start_failed", "reason", "no "
		    "maintenance thread", (char *)NULL);
		goto out;
	}
	snprintf(portstr, sizeof(portstr), "%u", srv_http_port(http));
	if (cfg.port_file != NULL &&
	    srv_listen_write_port(cfg.port_file, srv_http_port(http)) != 0) {
		srv_log(SRV_LOG_ERROR, "port_file_failed", "path",
		    cfg.port_file, "reason", strerror(errno), (char *)NULL);
		goto out;
	}
	srv_log(SRV_LOG_INFO, "listening", "version", cofferd_version(),
	    "listen", cfg.listen, "port", portstr, "tls", tls.cert != NULL ?
	    "yes" : "no", "data", a.data, "config", access(cfgpath, F_OK) == 0 ?
	    cfgpath : "-", (char *)NULL);

	srv_signal_wait(&sigs);
	srv_maint_stop(&maint);
	srv_http_shutdown(&http, cfg.shutdown_timeout * 1000);
	app_close(&app);
	if (cfg.port_file != NULL)
		unlink(cfg.port_file);
	srv_log(SRV_LOG_INFO, "stopped", (char *)NULL);
	rc = 0;
out:
	srv_maint_stop(&maint);
	srv_http_stop(&http);
	app_close(&app);
	free(routes);
	srv_tls_cleanup(&tls);
	srv_config_cleanup(&cfg);
	return rc;
}

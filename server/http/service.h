/* What a service's main() needs around its HTTP server (http.h): the
 * command line, the listen address and the port file, the TLS files, and
 * the signals that stop it. cofferd and coffer-escrowd both use these, so
 * a new service parses, listens and stops as they do.
 *
 *	srv_args_parse(...)		options into values
 *	srv_listen_parse(...)		"ADDR:PORT", loopback or not
 *	srv_log_setup(...)		(log.h)
 *	srv_tls_load(...)		PEM files, if TLS
 *	srv_signal_block(&sigs)		before any thread starts
 *	srv_http_start(...)		(http.h)
 *	srv_listen_write_port(...)	for whoever waits on the port
 *	srv_signal_wait(&sigs)		SIGTERM or SIGINT
 *	srv_http_shutdown(...)		(http.h) */
#ifndef COFFER_HTTP_SERVICE_H
#define COFFER_HTTP_SERVICE_H

#include <signal.h>
#include <stddef.h>
#include <sys/socket.h>

/* A command-line option: "--name VALUE", "--name=VALUE", or "--name"
 * alone when it takes no value. */
struct srv_arg {
	const char	*name;		/* "--listen", "-h" */
	int		 has_value;
};

/** srv_args_parse(prog, args, n, argc, argv, values, err, errlen): match
 * each of argv[1..${argc}-1] with one of the ${n} ${args} and set
 * values[i] (${n} entries, NULL if not given) to the value of args[i],
 * or to "yes" for an option without one. Returns 0, or -1 with the
 * reason in ${err} (an unknown argument, which names ${prog}'s --help;
 * an option given twice; a missing or empty value; a value given to an
 * option that takes none). */
int srv_args_parse(const char *prog, const struct srv_arg *args, size_t n,
    int argc, char **argv, const char **values, char *err, size_t errlen);

/** srv_listen_parse(s, ss, len): parse "A.B.C.D:PORT" or "[IPV6]:PORT"
 * (numeric addresses only, PORT 0..65535 in decimal, 0 for any free
 * port) into ${ss} and ${len}. Returns 0 or -1 if malformed. */
int srv_listen_parse(const char *s, struct sockaddr_storage *ss,
    socklen_t *len);

/** srv_listen_is_loopback(sa): 1 if ${sa} is 127.0.0.0/8 or ::1, else
 * 0. Plain HTTP off loopback carries tokens in clear: services refuse
 * it unless told otherwise. */
int srv_listen_is_loopback(const struct sockaddr *sa);

/** srv_listen_write_port(path, port): replace ${path} with "PORT\n"
 * (mode 0644) atomically, so that a reader never sees part of it. On
 * failure ${path} is removed, so that no port names a service that is
 * not there. Returns 0, or a COFFER_ERR_* with errno set as
 * file_write_atomic leaves it. */
int srv_listen_write_port(const char *path, unsigned port);

/* The PEM texts of a certificate chain and its key, for
 * srv_http_opts.tls_cert_pem and tls_key_pem; sodium_malloc'd, since one
 * is a private key. */
struct srv_tls {
	char	*cert;
	char	*key;
};

/** srv_tls_load(tls, cert_path, key_path, err, errlen): read both files
 * whole (each at most 1 MiB, not empty) into ${tls}. Returns 0, or -1
 * with "cannot read FILE ..." in ${err} and ${tls} empty. */
int srv_tls_load(struct srv_tls *tls, const char *cert_path,
    const char *key_path, char *err, size_t errlen);

/** srv_tls_cleanup(tls): wipe and free what ${tls} holds (an empty or
 * zeroed ${tls} is fine). */
void srv_tls_cleanup(struct srv_tls *tls);

/** srv_signal_block(set): block SIGTERM, SIGINT and SIGHUP in the
 * calling thread, so in every thread it starts afterwards (call it
 * before srv_http_start: only srv_signal_wait then sees them), put them
 * in ${set}, and ignore SIGPIPE (a client gone mid-reply is not a
 * reason to die). */
void srv_signal_block(sigset_t *set);

/** srv_signal_wait(set): wait for SIGTERM or SIGINT among ${set}; a
 * SIGHUP is logged ("sighup") and ignored, since logs go to stderr,
 * which the service manager owns. Logs "stopping" with the signal.
 * Returns the signal. */
int srv_signal_wait(const sigset_t *set);

#endif

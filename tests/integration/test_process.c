/* cofferd as a process: its command line, cofferd.conf, the refusal of
 * plain HTTP off loopback, TLS with a self-signed certificate, the data
 * folder, the port file, the log formats, and signals (SIGTERM lets an
 * in-flight request finish and exits 0; SIGHUP is ignored). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>
#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config.h"
#include "http_client.h"
#include "server_harness.h"

/* Run cofferd with args; assert its exit status and, if given, that
 * stderr contains want_err. */
static void
run_expect(const char *const args[], int want_status, const char *want_out,
    const char *want_err)
{
	char *out = NULL, *err = NULL;
	int st = -2;

	assert_int_equal(srv_run(args, &st, &out, &err), 0);
	if (st != want_status || (want_err != NULL && strstr(err,
	    want_err) == NULL) || (want_out != NULL && strstr(out,
	    want_out) == NULL))
		print_error("cofferd %s ...: exit %d, stdout \"%s\", stderr "
		    "\"%s\"\n", args[0] != NULL ? args[0] : "", st, out, err);
	assert_int_equal(st, want_status);
	if (want_err != NULL)
		assert_non_null(strstr(err, want_err));
	if (want_out != NULL)
		assert_non_null(strstr(out, want_out));
	free(out);
	free(err);
}

static void
test_version_and_help(void **state)
{
	const char *v[] = { "--version", NULL };
	const char *h[] = { "--help", NULL };
	const char *h2[] = { "-h", NULL };
	const char *flags[] = { "--data", "--config", "--listen", "--port-file",
	    "--tls-cert", "--tls-key", "--allow-remote-plaintext",
	    "--log-format", "--help", "--version", NULL };
	char *out = NULL;
	int st, i;

	(void)state;
	run_expect(v, 0, "cofferd 0.1.0\n", NULL);
	run_expect(h2, 0, "usage: cofferd", NULL);
	assert_int_equal(srv_run(h, &st, &out, NULL), 0);
	assert_int_equal(st, 0);
	for (i = 0; flags[i] != NULL; i++)
		assert_non_null(strstr(out, flags[i]));
	free(out);
}

static void
test_bad_flags(void **state)
{
	static const char *const cases[][6] = {
		{ "--bogus", NULL },
		{ "serve", NULL },
		{ "--listen", NULL },
		{ "--listen", "", NULL },
		{ "--listen", "localhost:8780", NULL },
		{ "--listen", "127.0.0.1", NULL },
		{ "--listen", "127.0.0.1:65536", NULL },
		{ "--listen", "[::1:80", NULL },
		{ "--log-format", "xml", NULL },
		{ "--version=1", NULL },
		{ "--allow-remote-plaintext=yes", NULL },
		{ "--data", "a", "--data", "b", NULL },
		{ "--tls-cert", "/nonexistent", NULL },
		{ "--config", "/nonexistent/cofferd.conf", NULL },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_expect(cases[i], 2, NULL, "cofferd: ");
}

/* Each bad cofferd.conf is refused with exit 2 and "FILE:LINE:". */
static void
test_bad_config(void **state)
{
	static const struct {
		const char	*text;
		const char	*want;
	} cases[] = {
		{ "bogus = 1\n", ":1: unknown setting" },
		{ "# ok\n\nthreads = many\n", ":3: threads" },
		{ "threads = 2\nthreads = 3\n", ":2: threads is set twice" },
		{ "listen\n", ":1: expected" },
		{ "listen =\n", ":1: listen: empty value" },
		{ "= 1\n", ":1: expected" },
		{ "log_format = JSON\n", ":1: log_format" },
		{ "allow_remote_plaintext = maybe\n", ":1: allow_remote" },
		{ "max_connections = 0\n", ":1: max_connections" },
		{ "threads = -1\n", ":1: threads" },
		{ "threads = 2 # two\n", ":1: threads" },
		{ "Listen = 127.0.0.1:0\n", ":1: expected" },
		{ "listen = 127.0.0.1:99999\n", ":1: listen" },
	};
	char *dir, path[300], want[400];
	const char *args[] = { "--config", path, "--data", NULL, NULL };
	char data[300];
	size_t i;

	(void)state;
	assert_non_null(dir = srv_tmpdir());
	snprintf(path, sizeof(path), "%s/cofferd.conf", dir);
	snprintf(data, sizeof(data), "%s/data", dir);
	args[3] = data;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(srv_write_file(path, cases[i].text), 0);
		snprintf(want, sizeof(want), "%s%s", path, cases[i].want);
		run_expect(args, 2, NULL, want);
	}
	/* A config error happens before the data folder is made. */
	assert_int_not_equal(access(data, F_OK), 0);
	srv_rmtree(dir);
	free(dir);
}

/* Settings come from the data folder's cofferd.conf, and the command
 * line wins over it. */
static void
test_config_file_and_override(void **state)
{
	const char *args[] = { NULL };
	const char *text_args[] = { "--log-format", "text", NULL };
	struct srv *s;
	char path[400], *log, *line;
	long st;

	(void)state;
	assert_int_equal(srv_start(&s, args), 0);
	assert_int_equal(srv_stop(s), 0);
	snprintf(path, sizeof(path), "%s/cofferd.conf", srv_data(s));
	assert_int_equal(srv_write_file(path, "# test\nlog_format = json\n"
	    "threads = 3\n"), 0);
	assert_int_equal(truncate(srv_log_path(s), 0), 0);
	assert_int_equal(srv_restart(s), 0);
	assert_int_equal(http_request("GET", srv_url(s, "/v1/health"), NULL,
	    NULL, 0, &st, NULL), 0);
	assert_int_equal(st, 200);
	assert_int_equal(srv_stop(s), 0);
	/* Every line is a JSON object with time, level and event. */
	assert_non_null(log = srv_log_text(s));
	assert_non_null(strstr(log, "\"event\":\"request\""));
	for (line = strtok_r(log, "\n", &(char *){ NULL }); line != NULL;
	    line = strtok_r(NULL, "\n", &(char *){ NULL })) {
		json_t *v = json_loads(line, JSON_REJECT_DUPLICATES, NULL);

		if (v == NULL)
			print_error("not JSON: %s\n", line);
		assert_non_null(v);
		assert_true(json_is_string(json_object_get(v, "time")));
		assert_true(json_is_string(json_object_get(v, "level")));
		assert_true(json_is_string(json_object_get(v, "event")));
		json_decref(v);
		break;
	}
	free(log);
	srv_free(&s);

	assert_int_equal(srv_start(&s, text_args), 0);
	assert_int_equal(srv_stop(s), 0);
	snprintf(path, sizeof(path), "%s/cofferd.conf", srv_data(s));
	assert_int_equal(srv_write_file(path, "log_format = json\n"), 0);
	assert_int_equal(truncate(srv_log_path(s), 0), 0);
	assert_int_equal(srv_restart(s), 0);
	assert_int_equal(srv_stop(s), 0);
	assert_non_null(log = srv_log_text(s));
	assert_non_null(strstr(log, " info listening "));
	assert_null(strstr(log, "\"event\""));
	free(log);
	srv_free(&s);
}

static void
test_plaintext_off_loopback(void **state)
{
	const char *refuse[] = { "--listen", "0.0.0.0:0", NULL };
	const char *refuse6[] = { "--listen", "[::]:0", NULL };
	const char *allow[] = { "--listen", "0.0.0.0:0",
	    "--allow-remote-plaintext", NULL };
	const char *loop6[] = { "--listen", "[::1]:0", NULL };
	char *dir, path[300];
	const char *conf[] = { "--listen", "0.0.0.0:0", "--config", path,
	    NULL };
	struct srv *s;

	(void)state;
	run_expect(refuse, 2, NULL, "refusing plain HTTP");
	run_expect(refuse6, 2, NULL, "refusing plain HTTP");
	/* The config file can allow it too. */
	assert_non_null(dir = srv_tmpdir());
	snprintf(path, sizeof(path), "%s/c.conf", dir);
	assert_int_equal(srv_write_file(path, "allow_remote_plaintext = yes\n"),
	    0);
	assert_int_equal(srv_start(&s, conf), 0);
	assert_int_equal(srv_stop(s), 0);
	srv_free(&s);
	srv_rmtree(dir);
	free(dir);
	assert_int_equal(srv_start(&s, allow), 0);
	assert_int_equal(srv_stop(s), 0);
	srv_free(&s);
	/* ::1 is loopback. IPv6 may be off in a container: then skip. */
	if (srv_start(&s, loop6) == 0) {
		assert_int_equal(srv_stop(s), 0);
		srv_free(&s);
	}
}

static void
test_tls(void **state)
{
	char *dir, cmd[1200], cert[300], key[300], *body = NULL;
	const char *args[] = { "--tls-cert", cert, "--tls-key", key, NULL };
	const char *remote[] = { "--tls-cert", cert, "--tls-key", key,
	    "--listen", "0.0.0.0:0", NULL };
	const char *half[] = { "--tls-cert", cert, NULL };
	struct http_opts o;
	struct http_resp r;
	struct srv *s;
	long st;

	(void)state;
	assert_non_null(dir = srv_tmpdir());
	snprintf(cert, sizeof(cert), "%s/cert.pem", dir);
	snprintf(key, sizeof(key), "%s/key.pem", dir);
	snprintf(cmd, sizeof(cmd), "openssl req -x509 -newkey ec -pkeyopt "
	    "ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=127.0.0.1 "
	    "-addext subjectAltName=IP:127.0.0.1 -keyout %s -out %s "
	    ">/dev/null 2>&1", key, cert);
	assert_int_equal(system(cmd), 0);
	run_expect(half, 2, NULL, "TLS needs both");

	assert_int_equal(srv_start(&s, args), 0);
	assert_non_null(strstr(srv_url(s, "/"), "https://"));
	memset(&o, 0, sizeof(o));
	o.method = "GET";
	o.url = srv_url(s, "/v1/health");
	o.cainfo = cert;
	assert_int_equal(http_do(&o, &r), 0);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "\"ok\""));
	http_resp_free(&r);
	/* Plain HTTP to the TLS port gets no API answer. */
	snprintf(cmd, sizeof(cmd), "http://127.0.0.1:%u/v1/health",
	    srv_port(s));
	st = 0;
	if (http_request("GET", cmd, NULL, NULL, 0, &st, &body) == 0)
		assert_int_not_equal(st, 200);
	free(body);
	/* Without the certificate as trust anchor, curl refuses. */
	o.cainfo = NULL;
	assert_int_not_equal(http_do(&o, &r), 0);
	assert_int_equal(srv_stop(s), 0);
	srv_free(&s);

	/* TLS may listen off loopback. */
	assert_int_equal(srv_start(&s, remote), 0);
	assert_int_equal(srv_stop(s), 0);
	srv_free(&s);
	srv_rmtree(dir);
	free(dir);
}

static void
test_data_folder_and_port_file(void **state)
{
	struct srv *s;
	struct stat st;
	char path[400], *text, want[16];
	const char *file_args[] = { "--data", path, "--listen", "127.0.0.1:0",
	    NULL };

	(void)state;
	assert_int_equal(srv_start(&s, NULL), 0);
	assert_int_equal(stat(srv_data(s), &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0700);
	snprintf(path, sizeof(path), "%s/port", srv_dir(s));
	assert_non_null(text = srv_slurp(path, NULL));
	snprintf(want, sizeof(want), "%u\n", srv_port(s));
	assert_string_equal(text, want);
	free(text);
	assert_int_equal(srv_stop(s), 0);
	/* A clean stop removes the port file. */
	assert_int_not_equal(access(path, F_OK), 0);
	/* Restart on the same folder: it is still there, still 0700. */
	assert_int_equal(srv_restart(s), 0);
	assert_int_equal(stat(srv_data(s), &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	assert_int_equal(srv_stop(s), 0);

	/* A data path that is a file is an error (exit 1). */
	snprintf(path, sizeof(path), "%s/afile", srv_dir(s));
	assert_int_equal(srv_write_file(path, "x"), 0);
	run_expect(file_args, 1, NULL, "data folder");
	srv_free(&s);
}

struct slow {
	struct srv	*s;
	long		 status;
	char		*body;
};

static void *
slow_request(void *arg)
{
	struct slow *sl = arg;

	if (http_request("GET", srv_url(sl->s, "/v1/_test/slow?ms=1500"), NULL,
	    NULL, 0, &sl->status, &sl->body) != 0)
		sl->status = -1;
	return NULL;
}

/* SIGTERM while a request runs: the request completes, then cofferd
 * exits 0; SIGHUP changes nothing. */
static void
test_signals(void **state)
{
	struct slow sl;
	pthread_t t;
	long st;

	(void)state;
	memset(&sl, 0, sizeof(sl));
	assert_int_equal(srv_start_test(&sl.s, NULL), 0);
	assert_int_equal(kill(srv_pid(sl.s), SIGHUP), 0);
	assert_true(srv_wait_log(sl.s, "sighup", 10000));
	assert_int_equal(http_request("GET", srv_url(sl.s, "/v1/health"), NULL,
	    NULL, 0, &st, NULL), 0);
	assert_int_equal(st, 200);

	assert_int_equal(pthread_create(&t, NULL, slow_request, &sl), 0);
	assert_true(srv_wait_log(sl.s, "test_slow_begin", 20000));
	assert_int_equal(srv_stop(sl.s), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(sl.status, 200);
	assert_string_equal(sl.body, "{\"slept\":1500}");
	free(sl.body);
	assert_true(srv_wait_log(sl.s, "route=/v1/_test/slow status=200", 0));
	assert_true(srv_wait_log(sl.s, " info stopped", 0));
	srv_free(&sl.s);
}

/* The harness itself: kill -9 and restart on the same data folder. */
static void
test_kill9_restart(void **state)
{
	struct srv *s;
	long st;

	(void)state;
	assert_int_equal(srv_start(&s, NULL), 0);
	assert_int_equal(srv_kill9(s), 0);
	assert_int_equal(srv_pid(s), 0);
	assert_int_equal(srv_restart(s), 0);
	assert_int_equal(http_request("GET", srv_url(s, "/v1/health"), NULL,
	    NULL, 0, &st, NULL), 0);
	assert_int_equal(st, 200);
	assert_int_equal(srv_stop(s), 0);
	srv_free(&s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_version_and_help),
		cmocka_unit_test(test_bad_flags),
		cmocka_unit_test(test_bad_config),
		cmocka_unit_test(test_config_file_and_override),
		cmocka_unit_test(test_plaintext_off_loopback),
		cmocka_unit_test(test_tls),
		cmocka_unit_test(test_data_folder_and_port_file),
		cmocka_unit_test(test_signals),
		cmocka_unit_test(test_kill9_restart),
	};

	return cmocka_run_group_tests_name("process", tests, NULL, NULL);
}

/* cofferd.conf (server/config.c): defaults, the strict parser (every bad
 * line named by file and line), the listen-address parser, and the man
 * page listing every key. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <cmocka.h>
#include <netinet/in.h>

#include "config.h"
#include "http/service.h"
#include "server_harness.h"

static void
test_defaults(void **state)
{
	struct srv_config c;

	(void)state;
	assert_int_equal(srv_config_init(&c), 0);
	assert_string_equal(c.listen, "127.0.0.1:8780");
	assert_null(c.port_file);
	assert_null(c.tls_cert);
	assert_null(c.tls_key);
	assert_int_equal(c.allow_remote_plaintext, 0);
	assert_int_equal(c.log_format, SRV_LOG_TEXT);
	assert_int_equal(c.threads, 0);
	assert_int_equal(c.max_connections, 1024);
	assert_int_equal(c.per_ip_connections, 32);
	assert_int_equal(c.connection_timeout, 60);
	assert_int_equal(c.header_timeout, 10);
	assert_int_equal(c.body_rate_min, 1024);
	assert_int_equal(c.body_rate_grace, 5);
	assert_int_equal(c.shutdown_timeout, 10);
	srv_config_cleanup(&c);
}

static void
test_good_files(void **state)
{
	static const char text[] =
	    "# cofferd.conf\n"
	    "\n"
	    "   # indented comment\n"
	    "listen = [::1]:9000\n"
	    "port_file=/run/cofferd.port\n"
	    "tls_cert =  /etc/coffer/cert with space.pem  \r\n"
	    "\ttls_key\t=\t/etc/coffer/key.pem\n"
	    "allow_remote_plaintext = true\n"
	    "log_format = json\n"
	    "threads = 0\n"
	    "max_connections = 100000\n"
	    "per_ip_connections = 16\n"
	    "connection_timeout = 3600\n"
	    "header_timeout = 0\n"
	    "body_rate_min = 65536\n"
	    "body_rate_grace = 3600\n"
	    "shutdown_timeout = 0";		/* no final newline */
	struct srv_config c;
	char err[300];

	(void)state;
	assert_int_equal(srv_config_init(&c), 0);
	assert_int_equal(srv_config_parse(&c, text, sizeof(text) - 1, "t",
	    err, sizeof(err)), 0);
	assert_string_equal(c.listen, "[::1]:9000");
	assert_string_equal(c.port_file, "/run/cofferd.port");
	assert_string_equal(c.tls_cert, "/etc/coffer/cert with space.pem");
	assert_string_equal(c.tls_key, "/etc/coffer/key.pem");
	assert_int_equal(c.allow_remote_plaintext, 1);
	assert_int_equal(c.log_format, SRV_LOG_JSON);
	assert_int_equal(c.threads, 0);
	assert_int_equal(c.max_connections, 100000);
	assert_int_equal(c.per_ip_connections, 16);
	assert_int_equal(c.connection_timeout, 3600);
	assert_int_equal(c.header_timeout, 0);
	assert_int_equal(c.body_rate_min, 65536);
	assert_int_equal(c.body_rate_grace, 3600);
	assert_int_equal(c.shutdown_timeout, 0);
	assert_int_equal(srv_config_check(&c, err, sizeof(err)), 0);
	/* The command line goes through srv_config_set and overrides. */
	assert_int_equal(srv_config_set(&c, "log_format", "text", err,
	    sizeof(err)), 0);
	assert_int_equal(c.log_format, SRV_LOG_TEXT);
	assert_int_equal(srv_config_set(&c, "allow_remote_plaintext", "no",
	    err, sizeof(err)), 0);
	assert_int_equal(c.allow_remote_plaintext, 0);
	srv_config_cleanup(&c);
	/* Empty and comment-only files change nothing. */
	assert_int_equal(srv_config_init(&c), 0);
	assert_int_equal(srv_config_parse(&c, "", 0, "t", err, sizeof(err)),
	    0);
	assert_int_equal(srv_config_parse(&c, "#\n#x = y\n\n", 10, "t", err,
	    sizeof(err)), 0);
	assert_string_equal(c.listen, SRV_DEFAULT_LISTEN);
	srv_config_cleanup(&c);
}

static void
test_bad_files(void **state)
{
	static const struct {
		const char	*text;
		const char	*want;
	} cases[] = {
		{ "nope = 1", "f:1: unknown setting \"nope\"" },
		{ "\n\nthreads = x", "f:3: threads: expected a whole number" },
		{ "threads = 257", "f:1: threads: expected" },
		{ "threads = 07", "f:1: threads" },
		{ "threads = +7", "f:1: threads" },
		{ "threads = 7 ", NULL },	/* trailing blanks are fine */
		{ "threads = 1 2", "f:1: threads" },
		{ "threads = 99999999999999999999999", "f:1: threads" },
		{ "max_connections = 0", "f:1: max_connections" },
		{ "connection_timeout = 0", "f:1: connection_timeout" },
		{ "body_rate_grace = 0", "f:1: body_rate_grace" },
		{ "header_timeout = 3601", "f:1: header_timeout" },
		{ "threads = 1\nthreads = 1", "f:2: threads is set twice" },
		{ "listen = a:1", "f:1: listen: expected ADDR:PORT" },
		{ "listen = 1.2.3.4:", "f:1: listen" },
		{ "listen = 1.2.3:80", "f:1: listen" },
		{ "listen = ::1:80", "f:1: listen" },
		{ "log_format = Text", "f:1: log_format: bad value" },
		{ "allow_remote_plaintext = 1", "f:1: allow_remote_plaintext" },
		{ "listen", "f:1: expected \"key = value\"" },
		{ "listen 127.0.0.1:1", "f:1: expected" },
		{ "= x", "f:1: expected" },
		{ "LISTEN = 127.0.0.1:1", "f:1: expected" },
		{ "tls_key =", "f:1: tls_key: empty value" },
		{ "tls_key = a\x01b", "f:1: tls_key: control character" },
		{ "averyveryveryveryveryveryveryverylongkeyname = 1",
		    "f:1: unknown setting" },
		{ "[section]", "f:1: expected" },
		{ "listen = \"127.0.0.1:1\"", "f:1: listen" },
	};
	struct srv_config c;
	char err[300];
	size_t i;
	int r;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(srv_config_init(&c), 0);
		err[0] = '\0';
		r = srv_config_parse(&c, cases[i].text, strlen(cases[i].text),
		    "f", err, sizeof(err));
		if ((cases[i].want == NULL) != (r == 0) ||
		    (cases[i].want != NULL && strstr(err, cases[i].want) ==
		    NULL))
			print_error("\"%s\": %d \"%s\", want \"%s\"\n",
			    cases[i].text, r, err, cases[i].want);
		assert_int_equal(r, cases[i].want == NULL ? 0 : -1);
		if (cases[i].want != NULL)
			assert_non_null(strstr(err, cases[i].want));
		srv_config_cleanup(&c);
	}
}

/* One address may hold at most half of the connections, so others are
 * still served when it holds all it may. */
static void
test_per_ip_share(void **state)
{
	struct srv_config c;
	char err[300];

	(void)state;
	assert_int_equal(srv_config_init(&c), 0);
	assert_int_equal(srv_config_check(&c, err, sizeof(err)), 0);
	c.max_connections = 64;
	assert_int_equal(srv_config_check(&c, err, sizeof(err)), 0);
	c.max_connections = 63;
	assert_int_equal(srv_config_check(&c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "per_ip_connections"));
	c.per_ip_connections = 0;
	assert_int_equal(srv_config_check(&c, err, sizeof(err)), 0);
	srv_config_cleanup(&c);
}

static void
test_limits(void **state)
{
	struct srv_config c;
	char err[300], *big, line[SRV_CONFIG_LINE_MAX + 20];

	(void)state;
	assert_int_equal(srv_config_init(&c), 0);
	assert_int_equal(srv_config_parse(&c, "threads = 1\0", 12, "f", err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "NUL"));
	memset(line, '#', sizeof(line));
	line[sizeof(line) - 1] = '\0';
	assert_int_equal(srv_config_parse(&c, line, strlen(line), "f", err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "f:1: line longer"));
	assert_non_null(big = calloc(1, SRV_CONFIG_FILE_MAX + 2));
	memset(big, '\n', SRV_CONFIG_FILE_MAX + 1);
	assert_int_equal(srv_config_parse(&c, big, SRV_CONFIG_FILE_MAX + 1, "f",
	    err, sizeof(err)), -1);
	assert_non_null(strstr(err, "larger than"));
	assert_int_equal(srv_config_parse(&c, big, SRV_CONFIG_FILE_MAX, "f",
	    err, sizeof(err)), 0);
	free(big);
	assert_int_equal(srv_config_set(&c, "nope", "1", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "unknown setting"));
	srv_config_cleanup(&c);
}

static void
test_load(void **state)
{
	struct srv_config c;
	char *dir, path[300], err[400];

	(void)state;
	assert_non_null(dir = srv_tmpdir());
	assert_int_equal(srv_config_init(&c), 0);
	snprintf(path, sizeof(path), "%s/none.conf", dir);
	assert_int_equal(srv_config_load(&c, path, 0, err, sizeof(err)), 1);
	assert_int_equal(srv_config_load(&c, path, 1, err, sizeof(err)), -1);
	assert_non_null(strstr(err, path));
	assert_int_equal(srv_write_file(path, "threads = 4\n"), 0);
	assert_int_equal(srv_config_load(&c, path, 1, err, sizeof(err)), 0);
	assert_int_equal(c.threads, 4);
	assert_int_equal(srv_write_file(path, "threads = 4\nbad\n"), 0);
	assert_int_equal(srv_config_load(&c, path, 1, err, sizeof(err)), -1);
	assert_non_null(strstr(err, ":2: "));
	assert_non_null(strstr(err, path));
	srv_config_cleanup(&c);
	srv_rmtree(dir);
	free(dir);
}

static void
test_listen(void **state)
{
	static const struct {
		const char	*s;
		int		 ok, family, loopback;
		unsigned	 port;
	} cases[] = {
		{ "127.0.0.1:8780", 1, AF_INET, 1, 8780 },
		{ "127.1.2.3:0", 1, AF_INET, 1, 0 },
		{ "0.0.0.0:443", 1, AF_INET, 0, 443 },
		{ "192.168.1.10:65535", 1, AF_INET, 0, 65535 },
		{ "[::1]:80", 1, AF_INET6, 1, 80 },
		{ "[::]:80", 1, AF_INET6, 0, 80 },
		{ "[::ffff:127.0.0.1]:80", 1, AF_INET6, 0, 80 },
		{ "[fe80::1]:80", 1, AF_INET6, 0, 80 },
		{ "localhost:80", 0, 0, 0, 0 },
		{ "127.0.0.1", 0, 0, 0, 0 },
		{ "127.0.0.1:", 0, 0, 0, 0 },
		{ ":80", 0, 0, 0, 0 },
		{ "127.0.0.1:65536", 0, 0, 0, 0 },
		{ "127.0.0.1:080", 0, 0, 0, 0 },
		{ "127.0.0.1:-1", 0, 0, 0, 0 },
		{ "127.0.0.1:80x", 0, 0, 0, 0 },
		{ "127.1:80", 0, 0, 0, 0 },
		{ "::1:80", 0, 0, 0, 0 },
		{ "[::1]80", 0, 0, 0, 0 },
		{ "[::1:80", 0, 0, 0, 0 },
		{ "[127.0.0.1]:80", 0, 0, 0, 0 },
		{ "", 0, 0, 0, 0 },
	};
	struct sockaddr_storage ss;
	socklen_t sl;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int r = srv_listen_parse(cases[i].s, &ss, &sl);

		if (r != (cases[i].ok ? 0 : -1))
			print_error("%s: %d\n", cases[i].s, r);
		assert_int_equal(r, cases[i].ok ? 0 : -1);
		if (!cases[i].ok)
			continue;
		assert_int_equal(ss.ss_family, cases[i].family);
		assert_int_equal(srv_listen_is_loopback((struct sockaddr *)&ss),
		    cases[i].loopback);
		assert_int_equal(ntohs(cases[i].family == AF_INET ?
		    ((struct sockaddr_in *)&ss)->sin_port :
		    ((struct sockaddr_in6 *)&ss)->sin6_port), cases[i].port);
	}
}

/* cofferd(8) documents every key, and every key is in its own table. */
static void
test_man_page_lists_keys(void **state)
{
	char *man, want[80];
	size_t i;

	(void)state;
	assert_non_null(man = srv_slurp(COFFER_SOURCE_DIR
	    "/docs/man/cofferd.8", NULL));
	for (i = 0; srv_config_key(i) != NULL; i++) {
		snprintf(want, sizeof(want), "\n.B %s\n", srv_config_key(i));
		if (strstr(man, want) == NULL)
			print_error("cofferd.8 lacks \"%s\"\n", want + 1);
		assert_non_null(strstr(man, want));
	}
	assert_true(i >= 11);
	free(man);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_good_files),
		cmocka_unit_test(test_bad_files),
		cmocka_unit_test(test_per_ip_share),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_load),
		cmocka_unit_test(test_listen),
		cmocka_unit_test(test_man_page_lists_keys),
	};

	return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}

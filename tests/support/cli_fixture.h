/* The fixture of the tests that run the coffer program against a real
 * cofferd (test_cli_*.c): one server on loopback with cheap OPAQUE key
 * stretching, a temporary folder for homes and files, and helpers that
 * run `coffer --home HOME ARGS...` and check what it answered (as cmocka
 * assertions: call them from a test).
 *
 *	static const char *const env[] = { cli_fx_server_env, NULL };
 *	cli_fx_run(&r, env, home, NULL, args);
 *	cli_fx_expect(&r, 0, "account status"); */
#ifndef COFFER_TEST_CLI_FIXTURE_H
#define COFFER_TEST_CLI_FIXTURE_H

#include <stddef.h>

#include <jansson.h>

#include "cli_run.h"
#include "server_harness.h"

#define CLI_FX_SERVER_ENV_MAX	300

/* "COFFER_SERVER=http://127.0.0.1:PORT" once cli_fx_setup has run, for
 * environments (an array, so that static lists can name it). */
extern char cli_fx_server_env[CLI_FX_SERVER_ENV_MAX];

/** cli_fx_setup(state): a cmocka group setup: a temporary folder and a
 * cofferd (opaque_t_cost 1, opaque_m_cost 1024); fills
 * cli_fx_server_env. Returns 0 or -1. */
int cli_fx_setup(void **state);

/** cli_fx_teardown(state): the matching group teardown: stop the server,
 * remove the folder. Returns 0, or -1 if the server did not stop
 * cleanly. */
int cli_fx_teardown(void **state);

/** cli_fx_server(): the server. */
struct srv *cli_fx_server(void);

/** cli_fx_path(out, size, name): ${out} = the temporary folder + "/" +
 * ${name}. */
void cli_fx_path(char *out, size_t size, const char *name);

/** cli_fx_write(dir, name, p, n): make the file ${dir}/${name} (mode
 * 0640) holding the ${n} bytes at ${p}, or fail the test. */
void cli_fx_write(const char *dir, const char *name, const void *p, size_t n);
/** cli_fx_run(r, env, home, input, args): run coffer --home ${home}
 * ${args} (NULL-terminated) with ${env} and ${input} (cli_runv); fails
 * the test if it could not run. */
void cli_fx_run(struct cli_res *r, const char *const env[], const char *home,
    const char *input, const char *const args[]);

/** cli_fx_expect(r, want, what): exit status ${want}, else fail the test
 * showing ${what} and what the program said. */
void cli_fx_expect(const struct cli_res *r, int want, const char *what);

/** cli_fx_json(r): standard output as JSON (free it with json_decref), or
 * a failure of the test. */
json_t *cli_fx_json(const struct cli_res *r);

/** cli_fx_str(j, key): the string member ${key} of ${j}, or a failure of
 * the test. */
const char *cli_fx_str(json_t *j, const char *key);

/** cli_fx_account(home, env): run `coffer --home ${home} account create`
 * with ${env} (the server, login and password), outside a test (a group
 * setup). Returns 0, or -1 (what coffer said printed). */
int cli_fx_account(const char *home, const char *const env[]);

/** cli_fx_setup_home(state, home, size, env): a group setup: cli_fx_setup,
 * then ${home} = the folder "home" in it, with an account made by
 * cli_fx_account(${home}, ${env}). Returns 0 or -1. */
int cli_fx_setup_home(void **state, char *home, size_t size,
    const char *const env[]);

#endif

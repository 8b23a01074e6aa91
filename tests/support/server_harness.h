/* Start a real server program of the build folder from a test: cofferd,
 * cofferd-test (cofferd with the test routes, cofferd_test.h) or
 * coffer-escrowd. A fresh temporary folder per server holds the data
 * folder ("data", created by cofferd itself), the port file and the
 * server's stderr ("stderr.log"), so tests can assert on what it logged.
 * The server listens on 127.0.0.1 with a port the kernel picks, read
 * back from --port-file.
 *
 *	struct srv *s;
 *	assert_int_equal(srv_start_test(&s, NULL), 0);
 *	... http_request("GET", srv_url(s, "/v1/_test/slow"), ...) ...
 *	assert_int_equal(srv_stop(s), 0);	(SIGTERM, exit status 0)
 *	srv_free(&s);				(removes the folder) */
#ifndef COFFER_TEST_SERVER_HARNESS_H
#define COFFER_TEST_SERVER_HARNESS_H

#include <stddef.h>
#include <sys/types.h>

struct srv;

/* The programs srv_start_prog runs. */
#define SRV_COFFERD		"cofferd"
#define SRV_COFFERD_TEST	"cofferd-test"
#define SRV_ESCROWD		"coffer-escrowd"

/** srv_start_prog(out, prog, extra_args): run COFFER_BUILD_DIR/${prog}
 * (one of the SRV_* programs above) with --data (not for
 * coffer-escrowd, which has no data folder), --port-file and (unless
 * ${extra_args} has one) --listen 127.0.0.1:0, then the NULL-terminated
 * ${extra_args} (may be NULL), and wait until it has written its port (at
 * most 30 s). Returns 0 and *${out}, or -1 with the reason and the
 * server's log printed on stderr. */
int srv_start_prog(struct srv **out, const char *prog,
    const char *const extra_args[]);

/** srv_start(out, extra_args): srv_start_prog of cofferd. */
int srv_start(struct srv **out, const char *const extra_args[]);

/** srv_start_test(out, extra_args): srv_start_prog of cofferd-test, for
 * tests that use the routes under /v1/_test/. */
int srv_start_test(struct srv **out, const char *const extra_args[]);

/** srv_stop(s): SIGTERM, wait for the exit (at most 30 s, then SIGKILL),
 * reap. Returns the exit status (0 for a clean stop), or -1 if it died
 * of a signal or had to be killed. */
int srv_stop(struct srv *s);

/** srv_kill9(s): SIGKILL the server and reap it (a crash). Returns 0. */
int srv_kill9(struct srv *s);

/** srv_restart(s): start the same program again, same arguments, same
 * data folder (after srv_stop or srv_kill9). Returns 0 or -1 as
 * srv_start. */
int srv_restart(struct srv *s);

/** srv_free(p): kill the server if it runs, remove its temporary folder,
 * free *${p} and set it to NULL; accepts NULL. */
void srv_free(struct srv **p);

/** srv_url(s, path): "http://127.0.0.1:PORT" + ${path} ("https://..."
 * when started with --tls-cert), in a per-thread buffer that the
 * thread's next srv_url call overwrites. */
const char *srv_url(struct srv *s, const char *path);

/** srv_port(s): the bound port. */
unsigned srv_port(const struct srv *s);

/** srv_pid(s): the server's process id (0 when not running). */
pid_t srv_pid(const struct srv *s);

/** srv_data(s), srv_dir(s), srv_log_path(s): the data folder, the
 * temporary folder around it, the captured stderr. */
const char *srv_data(const struct srv *s);
const char *srv_dir(const struct srv *s);
const char *srv_log_path(const struct srv *s);

/** srv_log_text(s): all the server wrote to stderr so far, in a new
 * NUL-terminated buffer (free it), or NULL. */
char *srv_log_text(const struct srv *s);

/** srv_wait_log(s, needle, timeout_ms): wait until the log contains
 * ${needle}. Returns 1 if it does, 0 if not within ${timeout_ms}. */
int srv_wait_log(const struct srv *s, const char *needle,
    unsigned timeout_ms);

/** srv_vmhwm_kib(s): the server's peak resident memory (VmHWM), KiB, or
 * -1. */
long srv_vmhwm_kib(const struct srv *s);

/** srv_run(args, status, out, err): run cofferd with the NULL-terminated
 * ${args} to its end (killed after 30 s), capturing stdout and stderr
 * into new NUL-terminated buffers *${out} and *${err} (either pointer
 * may be NULL). Returns 0 and the exit status in *${status} (-1 if killed
 * by a signal), or -1 if it could not run. */
int srv_run(const char *const args[], int *status, char **out, char **err);

/** srv_exec(prog, args, env, input, timeout_s, status, out, err): as
 * srv_run for the program ${prog} of the build folder ("coffer",
 * "cofferd"), with the "NAME=value" strings of ${env} (NULL-terminated,
 * may be NULL) added to its environment, the text ${input} on its stdin
 * (NULL: /dev/null), killed after ${timeout_s} seconds. */
int srv_exec(const char *prog, const char *const args[], const char *const env[],
    const char *input, unsigned timeout_s, int *status, char **out,
    char **err);

/** srv_mkdtemp(dir, cap, prefix): a new empty folder
 * $TMPDIR/${prefix}-XXXXXX (mode 0700; /tmp without TMPDIR), its path in
 * ${dir} of ${cap} bytes. Returns 0 or -1. */
int srv_mkdtemp(char *dir, size_t cap, const char *prefix);

/** srv_tmpdir(): a new empty temporary folder (free the string, remove
 * the folder with srv_rmtree), or NULL. */
char *srv_tmpdir(void);

/** srv_rmtree(path): remove ${path} and everything below it. */
void srv_rmtree(const char *path);

/** srv_slurp(path, len): a whole file in a new NUL-terminated buffer, its
 * length in *${len} (may be NULL), or NULL. */
char *srv_slurp(const char *path, size_t *len);

/** srv_write_file(path, text): create or replace ${path} with ${text}.
 * Returns 0 or -1. */
int srv_write_file(const char *path, const char *text);

#endif

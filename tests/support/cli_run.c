/* Run the coffer program from tests (cli_run.h). */
/* posix_openpt() and friends are XSI. */
#define _XOPEN_SOURCE 700
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli_run.h"
#include "server_harness.h"

#define ARGV_MAX	64
#define DEADLINE_S	120

/* The runner's own COFFER_* settings must not leak into a test: the
 * program takes an empty variable as unset. */
static const char *const blank_env[] = { "COFFER_SERVER=", "COFFER_HOME=",
    "COFFER_LOGIN=", "COFFER_PASSWORD=" };
#define NBLANK	(sizeof(blank_env) / sizeof(blank_env[0]))
#define ENV_MAX	32

/* ${out}: the blanks, then ${env}. */
static void
merge_env(const char *out[NBLANK + ENV_MAX + 1], const char *const env[])
{
	size_t i, n;

	for (n = 0; n < NBLANK; n++)
		out[n] = blank_env[n];
	for (i = 0; env != NULL && env[i] != NULL && i < ENV_MAX; i++)
		out[n++] = env[i];
	out[n] = NULL;
}

static int
wait_deadline(pid_t pid)
{
	struct timespec ts = { 0, 5000000 };
	time_t end = time(NULL) + DEADLINE_S;
	int st;

	while (waitpid(pid, &st, WNOHANG) != pid) {
		if (time(NULL) > end) {
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
			break;
		}
		nanosleep(&ts, NULL);
	}
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

int
cli_run(struct cli_res *r, const char *const env[], const char *input, ...)
{
	const char *args[ARGV_MAX + 1], *a;
	size_t n = 0;
	va_list ap;

	va_start(ap, input);
	while ((a = va_arg(ap, const char *)) != NULL && n < ARGV_MAX)
		args[n++] = a;
	va_end(ap);
	args[n] = NULL;
	return cli_runv(r, env, input, args);
}

int
cli_runv(struct cli_res *r, const char *const env[], const char *input,
    const char *const args[])
{
	const char *e[NBLANK + ENV_MAX + 1];

	memset(r, 0, sizeof(*r));
	merge_env(e, env);
	if (srv_exec("coffer", args, e, input, DEADLINE_S, &r->status, &r->out,
	    &r->err) != 0 || r->out == NULL || r->err == NULL) {
		cli_res_free(r);
		return -1;
	}
	r->outlen = strlen(r->out);
	return 0;
}

void
cli_res_free(struct cli_res *r)
{
	free(r->out);
	free(r->err);
	r->out = r->err = NULL;
}

/* Read what the terminal shows into r->out until ${needle} appears after
 * ${from} (NULL: until the end). Returns 0, or -1 on a timeout. */
static int
tty_read(int m, struct cli_res *r, size_t *cap, size_t from,
    const char *needle)
{
	struct pollfd pfd = { m, POLLIN, 0 };
	time_t end = time(NULL) + 30;
	ssize_t n;
	char *t;

	for (;;) {
		if (needle != NULL && strstr(r->out + from, needle) != NULL)
			return 0;
		if (time(NULL) > end || poll(&pfd, 1, 1000) < 0)
			return -1;
		if (pfd.revents == 0)
			continue;
		if (*cap - r->outlen < 4096) {
			if ((t = realloc(r->out, *cap * 2)) == NULL)
				return -1;
			r->out = t;
			*cap *= 2;
		}
		/* EIO: the program closed its end. */
		if ((n = read(m, r->out + r->outlen, 4095)) <= 0)
			return needle == NULL ? 0 : -1;
		r->outlen += (size_t)n;
		r->out[r->outlen] = '\0';
	}
}

int
cli_run_tty(struct cli_res *r, const char *const env[],
    const struct cli_chat *chat, size_t nchat, const char *const args[])
{
	char *argv[ARGV_MAX + 2], *name;
	const char *e[NBLANK + ENV_MAX + 1];
	size_t n, cap = 8192, from = 0;
	pid_t pid;
	int m, rc = 0;

	memset(r, 0, sizeof(*r));
	argv[0] = (char *)COFFER_BUILD_DIR "/coffer";
	for (n = 0; args[n] != NULL && n < ARGV_MAX; n++)
		argv[n + 1] = (char *)(uintptr_t)args[n];
	argv[n + 1] = NULL;
	merge_env(e, env);
	if ((m = posix_openpt(O_RDWR | O_NOCTTY)) < 0 || grantpt(m) != 0 ||
	    unlockpt(m) != 0 || (name = ptsname(m)) == NULL ||
	    (r->out = calloc(1, cap)) == NULL || (r->err = strdup("")) ==
	    NULL) {
		if (m >= 0)
			close(m);
		cli_res_free(r);
		return -1;
	}
	fflush(NULL);
	if ((pid = fork()) == 0) {
		int s;

		/* A new session: the first terminal opened becomes ours. */
		if (setsid() < 0 || (s = open(name, O_RDWR)) < 0 ||
		    dup2(s, 0) < 0 || dup2(s, 1) < 0 || dup2(s, 2) < 0)
			_exit(127);
		close(m);
		for (n = 0; e[n] != NULL; n++)
			if (putenv((char *)(uintptr_t)e[n]) != 0)
				_exit(127);
		execv(argv[0], argv);
		_exit(127);
	}
	for (n = 0; pid > 0 && n < nchat && rc == 0; n++) {
		if ((rc = tty_read(m, r, &cap, from, chat[n].expect)) == 0) {
			from = r->outlen;
			if (write(m, chat[n].send, strlen(chat[n].send)) < 0)
				rc = -1;
		}
	}
	if (pid > 0 && rc == 0)
		rc = tty_read(m, r, &cap, from, NULL);
	if (pid > 0 && rc != 0)
		kill(pid, SIGKILL);
	if (pid > 0)
		r->status = wait_deadline(pid);
	close(m);
	if (pid < 0 || rc != 0)
		return -1;
	return 0;
}

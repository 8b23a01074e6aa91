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
    "COFFER_LOGIN=", "COFFER_PASSWORD=", "COFFER_KSF_MIN=1,1024" };
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

int
cli_spawn(struct cli_bg *b, const char *const env[], const char *const args[])
{
	char *argv[ARGV_MAX + 2];
	const char *e[NBLANK + ENV_MAX + 1];
	int po[2] = { -1, -1 }, pe[2] = { -1, -1 };
	size_t n;

	memset(b, 0, sizeof(*b));
	b->out = b->err = -1;
	argv[0] = (char *)COFFER_BUILD_DIR "/coffer";
	for (n = 0; args[n] != NULL && n < ARGV_MAX; n++)
		argv[n + 1] = (char *)(uintptr_t)args[n];
	argv[n + 1] = NULL;
	merge_env(e, env);
	b->cap_out = b->cap_err = 8192;
	if (pipe(po) != 0 || pipe(pe) != 0 ||
	    (b->r.out = calloc(1, b->cap_out)) == NULL ||
	    (b->r.err = calloc(1, b->cap_err)) == NULL)
		goto fail;
	fflush(NULL);
	if ((b->pid = fork()) == 0) {
		int nul = open("/dev/null", O_RDONLY);

		if (nul < 0 || dup2(nul, 0) < 0 || dup2(po[1], 1) < 0 ||
		    dup2(pe[1], 2) < 0)
			_exit(127);
		close(po[0]);
		close(pe[0]);
		for (n = 0; e[n] != NULL; n++)
			if (putenv((char *)(uintptr_t)e[n]) != 0)
				_exit(127);
		execv(argv[0], argv);
		_exit(127);
	}
	if (b->pid < 0)
		goto fail;
	close(po[1]);
	close(pe[1]);
	b->out = po[0];
	b->err = pe[0];
	return 0;
fail:
	for (n = 0; n < 2; n++) {
		if (po[n] >= 0)
			close(po[n]);
		if (pe[n] >= 0)
			close(pe[n]);
	}
	cli_res_free(&b->r);
	return -1;
}

/* Read what is ready on ${fd} into ${buf} (grown as needed); -1 at its
 * end or on an error. */
static int
bg_read(int *fd, char **buf, size_t *len, size_t *cap)
{
	ssize_t n;
	char *t;

	if (*cap - *len < 4096) {
		if ((t = realloc(*buf, *cap * 2)) == NULL)
			return -1;
		*buf = t;
		*cap *= 2;
	}
	if ((n = read(*fd, *buf + *len, 4095)) <= 0) {
		close(*fd);
		*fd = -1;
		return -1;
	}
	*len += (size_t)n;
	(*buf)[*len] = '\0';
	return 0;
}

/* Read both outputs until standard output holds ${want} lines (0: until
 * both end), at most ${secs} seconds. Returns 0 or -1. */
static int
bg_pump(struct cli_bg *b, size_t want, int secs)
{
	struct pollfd pfd[2];
	time_t end = time(NULL) + secs;
	size_t lines, i, errlen;

	for (;;) {
		for (lines = 0, i = 0; i < b->r.outlen; i++)
			lines += b->r.out[i] == '\n';
		if (want > 0 && lines >= want)
			return 0;
		if (b->out < 0 && b->err < 0)
			return want > 0 ? -1 : 0;
		if (time(NULL) > end)
			return -1;
		pfd[0].fd = b->out;
		pfd[1].fd = b->err;
		pfd[0].events = pfd[1].events = POLLIN;
		pfd[0].revents = pfd[1].revents = 0;
		if (poll(pfd, 2, 1000) < 0)
			return -1;
		if (pfd[0].revents != 0)
			(void)bg_read(&b->out, &b->r.out, &b->r.outlen,
			    &b->cap_out);
		errlen = strlen(b->r.err);
		if (pfd[1].revents != 0)
			(void)bg_read(&b->err, &b->r.err, &errlen, &b->cap_err);
	}
}

const char *
cli_bg_line(struct cli_bg *b, size_t n)
{
	return bg_pump(b, n, 30) == 0 ? b->r.out : NULL;
}

int
cli_bg_wait(struct cli_bg *b, struct cli_res *r)
{
	int rc = bg_pump(b, 0, DEADLINE_S);

	if (rc != 0)
		kill(b->pid, SIGKILL);
	b->r.status = wait_deadline(b->pid);
	if (b->out >= 0)
		close(b->out);
	if (b->err >= 0)
		close(b->err);
	*r = b->r;
	memset(b, 0, sizeof(*b));
	return rc;
}

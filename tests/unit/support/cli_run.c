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

extern char **environ;

/* In the child: no COFFER_* of the test runner, then ${env}. */
static void
child_env(const char *const env[])
{
	size_t i;
	char name[128], *eq;

	for (i = 0; environ[i] != NULL;) {
		if (strncmp(environ[i], "COFFER_", 7) != 0 ||
		    (eq = strchr(environ[i], '=')) == NULL ||
		    (size_t)(eq - environ[i]) >= sizeof(name)) {
			i++;
			continue;
		}
		memcpy(name, environ[i], (size_t)(eq - environ[i]));
		name[eq - environ[i]] = '\0';
		unsetenv(name);
	}
	for (i = 0; env != NULL && env[i] != NULL; i++) {
		if ((eq = strchr(env[i], '=')) == NULL ||
		    (size_t)(eq - env[i]) >= sizeof(name))
			continue;
		memcpy(name, env[i], (size_t)(eq - env[i]));
		name[eq - env[i]] = '\0';
		setenv(name, eq + 1, 1);
	}
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
	char *argv[ARGV_MAX + 2], *dir, in[300], out[300], err[300];
	size_t n;
	pid_t pid;
	int rc = -1;

	memset(r, 0, sizeof(*r));
	argv[0] = (char *)COFFER_BUILD_DIR "/coffer";
	for (n = 0; args[n] != NULL && n < ARGV_MAX; n++)
		argv[n + 1] = (char *)(uintptr_t)args[n];
	argv[n + 1] = NULL;
	if ((dir = srv_tmpdir()) == NULL)
		return -1;
	snprintf(in, sizeof(in), "%s/in", dir);
	snprintf(out, sizeof(out), "%s/out", dir);
	snprintf(err, sizeof(err), "%s/err", dir);
	if (srv_write_file(in, input != NULL ? input : "") != 0)
		goto out;
	fflush(NULL);
	if ((pid = fork()) < 0)
		goto out;
	if (pid == 0) {
		int i = open(in, O_RDONLY), o = open(out, O_WRONLY | O_CREAT,
		    0600), e = open(err, O_WRONLY | O_CREAT, 0600);

		if (i < 0 || o < 0 || e < 0 || dup2(i, 0) < 0 ||
		    dup2(o, 1) < 0 || dup2(e, 2) < 0)
			_exit(127);
		setsid();
		child_env(env);
		execv(argv[0], argv);
		_exit(127);
	}
	r->status = wait_deadline(pid);
	r->out = srv_slurp(out, &r->outlen);
	r->err = srv_slurp(err, NULL);
	if (r->out != NULL && r->err != NULL)
		rc = 0;
	else
		cli_res_free(r);
out:
	srv_rmtree(dir);
	free(dir);
	return rc;
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
	size_t n, cap = 8192, from = 0;
	pid_t pid;
	int m, rc = 0;

	memset(r, 0, sizeof(*r));
	argv[0] = (char *)COFFER_BUILD_DIR "/coffer";
	for (n = 0; args[n] != NULL && n < ARGV_MAX; n++)
		argv[n + 1] = (char *)(uintptr_t)args[n];
	argv[n + 1] = NULL;
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
		child_env(env);
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

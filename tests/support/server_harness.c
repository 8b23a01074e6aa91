/* Run the real server programs from tests (server_harness.h). */
/* nftw() is XSI. */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "server_harness.h"

#define ARGS_MAX	40
#define WAIT_MS		30000

struct srv {
	char	 prog[300];	/* the program's path */
	pid_t	 pid;
	unsigned port;
	int	 tls;
	char	 dir[256], data[300], portfile[300], log[300];
	char	*args[ARGS_MAX];
	size_t	 nargs;
};

static void
sleep_ms(unsigned ms)
{
	struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

int
srv_mkdtemp(char *dir, size_t cap, const char *prefix)
{
	const char *t = getenv("TMPDIR");

	if ((size_t)snprintf(dir, cap, "%s/%s-XXXXXX", t != NULL &&
	    *t != '\0' ? t : "/tmp", prefix) >= cap)
		return -1;
	return mkdtemp(dir) == NULL ? -1 : 0;
}

char *
srv_tmpdir(void)
{
	char path[256];

	if (srv_mkdtemp(path, sizeof(path), "coffer-test") != 0)
		return NULL;
	return strdup(path);
}

static int
rm_one(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	(void)sb;
	(void)type;
	(void)ftw;
	remove(path);
	return 0;
}

void
srv_rmtree(const char *path)
{
	if (path != NULL && *path != '\0')
		nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

char *
srv_slurp(const char *path, size_t *lenp)
{
	FILE *f = fopen(path, "rb");
	char *s = NULL, *t;
	size_t len = 0, cap = 0, n;

	if (f == NULL)
		return NULL;
	for (;;) {
		if (cap - len < 65536) {
			cap = cap * 2 + 65536;
			if ((t = realloc(s, cap + 1)) == NULL) {
				free(s);
				fclose(f);
				return NULL;
			}
			s = t;
		}
		if ((n = fread(s + len, 1, cap - len, f)) == 0)
			break;
		len += n;
	}
	fclose(f);
	s[len] = '\0';
	if (lenp != NULL)
		*lenp = len;
	return s;
}

int
srv_write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "wb");
	size_t n = strlen(text);
	int r = 0;

	if (f == NULL)
		return -1;
	if (fwrite(text, 1, n, f) != n)
		r = -1;
	if (fclose(f) != 0)
		r = -1;
	return r;
}

/* fork + exec argv[0] with argv, stdin from ${infd} (-1: /dev/null),
 * stdout/stderr to the given fds, and the "NAME=value" strings of ${env}
 * (NULL-terminated, may be NULL) added to the environment. */
static pid_t
spawn_env(char *const argv[], const char *const env[], int infd, int outfd,
    int errfd)
{
	pid_t pid = fork();
	size_t i;

	if (pid != 0)
		return pid;
	if (infd < 0)
		infd = open("/dev/null", O_RDONLY);
	if (infd < 0 || dup2(infd, 0) < 0 || dup2(outfd, 1) < 0 ||
	    dup2(errfd, 2) < 0)
		_exit(127);
	for (i = 0; env != NULL && env[i] != NULL; i++)
		if (putenv((char *)(uintptr_t)env[i]) != 0)
			_exit(127);
	execv(argv[0], argv);
	_exit(127);
}

static pid_t
spawn(char *const argv[], int outfd, int errfd)
{
	return spawn_env(argv, NULL, -1, outfd, errfd);
}

static int
launch(struct srv *s)
{
	char *argv[ARGS_MAX + 2], *text;
	unsigned long port;
	unsigned waited;
	size_t i;
	int fd, status;

	argv[0] = s->prog;
	for (i = 0; i < s->nargs; i++)
		argv[i + 1] = s->args[i];
	argv[i + 1] = NULL;
	unlink(s->portfile);
	if ((fd = open(s->log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
	    0600)) < 0)
		return -1;
	s->pid = spawn(argv, fd, fd);
	close(fd);
	if (s->pid < 0) {
		s->pid = 0;
		return -1;
	}
	for (waited = 0; waited < WAIT_MS; waited += 5) {
		if ((text = srv_slurp(s->portfile, NULL)) != NULL) {
			char *end;

			int ok;

			port = strtoul(text, &end, 10);
			ok = *end == '\n' && port > 0 && port < 65536;
			free(text);
			if (ok) {
				s->port = (unsigned)port;
				return 0;
			}
		}
		if (waitpid(s->pid, &status, WNOHANG) == s->pid) {
			s->pid = 0;
			break;
		}
		sleep_ms(5);
	}
	text = srv_log_text(s);
	fprintf(stderr, "srv_start: %s did not start; its log:\n%s\n",
	    s->prog, text != NULL ? text : "(none)");
	free(text);
	if (s->pid > 0)
		srv_kill9(s);
	return -1;
}

static int
add_arg(struct srv *s, const char *a)
{
	if (s->nargs == ARGS_MAX || (s->args[s->nargs] = strdup(a)) == NULL)
		return -1;
	s->nargs++;
	return 0;
}

int
srv_start_prog(struct srv **out, const char *prog,
    const char *const extra_args[])
{
	struct srv *s;
	char *dir = NULL;
	int has_listen = 0;
	size_t i;

	*out = NULL;
	if ((s = calloc(1, sizeof(*s))) == NULL || (dir = srv_tmpdir()) == NULL)
		goto fail;
	snprintf(s->prog, sizeof(s->prog), "%s/%s", COFFER_BUILD_DIR, prog);
	snprintf(s->dir, sizeof(s->dir), "%s", dir);
	snprintf(s->data, sizeof(s->data), "%s/data", dir);
	snprintf(s->portfile, sizeof(s->portfile), "%s/port", dir);
	snprintf(s->log, sizeof(s->log), "%s/stderr.log", dir);
	for (i = 0; extra_args != NULL && extra_args[i] != NULL; i++) {
		if (strcmp(extra_args[i], "--listen") == 0)
			has_listen = 1;
		if (strcmp(extra_args[i], "--tls-cert") == 0)
			s->tls = 1;
	}
	if ((strcmp(prog, SRV_ESCROWD) != 0 && (add_arg(s, "--data") ||
	    add_arg(s, s->data))) ||
	    add_arg(s, "--port-file") || add_arg(s, s->portfile) ||
	    (!has_listen && (add_arg(s, "--listen") ||
	    add_arg(s, "127.0.0.1:0"))))
		goto fail;
	for (i = 0; extra_args != NULL && extra_args[i] != NULL; i++)
		if (add_arg(s, extra_args[i]) != 0)
			goto fail;
	if (launch(s) != 0)
		goto fail;
	free(dir);
	*out = s;
	return 0;
fail:
	free(dir);
	srv_free(&s);
	return -1;
}

int
srv_start(struct srv **out, const char *const extra_args[])
{
	return srv_start_prog(out, SRV_COFFERD, extra_args);
}

int
srv_start_test(struct srv **out, const char *const extra_args[])
{
	return srv_start_prog(out, SRV_COFFERD_TEST, extra_args);
}

static int
reap(struct srv *s, unsigned timeout_ms)
{
	unsigned waited;
	int status;

	for (waited = 0; waited <= timeout_ms; waited += 5) {
		if (waitpid(s->pid, &status, WNOHANG) == s->pid) {
			s->pid = 0;
			return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
		}
		sleep_ms(5);
	}
	return -2;
}

int
srv_stop(struct srv *s)
{
	int r;

	if (s == NULL || s->pid <= 0)
		return -1;
	kill(s->pid, SIGTERM);
	if ((r = reap(s, WAIT_MS)) == -2) {
		fprintf(stderr, "srv_stop: no exit %u ms after SIGTERM: "
		    "SIGKILL\n", WAIT_MS);
		srv_kill9(s);
		return -1;
	}
	return r;
}

int
srv_kill9(struct srv *s)
{
	int status;

	if (s->pid > 0) {
		kill(s->pid, SIGKILL);
		while (waitpid(s->pid, &status, 0) < 0 && errno == EINTR)
			;
	}
	s->pid = 0;
	return 0;
}

int
srv_restart(struct srv *s)
{
	if (s->pid > 0)
		return -1;
	return launch(s);
}

void
srv_free(struct srv **p)
{
	struct srv *s = *p;
	size_t i;

	if (s == NULL)
		return;
	if (s->pid > 0)
		srv_kill9(s);
	srv_rmtree(s->dir);
	for (i = 0; i < s->nargs; i++)
		free(s->args[i]);
	free(s);
	*p = NULL;
}

const char *
srv_url(struct srv *s, const char *path)
{
	/* One buffer per thread, so threads of one test can share s. */
	static _Thread_local char url[1024];

	snprintf(url, sizeof(url), "%s://127.0.0.1:%u%s",
	    s->tls ? "https" : "http", s->port, path);
	return url;
}

unsigned
srv_port(const struct srv *s)
{
	return s->port;
}

pid_t
srv_pid(const struct srv *s)
{
	return s->pid;
}

const char *
srv_data(const struct srv *s)
{
	return s->data;
}

const char *
srv_dir(const struct srv *s)
{
	return s->dir;
}

const char *
srv_log_path(const struct srv *s)
{
	return s->log;
}

char *
srv_log_text(const struct srv *s)
{
	return srv_slurp(s->log, NULL);
}

int
srv_wait_log(const struct srv *s, const char *needle, unsigned timeout_ms)
{
	unsigned waited;
	char *t;
	int found;

	for (waited = 0;; waited += 5) {
		t = srv_log_text(s);
		found = t != NULL && strstr(t, needle) != NULL;
		free(t);
		if (found || waited >= timeout_ms)
			return found;
		sleep_ms(5);
	}
}

long
srv_vmhwm_kib(const struct srv *s)
{
	char path[64], *t, *p;
	long kib = -1;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)s->pid);
	if ((t = srv_slurp(path, NULL)) == NULL)
		return -1;
	if ((p = strstr(t, "VmHWM:")) != NULL)
		kib = strtol(p + 6, NULL, 10);
	free(t);
	return kib;
}

int
srv_exec(const char *prog, const char *const args[], const char *const env[],
    const char *input, unsigned timeout_s, int *status, char **out,
    char **err)
{
	char *argv[ARGS_MAX + 2], *dir, path[4][300];
	size_t i;
	pid_t pid;
	int ofd = -1, efd = -1, ifd = -1, st = 0, r = -1;
	unsigned waited;

	if ((dir = srv_tmpdir()) == NULL)
		return -1;
	snprintf(path[0], sizeof(path[0]), "%s/out", dir);
	snprintf(path[1], sizeof(path[1]), "%s/err", dir);
	snprintf(path[2], sizeof(path[2]), "%s/in", dir);
	snprintf(path[3], sizeof(path[3]), "%s/%s", COFFER_BUILD_DIR, prog);
	argv[0] = path[3];
	for (i = 0; args[i] != NULL && i < ARGS_MAX; i++)
		argv[i + 1] = (char *)(uintptr_t)args[i];
	argv[i + 1] = NULL;
	if ((ofd = open(path[0], O_WRONLY | O_CREAT | O_CLOEXEC, 0600)) < 0 ||
	    (efd = open(path[1], O_WRONLY | O_CREAT | O_CLOEXEC, 0600)) < 0)
		goto out;
	if (input != NULL && (srv_write_file(path[2], input) != 0 ||
	    (ifd = open(path[2], O_RDONLY | O_CLOEXEC)) < 0))
		goto out;
	if ((pid = spawn_env(argv, env, ifd, ofd, efd)) < 0)
		goto out;
	for (waited = 0;; waited += 5) {
		if (waitpid(pid, &st, WNOHANG) == pid)
			break;
		if (waited >= timeout_s * 1000) {
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
			break;
		}
		sleep_ms(5);
	}
	*status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	if (out != NULL)
		*out = srv_slurp(path[0], NULL);
	if (err != NULL)
		*err = srv_slurp(path[1], NULL);
	r = 0;
out:
	if (ofd >= 0)
		close(ofd);
	if (efd >= 0)
		close(efd);
	if (ifd >= 0)
		close(ifd);
	srv_rmtree(dir);
	free(dir);
	return r;
}

int
srv_run(const char *const args[], int *status, char **out, char **err)
{
	return srv_exec("cofferd", args, NULL, NULL, WAIT_MS / 1000, status,
	    out, err);
}

/* The account password and login name: from --password-file (first line),
 * COFFER_PASSWORD, or asked on the terminal without echo. The password
 * lives in sodium_malloc memory (guarded, locked) and is wiped after use.
 * A signal while echo is off restores the terminal, then is delivered. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <sodium.h>

#include "cli.h"

#define SECRET_MAX	1024

static volatile sig_atomic_t caught;

static void
on_signal(int sig)
{
	caught = sig;
}

/* Read one line from ${fd} into ${buf} (at most ${cap} - 1 bytes, NUL
 * terminated, without "\n" or "\r\n"). Returns 0, -1 (errno) or -2 (the
 * line is longer than the buffer). */
static int
read_line(int fd, char *buf, size_t cap, size_t *len)
{
	size_t n = 0;
	ssize_t r;
	char ch;

	for (;;) {
		if ((r = read(fd, &ch, 1)) < 0)
			return -1;
		if (r == 0 || ch == '\n')
			break;
		if (n + 1 >= cap)
			return -2;
		buf[n++] = ch;
	}
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	buf[n] = '\0';
	*len = n;
	return 0;
}

/* Ask ${prompt} on the terminal ${fd} and read the answer, without echo
 * when ${secret}. Returns as read_line; a signal during it gives -1 with
 * errno EINTR after the terminal is restored and the signal raised. */
static int
ask(int fd, const char *prompt, int secret, char *buf, size_t cap,
    size_t *len)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGTSTP };
	struct sigaction sa, old[sizeof(sigs) / sizeof(sigs[0])];
	struct termios t, saved;
	size_t i;
	int r, e, restore = 0;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;	/* no SA_RESTART: read() returns */
	sigemptyset(&sa.sa_mask);
	caught = 0;
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, &old[i]);
	if (secret && tcgetattr(fd, &saved) == 0) {
		t = saved;
		t.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
		restore = tcsetattr(fd, TCSAFLUSH, &t) == 0;
	}
	if (write(fd, prompt, strlen(prompt)) < 0) {
		/* the prompt is a courtesy; the answer is what matters */
	}
	r = read_line(fd, buf, cap, len);
	e = errno;
	if (restore) {
		tcsetattr(fd, TCSAFLUSH, &saved);
		if (write(fd, "\n", 1) < 0) {
			/* as above */
		}
	}
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &old[i], NULL);
	if (caught != 0) {
		raise(caught);
		e = EINTR;
		r = -1;
	}
	errno = e;
	return r;
}

static int
open_tty(void)
{
	return open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
}

void
cli_secret_free(struct cli_secret *s)
{
	if (s->p != NULL)
		sodium_free(s->p);	/* wipes */
	s->p = NULL;
	s->len = 0;
}

static int
from_file(struct cli *c, const char *path, struct cli_secret *s)
{
	int fd, r;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return cli_failf(c, "password file %s: %s", path,
		    strerror(errno));
	r = read_line(fd, s->p, SECRET_MAX, &s->len);
	close(fd);
	if (r == -1)
		return cli_failf(c, "password file %s: %s", path,
		    strerror(errno));
	if (r == -2)
		return cli_failf(c, "password file %s: the first line is "
		    "longer than %d bytes", path, SECRET_MAX - 1);
	return CLI_OK;
}

static int
from_tty(struct cli *c, struct cli_secret *s, int confirm)
{
	char *again = NULL;
	size_t alen = 0;
	int fd, r = CLI_FAIL, rr;

	if ((fd = open_tty()) < 0)
		return cli_failf(c, "no password: give --password-file FILE "
		    "or set COFFER_PASSWORD (no terminal to ask on)");
	if ((rr = ask(fd, "Password: ", 1, s->p, SECRET_MAX, &s->len)) != 0)
		goto fail;
	if (confirm) {
		if ((again = sodium_malloc(SECRET_MAX)) == NULL) {
			r = cli_failf(c, "out of memory");
			goto out;
		}
		if ((rr = ask(fd, "Password again: ", 1, again, SECRET_MAX,
		    &alen)) != 0)
			goto fail;
		if (alen != s->len || sodium_memcmp(again, s->p, alen) != 0) {
			r = cli_failf(c, "the two passwords differ");
			goto out;
		}
	}
	r = CLI_OK;
	goto out;
fail:
	if (rr == -2)
		r = cli_failf(c, "password longer than %d bytes",
		    SECRET_MAX - 1);
	else
		r = cli_failf(c, "reading the password: %s", strerror(errno));
out:
	if (again != NULL)
		sodium_free(again);
	close(fd);
	return r;
}

int
cli_password(struct cli *c, struct cli_secret *s, int confirm)
{
	const char *file = cli_opt(c, "password-file"), *env;
	int r;

	s->len = 0;
	if ((s->p = sodium_malloc(SECRET_MAX)) == NULL)
		return cli_failf(c, "out of memory");
	if (file != NULL)
		r = from_file(c, file, s);
	else if ((env = getenv("COFFER_PASSWORD")) != NULL && *env != '\0') {
		if (strlen(env) >= SECRET_MAX)
			r = cli_failf(c, "COFFER_PASSWORD is longer than %d "
			    "bytes", SECRET_MAX - 1);
		else {
			s->len = strlen(env);
			memcpy(s->p, env, s->len + 1);
			r = CLI_OK;
		}
	} else
		r = from_tty(c, s, confirm);
	if (r == CLI_OK && s->len == 0)
		r = cli_failf(c, "empty password");
	if (r != CLI_OK)
		cli_secret_free(s);
	return r;
}

int
cli_login_name(struct cli *c, char *buf, size_t size, const char **out)
{
	const char *v = cli_opt(c, "login");
	size_t len;
	int fd, r;

	if (v == NULL && (v = getenv("COFFER_LOGIN")) != NULL && *v == '\0')
		v = NULL;
	if (v != NULL) {
		*out = v;
		return CLI_OK;
	}
	if ((fd = open_tty()) < 0)
		return cli_usage(c, "no login name: give --login NAME or set "
		    "COFFER_LOGIN");
	r = ask(fd, "Login name: ", 0, buf, size, &len);
	close(fd);
	if (r == -2)
		return cli_failf(c, "login name longer than %zu bytes",
		    size - 1);
	if (r != 0)
		return cli_failf(c, "reading the login name: %s",
		    strerror(errno));
	if (len == 0)
		return cli_failf(c, "empty login name");
	*out = buf;
	return CLI_OK;
}

int
cli_ask(struct cli *c, const char *question, char *buf, size_t size)
{
	size_t len;
	int fd, r;

	if ((fd = open_tty()) < 0)
		return CLI_USAGE;
	r = ask(fd, question, 0, buf, size, &len);
	close(fd);
	if (r == -2)
		return cli_failf(c, "an answer longer than %zu bytes", size - 1);
	if (r != 0)
		return cli_failf(c, "reading the answer: %s", strerror(errno));
	return CLI_OK;
}

int
cli_confirm(struct cli *c, const char *question)
{
	char buf[16];
	size_t len;
	int fd, r;

	if ((fd = open_tty()) < 0)
		return CLI_USAGE;
	r = ask(fd, question, 0, buf, sizeof(buf), &len);
	close(fd);
	if (r == -1)
		return cli_failf(c, "reading the answer: %s", strerror(errno));
	return r == 0 && len >= 1 && (buf[0] == 'y' || buf[0] == 'Y') ?
	    CLI_OK : CLI_FAIL;
}

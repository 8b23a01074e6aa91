/* coffer account create|login|logout|status. */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include <coffer/err.h>

#include "cli.h"
#include "commands.h"
#include "session.h"

/* What this device is to the account, in a word. */
static const char *
device_state(const struct coffer_client_status *st)
{
	if (st->removed)
		return "removed";
	if (st->listed)
		return "listed";
	return st->waiting ? "waiting" : "unapproved";
}

/* Say who this home is: text lines, or the JSON fields. With ${full},
 * also the server and the session. */
static void
show_status(struct cli *c, struct coffer_client *cl,
    const struct coffer_client_status *st, int full)
{
	const char *url = coffer_client_server_url(cl);
	char acc[2 * sizeof(st->account) + 1], dev[2 * sizeof(st->device) + 1];

	cli_hex(acc, st->account, sizeof(st->account));
	cli_hex(dev, st->device, sizeof(st->device));
	if (!st->has_account)
		acc[0] = '\0';
	if (!st->has_device)
		dev[0] = '\0';
	cli_json_set(c, "login", json_string(st->login));
	cli_json_set(c, "account", json_string(acc));
	cli_json_set(c, "device", json_string(dev));
	cli_json_set(c, "trusted", json_boolean(st->trusted));
	cli_json_set(c, "state", json_string(device_state(st)));
	if (st->removed)
		cli_json_set(c, "removal", json_string(st->removal));
	if (st->refusal[0] != '\0')
		cli_json_set(c, "refused", json_string(st->refusal));
	if (full) {
		cli_json_set(c, "server", json_string(url));
		cli_json_set(c, "home", json_string(c->home));
		cli_json_set(c, "signed_in", json_boolean(st->signed_in));
		cli_print(c, "server:    %s", url);
		cli_print(c, "home:      %s", c->home);
		cli_print(c, "signed in: %s", st->signed_in ? "yes" : "no");
	}
	cli_print(c, "login:     %s", st->has_account ? st->login : "(none)");
	cli_print(c, "account:   %s", st->has_account ? acc : "(none)");
	cli_print(c, "device:    %s", st->has_device ? dev : "(none)");
	if (st->removed)
		cli_print(c, "trusted:   no (removed: %s)", st->removal);
	else if (st->trusted)
		cli_print(c, "trusted:   yes");
	else if (st->waiting)
		cli_print(c, "trusted:   no (waiting for approval)");
	else if (st->listed)
		cli_print(c, "trusted:   no (listed; its keys arrive at the "
		    "next sync)");
	else
		cli_print(c, "trusted:   no (not approved: run coffer account "
		    "login to pair it with a trusted device)");
	if (st->refusal[0] != '\0')
		cli_print(c, "warning:   %s", st->refusal);
}

static volatile sig_atomic_t interrupted;

static void
on_interrupt(int sig)
{
	(void)sig;
	interrupted = 1;
}

/* Ctrl-C (or SIGTERM) while waiting cancels the pairing: the library
 * ends it on the server. */
static void
catch_interrupt(int on)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	interrupted = 0;
	sa.sa_handler = on ? on_interrupt : SIG_DFL;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

/* A device the list does not hold pairs: the code and the command to run
 * on a trusted device, first (with --json as one line of its own, so that
 * a script reads it while this waits), then the wait. */
static int
pair(struct cli *c, struct coffer_client *cl, const char *what)
{
	char code[COFFER_CLIENT_PAIR_CODE_LEN];
	int r;

	/* Caught from before the code is shown: a Ctrl-C as soon as it is
	 * seen still ends the pairing on the server. */
	catch_interrupt(1);
	if ((r = coffer_client_pair_start(cl, code)) != 0) {
		catch_interrupt(0);
		return cli_client_fail(c, cl, r, what);
	}
	cli_json_line(c, json_pack("{s:s}", "code", code));
	cli_print(c, "code:      %s", code);
	cli_print(c, "On a trusted device, run: coffer device approve --code "
	    "%s", code);
	fflush(stdout);
	cli_note(c, "waiting for approval (Ctrl-C cancels)...");
	r = coffer_client_pair_wait(cl, 0, &interrupted);
	catch_interrupt(0);
	sodium_memzero(code, sizeof(code));
	if (r != 0)
		return cli_client_fail(c, cl, r, what);
	cli_json_set(c, "approved", json_true());
	return CLI_OK;
}

/* After sign-in: who we are; a device the list does not hold pairs with a
 * trusted one. */
static int
signed_in(struct cli *c, struct coffer_client *cl, const char *what)
{
	struct coffer_client_status st;
	int r, paired = 0;

	if ((r = coffer_client_status(cl, &st)) != 0)
		return cli_client_fail(c, cl, r, what);
	if (!st.listed && !st.removed && st.has_device) {
		if ((r = pair(c, cl, what)) != CLI_OK)
			return r;
		if ((r = coffer_client_status(cl, &st)) != 0)
			return cli_client_fail(c, cl, r, what);
		paired = 1;
	}
	show_status(c, cl, &st, 0);
	if (paired)
		cli_print(c, "this device is approved");
	return CLI_OK;
}

static int
sign_in(struct cli *c, int create)
{
	const char *what = create ? "account create" : "account login";
	struct coffer_client *cl = NULL;
	struct cli_secret pw = { NULL, 0 };
	char namebuf[COFFER_CLIENT_LOGIN_MAX + 1];
	const char *login;
	int r;

	if ((r = cli_login_name(c, namebuf, sizeof(namebuf), &login)) != 0)
		return r;
	if ((r = cli_client_open(c, &cl)) != CLI_OK)
		goto out;
	if ((r = cli_password(c, &pw, create)) != CLI_OK)
		goto out;
	r = create ? coffer_client_account_create(cl, login,
	    (const uint8_t *)pw.p, pw.len) : coffer_client_login(cl, login,
	    (const uint8_t *)pw.p, pw.len);
	cli_secret_free(&pw);
	if (r != 0) {
		r = cli_client_fail(c, cl, r, what);
		goto out;
	}
	r = signed_in(c, cl, what);
out:
	cli_secret_free(&pw);
	coffer_client_free(&cl);
	return r;
}

int
cmd_account_create(struct cli *c)
{
	return sign_in(c, 1);
}

int
cmd_account_login(struct cli *c)
{
	return sign_in(c, 0);
}

int
cmd_account_logout(struct cli *c)
{
	struct coffer_client *cl = NULL;
	int r;

	if ((r = cli_client_open(c, &cl)) != CLI_OK)
		return r;
	if ((r = coffer_client_logout(cl)) != 0)
		r = cli_client_fail(c, cl, r, "account logout");
	else
		cli_note(c, "signed out");
	cli_json_set(c, "signed_in", json_false());
	coffer_client_free(&cl);
	return r;
}

int
cmd_account_status(struct cli *c)
{
	struct coffer_client *cl = NULL;
	struct coffer_client_status st;
	unsigned n;
	int r;

	if ((r = cli_client_open(c, &cl)) != CLI_OK)
		return r;
	if ((r = coffer_client_status(cl, &st)) != 0)
		r = cli_client_fail(c, cl, r, "account status");
	else if (!st.has_account) {
		cli_json_set(c, "signed_in", json_false());
		cli_json_set(c, "state", json_string("signed_out"));
		cli_print(c, "not signed in: run coffer account login");
	} else {
		show_status(c, cl, &st, 1);
		/* A trusted, signed-in device says what changed among the
		 * account's devices since it last showed them. */
		if (st.trusted && st.signed_in)
			r = cmd_device_alerts(c, cl, 1, &n);
	}
	coffer_client_free(&cl);
	return r;
}

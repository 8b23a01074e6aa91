/* coffer account create|login|logout|status. */
#include <stdio.h>
#include <string.h>

#include <coffer/err.h>

#include "cli.h"
#include "commands.h"
#include "session.h"

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
	cli_print(c, "trusted:   %s", st->trusted ? "yes" :
	    "no (waiting for approval)");
}

/* After sign-in: who we are; a device waiting for approval shows its
 * verification code and what to run on a trusted device. */
static int
signed_in(struct cli *c, struct coffer_client *cl, const char *what)
{
	struct coffer_client_status st;
	char code[COFFER_CLIENT_CODE_LEN], dev[2 * sizeof(st.device) + 1];
	int r;

	if ((r = coffer_client_status(cl, &st)) != 0)
		return cli_client_fail(c, cl, r, what);
	show_status(c, cl, &st, 0);
	if (st.trusted)
		return CLI_OK;
	cli_hex(dev, st.device, sizeof(st.device));
	if ((r = coffer_client_device_code(cl, st.device, code)) != 0)
		return cli_client_fail(c, cl, r, "reading this device's "
		    "verification code");
	cli_json_set(c, "code", json_string(code));
	cli_print(c, "code:      %s", code);
	cli_note(c, "This device waits for approval: on a trusted device run\n"
	    "  coffer device approve %s --code %s", dev, code);
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
	int r;

	if ((r = cli_client_open(c, &cl)) != CLI_OK)
		return r;
	if ((r = coffer_client_status(cl, &st)) != 0)
		r = cli_client_fail(c, cl, r, "account status");
	else
		show_status(c, cl, &st, 1);
	coffer_client_free(&cl);
	return r;
}

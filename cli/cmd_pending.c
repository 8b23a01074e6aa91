/* Commands whose library has not landed yet: they say so and fail. */
#include "cli.h"
#include "commands.h"

static int
not_yet(struct cli *c)
{
	return cli_failf(c, "%s %s: not implemented yet", c->cmd->name,
	    c->cmd->sub != NULL ? c->cmd->sub : "");
}

int
cmd_account_create(struct cli *c)
{
	return not_yet(c);
}

int
cmd_account_login(struct cli *c)
{
	return not_yet(c);
}

int
cmd_account_logout(struct cli *c)
{
	return not_yet(c);
}

int
cmd_account_status(struct cli *c)
{
	return not_yet(c);
}

int
cmd_device_list(struct cli *c)
{
	return not_yet(c);
}

int
cmd_device_approve(struct cli *c)
{
	return not_yet(c);
}

int
cmd_sync(struct cli *c)
{
	return not_yet(c);
}

int
cmd_record_put(struct cli *c)
{
	return not_yet(c);
}

int
cmd_record_get(struct cli *c)
{
	return not_yet(c);
}

int
cmd_record_list(struct cli *c)
{
	return not_yet(c);
}

int
cmd_record_delete(struct cli *c)
{
	return not_yet(c);
}

int
cmd_backup_create(struct cli *c)
{
	return not_yet(c);
}

int
cmd_backup_list(struct cli *c)
{
	return not_yet(c);
}

int
cmd_backup_ls(struct cli *c)
{
	return not_yet(c);
}

int
cmd_backup_restore(struct cli *c)
{
	return not_yet(c);
}

int
cmd_backup_forget(struct cli *c)
{
	return not_yet(c);
}

int
cmd_backup_prune(struct cli *c)
{
	return not_yet(c);
}

int
cmd_backup_check(struct cli *c)
{
	return not_yet(c);
}

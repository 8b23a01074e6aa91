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

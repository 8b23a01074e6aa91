/* The synopsis of a command row, as usage errors and help print it:
 * "coffer NAME SUB [--opt ARG]... ARGS". From the row alone: below both
 * out.c and help.c. */
#include <stdio.h>

#include "cli.h"

void
cli_synopsis(const struct cli_cmd *cmd, char *buf, size_t size)
{
	size_t i, n;
	int req;

	n = (size_t)snprintf(buf, size, "coffer %s%s%s", cmd->name,
	    cmd->sub ? " " : "", cmd->sub ? cmd->sub : "");
	for (i = 0; cmd->opts != NULL && cmd->opts[i].name != NULL; i++) {
		if (n >= size)
			return;
		req = (cmd->opts[i].required & CLI_REQUIRED) != 0;
		n += (size_t)snprintf(buf + n, size - n, " %s--%s%s%s%s%s",
		    req ? "" : "[", cmd->opts[i].name,
		    cmd->opts[i].arg ? " " : "",
		    cmd->opts[i].arg ? cmd->opts[i].arg : "", req ? "" : "]",
		    (cmd->opts[i].required & CLI_REPEAT) ? "..." : "");
	}
	if (cmd->args != NULL && n < size)
		snprintf(buf + n, size - n, " %s", cmd->args);
}

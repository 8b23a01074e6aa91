/* A service's command line (service.h). Calls nothing of the layer. */
#include <stdio.h>
#include <string.h>

#include "service.h"

int
srv_args_parse(const char *prog, const struct srv_arg *args, size_t n,
    int argc, char **argv, const char **values, char *err, size_t errlen)
{
	const char *arg, *val, *eq;
	size_t i, alen;
	int k;

	for (i = 0; i < n; i++)
		values[i] = NULL;
	for (k = 1; k < argc; k++) {
		arg = argv[k];
		/* "--name=value": the name ends at the '='. */
		eq = strchr(arg, '=');
		alen = eq != NULL && arg[0] == '-' && arg[1] == '-' ?
		    (size_t)(eq - arg) : strlen(arg);
		for (i = 0; i < n; i++)
			if (strlen(args[i].name) == alen &&
			    strncmp(args[i].name, arg, alen) == 0)
				break;
		if (i == n) {
			snprintf(err, errlen, "unknown argument \"%s\"\n"
			    "Try %s --help.", arg, prog);
			return -1;
		}
		if (values[i] != NULL) {
			snprintf(err, errlen, "%s given twice", args[i].name);
			return -1;
		}
		val = "yes";
		if (args[i].has_value) {
			val = NULL;
			if (arg[alen] == '=')
				val = arg + alen + 1;
			else if (k + 1 < argc)
				val = argv[++k];
			if (val == NULL || *val == '\0') {
				snprintf(err, errlen, "%s needs a value",
				    args[i].name);
				return -1;
			}
		} else if (arg[alen] == '=') {
			snprintf(err, errlen, "%s takes no value",
			    args[i].name);
			return -1;
		}
		values[i] = val;
	}
	return 0;
}

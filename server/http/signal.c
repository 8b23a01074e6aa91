/* The signals that stop a service (service.h). Calls log.c. */
#include <signal.h>

#include "log.h"
#include "service.h"

void
srv_signal_block(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, set, NULL);
	signal(SIGPIPE, SIG_IGN);
}

int
srv_signal_wait(const sigset_t *set)
{
	int sig;

	for (;;) {
		if (sigwait(set, &sig) != 0)
			continue;
		if (sig == SIGHUP) {
			srv_log(SRV_LOG_INFO, "sighup", "action",
			    "ignored: logs go to stderr", (char *)NULL);
			continue;
		}
		break;
	}
	srv_log(SRV_LOG_INFO, "stopping", "signal", sig == SIGTERM ? "TERM" :
	    "INT", (char *)NULL);
	return sig;
}

/* cofferd: the coffer server, as it ships (cofferd.c). */
#include <stddef.h>

#include "cofferd.h"

int
main(int argc, char **argv)
{
	return cofferd_main(argc, argv, NULL);
}

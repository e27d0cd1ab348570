// SPDX-License-Identifier: GPL-2.0
/* kipsec -batch and restore: not written yet. */
#include "kipsec.h"
#include "util.h"

int run_batch(const char *file)
{
	die("-batch %s: not implemented yet", file);
}

int do_restore(int verb, int argc, char **argv)
{
	(void)verb;
	(void)argc;
	(void)argv;
	die("\"restore\" is not implemented yet");
}

// SPDX-License-Identifier: GPL-2.0
/* kipsec monitor: not written yet. */
#include "kipsec.h"
#include "util.h"

int do_monitor(int verb, int argc, char **argv)
{
	(void)verb;
	(void)argc;
	(void)argv;
	die("\"monitor\" is not implemented yet");
}

// SPDX-License-Identifier: GPL-2.0
/* kipsec save: not written yet. */
#include "kipsec.h"
#include "util.h"

int do_save(int verb, int argc, char **argv)
{
	(void)verb;
	(void)argc;
	(void)argv;
	die("\"save\" is not implemented yet");
}

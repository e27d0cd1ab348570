/* SPDX-License-Identifier: GPL-2.0 */
/* The command table shared by kipsec's objects. */
#ifndef KIPSEC_H
#define KIPSEC_H

#include <stdbool.h>

#define KIPSEC_TOOL_VERSION "0.1.0"

struct options {
	bool json;		/* -j: JSON output */
	int stats;		/* -s: counters; repeat for more */
};

extern struct options opts;

/*
 * A verb or an object: its name, its handler (called with @verb and the
 * words after the name) and a one-line summary.
 */
struct command {
	const char *name;
	int (*fn)(int verb, int argc, char **argv);
	int verb;
	const char *help;
};

/*
 * Finds argv[0] among @cmds by ip's abbreviation rule (first match in
 * table order) and runs it with the remaining words; "help" prints
 * @usage. Returns the exit status.
 */
int dispatch(const char *object, const struct command *cmds, int argc,
	     char **argv, void (*usage)(void));

int do_state(int verb, int argc, char **argv);
int do_stats(int verb, int argc, char **argv);
int do_config(int verb, int argc, char **argv);
int do_policy(int verb, int argc, char **argv);
int do_monitor(int verb, int argc, char **argv);	/* monitor.c */
int do_save(int verb, int argc, char **argv);		/* save.c */
int do_restore(int verb, int argc, char **argv);	/* batch.c */

/*
 * -batch FILE ("-" = stdin): runs each line as "kipsec LINE", stopping at
 * the first error, which it reports with the line number (batch.c).
 */
int run_batch(const char *file);

#endif /* KIPSEC_H */

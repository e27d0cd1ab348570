/* SPDX-License-Identifier: GPL-2.0 */
/* The command table shared by kipsec's objects. */
#ifndef KIPSEC_H
#define KIPSEC_H

#include <stdbool.h>
#include <stdio.h>

#define KIPSEC_TOOL_VERSION "0.1.0"

struct options {
	bool json;		/* -j: JSON output */
	int stats;		/* -s: counters; repeat for more */
	bool force;		/* -force: a batch goes on after an error */
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
 * the first error, which it reports with the line number (batch.c); with
 * -force every line runs. Returns the exit status: 0, or 1 if a line failed.
 */
int run_batch(const char *file);

/* Runs one command line (the words after the options), as main does. */
int run_command(int argc, char **argv);

/* --- What save and monitor print (state_print.c, policy_print.c) ----------- */

struct out;
struct sa;
struct sel;
struct policy;
struct nlmsghdr;

/* sa_print/pol_print with @key naming the JSON object (NULL: none). */
void sa_print_key(const struct out *o, const struct sa *sa, const char *key);
void pol_print_key(const struct out *o, const struct policy *p,
		   const char *key);

/*
 * One line that re-creates the SA or policy ("state add ...", "policy
 * add ..."), for kipsec save. Returns 0, or -1 after fail() when it
 * cannot (keys not shown to a reader without CAP_NET_ADMIN). A larval SA
 * gives a comment line.
 */
int sa_save(FILE *f, const struct sa *sa);
int pol_save(FILE *f, const struct policy *p);
/* Selector words as the parser takes them back; a word, quoted if needed. */
void sel_save(FILE *f, const struct sel *s);
void save_word(FILE *f, const char *w);

/* kipsec monitor's objects. */
#define EV_ACQUIRE	0x1
#define EV_EXPIRE	0x2
#define EV_SA		0x4
#define EV_POLICY	0x8
#define EV_MAPPING	0x10
#define EV_ALL		0x1f

/*
 * Prints one message of the events group as ip xfrm monitor does (JSON:
 * one object and a newline). Returns 1, or 0 if it is not an event of
 * @mask (EV_*) and nothing was printed.
 */
int event_print(const struct out *o, const struct nlmsghdr *nlh,
		unsigned int mask);

#endif /* KIPSEC_H */

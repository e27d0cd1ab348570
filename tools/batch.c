// SPDX-License-Identifier: GPL-2.0
/*
 * kipsec -batch FILE and kipsec restore FILE: each line is a command line
 * ("state add ...", as after "kipsec"), run in this process over the one
 * netlink socket. The first line that fails stops the run (-batch -force:
 * every line runs); its error names the line: "kipsec: FILE:LINE: ...".
 */
#include "kipsec.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BATCH_WORDS 512

/* Runs one line; returns its exit status (die() comes back here). */
static int run_line(char *line)
{
	static char *argv[BATCH_WORDS];
	jmp_buf jb;
	int argc, ret;

	argc = split_line(line, argv, BATCH_WORDS);
	if (argc < 0) {
		error_line("%s", last_error());
		return 1;
	}
	if (!argc)
		return 0;
	ret = setjmp(jb);
	if (!ret) {
		batch_jmp = &jb;
		ret = run_command(argc, argv);
	}
	batch_jmp = NULL;
	fflush(stdout);
	return ret;
}

static int run_file(const char *name, bool force)
{
	const char *label = strcmp(name, "-") ? name : "stdin";
	unsigned long lineno = 0;
	char *line = NULL;
	size_t cap = 0;
	int status = 0;
	FILE *f;

	if (batch_jmp)
		die("a batch file cannot run another one (\"restore\" or -batch in a batch)");
	f = strcmp(name, "-") ? fopen(name, "r") : stdin;
	if (!f)
		die("cannot open \"%s\": %s", name, strerror(errno));
	while (getline(&line, &cap, f) >= 0) {
		batch_at(label, ++lineno);
		if (run_line(line)) {
			status = 1;
			if (!force)
				break;
		}
	}
	batch_at(NULL, 0);
	if (ferror(f)) {
		error_line("cannot read \"%s\": %s", name, strerror(errno));
		status = 1;
	}
	free(line);
	if (f != stdin)
		fclose(f);
	return status;
}

int run_batch(const char *file)
{
	return run_file(file, opts.force);
}

int do_restore(int verb, int argc, char **argv)
{
	(void)verb;
	if (argc != 1)
		die("\"restore\" needs one FILE (\"-\" = stdin), as written by \"kipsec save\"");
	if (matches(argv[0], "help")) {
		puts("Usage: kipsec restore FILE\n"
		     "Runs each line of FILE (\"-\" = stdin), as \"kipsec save\" writes them,\n"
		     "stopping at the first line that fails.");
		return 0;
	}
	return run_file(argv[0], false);
}

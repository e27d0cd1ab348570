// SPDX-License-Identifier: GPL-2.0
/*
 * kipsec: configures the kipsec IPsec datapath. The grammar is ip xfrm's:
 * "kipsec [OPTIONS] OBJECT VERB [ARGS]", every word abbreviable.
 */
#include "kipsec.h"
#include "json.h"
#include "nl.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/genetlink.h>
#include <linux/kipsec.h>
#include <sched.h>
#include <stdio_ext.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

struct options opts;

static void usage(void)
{
	fputs("Usage: kipsec [ OPTIONS ] OBJECT { COMMAND | help }\n"
	      "       kipsec [ -force ] -batch FILE\n"
	      "       kipsec monitor [ all | LISTofOBJECTS ]\n"
	      "       kipsec save\n"
	      "       kipsec restore FILE\n"
	      "       kipsec version\n"
	      "where  OBJECT := { state | policy | stats | config | monitor | save |\n"
	      "                  restore | version | help }\n"
	      "       OPTIONS := { -j[son] | -s[tatistics] | -n[etns] NAME }\n"
	      "       LISTofOBJECTS := [ LISTofOBJECTS ] { acquire | expire | sa | policy }\n"
	      "       FILE: one command line (OBJECT COMMAND) per line, \"-\" = stdin\n"
	      "Try \"kipsec OBJECT help\" for an object's commands.\n",
	      stdout);
}

static int do_help(int verb, int argc, char **argv)
{
	(void)verb;
	(void)argc;
	(void)argv;
	usage();
	return 0;
}

struct info {
	char version[64];
	unsigned int abi;
};

static int info_attr_cb(const struct nlattr *attr, void *data)
{
	struct info *info = data;

	switch (mnl_attr_get_type(attr)) {
	case KIPSEC_INFO_A_VERSION:
		if (mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) >= 0)
			snprintf(info->version, sizeof(info->version), "%s",
				 mnl_attr_get_str(attr));
		break;
	case KIPSEC_INFO_A_ABI:
		if (mnl_attr_validate(attr, MNL_TYPE_U32) >= 0)
			info->abi = mnl_attr_get_u32(attr);
		break;
	}
	return MNL_CB_OK;
}

static int info_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *attr;

	mnl_attr_for_each(attr, nlh, sizeof(struct genlmsghdr))
		if (mnl_attr_get_type(attr) == KIPSEC_A_INFO)
			mnl_attr_parse_nested(attr, info_attr_cb, data);
	return MNL_CB_OK;
}

static int do_version(int verb, int argc, char **argv)
{
	struct info info = { .abi = 0 };
	struct nl_req req;

	(void)verb;
	(void)argv;
	if (argc > 0)
		die("\"version\" takes no arguments");
	nl_req_start(&req, KIPSEC_CMD_GET_INFO, 0);
	if (nl_talk(&req, info_cb, &info))
		return 2;
	if (!info.version[0])
		die("the kernel module did not report its version");
	if (opts.json) {
		struct json j;

		json_init(&j, stdout);
		json_obj_open(&j, NULL);
		json_str(&j, "tool", KIPSEC_TOOL_VERSION);
		json_str(&j, "module", info.version);
		json_u64(&j, "abi", info.abi);
		json_obj_close(&j);
		putchar('\n');
	} else
		printf("kipsec tool %s, module %s (ABI %u)\n",
		       KIPSEC_TOOL_VERSION, info.version, info.abi);
	return 0;
}

static const struct command objects[] = {
	{ "state", do_state, 0, "security associations (SAD)" },
	{ "policy", do_policy, 0, "security policies (SPD)" },
	{ "stats", do_stats, 0, "counters of the namespace" },
	{ "config", do_config, 0, "settings of the namespace" },
	{ "monitor", do_monitor, 0, "print events as they happen" },
	{ "save", do_save, 0, "print SAs and policies as commands" },
	{ "restore", do_restore, 0, "apply a file written by save" },
	{ "version", do_version, 0, "tool and module versions" },
	{ "help", do_help, 0, "this text" },
	{ NULL, NULL, 0, NULL },
};

int dispatch(const char *object, const struct command *cmds, int argc,
	     char **argv, void (*usage_fn)(void))
{
	size_t i;

	if (argc < 1) {
		usage_fn();
		return 1;
	}
	if (matches(argv[0], "help")) {
		usage_fn();
		return 0;
	}
	for (i = 0; cmds[i].name; i++)
		if (matches(argv[0], cmds[i].name))
			return cmds[i].fn(cmds[i].verb, argc - 1, argv + 1);
	if (object)
		die("unknown command \"%s\" for \"%s\"; try \"kipsec %s help\"",
		    argv[0], object, object);
	die("unknown object \"%s\"; try \"kipsec help\"", argv[0]);
}

static void enter_netns(const char *name)
{
	char path[4096];
	int fd;

	snprintf(path, sizeof(path), "/run/netns/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		die("cannot open network namespace \"%s\": %s", name,
		    strerror(errno));
	if (setns(fd, CLONE_NEWNET) < 0)
		die("cannot enter network namespace \"%s\": %s", name,
		    strerror(errno));
	close(fd);
}

int run_command(int argc, char **argv)
{
	return dispatch(NULL, objects, argc, argv, usage);
}

int main(int argc, char **argv)
{
	const char *batch = NULL;

	/*
	 * Lists of 100,000 SAs are megabytes: write them in large blocks,
	 * and without taking stdout's lock for every field (one thread).
	 */
	if (!isatty(STDOUT_FILENO))
		setvbuf(stdout, NULL, _IOFBF, 1 << 20);
	__fsetlocking(stdout, FSETLOCKING_BYCALLER);

	for (argc--, argv++; argc > 0 && argv[0][0] == '-'; argc--, argv++) {
		const char *opt = argv[0] + 1 + (argv[0][1] == '-');

		if (matches(opt, "json")) {
			opts.json = true;
		} else if (matches(opt, "statistics") ||
			   matches(opt, "stats")) {
			opts.stats++;
		} else if (matches(opt, "netns")) {
			if (argc < 2)
				die("option \"%s\" needs a namespace name",
				    argv[0]);
			enter_netns(argv[1]);
			argc--, argv++;
		} else if (matches(opt, "batch")) {
			if (argc < 2)
				die("option \"%s\" needs a file name", argv[0]);
			batch = argv[1];
			argc--, argv++;
		} else if (matches(opt, "force")) {
			opts.force = true;
		} else if (matches(opt, "Version") || matches(opt, "V")) {
			printf("kipsec tool %s\n", KIPSEC_TOOL_VERSION);
			return 0;
		} else if (matches(opt, "help") || matches(opt, "h")) {
			usage();
			return 0;
		} else {
			die("option \"%s\" is unknown; try \"kipsec help\"",
			    argv[0]);
		}
	}
	if (batch) {
		if (argc > 0)
			die("-batch takes no command (\"%s\" follows it)", argv[0]);
		return run_batch(batch);
	}
	return run_command(argc, argv);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * kipsec config: the namespace's settings.
 *   kipsec config show
 *   kipsec config set [ decap-mark MARK[/MASK] ] [ acquire-expires SECONDS ]
 *                     [ encap-port PORT ]
 */
#include "json.h"
#include "kipsec.h"
#include "nl.h"
#include "parse.h"
#include "util.h"

#include <linux/genetlink.h>
#include <linux/kipsec.h>
#include <stdio.h>
#include <string.h>

struct config {
	uint32_t acquire_expires;
	uint32_t mark_value, mark_mask;
	uint16_t encap_port;
};

static void usage(void)
{
	fputs("Usage: kipsec config show\n"
	      "       kipsec config set [ decap-mark MARK[/MASK] ] [ acquire-expires SECONDS ]\n"
	      "                         [ encap-port PORT ]\n"
	      "decap-mark: set on every packet kipsec decapsulates (MASK defaults to\n"
	      "            0xffffffff; 0/0 turns it off)\n"
	      "acquire-expires: how long a larval SA lives (default 30)\n"
	      "encap-port: the UDP port ESP in UDP (NAT-T, SAs with \"encap\") is\n"
	      "            received on, usually 4500 (default 0: none)\n",
	      stdout);
}

/* MARK[/MASK], each decimal or 0x-hex. */
static int parse_mark(const char *s, uint32_t *value, uint32_t *mask)
{
	char buf[32];
	const char *slash = strchr(s, '/');
	size_t len = slash ? (size_t)(slash - s) : strlen(s);

	if (len >= sizeof(buf))
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	*mask = UINT32_MAX;
	if (parse_u32(buf, value) || (slash && parse_u32(slash + 1, mask)))
		return -1;
	return 0;
}

static int mark_cb(const struct nlattr *attr, void *data)
{
	struct config *c = data;

	if (mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
		return MNL_CB_OK;
	if (mnl_attr_get_type(attr) == KIPSEC_MARK_A_VALUE)
		c->mark_value = mnl_attr_get_u32(attr);
	else if (mnl_attr_get_type(attr) == KIPSEC_MARK_A_MASK)
		c->mark_mask = mnl_attr_get_u32(attr);
	return MNL_CB_OK;
}

static int config_attr_cb(const struct nlattr *attr, void *data)
{
	struct config *c = data;

	switch (mnl_attr_get_type(attr)) {
	case KIPSEC_CONFIG_A_ACQUIRE_EXPIRES:
		if (mnl_attr_validate(attr, MNL_TYPE_U32) >= 0)
			c->acquire_expires = mnl_attr_get_u32(attr);
		break;
	case KIPSEC_CONFIG_A_DECAP_MARK:
		mnl_attr_parse_nested(attr, mark_cb, c);
		break;
	case KIPSEC_CONFIG_A_ENCAP_PORT:
		if (mnl_attr_validate(attr, MNL_TYPE_U16) >= 0)
			c->encap_port = mnl_attr_get_u16(attr);
		break;
	}
	return MNL_CB_OK;
}

static int config_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *attr;

	mnl_attr_for_each(attr, nlh, sizeof(struct genlmsghdr))
		if (mnl_attr_get_type(attr) == KIPSEC_A_CONFIG)
			mnl_attr_parse_nested(attr, config_attr_cb, data);
	return MNL_CB_OK;
}

static int show(void)
{
	struct config c;
	struct nl_req req;
	struct json j;

	memset(&c, 0, sizeof(c));
	nl_req_start(&req, KIPSEC_CMD_GET_CONFIG, 0);
	if (nl_talk(&req, config_cb, &c))
		return 2;
	if (opts.json) {
		json_init(&j, stdout);
		json_obj_open(&j, NULL);
		json_strf(&j, "decap-mark", "0x%x/0x%x", c.mark_value,
			  c.mark_mask);
		json_u64(&j, "acquire-expires", c.acquire_expires);
		json_u64(&j, "encap-port", c.encap_port);
		json_obj_close(&j);
		putchar('\n');
	} else {
		printf("decap-mark 0x%x/0x%x\nacquire-expires %u\nencap-port %u\n",
		       c.mark_value, c.mark_mask, c.acquire_expires,
		       c.encap_port);
	}
	return 0;
}

static int set(int argc, char **argv)
{
	bool has_mark = false, has_acq = false, has_port = false;
	uint32_t value = 0, mask = 0, acq = 0, port = 0;
	struct nlattr *nest, *mark;
	struct nlmsghdr *nlh;
	struct nl_req req;

	for (; argc > 0; argc -= 2, argv += 2) {
		if (argc < 2)
			die("\"%s\" needs a value", argv[0]);
		if (!strcmp(argv[0], "decap-mark")) {
			if (parse_mark(argv[1], &value, &mask))
				die("decap-mark \"%s\" is not MARK[/MASK]",
				    argv[1]);
			has_mark = true;
		} else if (!strcmp(argv[0], "acquire-expires")) {
			if (parse_u32(argv[1], &acq) || !acq)
				die("acquire-expires \"%s\" is not a number of seconds",
				    argv[1]);
			has_acq = true;
		} else if (!strcmp(argv[0], "encap-port")) {
			if (parse_u32(argv[1], &port) || port > 65535)
				die("encap-port \"%s\" is not a port (0-65535)",
				    argv[1]);
			has_port = true;
		} else {
			die("unknown keyword \"%s\" for \"config set\"; try \"kipsec config help\"",
			    argv[0]);
		}
	}
	if (!has_mark && !has_acq && !has_port)
		die("\"config set\" needs decap-mark, acquire-expires or encap-port");
	nlh = nl_req_start(&req, KIPSEC_CMD_SET_CONFIG, 0);
	nest = mnl_attr_nest_start(nlh, KIPSEC_A_CONFIG);
	if (has_acq)
		mnl_attr_put_u32(nlh, KIPSEC_CONFIG_A_ACQUIRE_EXPIRES, acq);
	if (has_port)
		mnl_attr_put_u16(nlh, KIPSEC_CONFIG_A_ENCAP_PORT, port);
	if (has_mark) {
		mark = mnl_attr_nest_start(nlh, KIPSEC_CONFIG_A_DECAP_MARK);
		mnl_attr_put_u32(nlh, KIPSEC_MARK_A_VALUE, value);
		mnl_attr_put_u32(nlh, KIPSEC_MARK_A_MASK, mask);
		mnl_attr_nest_end(nlh, mark);
	}
	mnl_attr_nest_end(nlh, nest);
	return nl_talk(&req, NULL, NULL) ? 2 : 0;
}

int do_config(int verb, int argc, char **argv)
{
	(void)verb;
	if (argc < 1 || matches(argv[0], "show") || matches(argv[0], "list")) {
		if (argc > 1)
			die("\"config show\" takes no arguments");
		return show();
	}
	if (matches(argv[0], "help")) {
		usage();
		return 0;
	}
	if (matches(argv[0], "set"))
		return set(argc - 1, argv + 1);
	die("unknown command \"%s\" for \"config\"; try \"kipsec config help\"",
	    argv[0]);
}

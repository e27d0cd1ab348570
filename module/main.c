// SPDX-License-Identifier: GPL-2.0
/*
 * Module init and exit, in order. Nothing else belongs here.
 */
#include "debug.h"
#include "encap.h"
#include "frag.h"
#include "input.h"
#include "netlink.h"
#include "netns.h"
#include "replay.h"
#include "sa.h"
#include "selector.h"
#include "version.h"
#include "xform.h"

#include <linux/kipsec.h>
#include <linux/module.h>
#include <net/genetlink.h>

#ifdef DEBUG
struct kipsec_selftest {
	const char *name;
	bool (*run)(void);
};

/*
 * In-module selftests, built only in a debug build (make debug). Each
 * prints "kipsec: <name> selftest: pass" (the test suite requires these
 * lines) and the module refuses to load when one fails.
 */
static bool __init kipsec_selftests_run(void)
{
	static const struct kipsec_selftest tests[] __initconst = {
		{ "replay", kipsec_replay_selftest },
		{ "selector", kipsec_selector_selftest },
		{ "esp", kipsec_esp_selftest },
		{ "ah", kipsec_ah_selftest },
	};
	bool all = true;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(tests); i++) {
		bool ok = tests[i].run();

		pr_info("%s selftest: %s\n", tests[i].name, ok ? "pass" : "FAIL");
		all &= ok;
	}
	return all;
}
#else
static inline bool kipsec_selftests_run(void)
{
	return true;
}
#endif

static int __init kipsec_mod_init(void)
{
	int ret;

	if (!kipsec_selftests_run())
		return -ENOTRECOVERABLE;

	ret = kipsec_sa_module_init();
	if (ret)
		goto err_sa;

	ret = kipsec_input_module_init();
	if (ret)
		goto err_input;

	ret = kipsec_frag_module_init();
	if (ret)
		goto err_frag;

	ret = kipsec_netns_init();
	if (ret)
		goto err_netns;

	ret = kipsec_genl_init();
	if (ret)
		goto err_genl;

	pr_info("kipsec " KIPSEC_VERSION " loaded\n");
	return 0;

err_genl:
	kipsec_netns_exit();
err_netns:
	kipsec_frag_module_exit();
err_frag:
	kipsec_input_module_exit();
err_input:
	kipsec_sa_module_exit();
err_sa:
	return ret;
}

static void __exit kipsec_mod_exit(void)
{
	kipsec_inflight_log(NULL, "module unload");
	kipsec_genl_exit();
	/* The daemons' sockets refer to the namespaces' state. */
	kipsec_encap_daemon_release_all();
	kipsec_netns_exit();
	kipsec_sa_drain();
	kipsec_hold_flush();
	kipsec_frag_module_exit();
	kipsec_input_module_exit();
	kipsec_sa_module_exit();
	pr_debug("kipsec unloaded\n");
}

module_init(kipsec_mod_init);
module_exit(kipsec_mod_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("IPsec (ESP, AH) datapath configured over generic netlink");
MODULE_AUTHOR("The kipsec developers");
MODULE_VERSION(KIPSEC_VERSION);
MODULE_ALIAS_GENL_FAMILY(KIPSEC_GENL_NAME);

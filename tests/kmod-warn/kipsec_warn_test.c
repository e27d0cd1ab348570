// SPDX-License-Identifier: GPL-2.0
/*
 * kipsec_warn_test - a module whose init emits a kernel warning.
 *
 * It exists so that a test can prove that scripts/vm-run never hides a
 * kernel warning: loading it must make vm-run fail.
 */

#include <linux/bug.h>
#include <linux/init.h>
#include <linux/module.h>

static int __init kipsec_warn_test_init(void)
{
	WARN(1, "kipsec_warn_test: deliberate warning\n");
	return 0;
}

static void __exit kipsec_warn_test_exit(void)
{
}

module_init(kipsec_warn_test_init);
module_exit(kipsec_warn_test_exit);

MODULE_DESCRIPTION("kipsec test module that emits a deliberate kernel warning");
MODULE_LICENSE("GPL");

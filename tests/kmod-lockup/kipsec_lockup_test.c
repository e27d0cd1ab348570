// SPDX-License-Identifier: GPL-2.0
/*
 * kipsec_lockup_test - a module whose init spins with preemption disabled.
 *
 * It exists so that a test can prove that scripts/vm-run notices a hung
 * guest within seconds: loading it makes the CPU running modprobe spin
 * until the soft-lockup detector reports it (after 2 * watchdog_thresh,
 * 20 s by default), and vm-run must then kill the guest at once.  Should
 * nothing stop it, it gives up after spin_seconds so that the guest can
 * still power off.
 */

#include <linux/delay.h>
#include <linux/init.h>
#include <linux/jiffies.h>
#include <linux/module.h>
#include <linux/preempt.h>

static unsigned int spin_seconds = 180;
module_param(spin_seconds, uint, 0444);
MODULE_PARM_DESC(spin_seconds, "How long init spins without scheduling");

static noinline void kipsec_lockup_test_spin(unsigned int seconds)
{
	unsigned long end = jiffies + seconds * HZ;

	preempt_disable();
	while (time_before(jiffies, end))
		mdelay(10);
	preempt_enable();
}

static int __init kipsec_lockup_test_init(void)
{
	pr_info("kipsec_lockup_test: spinning for %u s\n", spin_seconds);
	kipsec_lockup_test_spin(spin_seconds);
	return 0;
}

static void __exit kipsec_lockup_test_exit(void)
{
}

module_init(kipsec_lockup_test_init);
module_exit(kipsec_lockup_test_exit);

MODULE_DESCRIPTION("kipsec test module that provokes a soft lockup");
MODULE_LICENSE("GPL");

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The "kipsec" charon plugin (libstrongswan-kipsec.so): charon's
 * kernel-ipsec interface on the kipsec module. kernel-netlink stays loaded
 * for addresses and routes (kernel-net); this plugin must load before it
 * (load = 10 in kipsec.conf) to be charon's kernel-ipsec.
 */
#ifndef KIPSEC_PLUGIN_H_
#define KIPSEC_PLUGIN_H_

#include <plugins/plugin.h>

typedef struct kipsec_plugin_t kipsec_plugin_t;

struct kipsec_plugin_t {
	plugin_t plugin;
};

/* charon's entry point, by name: <plugin name>_plugin_create. */
plugin_t *kipsec_plugin_create(void);

#endif /* KIPSEC_PLUGIN_H_ */

// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The "kipsec" charon plugin: see kipsec_plugin.h.
 */
#include "kipsec_plugin.h"
#include "kipsec_ipsec.h"

#include <daemon.h>

typedef struct private_kipsec_plugin_t private_kipsec_plugin_t;

struct private_kipsec_plugin_t {
	kipsec_plugin_t public;
};

METHOD(plugin_t, get_name, char *,
	private_kipsec_plugin_t *this)
{
	return "kipsec";
}

METHOD(plugin_t, get_features, int,
	private_kipsec_plugin_t *this, plugin_feature_t *features[])
{
	static plugin_feature_t f[] = {
		PLUGIN_CALLBACK(kernel_ipsec_register, kipsec_ipsec_create),
			PLUGIN_PROVIDE(CUSTOM, "kernel-ipsec"),
	};

	*features = f;
	return countof(f);
}

METHOD(plugin_t, destroy, void,
	private_kipsec_plugin_t *this)
{
	free(this);
}

/*
 * Described in header
 */
plugin_t *kipsec_plugin_create(void)
{
	private_kipsec_plugin_t *this;

	/* charon drops its capabilities after start: keep the one we need */
	if (!lib->caps->keep(lib->caps, CAP_NET_ADMIN))
	{
		DBG1(DBG_KNL, "kipsec: the kipsec plugin needs CAP_NET_ADMIN");
	}
	INIT(this,
		.public = {
			.plugin = {
				.get_name = _get_name,
				.get_features = _get_features,
				.destroy = _destroy,
			},
		},
	);
	return &this->public.plugin;
}

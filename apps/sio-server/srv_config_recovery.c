/* srv_config_recovery.c - the "connectionStateRecovery" section: node's
 * option of that name (socket.io 4.6), and the bounds of the packet log
 * (include/socketio.h, sio_recovery_options; docs/socketio.md,
 * "Connection state recovery").
 *
 *   "connectionStateRecovery": {
 *     "enabled": true,                    (the section alone turns it on)
 *     "maxDisconnectionDuration": 120000, ms, node's default
 *     "skipMiddlewares": true,            node's default: a recovered client
 *                                         skips the authentication middleware
 *     "maxPackets": 10000, "maxBytes": 8388608, "maxAge": 0
 *                                         the packet log per namespace (maxAge
 *                                         0: maxDisconnectionDuration)
 *   }
 *
 * As in node, the presence of the option turns recovery on; "enabled":
 * false keeps a section in a file while turning it off.
 */
#include "srv_config.h"

int srv_cfgp_recovery(srv_cfgp *p, int obj, srv_config *cfg)
{
	static const char *const keys[] = { "enabled",
		                            "maxDisconnectionDuration",
		                            "skipMiddlewares",
		                            "maxPackets",
		                            "maxBytes",
		                            "maxAge",
		                            NULL };
	cfg->recovery.enabled = true;
	return srv_cfgp_object(p, obj, keys) ||
	                       srv_cfgp_bool(p, obj, "enabled", &cfg->recovery.enabled) ||
	                       srv_cfgp_long(p, obj, "maxDisconnectionDuration",
	                                     &cfg->recovery.max_disconnection_ms, 1,
	                                     SRV_CONFIG_MAX_MS) ||
	                       srv_cfgp_bool(p, obj, "skipMiddlewares",
	                                     &cfg->recovery.skip_middlewares) ||
	                       srv_cfgp_long(p, obj, "maxPackets", &cfg->recovery.max_packets, 0,
	                                     10000000) ||
	                       srv_cfgp_long(p, obj, "maxBytes", &cfg->recovery.max_bytes, 0,
	                                     1L << 34) ||
	                       srv_cfgp_long(p, obj, "maxAge", &cfg->recovery.max_age_ms, 0,
	                                     SRV_CONFIG_MAX_MS)
	               ? -1
	               : 0;
}

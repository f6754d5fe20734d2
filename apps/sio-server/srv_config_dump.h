/* srv_config_dump.h - the effective configuration as JSON (srv_config_dump.c):
 * what `sio-server --check-config` prints, and what a reload compares
 * section by section (srv_reload.c). */
#ifndef SRV_CONFIG_DUMP_H
#define SRV_CONFIG_DUMP_H

#include "base/json.h"
#include "srv_config.h"

#include <stdbool.h>

/* Write cfg as one JSON object with w. Secrets (the JWT secret, the API
 * keys, the Redis password, the webhook secret, the admin password hash)
 * are written as "***" (each of a list too), unless reveal, which
 * is for comparing two configurations in memory and never for printing.
 * Returns base_jsonw_error(w). */
int srv_config_dump(const srv_config *cfg, base_jsonw *w, bool reveal);

#endif

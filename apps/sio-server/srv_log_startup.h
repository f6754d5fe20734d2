/* srv_log_startup.h - the startup summary in the operational log: what
 * this instance does, as configured (srv_log_startup.c). */
#ifndef SRV_LOG_STARTUP_H
#define SRV_LOG_STARTUP_H

#include "srv_config.h"

/* address and port: where it listens; redis: "off" or its state and
 * address; ingest: its description or NULL. */
void srv_log_startup(const srv_config *cfg, const char *address, int port, const char *redis,
                     const char *ingest);

#endif

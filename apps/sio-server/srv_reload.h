/* srv_reload.h - SIGHUP: the configuration read again and what can change
 * without dropping a connection put in force (srv_reload.c,
 * docs/sio-server.md "Reload"). */
#ifndef SRV_RELOAD_H
#define SRV_RELOAD_H

#include "srv_auth.h"
#include "srv_config.h"
#include "srv_limits.h"

#include <stddef.h>

/* Move what can be reloaded from next into cur: the JWT keys and checks
 * (secret, public key, algorithm, leeway, issuer, audience, required,
 * claims, token sources), the API keys and admin role, the limits' values
 * (not turned on or off), the room rules when their events stay the same
 * (templates, patterns, authorization, replies to refusals, automatic and
 * query rooms), the replies' answers, the webhooks' URL, secret and
 * timeouts when their events and bounds stay, the CORS section (origins,
 * credentials, developmentLocalhost: the caller gives the engine its new
 * list). The sections that changed but cannot be
 * reloaded are named in restart ("port,rooms", "" when none); they keep
 * their old values. auth (the running one) takes the new key; limits
 * rebuilds its changed tables. Returns 0, or -1 with err set when next's
 * JWT key is refused or memory runs out (then nothing changed). next is
 * left holding the old values: the caller frees it. */
int srv_reload_apply(srv_config *cur, srv_config *next, srv_auth *auth, srv_limits *limits,
                     char *restart, size_t cap, char *err, size_t errlen);

#endif

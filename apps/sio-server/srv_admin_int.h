/* srv_admin_int.h - what the srv_admin*.c files share (srv_admin.h says
 * which file does what); not for other modules. */
#ifndef SRV_ADMIN_INT_H
#define SRV_ADMIN_INT_H

#include "srv_admin.h"

#include "base/map.h"

#include <stdint.h>

#define SRV_ADMIN_SESSIONS    256   /* session ids remembered (oldest forgotten) */
#define SRV_ADMIN_SID_LEN     16    /* hex digits of a session id (node: 8 random bytes) */
#define SRV_ADMIN_MAX_CHECKS  8     /* bcrypt checks in flight; more are refused */
#define SRV_ADMIN_MAX_SOCKETS 10000 /* sockets listed in "all_sockets" */
#define SRV_ADMIN_REASONS     8     /* distinct disconnect reasons per stats period */
#define SRV_ADMIN_STATS_MS    2000  /* node's emitStats interval */
#define SRV_ADMIN_MAX_NAME    256   /* room and event names the dashboard may send */

typedef struct srv_admin_reason {
	char reason[48];
	uint64_t count;
} srv_admin_reason;

struct srv_admin {
	const srv_config_admin *cfg;
	sio_server *srv;
	sio_namespace *nsp;  /* the admin namespace */
	sio_namespace *root; /* the application's namespace */
	bool development;    /* mode "development": the verbose events */
	base_map polling;    /* development: socket id -> sockets still on polling */
	/* srv_admin_auth.c */
	char sessions[SRV_ADMIN_SESSIONS][SRV_ADMIN_SID_LEN + 1];
	size_t next_session;
	const char *issued; /* the session id given to the socket being accepted */
	int checks;         /* bcrypt checks on the thread pool */
	/* srv_admin_stats.c */
	uv_timer_t timer;
	bool timer_on;
	uint64_t started_ms; /* uv_hrtime at start, for "uptime" */
	eio_server_stats last;
	srv_admin_reason reasons[SRV_ADMIN_REASONS];
	size_t nreasons;
	char hostname[256];
};

/* srv_admin_auth.c */
int srv_admin_auth_install(srv_admin *a);
/* srv_admin_stats.c */
void srv_admin_stats_start(srv_admin *a, uv_loop_t *loop);
void srv_admin_stats_stop(srv_admin *a);
void srv_admin_stats_emit(srv_admin *a); /* one "server_stats" now */
void srv_admin_stats_disconnection(srv_admin *a, const char *reason);
/* srv_admin_watch.c */
int srv_admin_watch(srv_admin *a, sio_namespace *nsp, bool events);
void srv_admin_watch_connected(srv_admin *a, sio_socket *s);
void srv_admin_watch_disconnected(srv_admin *a, sio_socket *s, const char *reason);
/* "socket_updated" for the sockets that left polling for WebSocket since
 * the last call (from the stats timer). */
void srv_admin_watch_upgrades(srv_admin *a);
/* srv_admin_json.c */
int srv_admin_put_socket(sio_out *o, sio_socket *s);
int srv_admin_put_now(sio_out *o); /* new Date(), as JSON.stringify writes it */
uint64_t srv_admin_now_ms(void);   /* milliseconds since the epoch */
/* Whether the dashboard is listening (its namespace has sockets here or,
 * through the adapter, elsewhere: broadcasts are cheap when nobody is). */
bool srv_admin_listening(const srv_admin *a);

#endif

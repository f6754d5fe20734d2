/* recovery.h - sio-echo's hooks for connection state recovery tests
 * (interop/test/socketio/recovery.test.js), the twins of the node
 * reference's (interop/reference/sio-echo.js). recovery.c documents them. */
#ifndef SIO_ECHO_RECOVERY_H
#define SIO_ECHO_RECOVERY_H

#include "socketio.h"

/* The socket hooks, on every socket of nsp. */
void recovery_add_handlers(sio_namespace *nsp);
/* Stop the streams still running: before the server is freed. */
void recovery_stop(void);

#endif

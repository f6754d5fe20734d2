/* sio_export.h - the export macros of the public API (engineio.h, socketio.h).
 *
 * The libraries are compiled with -fvisibility=hidden (see the Makefile), so a
 * function or variable of libengineio.so / libsocketio.so is visible to programs
 * only when its public declaration carries EIO_EXPORT (engineio.h) or SIO_EXPORT
 * (socketio.h and include/socketio/). Everything else, the private headers of
 * each layer and the base layer copied into each library, stays inside.
 * scripts/check-exports.sh compares each library's exports with these
 * declarations. Harmless for static linking: visibility only matters to the
 * dynamic linker.
 */
#ifndef SIO_EXPORT_H
#define SIO_EXPORT_H

#if defined(__GNUC__) || defined(__clang__)
#define EIO_EXPORT __attribute__((visibility("default")))
#define SIO_EXPORT __attribute__((visibility("default")))
#else
#define EIO_EXPORT
#define SIO_EXPORT
#endif

#endif

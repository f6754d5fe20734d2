# Dockerfile - sio-server in a container (docs/deploy.md, "Container").
# Two stages on debian:bookworm-slim: the build stage installs the build dependencies
# (the subset of scripts/install-deps.sh that `make install` needs) and installs into
# /out; the runtime stage has only the shared libraries sio-server needs, the binary,
# its example configurations and docs, and runs as a user without privileges.
# scripts/test-packaging.sh checks this file against the Makefile and the binary's
# libraries; the project's tests do not build it (no docker on the test machines): it was
# built and run by hand (docs/deploy.md, "Container"). .dockerignore keeps a host build/
# out of the context (its objects would be linked instead of built).
#
#   docker build -t sio-server .
#   docker run -p 3000:3000 -e JWT_ACCESS_SECRET=... sio-server
#   docker run -v ./config.json:/etc/sio-server/config.json:ro -p 3000:3000 sio-server

FROM debian:bookworm-slim AS build
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      build-essential pkg-config libwebsockets-dev libuv1-dev libjsmn-dev libjwt-dev \
      libssl-dev libsodium-dev libmsgpack-dev libhiredis-dev libcrypt-dev libcurl4-openssl-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
# install builds what it installs: the libraries, their .pc files and sio-server (no tests)
RUN make -j"$(nproc)" install PREFIX=/usr/local DESTDIR=/out

FROM debian:bookworm-slim
# runtime: the packages of the libraries build/sio-server is linked against (hiredis for
# the Redis adapter, libcurl4 for the webhooks and JWKS), and libwebsockets' libuv event
# loop, a plugin it loads at startup (libwebsockets-evlib_uv.so, no NEEDED entry: without
# it sio-server stops with "unable to load evlib plugin evlib_uv")
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libwebsockets17 libwebsockets-evlib-uv libuv1 libjwt0 libssl3 libsodium23 libmsgpackc2 \
      libhiredis0.14 libcrypt1 libcurl4 \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin sio-server \
 && install -d -m 755 /etc/sio-server
COPY --from=build /out/usr/local/bin/sio-server /usr/local/bin/sio-server
COPY --from=build /out/usr/local/share/doc/socketio-c /usr/local/share/doc/socketio-c
COPY --from=build /out/usr/local/share/socketio-c /usr/local/share/socketio-c
COPY --from=build /out/usr/local/share/socketio-c/examples/default.json /etc/sio-server/config.json
USER sio-server
ENV NODE_ENV=production HOST=0.0.0.0 PORT=3000
EXPOSE 3000
# The health endpoint of the HTTP API (docs/sio-server.md), asked with bash alone (the
# slim image has no curl): healthy when the answer's status line says 200.
HEALTHCHECK --interval=30s --timeout=5s --start-period=5s --retries=3 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/${PORT:-3000} && printf 'GET /api/v1/websocket/health HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q ' 200 '"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/sio-server"]
CMD ["--config", "/etc/sio-server/config.json"]

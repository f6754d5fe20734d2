/* srv_api.c - HTTP API (see srv_api.h). */
#include "srv_api.h"

#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

/* "2026-01-02T03:04:05.678Z" */
static void iso_now(char *buf, size_t cap)
{
    struct timeval tv;
    struct tm tm;
    gettimeofday(&tv, NULL);
    gmtime_r(&tv.tv_sec, &tm);
    size_t n = strftime(buf, cap, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf + n, cap - n, ".%03ldZ", (long)(tv.tv_usec / 1000));
}

static void reply(srv_api *api, eio_http_request *req, int status, const char *data_json,
                  const char *error_json)
{
    char ts[40], body[1024];
    iso_now(ts, sizeof(ts));
    int n = snprintf(body, sizeof(body),
                     "{\"success\":%s,%s%s,\"meta\":{\"timestamp\":\"%s\","
                     "\"requestId\":\"req-%llx-%llu\"}}",
                     status < 400 ? "true" : "false",
                     data_json ? "\"data\":" : "\"error\":",
                     data_json ? data_json : error_json, ts,
                     (unsigned long long)time(NULL), ++api->seq);
    if (n < 0 || (size_t)n >= sizeof(body))
        n = 0;
    eio_http_reply(req, status, "application/json", body, (size_t)n);
}

/* url path (without query) == base + suffix */
static bool path_is(const char *path, size_t plen, const char *base, const char *suffix)
{
    size_t b = strlen(base), s = strlen(suffix);
    while (b > 0 && base[b - 1] == '/')
        b--;
    return plen == b + s && !strncmp(path, base, b) && !strncmp(path + b, suffix, s);
}

static void on_http(eio_http_request *req, void *user)
{
    srv_api *api = user;
    const srv_config *cfg = api->cfg;
    const char *url = eio_request_url(eio_http_request_info(req));
    const char *method = eio_http_request_method(req);
    size_t plen = strcspn(url, "?");
    bool health = false;
    if (cfg->api.enabled) {
        health = path_is(url, plen, cfg->api.prefix, "/health");
        for (size_t i = 0; !health && i < cfg->api.aliases.n; i++)
            health = path_is(url, plen, cfg->api.aliases.v[i], "/health");
    }
    if (health) {
        if (strcmp(method, "GET") && strcmp(method, "HEAD")) {
            reply(api, req, 405, NULL,
                  "{\"code\":\"METHOD_NOT_ALLOWED\",\"message\":\"Method not allowed\"}");
            return;
        }
        reply(api, req, 200, "{\"status\":\"ok\"}", NULL);
        return;
    }
    reply(api, req, 404, NULL, "{\"code\":\"NOT_FOUND\",\"message\":\"Not found\"}");
}

int srv_api_install(srv_api *api, eio_listener *l, const srv_config *cfg, sio_server *srv)
{
    api->cfg = cfg;
    api->srv = srv;
    api->seq = 0;
    return eio_listener_set_http_handler(l, on_http, "x-api-key", api);
}

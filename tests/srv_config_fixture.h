/* srv_config_fixture.h - the configuration fixture the sio-server Check tests share: one
 * srv_config, the buffer for its error message, and the temporary file a test's JSON text is
 * written to before srv_config_load() reads it as sio-server would (a file, an environment,
 * no arguments).
 *
 * Why a header of static functions: the Makefile builds each tests/test_*.c into a binary of
 * its own, so the fixture is compiled once per test that includes it and needs no library.
 * The functions are static inline so that a test using only some of them builds without
 * unused-function warnings.
 */
#ifndef SRV_CONFIG_FIXTURE_H
#define SRV_CONFIG_FIXTURE_H

#include <check.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../apps/sio-server/srv_config.h"

static srv_config cfg;
static char err[512];
static char tmp_path[64];

/* Writes text to a new file made from the template /tmp/srv_config_test_XXXXXX; path (of
 * size n, at least 64) receives its name. The caller removes it. */
static inline void cfg_write_tmp(char *path, size_t n, const char *text)
{
	snprintf(path, n, "/tmp/srv_config_test_XXXXXX");
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

/* Check teardown: frees cfg (srv_config_free leaves it zeroed, so this may run twice) and
 * removes the temporary file. */
static inline void cfg_teardown(void)
{
	srv_config_free(&cfg);
	if (tmp_path[0])
		unlink(tmp_path);
	tmp_path[0] = '\0';
}

/* Loads cfg from the file at path (NULL: none) with env (NULL: an empty environment, never
 * the test's own). Returns srv_config_load's result; err holds its message. */
static inline int cfg_load_path(const char *path, char *const *env)
{
	static char *const empty_env[] = { NULL };
	char *argv[] = { "sio-server", NULL };
	err[0] = '\0';
	return srv_config_load(&cfg, path, env ? env : empty_env, 1, argv, err, sizeof err);
}

/* Frees what an earlier load made, writes json (NULL: no file) to tmp_path and loads it with
 * env as cfg_load_path does. */
static inline int cfg_load_env(const char *json, char *const *env)
{
	cfg_teardown();
	if (!json)
		return cfg_load_path(NULL, env);
	cfg_write_tmp(tmp_path, sizeof tmp_path, json);
	return cfg_load_path(tmp_path, env);
}

#endif

/* check_main.h - the end of every Check test program's main(): run the
 * suite (forking each test, unless CK_FORK=no), print Check's summary, and
 * give the exit status make unit reads (0 when every test passed).
 */
#ifndef CHECK_MAIN_H
#define CHECK_MAIN_H

#include <check.h>
#include <stdlib.h>

static __attribute__((unused)) int check_main_run(Suite *s)
{
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

#endif

/* check_sid.h - the id format both layers promise (Engine.IO sids and
 * Socket.IO socket ids): 20 characters of URL-safe base64, i.e. 15 random
 * bytes. Shared by the session and Socket.IO test fixtures. */
#ifndef CHECK_SID_H
#define CHECK_SID_H

#include <stdbool.h>
#include <string.h>

static __attribute__((unused)) bool sid_ok(const char *sid)
{
	if (strlen(sid) != 20)
		return false;
	for (const char *c = sid; *c; c++)
		if (!((*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') ||
		      (*c >= '0' && *c <= '9') || *c == '-' || *c == '_'))
			return false;
	return true;
}

#endif

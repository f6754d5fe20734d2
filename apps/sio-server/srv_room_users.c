/* srv_room_users.c - a room's users and their socket counts (see
 * srv_room_users.h). */
#include "srv_room_users.h"

#include <stdlib.h>
#include <string.h>

typedef struct ru_user {
	size_t sockets;
	char id[]; /* the map's key */
} ru_user;

void srv_room_users_init(srv_room_users *ru, const char *user_room)
{
	ru->user_room = user_room;
	base_map_init(&ru->users);
	ru->anonymous = 0;
	ru->failed = false;
}

void srv_room_users_free(srv_room_users *ru)
{
	size_t it = 0;
	ru_user *u;
	while ((u = base_map_next(&ru->users, &it)))
		free(u);
	base_map_free(&ru->users);
}

/* The template's literal text before (pre) or after (post) "{userId}",
 * with "{{" and "}}" as one brace, written to out. */
static void literal(const char *tmpl, bool post, char *out, size_t cap)
{
	size_t n = 0;
	bool after = false;
	for (const char *t = tmpl; *t; t++) {
		char c = *t;
		if ((t[0] == '{' && t[1] == '{') || (t[0] == '}' && t[1] == '}')) {
			t++;
		} else if (!strncmp(t, "{userId}", 8)) {
			after = true;
			t += 7;
			continue;
		}
		if (after == post && n + 1 < cap)
			out[n++] = c;
	}
	out[n] = '\0';
}

bool srv_room_users_id_of(const char *tmpl, const char *room, char *out, size_t cap)
{
	char pre[256], post[256];
	literal(tmpl, false, pre, sizeof(pre));
	literal(tmpl, true, post, sizeof(post));
	size_t lp = strlen(pre), ls = strlen(post), lr = strlen(room);
	if (lr <= lp + ls || strncmp(room, pre, lp) || strcmp(room + lr - ls, post))
		return false;
	size_t n = lr - lp - ls;
	if (n + 1 > cap)
		return false;
	memcpy(out, room + lp, n);
	out[n] = '\0';
	return true;
}

void srv_room_users_add(srv_room_users *ru, const char *user_id, const char *const *rooms,
                        size_t nrooms)
{
	char buf[256];
	for (size_t i = 0; !user_id && i < nrooms; i++)
		if (srv_room_users_id_of(ru->user_room, rooms[i], buf, sizeof(buf)))
			user_id = buf;
	if (!user_id || !*user_id) {
		ru->anonymous++;
		return;
	}
	ru_user *u = base_map_get(&ru->users, user_id);
	if (u) {
		u->sockets++;
		return;
	}
	size_t len = strlen(user_id);
	if (!(u = malloc(sizeof(*u) + len + 1))) {
		ru->failed = true;
		return;
	}
	memcpy(u->id, user_id, len + 1);
	u->sockets = 1;
	if (base_map_put(&ru->users, u->id, u) < 0) {
		free(u);
		ru->failed = true;
	}
}

static int by_sockets(const void *a, const void *b)
{
	const ru_user *x = *(const ru_user *const *)a, *y = *(const ru_user *const *)b;
	if (x->sockets != y->sockets)
		return x->sockets > y->sockets ? -1 : 1;
	return strcmp(x->id, y->id);
}

int srv_room_users_write(const srv_room_users *ru, base_jsonw *w, size_t max)
{
	size_t n = ru->users.len, it = 0, k = 0;
	ru_user **all = n ? malloc(n * sizeof(*all)) : NULL;
	ru_user *u;

	if (n && !all)
		return -1;
	base_jsonw_key(w, "users", 5);
	base_jsonw_array_begin(w);
	if (all) {
		while (k < n && (u = base_map_next(&ru->users, &it)))
			all[k++] = u;
		qsort(all, k, sizeof(*all), by_sockets);
		for (size_t i = 0; i < k && i < max; i++) {
			base_jsonw_object_begin(w);
			base_jsonw_key(w, "userId", 6);
			base_jsonw_str(w, all[i]->id, strlen(all[i]->id));
			base_jsonw_key(w, "sockets", 7);
			base_jsonw_int64(w, (int64_t)all[i]->sockets);
			base_jsonw_object_end(w);
		}
		free(all);
	}
	base_jsonw_array_end(w);
	base_jsonw_key(w, "userCount", 9);
	base_jsonw_int64(w, (int64_t)n);
	base_jsonw_key(w, "anonymousSockets", 16);
	base_jsonw_int64(w, (int64_t)ru->anonymous);
	if (n > max) {
		base_jsonw_key(w, "usersTruncated", 14);
		base_jsonw_bool(w, 1);
	}
	return 0;
}

/* eio_jsonp.c - JSONP polling for Engine.IO v3 clients (pure, no I/O).
 *
 * socket.io-client 2.x falls back to JSONP polling where XHR is missing
 * (old browsers; `forceJSONP`): its handshake carries `j=<index>`, every GET
 * answer is a script calling `___eio[<index>]("<payload>");` and every POST
 * is an HTML form's body, `d=<payload>` (application/x-www-form-urlencoded).
 * Node's engine.io 6.6 still serves it (transports/polling-jsonp.js), chosen
 * by the presence of `j` in the handshake; this file is its wire format:
 *   - the index is the digits of `j`, others dropped;
 *   - the payload is written as JSON.stringify writes a string, with U+2028
 *     and U+2029 escaped too (JSON is not a subset of JavaScript there);
 *   - a POST body is read as node's querystring.parse reads it ('+' is a
 *     space, %XX a byte, a malformed escape kept as it is; a key given twice
 *     is a list, which is no payload), and its `d` unescaped as the client
 *     escaped it against browsers turning "\n" into "\r\n": `\n` (backslash,
 *     n) is a newline and `\\n` is `\n`.
 */
#include "base/buf.h"
#include "base/hex.h"
#include "base/json.h"
#include "eio_jsonp.h"

#include <stdlib.h>
#include <string.h>

void eio_jsonp_index(const char *j, char *out, size_t cap)
{
	size_t n = 0;
	for (; *j && n + 1 < cap; j++)
		if (*j >= '0' && *j <= '9')
			out[n++] = *j;
	out[n] = '\0';
}

/* ---- the GET answer ------------------------------------------------------------ */

char *eio_jsonp_wrap(const char *index, const char *payload, size_t len, size_t *outlen)
{
	base_buf js, out;
	base_buf_init(&js);
	base_buf_init(&out);
	char *res = NULL;
	if (base_json_put_str(&js, payload, len) || base_buf_append(&out, "___eio[", 7) ||
	    base_buf_append(&out, index, strlen(index)) || base_buf_append(&out, "](", 2))
		goto done;
	/* U+2028 and U+2029 are E2 80 A8 and E2 80 A9 in UTF-8. */
	const char *p = js.data, *e = js.data + js.len, *run = p;
	for (; p + 2 < e; p++) {
		if ((unsigned char)p[0] != 0xe2 || (unsigned char)p[1] != 0x80 ||
		    ((unsigned char)p[2] != 0xa8 && (unsigned char)p[2] != 0xa9))
			continue;
		if (base_buf_append(&out, run, (size_t)(p - run)) ||
		    base_buf_append(&out, (unsigned char)p[2] == 0xa8 ? "\\u2028" : "\\u2029", 6))
			goto done;
		p += 2;
		run = p + 1;
	}
	if (base_buf_append(&out, run, (size_t)(e - run)) || base_buf_append(&out, ");", 2))
		goto done;
	*outlen = out.len;
	res = out.data;
	out.data = NULL;
done:
	base_buf_free(&js);
	base_buf_free(&out);
	return res;
}

/* ---- the POST body ------------------------------------------------------------- */

/* Percent-decode s[0..n) into out (which has room for n bytes), '+' as a
 * space; returns the length. */
static size_t form_decode(const char *s, size_t n, char *out)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		int hi, lo;
		if (s[i] == '+') {
			out[o++] = ' ';
		} else if (s[i] == '%' && i + 2 < n && (hi = base_hexval(s[i + 1])) >= 0 &&
		           (lo = base_hexval(s[i + 2])) >= 0) {
			out[o++] = (char)(hi << 4 | lo);
			i += 2;
		} else {
			out[o++] = s[i];
		}
	}
	return o;
}

/* The client's newline escapes undone in place: backslash-n is a newline,
 * backslash-backslash-n is backslash-n (node: rSlashes, then rDoubleSlashes). */
static size_t unescape_newlines(char *s, size_t n)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\\' && i + 2 < n && s[i + 1] == '\\' && s[i + 2] == 'n') {
			s[o++] = '\\';
			s[o++] = 'n';
			i += 2;
		} else if (s[i] == '\\' && i + 1 < n && s[i + 1] == 'n') {
			s[o++] = '\n';
			i += 1;
		} else {
			s[o++] = s[i];
		}
	}
	return o;
}

int eio_jsonp_form_payload(const char *body, size_t len, char **out, size_t *outlen)
{
	const char *d = NULL, *p = body, *e = body + len;
	size_t dlen = 0;
	int found = 0;
	char key[4];
	while (p < e) {
		const char *amp = memchr(p, '&', (size_t)(e - p));
		const char *end = amp ? amp : e;
		const char *eq = memchr(p, '=', (size_t)(end - p));
		const char *kend = eq ? eq : end;
		/* Keys are decoded too ("%64" is "d"); a key longer than 3
		 * bytes decodes to more than one byte, so it is not "d". */
		if (kend - p <= 3 && form_decode(p, (size_t)(kend - p), key) == 1 &&
		    key[0] == 'd') {
			found++;
			d = eq ? eq + 1 : end;
			dlen = (size_t)(end - d);
		}
		p = amp ? amp + 1 : e;
	}
	if (found != 1)
		return 0; /* absent, or a list: node's onData ignores it */
	char *buf = malloc(dlen + 1);
	if (!buf)
		return -1;
	size_t n = form_decode(d, dlen, buf);
	*outlen = unescape_newlines(buf, n);
	*out = buf;
	return 1;
}

/* fuzz_eio_jsonp.c - libFuzzer target for JSONP polling's wire format.
 *
 * A JSONP session's every POST body reaches eio_jsonp_form_payload() straight
 * from the network (engineio/eio_jsonp.c), so any bytes must be accepted or
 * rejected without reading out of bounds, and the payload found is never
 * longer than the body (decoding only shrinks). Every answer of such a
 * session is eio_jsonp_wrap() of a payload: for any input, the call must be
 * `___eio[<index>]("` ... `");` with no raw byte below 0x20, no raw U+2028 /
 * U+2029, and no unescaped quote inside the string (abort() otherwise).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../engineio/eio_jsonp.h"

static volatile unsigned char sink;

static void check_wrap(const char *in, size_t len)
{
	size_t n;
	char *js = eio_jsonp_wrap("12", in, len, &n);
	if (!js)
		return;
	static const char head[] = "___eio[12](\"";
	if (n < sizeof(head) - 1 + 3 || memcmp(js, head, sizeof(head) - 1) != 0 ||
	    memcmp(js + n - 3, "\");", 3) != 0)
		abort();
	for (size_t i = sizeof(head) - 1; i < n - 3; i++) {
		unsigned char c = (unsigned char)js[i];
		if (c < 0x20)
			abort();
		if (c == 0xe2 && i + 2 < n && (unsigned char)js[i + 1] == 0x80 &&
		    ((unsigned char)js[i + 2] == 0xa8 || (unsigned char)js[i + 2] == 0xa9))
			abort();
		if (c == '\\')
			i++; /* the escaped byte */
		else if (c == '"')
			abort();
	}
	free(js);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data;
	char *out;
	size_t n;
	if (eio_jsonp_form_payload(in, size, &out, &n) == 1) {
		if (n > size)
			abort();
		unsigned char acc = 0;
		for (size_t i = 0; i < n; i++)
			acc ^= (unsigned char)out[i];
		sink = acc;
		free(out);
	}
	check_wrap(in, size);
	return 0;
}

/* net_chunked.c - the decoder of a chunked request body (RFC 9112 section
 * 7.1), fed the raw bytes lws hands over.
 *
 * libwebsockets 4.1 does not de-chunk request bodies: a POST without
 * Content-Length is read as a body of up to 100 MiB of raw bytes, chunk
 * sizes and all, which never completes (docs/engineio.md, pitfall 16). So
 * the router passes each raw piece here, in whatever pieces it arrives (a
 * chunk size may be split across reads), and the data of the chunks goes to
 * the request's owner as ordinary body pieces. Strict, as a request-smuggling
 * defence: hexadecimal sizes of at most 15 digits, CRLF (never a bare LF)
 * after each size line and each chunk, bounded chunk extensions and trailer
 * section (both ignored), nothing else.
 */
#include "base/hex.h"
#include "net_internal.h"

enum {
	CK_SIZE,       /* hex digits of the size */
	CK_EXT,        /* chunk extension, to CR */
	CK_SIZE_LF,    /* LF after the size line */
	CK_DATA,       /* ck_left bytes of data */
	CK_DATA_CR,    /* CR after the data */
	CK_DATA_LF,    /* LF after the data */
	CK_TRAILER,    /* start of a trailer line, or the final CRLF */
	CK_TRAILER_IN, /* inside a trailer line, to CR */
	CK_TRAILER_LF, /* LF ending a trailer line */
	CK_FINAL_LF,   /* LF of the final CRLF */
	CK_DONE,
};

/* Bytes of chunk extensions and trailers taken per body (ignored data). */
#define CK_MAX_META 4096

int net_chunked_feed(net_http *h, const char *in, size_t len,
                     void (*data)(net_http *h, const char *d, size_t n))
{
	size_t i = 0;
	while (i < len) {
		char c = in[i];
		switch (h->ck_state) {
		case CK_SIZE: {
			int v = base_hexval((unsigned char)c);
			if (v >= 0) {
				if (++h->ck_digits > 15)
					return -1;
				h->ck_left = h->ck_left * 16 + (uint64_t)v;
			} else if (h->ck_digits && (c == ';' || c == ' ' || c == '\t')) {
				h->ck_state = CK_EXT;
			} else if (h->ck_digits && c == '\r') {
				h->ck_state = CK_SIZE_LF;
			} else {
				return -1;
			}
			i++;
			break;
		}
		case CK_EXT:
		case CK_TRAILER_IN:
			if (++h->ck_meta > CK_MAX_META || c == '\n')
				return -1;
			if (c == '\r')
				h->ck_state = h->ck_state == CK_EXT ? CK_SIZE_LF : CK_TRAILER_LF;
			i++;
			break;
		case CK_SIZE_LF:
			if (c != '\n')
				return -1;
			h->ck_digits = 0;
			h->ck_state = h->ck_left ? CK_DATA : CK_TRAILER;
			i++;
			break;
		case CK_DATA: {
			size_t n = len - i;
			if (n > h->ck_left)
				n = (size_t)h->ck_left;
			h->ck_left -= n;
			if (data)
				data(h, in + i, n);
			i += n;
			if (!h->ck_left)
				h->ck_state = CK_DATA_CR;
			break;
		}
		case CK_DATA_CR:
			if (c != '\r')
				return -1;
			h->ck_state = CK_DATA_LF;
			i++;
			break;
		case CK_DATA_LF:
			if (c != '\n')
				return -1;
			h->ck_state = CK_SIZE;
			i++;
			break;
		case CK_TRAILER:
			h->ck_state = c == '\r' ? CK_FINAL_LF : CK_TRAILER_IN;
			if (c == '\n' || ++h->ck_meta > CK_MAX_META)
				return -1;
			i++;
			break;
		case CK_TRAILER_LF:
			if (c != '\n')
				return -1;
			h->ck_state = CK_TRAILER;
			i++;
			break;
		case CK_FINAL_LF:
			if (c != '\n')
				return -1;
			h->ck_state = CK_DONE;
			return 1; /* what follows is not this body's */
		default:
			return 1;
		}
	}
	return 0;
}

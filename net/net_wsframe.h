/* net_wsframe.h - a server's reader of a client's WebSocket frames (RFC 6455
 * section 5), incremental: bytes in as they arrive, in pieces of any size,
 * events out. The net layer's own because lws 4.1's reader lets protocol
 * errors through (docs/engineio.md, pitfall 19). No allocation: a
 * connection's reader is this struct; payload is unmasked in place and
 * handed over in the pieces it arrived in.
 */
#ifndef NET_WSFRAME_H
#define NET_WSFRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What a frame's bytes make. */
typedef struct net_wsf_events {
	/* A piece of a data message's payload (unmasked), in order: first is
	 * the message's first piece, final its last (both for a whole message
	 * in one piece; an empty message is one empty piece with both). */
	void (*data)(void *ud, const char *p, size_t n, bool binary, bool first, bool final);
	/* A whole control frame: 0x8 close, 0x9 ping, 0xA pong, and its payload
	 * (at most 125 bytes). A close's payload has been checked (section
	 * 5.5.1, 7.4): empty, or a valid code and UTF-8 reason. */
	void (*control)(void *ud, int opcode, const char *p, size_t n);
} net_wsf_events;

/* Data frames one message may have: node's ws (8.23, maxFragments) closes
 * the connection with 1008 past 16,384, a bound on the work a peer makes
 * with frames that carry nothing. */
#define NET_WSF_MAX_FRAGMENTS 16384

typedef struct net_wsf {
	uint64_t max;     /* the largest message taken (its payload, summed over fragments) */
	uint64_t msg_len; /* payload of the message in progress so far */
	uint64_t left;    /* payload of the current frame still to come */
	uint8_t state;    /* where in a frame (net_wsframe.c) */
	uint8_t hdr[14];  /* the frame header being read */
	uint8_t hlen;     /* bytes of it read */
	uint8_t mask[4];
	uint8_t mask_at; /* the mask's byte for the next payload byte */
	uint8_t opcode;  /* of the current frame */
	bool fin;
	bool in_msg;     /* a fragmented message is in progress */
	bool msg_binary; /* ... of this kind */
	bool msg_first;  /* no piece of it handed over yet */
	uint32_t frags;  /* its data frames so far */
	uint32_t utf8;   /* the text validator's state (net_wsframe.c) */
	uint8_t ctl[125];
	uint8_t ctl_len;
	bool closed; /* a close frame or an error: nothing more is read */
} net_wsf;

/* An error: the status code to close with (RFC 6455 section 7.4.1) and a
 * short reason in static storage. */
typedef struct net_wsf_error {
	uint16_t code; /* 1002 protocol error, 1007 invalid UTF-8, 1008 too many
	                * fragments, 1009 too large */
	const char *reason;
} net_wsf_error;

void net_wsf_init(net_wsf *r, uint64_t max_message);

/* Feed buf[0..len) (unmasked in place). Returns the bytes consumed: all of
 * them, or fewer when a close frame ended the stream (what follows it is
 * not read, section 5.5.1) or on an error, which fills *err (code 0
 * otherwise). After an error or a close, nothing more is consumed. */
size_t net_wsf_feed(net_wsf *r, char *buf, size_t len, const net_wsf_events *ev, void *ud,
                    net_wsf_error *err);

/* Whether utf8 text is valid UTF-8 (RFC 3629: no overlong forms, no
 * surrogates, nothing past U+10FFFF). */
bool net_wsf_utf8_valid(const char *p, size_t n);

#endif

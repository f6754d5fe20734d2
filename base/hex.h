/* hex.h - the value of a hexadecimal digit (base layer): JSON's \uXXXX
 * escapes (base/json.c) and HTTP chunk sizes (net/net_chunked.c) read them. */
#ifndef BASE_HEX_H
#define BASE_HEX_H

/* 0-15 for '0'-'9', 'a'-'f', 'A'-'F'; -1 for any other byte. */
static inline int base_hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

#endif

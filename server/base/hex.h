/* SPDX-License-Identifier: MIT
 * hex.h -- the value of one hexadecimal digit, for the readers of hex text (the state
 * file's percent-encoding, hex rdata in zone files, the cookie secret). Header only; pure, any
 * thread. */
#ifndef GS_HEX_H
#define GS_HEX_H

/* The value (0..15) of the hexadecimal digit c, either case; -1 when c is not one. */
static inline int hex_digit_value(char c)
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

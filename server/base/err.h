/* SPDX-License-Identifier: MIT
 * err.h -- the project's error codes: 0 for success, a negative enum gs_err otherwise
 * (after Knot and libuv). Any thread. */
#ifndef GS_ERR_H
#define GS_ERR_H

enum gs_err {
	GS_OK = 0,
	GS_ENOMEM = -1,  /* allocation failed */
	GS_EINVAL = -2,  /* bad argument or value */
	GS_EPARSE = -3,  /* input did not parse or validate; details are in a struct diag */
	GS_EIO = -4,     /* a system call failed; errno says why */
	GS_ENOENT = -5,  /* not found */
	GS_ERANGE = -6,  /* value out of range */
	GS_ESPACE = -7,  /* output buffer too small */
	GS_EEXIST = -8,  /* already present */
	GS_ENOTSUP = -9, /* recognised but not supported */
};

/* Returns a static, human-readable description of code. */
const char *gs_strerror(int code);

#endif

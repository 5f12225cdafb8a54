/* SPDX-License-Identifier: MIT
 * err.c -- text for the project's error codes. Any thread. */
#include "server/base/err.h"

const char *gs_strerror(int code)
{
	switch (code) {
	case GS_OK:
		return "success";
	case GS_ENOMEM:
		return "out of memory";
	case GS_EINVAL:
		return "invalid argument";
	case GS_EPARSE:
		return "parse or validation error";
	case GS_EIO:
		return "input/output error";
	case GS_ENOENT:
		return "not found";
	case GS_ERANGE:
		return "value out of range";
	case GS_ESPACE:
		return "no space left in buffer";
	case GS_EEXIST:
		return "already exists";
	case GS_ENOTSUP:
		return "not supported";
	}
	return "unknown error";
}

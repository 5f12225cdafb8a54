/* SPDX-License-Identifier: MIT
 * compiler.h -- attribute macros that let the compiler check function contracts,
 * and a few tiny helpers shared by every layer. Header only; no thread concerns. */
#ifndef GS_COMPILER_H
#define GS_COMPILER_H

#define GS_NONNULL           __attribute__((nonnull))
#define GS_NONNULLX(...)     __attribute__((nonnull(__VA_ARGS__)))
#define GS_WUR               __attribute__((warn_unused_result))
#define GS_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#define GS_HOT               __attribute__((hot))
#define GS_COLD              __attribute__((cold))
#define GS_NOINLINE          __attribute__((noinline))
#define GS_NORETURN          __attribute__((noreturn))
#define GS_MALLOC            __attribute__((malloc))
#define GS_UNUSED            __attribute__((unused))
#define GS_LIKELY(x)         __builtin_expect(!!(x), 1)
#define GS_UNLIKELY(x)       __builtin_expect(!!(x), 0)

#define GS_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#endif

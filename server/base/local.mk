# server/base: the bottom layer (errors, logging, diagnostics, arena, names, addresses,
# safe file reads, a thread with its own libev loop).
noinst_LIBRARIES += server/base/libbase.a
server_base_libbase_a_SOURCES = \
	server/base/compiler.h server/base/dns.h server/base/hex.h \
	server/base/err.c server/base/err.h \
	server/base/log.c server/base/log.h \
	server/base/diag.c server/base/diag.h \
	server/base/arena.c server/base/arena.h \
	server/base/xalloc.c server/base/xalloc.h \
	server/base/dname.c server/base/dname.h \
	server/base/netaddr.c server/base/netaddr.h \
	server/base/rfile.c server/base/rfile.h \
	server/base/rfile_set.c server/base/rfile_set.h \
	server/base/timefmt.c server/base/timefmt.h \
	server/base/kv.c server/base/kv.h \
	server/base/evthread.c server/base/evthread.h \
	server/base/thread.c server/base/thread.h \
	server/base/mono.h

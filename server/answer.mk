# server/answer and friends: the query path (parse, resolve, render) and steering
# (steer.c on the query path, services.c building it at load) (libanswer.a, on
# libzones.a, libgeoip.a, libhealth.a and libbase.a).
noinst_LIBRARIES += server/libanswer.a
server_libanswer_a_CFLAGS = $(AM_CFLAGS) $(MMDB_CFLAGS)
server_libanswer_a_SOURCES = \
	server/answer.c server/answer.h \
	server/chaos.c server/chaos.h \
	server/cookie.c server/cookie.h \
	server/edns.c server/edns.h \
	server/query.c server/query.h \
	server/render.c server/render.h \
	server/rrl.c server/rrl.h \
	server/services.c server/services.h \
	server/siphash.c server/siphash.h \
	server/steer.c server/steer.h \
	server/wire.h

# answer-bench: answer_packet() timing over a query mix (callgrind-friendly). Built by
# `make check` (not run as a test) or on its own with `make server/answer-bench`.
check_PROGRAMS += server/answer-bench
server_answer_bench_SOURCES = server/answer_bench.c
server_answer_bench_LDADD = $(GS_SERVER_LIBS)
